"""``python -m dualcalc``: the same as the ``dualcalc`` command."""
import sys

from dualcalc.cli import main

if __name__ == "__main__":
    sys.exit(main())
