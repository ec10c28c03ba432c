"""Build the compiled core.  Metadata lives in pyproject.toml.

Cython directives are set here, once.  DUALCALC_DEBUG=1 in the environment turns
bounds and wraparound checks back on (for CI and bug hunts) and keeps debug
information; a release build is optimised, carries no debug information (the
shared objects are about a seventh of the size) and compiles the modules in
parallel, one per core (DUALCALC_JOBS=N overrides the count), also under
``pip install .``, which gives build_ext no ``-j`` of its own.
"""
import os
import sys

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

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

if os.name == "nt":
    compile_args = ["/Od", "/Zi"] if DEBUG else ["/O2"]
    link_args = []
else:
    # -g0 after -O3: Python's own CFLAGS (sysconfig) often carry -g, and the
    # last flag wins.  -s strips what the linker would still keep.
    compile_args = ["-O0", "-g"] if DEBUG else ["-O3", "-g0"]
    link_args = [] if DEBUG or sys.platform == "darwin" else ["-s"]

MODULES = ["_table", "_scalar", "_vec", "_taylor", "_math", "_bands", "_kernels", "_types",
           "_engine", "_seeds", "_indexing", "_reductions", "_protocols", "_arrays", "_passes", "_watch",
           "_replay", "_coloring", "_trust", "_gausskronrod"]
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
        extra_link_args=link_args,
        libraries=[] if os.name == "nt" else ["m"],
    )
    for name in MODULES
    if os.path.exists(os.path.join("dualcalc", "_core", name + ".pyx"))
]


class ParallelBuildExt(build_ext):
    """build_ext that compiles the modules in parallel by default.

    ``pip install .`` cannot pass ``-j``; without it the four modules (one of
    them, _arrays, takes most of the time) compile one after the other.
    """

    def finalize_options(self):
        super().finalize_options()
        if not self.parallel:
            jobs = os.environ.get("DUALCALC_JOBS")
            self.parallel = int(jobs) if jobs else (os.cpu_count() or 1)
        if self.parallel == 1:
            self.parallel = None   # setuptools' serial path


# Cythonize in parallel too (one process per .pyx) when there is more than one
# core; the generated C is cached in build/cython between builds.  Commands
# that compile nothing (the sdist, metadata) skip it: the sdist ships the .pyx.
nthreads = 0 if os.name == "nt" else min(len(extensions), os.cpu_count() or 1)
COMPILES_NOTHING = {"sdist", "egg_info", "dist_info", "--name", "--version"}
if COMPILES_NOTHING & set(sys.argv[1:]):
    ext_modules = extensions
else:
    ext_modules = cythonize(extensions, compiler_directives=directives,
                            build_dir="build/cython",
                            nthreads=nthreads if nthreads > 1 else 0)

setup(ext_modules=ext_modules, cmdclass={"build_ext": ParallelBuildExt})
