"""The README's examples run as written and print what the README says."""
import doctest
import pathlib

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_readme_examples():
    result = doctest.testfile(str(README), module_relative=False,
                              optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 20
    assert result.failed == 0


def test_readme_shows_the_two_commands():
    text = README.read_text()
    assert "pip install . && dualcalc tour" in text
    marker = text.index("<!-- test-command -->")
    assert "pip install -e '.[test]' && python -m pytest" in text[marker:marker + 200]
