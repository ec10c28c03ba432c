"""What a newcomer meets before the first derivative: the source distribution
carries what its own tests need, the metadata is true, the wheel carries no
sources, and an unbuilt source tree says how to build it."""
import email
import pathlib
import re
import shutil
import subprocess
import sys
import tarfile
try:
    import tomllib                          # Python 3.11+
except ModuleNotFoundError:                 # Python 3.10: the same parser, as tomli
    import tomli as tomllib
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def tracked(*patterns):
    """Files of the source tree matching the glob patterns (relative paths)."""
    out = set()
    for pat in patterns:
        out |= {str(p.relative_to(ROOT)) for p in ROOT.glob(pat)
                if p.is_file() and "__pycache__" not in p.parts}
    return out


def _can_build_here():
    """Whether this environment has the build requirements of pyproject.toml
    (setuptools new enough for the SPDX license field, Cython, NumPy)."""
    try:
        from importlib.metadata import version
        import Cython  # noqa: F401
        import numpy  # noqa: F401
        major = int(version("setuptools").split(".")[0])
    except Exception:
        return False
    return major >= 77


@pytest.fixture(scope="module")
def sdist(tmp_path_factory):
    """(file names relative to the sdist's top folder, PKG-INFO message)."""
    out = tmp_path_factory.mktemp("sdist")
    # In this environment when it can build (seconds); else in an isolated one,
    # which first installs the build requirements (minutes).
    isolation = ["--no-isolation"] if _can_build_here() else []
    p = subprocess.run([sys.executable, "-m", "build", "--sdist", *isolation,
                        "--outdir", str(out), str(ROOT)],
                       capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    [archive] = out.glob("dualcalc-*.tar.gz")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        top = names[0].split("/")[0]
        info = tar.extractfile(f"{top}/PKG-INFO").read().decode()
    files = {n.split("/", 1)[1] for n in names if "/" in n}
    return files, email.message_from_string(info)


def test_sdist_carries_what_its_tests_benchmarks_and_examples_need(sdist):
    files, _ = sdist
    needed = tracked("tests/*.py", "bench/*.py", "bench/*.md", "bench/*.txt",
                     "examples/*.py", "dualcalc/**/*.py", "dualcalc/_core/*.pyx",
                     "dualcalc/_core/*.pxd", "dualcalc/**/*.pyi", "docs/*.py",
                     "docs/**/*.rst")
    needed |= {"README.md", "LICENSE", "CHANGELOG.md", "CONTRIBUTING.md", "pyproject.toml",
               "setup.py", "dualcalc/py.typed", "tests/conftest.py", "tests/_oracle.py"}
    assert not needed - files, sorted(needed - files)
    built = [f for f in files if f.endswith((".so", ".pyd", ".c")) or "__pycache__" in f]
    assert not built, built


def test_metadata_is_what_the_project_can_stand_behind(sdist):
    _, meta = sdist
    assert meta["License-Expression"] == "MIT"
    assert "LICENSE" in meta.get_all("License-File")
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    classifiers = meta.get_all("Classifier")
    for minor in (10, 11, 12, 13):       # built and tested with pyenv's 3.10-3.13
        assert f"Programming Language :: Python :: 3.{minor}" in classifiers
    assert meta["Requires-Python"] == ">=3.10"
    # The NumPy floor is the one .ci/run reads and installs exactly.
    [numpy_req] = [r for r in meta.get_all("Requires-Dist")
                   if re.match(r"numpy\b", r) and "extra" not in r]
    assert re.fullmatch(r"numpy>=\d+\.\d+(\.\d+)?", numpy_req.replace(" ", "")), numpy_req
    assert 'numpy==$floor' in (ROOT / ".ci" / "run").read_text()


def test_unbuilt_source_tree_says_how_to_build_it(tmp_path):
    # A copy of the package without its compiled modules, imported from its root
    # as from a fresh clone.
    shutil.copytree(ROOT / "dualcalc", tmp_path / "dualcalc",
                    ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"))
    p = subprocess.run([sys.executable, "-c", "import dualcalc"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 1
    last = p.stderr[p.stderr.index("ImportError"):]
    assert "dualcalc's compiled core is not built" in last
    assert "pip install -e ." in last and "python setup.py build_ext --inplace" in last
    assert "C compiler" in last


@pytest.mark.slow
def test_wheel_carries_compiled_modules_and_no_sources(tmp_path):
    p = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w",
                        str(tmp_path), str(ROOT)], capture_output=True, text=True,
                       timeout=1500)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    [wheel] = tmp_path.glob("dualcalc-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    core = [n for n in names if n.startswith("dualcalc/_core/")]
    for module in ("_table", "_scalar", "_math", "_arrays"):
        assert any(n.startswith(f"dualcalc/_core/{module}.") and n.endswith((".so", ".pyd"))
                   for n in core), module
        assert f"dualcalc/_core/{module}.pyi" in core
    assert not [n for n in names if n.endswith((".pyx", ".c"))]
    assert "dualcalc/_core/_scalar.pxd" in core and "dualcalc/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
