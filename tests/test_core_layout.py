"""The compiled core's layout: one module per responsibility, each with its
contract (.pxd) and stub (.pyi), cimports only downwards, and the names the
rest of dualcalc imports from ``dualcalc._core._arrays`` still there."""
import importlib
import pathlib
import re

import pytest

CORE = pathlib.Path(__file__).resolve().parent.parent / "dualcalc" / "_core"

# bottom-up: a module may cimport only modules listed before it
ORDER = ["_rules", "_alloc", "_watch", "_scalar", "_vec", "_taylor", "_table", "_math", "_replay",
         "_coloring", "_trust", "_gausskronrod", "_bands",
         "_kernels", "_types", "_engine", "_seeds", "_indexing", "_reductions", "_protocols",
         "_arrays", "_passes"]
ARRAY_LAYER = ["_bands", "_kernels", "_types", "_engine", "_seeds", "_indexing",
               "_reductions", "_protocols", "_arrays"]


def _cimported(path):
    text = path.read_text()
    return set(re.findall(r"^\s*from dualcalc\._core\.(\w+) cimport", text, re.M)
               + re.findall(r"^\s*from dualcalc\._core cimport (\w+)", text, re.M))


@pytest.mark.parametrize("name", sorted({p.stem for p in CORE.glob("_*.pyx")}
                                         | {p.stem for p in CORE.glob("_*.pxd")}))
def test_cimports_point_down(name):
    assert name in ORDER, f"{name} is not placed in the layer order of this test"
    for path in (CORE / (name + ".pyx"), CORE / (name + ".pxd")):
        if path.exists():
            for dep in _cimported(path) - {name}:
                assert ORDER.index(dep) < ORDER.index(name), f"{path.name} cimports {dep}"


@pytest.mark.parametrize("name", ARRAY_LAYER)
def test_array_layer_modules_have_stubs_and_stay_small(name):
    pyx = CORE / (name + ".pyx")
    assert (CORE / (name + ".pyi")).exists()
    assert len(pyx.read_text().splitlines()) < 1500
    module = importlib.import_module("dualcalc._core." + name)
    assert "\nDesign: " in module.__doc__, "the module docstring says what its layers are"


def test_arrays_reexports_the_names_the_package_uses():
    A = importlib.import_module("dualcalc._core._arrays")
    owners = {
        "_types": ["DualArray", "HyperDualArray", "components", "rebuild", "map_components"],
        "_engine": ["operand", "value_of", "make_dual", "make_hyper", "apply_rule", "binary",
                    "chain_unary"],
        "_seeds": ["seed_identity", "seed_identity_hyper", "seed_hvp", "concat_banded",
                   "is_banded", "zero_eps1eps2", "bands_of", "hvp_bands_of"],
        "_indexing": ["set_scalar_elements"],
        "_reductions": ["sum_array", "sum_function", "set_sum_general", "result_type"],
        "_protocols": ["DualArrayHandle", "array_ufunc", "array_function",
                       "set_late_ufunc_hook", "set_unsupported_message", "_FUNCTIONS",
                       "_UFUNC_METHODS", "_EXTRA_UNARY", "_store", "_function_name",
                       "_supported_ufunc_names"],
    }
    for mod, names in owners.items():
        M = importlib.import_module("dualcalc._core." + mod)
        for n in names:
            assert getattr(A, n) is getattr(M, n), (mod, n)
    # settings rebound by their setters are read from their owner
    P = importlib.import_module("dualcalc._core._protocols")
    assert A._late_ufunc_hook is P._late_ufunc_hook
    with pytest.raises(AttributeError):
        A.no_such_name
