"""Type stubs for the compiled dual arrays (dualcalc._core._arrays, which re-exports
the array layer of the core: see the modules named below)."""
from dualcalc._core._bands import BandStore as BandStore, HyperBandStore as HyperBandStore
from dualcalc._core._types import DualArray as DualArray, HyperDualArray as HyperDualArray
from dualcalc._core._protocols import DualArrayHandle as DualArrayHandle
from dualcalc._core._types import components as components
from dualcalc._core._types import rebuild as rebuild
from dualcalc._core._types import map_components as map_components
from dualcalc._core._engine import make_dual as make_dual
from dualcalc._core._engine import make_hyper as make_hyper
from dualcalc._core._engine import operand as operand
from dualcalc._core._engine import value_of as value_of
from dualcalc._core._engine import apply_rule as apply_rule
from dualcalc._core._engine import chain_unary as chain_unary
from dualcalc._core._engine import binary as binary
from dualcalc._core._seeds import seed_identity as seed_identity
from dualcalc._core._seeds import seed_identity_hyper as seed_identity_hyper
from dualcalc._core._seeds import seed_hvp as seed_hvp
from dualcalc._core._seeds import is_banded as is_banded
from dualcalc._core._seeds import zero_eps1eps2 as zero_eps1eps2
from dualcalc._core._seeds import bands_of as bands_of
from dualcalc._core._seeds import hvp_bands_of as hvp_bands_of
from dualcalc._core._seeds import concat_banded as concat_banded
from dualcalc._core._indexing import set_scalar_elements as set_scalar_elements
from dualcalc._core._reductions import sum_array as sum_array
from dualcalc._core._reductions import sum_function as sum_function
from dualcalc._core._reductions import set_sum_general as set_sum_general
from dualcalc._core._reductions import result_type as result_type
from dualcalc._core._protocols import array_ufunc as array_ufunc
from dualcalc._core._protocols import array_function as array_function
from dualcalc._core._protocols import set_late_ufunc_hook as set_late_ufunc_hook
from dualcalc._core._protocols import set_unsupported_message as set_unsupported_message
