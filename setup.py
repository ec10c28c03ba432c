"""Build the compiled core.  Metadata lives in pyproject.toml.

Cython directives are set here, once.  DUALCALC_DEBUG=1 in the environment turns
bounds and wraparound checks back on (for CI and bug hunts).
"""
import os

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

DEBUG = os.environ.get("DUALCALC_DEBUG", "") not in ("", "0")

directives = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "initializedcheck": DEBUG,
    "cdivision": True,
    "binding": True,
    "embedsignature": True,
}

compile_args = ["-O0", "-g"] if DEBUG else ["-O3"]

MODULES = ["_table", "_scalar", "_vec", "_taylor", "_math", "_arrays"]
# DUALCALC_ONLY=_scalar,_math rebuilds just those modules (a development aid).
if os.environ.get("DUALCALC_ONLY"):
    MODULES = [m for m in MODULES if m in os.environ["DUALCALC_ONLY"].split(",")]

extensions = [
    Extension(
        "dualcalc._core." + name,
        ["dualcalc/_core/" + name + ".pyx"],
        include_dirs=[numpy.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=compile_args,
        libraries=[] if os.name == "nt" else ["m"],
    )
    for name in MODULES
    if os.path.exists(os.path.join("dualcalc", "_core", name + ".pyx"))
]

setup(ext_modules=cythonize(extensions, compiler_directives=directives,
                            build_dir="build/cython"))
