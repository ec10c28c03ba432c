"""Sphinx configuration for dualcalc's documentation.

Build from the repository root, after building the compiled core (so that
autodoc can import dualcalc):

    pip install -e '.[docs]'
    python -m sphinx -W --keep-going -b html docs docs/_build/html

-W turns every warning into an error; CI (.ci/run) builds the docs this way.
"""
import os
import re
import sys

sys.path.insert(0, os.path.abspath(".."))       # the source tree, built in place
sys.path.insert(0, os.path.abspath("."))        # bench_figures.py for the plot

import dualcalc  # noqa: E402

project = "dualcalc"
author = "dualcalc contributors"
copyright = "2026, dualcalc contributors"
release = dualcalc.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "matplotlib.sphinxext.plot_directive",
]

# numpydoc: the docstrings are numpydoc; their Examples sections are doctests
# run by tests/test_doctests.py, so the docs only show them.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
autosummary_generate = False
autodoc_default_options = {"members": True, "undoc-members": False,
                           "show-inheritance": False}
autodoc_member_order = "bysource"
autodoc_typehints = "none"

plot_include_source = False
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 110)]

templates_path = []
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_static_path = []
html_theme_options = {
    "description": "Exact derivatives of ordinary Python and NumPy code",
    "fixed_sidebar": True,
}

# Pages made from README sections, so they cannot drift from it.
import readme_sections  # noqa: E402

readme_sections.write(os.path.join(os.path.dirname(__file__), "_generated"), {
    "semantics.rst": ("Semantics", ["Semantics", "Non-finite and non-smooth semantics",
                                    "Design decisions"]),
    "benchmark-table.rst": ("Benchmark figures", ["Benchmarks"]),
    "guide-derivatives.rst": ("Derivatives", ["Derivatives"]),
    "guide-arrays.rst": ("Dual-valued arrays", ["Dual-valued arrays",
                                                "?Third-party code and conversions"]),
    "guide-optimize.rst": ("Optimisation", ["Optimisation"]),
    "guide-scalar.rst": ("Scalar-style code", ["?Scalar-style code: DualVec and HyperDualVec"]),
    "guide-taylor.rst": ("Taylor mode", ["?Taylor mode: derivatives of any order"]),
    "guide-integrate.rst": ("Integrals", ["?Integrals"]),
    "guide-sparse.rst": ("Sparse Jacobians and Hessians", ["?Sparse Jacobians and Hessians"]),
    "guide-compile.rst": ("Compile once, replay fast", ["?Compile once, replay fast"]),
})


# Docstrings write absolute values and norms as |x| (plain text reads best in
# help()); reStructuredText reads |x| as a substitution.  Escape the bars of
# such spans outside code literals before numpydoc and docutils see them.
_BARS = re.compile(r"(``.*?``)|\|(?=[^|\s])([^|`]*?[^|\s])\|")


def _escape_bars(app, what, name, obj, options, lines):
    for i, line in enumerate(lines):
        if "|" in line and not line.lstrip().startswith(("|", "+", ">>>", "...")):
            lines[i] = _BARS.sub(lambda m: m.group(1) or rf"\|{m.group(2)}\|", line)


def setup(app):
    app.connect("autodoc-process-docstring", _escape_bars, priority=100)
