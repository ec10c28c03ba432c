"""The expression language of the command line: what it accepts, what it
refuses (and where it points), its limits, and that it never runs the text."""
import ast
import builtins
import math
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dualcalc
from dualcalc import Dual, HyperDual
from dualcalc.expr import (MAX_DEPTH, MAX_EXPONENT, MAX_LENGTH, EvaluationError,
                           ExprError, parse, parse_assignments, parse_constant)


def refused(text, **kw):
    with pytest.raises(ExprError) as info:
        parse(text, **kw)
    return info.value


def caret(err):
    """The (start, end) the error points at, read back from its printed form."""
    lines = str(err).splitlines()
    marks = lines[-1]
    start = len(marks) - len(marks.lstrip(" ")) - 2
    return start, start + marks.count("^")


# ---------------------------------------------------------------- accepted
def test_variables_are_found_and_sorted_naturally():
    assert parse("x**2*y + 3*y**2").variables == ("x", "y")
    assert parse("b - a").variables == ("a", "b")
    assert parse("x10 + x2 + x1").variables == ("x1", "x2", "x10")
    assert parse("sin(pi*t) + e").variables == ("t",)
    assert parse("2 + 3").variables == ()


def test_vars_gives_the_order_and_may_add_unused_variables():
    f = parse("x - y", variables=["y", "x", "z"])
    assert f.variables == ("y", "x", "z")
    assert f([1.0, 5.0, 7.0]) == 4.0
    err = refused("x + w", variables=["x", "y"])
    assert "unknown name 'w'" in err.message and caret(err) == (4, 5)
    for bad in (["x", "x"], ["sin"], ["pi"], ["_x"], ["1x"]):
        with pytest.raises(ExprError):
            parse("x", variables=bad)


def test_values_match_python():
    f = parse("sin(3*x**2 + 2) + log(y, 2) - exp(-x)/y + hypot(x, y) + atan2(y, x)")
    x, y = 0.5, 8.0
    want = (math.sin(3 * x**2 + 2) + math.log(y, 2) - math.exp(-x) / y
            + math.hypot(x, y) + math.atan2(y, x))
    assert f([x, y]) == pytest.approx(want, rel=1e-15)
    assert parse("2**10")([]) == 1024.0
    assert parse("-2**2")([]) == -4.0          # Python precedence: -(2**2)
    assert parse("2**-1")([]) == 0.5
    assert parse("+x")([3.0]) == 3.0
    assert parse("abs(x) + fabs(x)")([-2.0]) == 4.0
    assert parse("1 - 2 + 3 - 4")([]) == -2.0  # left to right
    assert parse("2 / 4 * 8")([]) == 4.0


def test_vector_components():
    f = parse("x1**2*x2; 5*x1 + sin(x2)")
    assert f.is_vector and f.components == ("x1**2*x2", "5*x1 + sin(x2)")
    assert f([1.0, 0.0]) == [0.0, 5.0]
    assert not parse("x").is_vector


@pytest.mark.parametrize("make", [
    lambda v: v,
    lambda v: Dual(v, 1.0),
    lambda v: HyperDual(v, 1.0, 1.0, 0.0),
    lambda v: np.array(v),
])
def test_runs_on_every_number_type(make):
    f = parse("(1-x)**2 + 100*(y-x**2)**2 + sqrt(x**2 + 1) / exp(y)")
    y = f([make(-1.2), make(1.0)])
    ref = f([-1.2, 1.0])
    value = getattr(y, "value", y)
    assert float(np.asarray(value)) == pytest.approx(ref, rel=1e-15)


def test_integer_powers_are_exact_for_negative_bases():
    assert parse("x**3")([Dual(-2.0, 1.0)]) == Dual(-8.0, 12.0)
    y = parse("x**3")([Dual(-2.0, 1.0)])
    assert (y.value, y.eps) == (-8.0, 12.0)


def test_derivative_verbs_take_an_expression_as_it_is():
    f = parse("x**2*y + 3*y**2")
    assert dualcalc.gradient(f, [1.0, 2.0]).tolist() == [4.0, 13.0]
    assert dualcalc.hessian(f, [1.0, 2.0]).tolist() == [[4.0, 2.0], [2.0, 6.0]]
    J = dualcalc.jacobian(parse("x1**2*x2; 5*x1 + sin(x2)"), [1.0, 2.0])
    assert J.tolist() == [[4.0, 1.0], [5.0, math.cos(2.0)]]
    g = parse("sin(3*x**2 + 2)")
    assert dualcalc.derivative(lambda t: g((t,)), 0.5) == pytest.approx(
        3.0 * math.cos(2.75), rel=1e-15)


def test_a_long_chain_is_not_deep():
    n = 900
    f = parse("+".join(["x"] * n))
    assert f([2.0]) == 2.0 * n
    assert dualcalc.derivative(lambda t: f((t,)), 1.0) == float(n)
    assert parse("*".join(["x"] * 300))([1.0]) == 1.0


def test_constants_and_assignments():
    assert parse_constant("pi/4") == math.pi / 4
    assert parse_constant("-1.5e3") == -1500.0
    assert parse_assignments("x=1, y=-2.5, t=atan2(1, 2)") == {
        "x": 1.0, "y": -2.5, "t": math.atan2(1, 2)}
    for bad, where in [("x=1,y", 4), ("x=1,x=2", 4), ("x=y", 2), ("x=1,,y=2", 4),
                       ("sin=2", 0), ("x=1;2", 3), ("x=(", 2)]:
        with pytest.raises(ExprError) as info:
            parse_assignments(bad)
        assert caret(info.value)[0] == where, (bad, str(info.value))


# ---------------------------------------------------------------- refused
REFUSED = [
    # text, a fragment of the message, the caret's start
    ("__import__('os').system('x')", "attribute access", 0),
    ("'f'(2)", "only functions called by name", 0),
    ("().__class__", "attribute access", 0),
    ("x.real", "attribute access", 0),
    ("(lambda: 1)()", "lambda", 1),
    ("lambda: 1", "lambda", 0),
    ("x[0]", "subscripts", 0),
    ("[x for x in y]", "comprehensions", 0),
    ("sum(x for x in y)", "unknown function 'sum'", 0),
    ("'a'", "strings", 0),
    ("f'{x}'", "strings", 0),
    ("b'a'", "strings", 0),
    ("sin(x=1)", "keyword arguments", 4),
    ("sin(*x)", "starred", 4),
    ("foo(x)", "unknown function 'foo'", 0),
    ("sinn(x)", "did you mean sin", 0),
    ("eval('1')", "unknown function 'eval'", 0),
    ("open('f')", "unknown function 'open'", 0),
    ("x + x(2)", "x is not a function; for a product write x*(...)", 4),
    ("pi(2)", "pi is not a function", 0),
    ("sin + 1", "sin is a function", 0),
    ("_x + 1", "may not start with '_'", 0),
    ("sin(x, y)", "sin() takes 1 argument, got 2", 0),
    ("atan2(x)", "atan2() takes 2 arguments, got 1", 0),
    ("x | 2", "'|'", 0),
    ("x // 2", "'//'", 0),
    ("x % 2", "'%'", 0),
    ("x < 1", "comparisons", 0),
    ("x and y", "'and' / 'or'", 0),
    ("not x", "'not'", 0),
    ("~x", "'~'", 0),
    ("x if y else 1", "'if ... else'", 0),
    ("(y := 1)", "assignments", 1),
    ("(x, y)", "tuples", 0),
    ("True", "True", 0),
    ("None", "None", 0),
    ("1j", "complex", 0),
    ("...", "Ellipsis", 0),
    ("sin(x", "syntax error", 3),
    ("2 3", "did you mean 2*3?", 0),
    ("2j", "complex", 0),
    ("x y", "did you mean x*y?", 0),
    ("sin x", "did you mean sin(x)?", 0),
    ("x 2", "did you mean x*2?", 0),
    ("2 x y", "did you mean x*y?", 2),   # in the text as read: 2*x y
    ("lnn(x)", "did you mean log?", 0),
    ("x +", "syntax error", 3),
    ("x;;y", "empty component", 1),
    ("", "empty", 0),
    ("   ", "empty", 0),
    ("x\ny", "not allowed", 1),
    ("x\ty", "not allowed", 1),
    ("x\x00", "not allowed", 1),
    ("x\u00e9", "not allowed", 1),
    ("1e999", "too large", 0),
    ("1/0", "division by zero", 0),
    ("log(-1) + x", "log() is not defined", 0),
    ("(-8)**(1/3)", "complex", 0),
    ("10**400", "overflow", 0),
]


@pytest.mark.parametrize("text, fragment, start", REFUSED)
def test_refused_with_a_pointer(text, fragment, start):
    err = refused(text)
    assert fragment in err.message, err.message
    assert err.start == start, str(err)
    assert caret(err)[0] == start
    assert str(err).startswith(err.message)
    assert isinstance(err, ValueError)


def test_caret_sits_under_the_offending_part():
    err = refused("sin(x) + foo(y) * 2")
    assert str(err) == ("unknown function 'foo'; see 'dualcalc --help' for the list of "
                        "functions\n  sin(x) + foo(y) * 2\n           ^^^")
    err = refused("x + 1; y.z")
    assert caret(err) == (7, 10)


def test_long_expressions_show_a_window_around_the_problem():
    text = "x + " * 300 + "foo(x)"
    err = refused(text)
    first, second = str(err).splitlines()[1:]
    assert len(first) < 90 and "foo(x)" in first
    assert first[second.index("^")] == "f"


# ---------------------------------------------------------------- limits
def test_length_limit():
    err = refused("x+" * MAX_LENGTH + "x")
    assert "too long" in err.message
    parse("+".join(["x"] * (MAX_LENGTH // 2)))   # just under it: fine


@pytest.mark.parametrize("text", [
    "(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1),
    "-" * 1500 + "x",
    "sin(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1),
    "2**" * 200 + "x",
    "x" + "**x" * 300,
])
def test_depth_limit(text):
    err = refused(text)
    assert "too deeply nested" in err.message


def test_depth_just_under_the_limit_is_fine():
    d = MAX_DEPTH - 2
    assert parse("(" * d + "x" + ")" * d)([2.0]) == 2.0
    assert parse("-" * d + "x")([2.0]) == 2.0


@pytest.mark.parametrize("text", [
    "9**9**9**9", "x**9**9**9", "pow(9, pow(9, 9))", "2**2**2**2**2", "x**1e9",
    "x**-1e9", "x**(10**4)", f"x**{MAX_EXPONENT + 1}",
])
def test_huge_exponents_are_refused_at_once(text):
    t0 = time.perf_counter()
    err = refused(text)
    assert time.perf_counter() - t0 < 0.1
    assert "exponent too large" in err.message


def test_moderate_exponents_are_fine():
    assert parse(f"x**{MAX_EXPONENT}")([1.0]) == 1.0
    assert parse("2**1000")([]) == 2.0**1000
    assert parse("x**y")([2.0, 3.0]) == 8.0


def test_run_time_overflow_is_an_error_not_a_hang():
    f = parse("x**y")
    with pytest.raises(EvaluationError) as info:
        f([9.0, 1e9])
    assert isinstance(info.value, OverflowError)
    with pytest.raises(EvaluationError):
        parse("exp(exp(x))")([100.0])


# ---------------------------------------------------------------- evaluation errors
def test_evaluation_errors_point_at_the_failing_part():
    with pytest.raises(EvaluationError) as info:
        parse("y + log(x - 2)")([1.0, 0.0])
    assert "log() is not defined" in info.value.message
    assert caret(info.value) == (4, 14)
    with pytest.raises(ZeroDivisionError) as info:      # also an ArithmeticError
        parse("y + 1/(x - 1)")([1.0, 0.0])
    assert isinstance(info.value, EvaluationError)
    assert caret(info.value) == (4, 13)
    with pytest.raises(EvaluationError, match="domain of \\*\\*"):
        parse("x**y")([Dual(-1.0, 1.0), 0.5])
    with pytest.raises(ZeroDivisionError, match="negative power"):
        parse("x**y")([0.0, -1.0])


# ---------------------------------------------------------------- never run
def test_the_text_is_parsed_not_run(monkeypatch):
    """eval and exec are never called, and compile is only ever asked for an AST."""
    real_compile = builtins.compile

    def only_ast(source, filename, mode, flags=0, *args, **kw):
        assert flags & ast.PyCF_ONLY_AST, "compile() used for something other than parsing"
        return real_compile(source, filename, mode, flags, *args, **kw)

    def forbidden(*a, **k):
        raise AssertionError("eval/exec called")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.setattr(builtins, "compile", only_ast)
    f = parse("sin(3*x**2 + 2); x*y")
    assert f([0.5, 2.0])[1] == 1.0
    for text, _, _ in REFUSED:
        with pytest.raises(ExprError):
            parse(text)


# ---------------------------------------------------------------- property tests
TOKENS = ["x", "y", "x1", "1", "2.5", "0", "1e308", "pi", "e", "(", ")", "+", "-", "*",
          "/", "**", "sin(", "log(", "atan2(", "hypot(", "pow(", ",", ";", " ", ".",
          "'", "[", "]", "__import__", "lambda", ":", "=", "if", "else", "9**9**9",
          "()", "__class__", "**-", "abs(", "sqrt(", "exp(", "\\", "#", "\"", "{}"]


def _check_any(text):
    try:
        f = parse(text)
    except ExprError as err:
        assert isinstance(str(err), str) and err.message
        if err.start is not None:
            assert 0 <= err.start <= len(err.text)
        return
    assert isinstance(f.variables, tuple)
    for point in (0.5, -1.5, 0.0, 3.0):
        try:
            y = f([point] * len(f.variables))
        except EvaluationError:
            continue
        for v in (y if f.is_vector else [y]):
            assert isinstance(v, float)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_arbitrary_text_gives_a_result_or_the_clean_error(text):
    _check_any(text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=60).map("".join))
def test_token_soup_gives_a_result_or_the_clean_error(text):
    _check_any(text)


@st.composite
def expressions(draw, depth=0):
    """Well-formed expressions, to check evaluation against Python's floats."""
    if depth > 4 or draw(st.booleans()):
        return draw(st.sampled_from(["x", "y", "2", "0.5", "3", "pi"]))
    kind = draw(st.sampled_from(["+", "-", "*", "/", "**", "neg", "sin", "exp", "atan2"]))
    a = draw(expressions(depth + 1))
    b = draw(expressions(depth + 1))
    if kind == "neg":
        return f"-({a})"
    if kind in ("sin", "exp"):
        return f"{kind}({a})"
    if kind == "atan2":
        return f"atan2({a}, {b})"
    if kind == "**":
        return f"({a})**2"
    return f"({a}) {kind} ({b})"


@settings(max_examples=150, deadline=None)
@given(expressions(), st.floats(-3, 3), st.floats(-3, 3))
def test_well_formed_expressions_evaluate_like_python(text, x, y):
    env = {"x": x, "y": y, "sin": math.sin, "exp": math.exp, "atan2": math.atan2,
           "pi": math.pi}
    try:
        want = builtins.eval(text, {"__builtins__": {}}, env)   # the oracle, in the test only
    except (ArithmeticError, ValueError):
        want = None
    try:
        # constant sub-expressions are folded at parse time, so an overflow
        # such as exp(exp(3**2)) may be reported by parse() itself
        got = parse(text, variables=["x", "y"])([x, y])
    except ExprError:
        assert want is None or not math.isfinite(want)
        return
    if want is None:
        return
    if isinstance(want, float) and math.isnan(want):
        assert math.isnan(got)
    else:
        assert got == pytest.approx(want, rel=1e-12, abs=1e-300)


# ---------------------------------------------------------------- forgiving input
FORGIVEN = [
    # what a person writes, what it is read as
    ("2x", "2*x"),
    ("2 x", "2*x"),
    ("2(x+1)", "2*(x+1)"),
    ("(x+1)(x-1)", "(x+1)*(x-1)"),
    ("(x+1)x", "(x+1)*x"),
    ("2 sin(x)", "2*sin(x)"),
    ("3x y", None),                      # refused: x y (see REFUSED)
    ("x^2", "x**2"),
    ("e^x", "e**x"),
    ("-x^2", "-x**2"),                   # -(x**2), as on paper
    ("2^3^2", "2**3**2"),                # right-associative, as on paper
    ("x²", "x**2"),
    ("x³ + y²", "x**3 + y**2"),
    ("x⁻¹", "x**-1"),
    ("x¹⁰", "x**10"),
    ("2π", "2*pi"),
    ("πx", "pi*x"),
    ("sin(π/2)", "sin(pi/2)"),
    ("a·b", "a*b"),
    ("a×b", "a*b"),
    ("a÷b", "a/b"),
    ("a − b", "a - b"),
    ("1e-3x", "1e-3*x"),
    ("0x10 + x", "0x10 + x"),            # Python's hexadecimal stays a number
    ("x2 + x10", "x2 + x10"),            # digits inside a name stay in the name
    ("1if x else 2", "1if x else 2"),    # keywords are left to the refusals
]


@pytest.mark.parametrize("text, meant", [c for c in FORGIVEN if c[1] is not None])
def test_forgiving_forms_mean_what_they_say_on_paper(text, meant):
    from dualcalc.expr import normalize
    assert normalize(text) == meant
    if "if" in meant:
        return
    f, g = parse(text), parse(meant)
    assert f.text == meant and f.variables == g.variables
    point = [0.7 + 0.3 * i for i in range(len(f.variables))]
    assert f(point) == g(point)
    if f.variables:                      # the same derivatives too
        assert np.array_equal(dualcalc.gradient(f, point), dualcalc.gradient(g, point))


def test_aliases_are_the_functions_they_name():
    x = 0.3
    pairs = [("ln(x)", math.log(x)), ("arcsin(x)", math.asin(x)),
             ("arccos(x)", math.acos(x)), ("arctan(x)", math.atan(x)),
             ("arctan2(x, 2)", math.atan2(x, 2)), ("arcsinh(x)", math.asinh(x)),
             ("arctanh(x)", math.atanh(x)), ("arccosh(x + 1)", math.acosh(x + 1)),
             ("power(x, 3)", x ** 3), ("absolute(-x)", x)]
    for text, want in pairs:
        f = parse(text)
        assert f.variables == ("x",), text
        assert f([x]) == pytest.approx(want, rel=1e-15), text
    assert dualcalc.derivative(lambda t: parse("ln(x)")([t]), 2.0) == 0.5
    assert "ln is a function" in refused("ln + 1").message


def test_assignments_are_forgiving_too():
    assert parse_assignments("x=π/2, y=2π") == {"x": math.pi / 2, "y": 2 * math.pi}
    assert parse_assignments("x=2^3") == {"x": 8.0}
