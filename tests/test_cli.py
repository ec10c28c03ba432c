"""The dualcalc command, run as a user runs it: in a subprocess.

Each command is checked against exact expected values; the tour runs to the
end and its numbers are checked; a corpus of hostile inputs is refused with
status 2 and leaves no trace.  Checks that need many invocations go through
one subprocess that calls ``dualcalc.cli.main`` for each (`run_many`), to keep
the suite quick.
"""
import json
import math
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

TIMEOUT = 120


def run(*args, cwd=None, script=False, python_args=()):
    """`python -m dualcalc args` (or the console script): (status, stdout, stderr)."""
    if script:
        cmd = [shutil.which("dualcalc"), *args]
    else:
        cmd = [sys.executable, *python_args, "-m", "dualcalc", *args]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=TIMEOUT)
    return p.returncode, p.stdout, p.stderr


RUN_MANY = textwrap.dedent("""
    import contextlib, io, json, sys
    from dualcalc.cli import main
    results = []
    for argv in json.load(sys.stdin):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = main(argv)
            except SystemExit as exc:      # argparse's own errors
                status = exc.code
        results.append([status, out.getvalue(), err.getvalue()])
    json.dump(results, sys.stdout)
""")


def run_many(argvs, cwd=None, prelude=""):
    """Run many command lines in one subprocess: [(status, stdout, stderr)]."""
    p = subprocess.run([sys.executable, "-c", prelude + RUN_MANY], input=json.dumps(argvs),
                       capture_output=True, text=True, cwd=cwd, timeout=TIMEOUT)
    assert p.returncode == 0, p.stderr
    return [tuple(r) for r in json.loads(p.stdout)]


def as_json(stdout):
    return json.loads(stdout)


# ---------------------------------------------------------------- each command
def test_derivative():
    status, out, err = run("derivative", "sin(3*x**2 + 2)", "--at", "x=0.5")
    assert status == 0, err
    assert out == ("f(x) = sin(3*x**2 + 2)   at x = 0.5\n"
                   "  f(x)     = 0.38166099205233167\n"
                   "  f'(x)    = -2.7729071358973907\n")


def test_second_derivative_json():
    status, out, err = run("derivative", "sin(3*x**2 + 2)", "--at", "x=0.5", "--order", "2",
                           "--json")
    assert status == 0, err
    r = as_json(out)
    # mpmath at 40 digits: 0.38166099205233169857..., -2.77290713589739063228...,
    # -8.98076320026576655176...; these are the correctly rounded doubles.
    assert r["value"] == 0.38166099205233167
    assert r["first_derivative"] == -2.7729071358973907
    assert r["derivative"] == -8.980763200265766
    assert r["variables"] == ["x"] and r["at"] == {"x": 0.5} and r["order"] == 2


def test_gradient():
    status, out, err = run("gradient", "x**2*y + 3*y**2", "--at", "x=1,y=2")
    assert status == 0, err
    assert out == ("f(x, y) = x**2*y + 3*y**2   at (x, y) = (1.0, 2.0)\n"
                   "  f = 14.0\n"
                   "  df/dx = 4.0\n"
                   "  df/dy = 13.0\n"
                   "  gradient = [4.0, 13.0]\n"
                   "  |gradient| = 13.601470508735444\n")


def test_jacobian():
    status, out, err = run("jacobian", "x1**2*x2; 5*x1 + sin(x2)", "--at", "x1=1,x2=2")
    assert status == 0, err
    assert "  Jacobian (2 x 2: row i is the gradient of fi):" in out
    assert "    f1    4.0                  1.0\n" in out
    assert "    f2    5.0  -0.4161468365471424\n" in out
    status, out, err = run("jacobian", "x1**2*x2; 5*x1 + sin(x2)", "--at", "x1=1,x2=2",
                           "--json")
    r = as_json(out)
    assert r["value"] == [2.0, 5.0 + math.sin(2.0)]
    assert r["jacobian"] == [[4.0, 1.0], [5.0, math.cos(2.0)]]
    assert r["components"] == ["x1**2*x2", "5*x1 + sin(x2)"]


def test_hessian_classifies_the_point():
    status, out, err = run("hessian", "x**3 - 3*x + y**2", "--at", "x=1,y=0")
    assert status == 0, err
    assert out == (
        "f(x, y) = x**3 - 3*x + y**2   at (x, y) = (1.0, 0.0)\n"
        "  f = -2.0\n"
        "  gradient = [0.0, 0.0]\n"
        "  Hessian:\n"
        "          d/dx  d/dy\n"
        "    d/dx   6.0   0.0\n"
        "    d/dy   0.0   2.0\n"
        "  eigenvalues = [2.0, 6.0]\n"
        "  the gradient vanishes (every |df/dx_i| <= 1e-10): a critical point\n"
        "  classification: local minimum (the gradient vanishes and every eigenvalue "
        "of the Hessian is positive)\n")


@pytest.mark.parametrize("expr, at, kind, eig, vanishes", [
    ("x**3 - 3*x + y**2", "x=1,y=0", "local minimum", [2.0, 6.0], True),
    ("x**3 - 3*x + y**2", "x=-1,y=0", "saddle point", [-6.0, 2.0], True),
    ("1 - x**2 - y**2", "x=0,y=0", "local maximum", [-2.0, -2.0], True),
    ("x**4 + y**4", "x=0,y=0", "inconclusive", [0.0, 0.0], True),
    ("x**2 - y**2 + z**4", "x=0,y=0,z=0", "saddle point", [-2.0, 0.0, 2.0], True),
    ("x**3 - 3*x + y**2", "x=2,y=0", "not a critical point", [2.0, 12.0], False),
])
def test_hessian_classifications(expr, at, kind, eig, vanishes, hessian_results):
    r = hessian_results[(expr, at)]
    assert r["classification"] == kind
    assert r["eigenvalues"] == eig
    assert r["gradient_vanishes"] is vanishes


@pytest.fixture(scope="module")
def hessian_results():
    cases = [("x**3 - 3*x + y**2", "x=1,y=0"), ("x**3 - 3*x + y**2", "x=-1,y=0"),
             ("1 - x**2 - y**2", "x=0,y=0"), ("x**4 + y**4", "x=0,y=0"),
             ("x**2 - y**2 + z**4", "x=0,y=0,z=0"), ("x**3 - 3*x + y**2", "x=2,y=0")]
    results = run_many([["hessian", e, "--at", a, "--json"] for e, a in cases])
    out = {}
    for case, (status, stdout, stderr) in zip(cases, results):
        assert status == 0, stderr
        out[case] = as_json(stdout)
    return out


def test_minimize_newton_prints_a_live_table_then_the_result():
    status, out, err = run("minimize", "(1-x)**2 + 100*(y-x**2)**2", "--at", "x=-1.2,y=1",
                           "--method", "newton")
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0] == "minimize f(x, y) = (1-x)**2 + 100*(y-x**2)**2"
    assert lines[1] == "  from (x, y) = (-1.2, 1.0), method newton"
    assert lines[2].split() == ["iter", "f", "|grad|", "x", "y"]
    assert lines[3].split() == ["0", "24.2", "2.329e+02", "-1.2", "1"]
    assert lines[4].split()[0] == "1"
    result = out[out.index("converged:"):]
    assert result.startswith("converged: ")
    assert "  minimizer: (x, y) = (" in result and "  iterations: " in result
    status, out, err = run("minimize", "(1-x)**2 + 100*(y-x**2)**2", "--at", "x=-1.2,y=1",
                           "--method", "newton", "--json")
    r = as_json(out)
    assert r["success"] is True and r["method"] == "newton"
    assert r["x"]["x"] == pytest.approx(1.0, abs=1e-8)
    assert r["x"]["y"] == pytest.approx(1.0, abs=1e-8)
    assert r["fun"] < 1e-16 and r["grad_norm"] < 1e-6
    assert r["history"][0] == {"nit": 0, "fun": pytest.approx(24.2, rel=1e-15),
                               "grad_norm": pytest.approx(232.86768775422664, rel=1e-15),
                               "x": {"x": -1.2, "y": 1.0}}
    assert r["history"][-1]["nit"] == r["nit"]


def test_minimize_that_does_not_converge_exits_1():
    status, out, err = run("minimize", "(1-x)**2 + 100*(y-x**2)**2", "--at", "x=-1.2,y=1",
                           "--method", "gradient-descent", "--max-iter", "30")
    assert status == 1, err
    assert "did not converge: " in out
    assert "  iterations: 30," in out
    rows = [line.split()[0] for line in out.splitlines()[3:] if line.strip()[:1].isdigit()]
    assert rows == [str(i) for i in range(11)] + ["20", "30"]


def test_root():
    status, out, err = run("root", "x**2 + y**2 - 4; x - y", "--at", "x=1,y=0")
    assert status == 0, err
    assert out.splitlines()[0] == "solve x**2 + y**2 - 4 = 0, x - y = 0"
    assert "solved: " in out
    status, out, err = run("root", "x**2 + y**2 - 4; x - y", "--at", "x=1,y=0", "--json")
    r = as_json(out)
    assert r["success"] is True
    assert r["x"]["x"] == pytest.approx(math.sqrt(2), rel=1e-14)
    assert r["x"]["y"] == pytest.approx(math.sqrt(2), rel=1e-14)
    assert r["residual_norm"] < 1e-12


def test_plot_json_gives_the_samples():
    status, out, err = run("plot", "sin(x)", "--range=-pi:pi", "--points", "5", "--json")
    assert status == 0, err
    r = as_json(out)
    h = math.pi / 2
    assert r["x"] == [-math.pi, -h, 0.0, h, math.pi]
    assert r["f"] == [math.sin(t) for t in r["x"]]
    assert r["df"] == [math.cos(t) for t in r["x"]]
    assert r["d2f"] == [-math.sin(t) + 0.0 for t in r["x"]]


def test_plot_writes_a_figure(tmp_path):
    pytest.importorskip("matplotlib")
    status, out, err = run("plot", "sin(3*x**2 + 2)", "--range", "-2:2", "-o", "out.png",
                           cwd=tmp_path)
    assert status == 0, err
    assert out == ("wrote out.png: f, f' and f'' of f(x) = sin(3*x**2 + 2) on "
                   "[-2.0, 2.0], 401 points\n")
    assert (tmp_path / "out.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_without_matplotlib_says_how_to_install_it(tmp_path):
    prelude = "import sys; sys.modules['matplotlib'] = None\n"
    [(status, out, err)] = run_many(
        [["plot", "sin(x)", "--range", "-2:2", "-o", "out.png"]], cwd=tmp_path,
        prelude=prelude)
    assert status == 2
    assert "pip install 'dualcalc[plot]'" in err
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- the tour
def test_tour_runs_to_the_end():
    status, out, err = run("tour")
    assert status == 0, err
    titles = [line for line in out.splitlines()
              if line.split(".")[0].isdigit() and ". " in line[:4]]
    assert len(titles) == 10
    assert "dual number  0.5403023058681398  0.0e+00" in out
    assert "d/dx (3x + 1)^2 = 2(3x + 1) * 3:" in out
    assert "  at x = 1:   dual 24.0, by hand 24.0" in out
    assert "determinant = 2.0 (= r)" in out
    assert "Try it yourself" in out.splitlines()[-2]


def test_tour_numbers():
    status, out, err = run("tour", "--json")
    assert status == 0, err
    s = {sec["title"].split()[1]: sec for sec in as_json(out)["sections"]}
    dq = s["difference"]
    assert dq["dual"] == math.cos(1.0) and dq["dual_error"] == 0.0
    errors = [r["error"] for r in dq["rows"]]
    best = errors.index(min(errors))
    assert 0 < best < len(errors) - 1                       # truncation, then cancellation
    assert all(a > b for a, b in zip(errors[:best], errors[1:best + 1]))
    assert errors[-1] == pytest.approx(math.cos(1.0))       # h = 1e-16: x + h == x
    for row in s["polynomial:"]["rows"]:
        assert row["dual"] == row["rule"] and row["second"] == row["rule2"]
    assert [r["dual"] for r in s["polynomial:"]["rows"]] == [1.0, -4.0, 9.0, 40.0]
    p = s["derivatives"]
    assert (p["df_dx"], p["df_dy"]) == (4.0, 13.0)
    assert s["gradient"]["gradient"] == [2.0, 4.0, 6.0]
    a, b = s["chain"]["examples"]
    assert a["dual"] == pytest.approx(a["rule"], rel=1e-15) and b["dual"] == b["rule"] == 24.0
    J = s["Jacobian"]["jacobian"]
    assert J[0] == pytest.approx([0.5, -math.sqrt(3)], rel=1e-15)
    assert J[1] == pytest.approx([math.sqrt(3) / 2, 1.0], rel=1e-15)
    assert s["Jacobian"]["determinant"] == pytest.approx(2.0, rel=1e-15)
    assert [r["classification"] for r in s["classify"]["rows"]] == [
        "local minimum", "saddle point", "local maximum", "inconclusive"]
    gd, newton = s["descent"]["runs"]
    assert gd["method"] == "gradient-descent" and newton["method"] == "newton"
    assert newton["success"] and newton["distance"] < 1e-8
    assert newton["nit"] < 100 < gd["nit"]
    assert gd["distance"] < 1e-2


# ---------------------------------------------------------------- entry points and syntax
def test_console_script_and_leading_minus_signs():
    if shutil.which("dualcalc") is None:
        pytest.skip("the console script is not installed")
    status, out, err = run("derivative", "-x**2", "--at", "x=-3", "--json", script=True)
    assert status == 0, err
    r = as_json(out)
    assert (r["expression"], r["value"], r["derivative"]) == ("-x**2", -9.0, 6.0)


def test_expressions_and_ranges_may_start_with_a_minus_sign():
    results = run_many([["derivative", "-x**2", "--at", "x=-3", "--json"],
                        ["plot", "-x", "--range", "-1:-0.5", "--points", "2", "--json"]])
    (s1, out1, err1), (s2, out2, err2) = results
    assert s1 == 0 and s2 == 0, err1 + err2
    assert as_json(out1)["derivative"] == 6.0
    r = as_json(out2)
    assert (r["x"], r["f"], r["df"]) == ([-1.0, -0.5], [1.0, 0.5], [-1.0, -1.0])


def test_help_lists_the_functions_and_a_bad_command_is_status_2():
    results = run_many([["--help"], ["derivative", "--help"], ["frobnicate"], [],
                        ["minimize", "x**2", "--at", "x=1", "--method", "bogus"],
                        ["derivative", "x", "--at", "x=1", "--order", "3"]])
    (s1, help_out, _), (s2, sub_help, _) = results[:2]
    assert s1 == 0 and s2 == 0
    for name in ("sin", "atan2", "hypot", "log", "tour", "--json"):
        assert name in help_out
    assert "--at NAME=VALUE" in sub_help
    assert [r[0] for r in results[2:]] == [2, 2, 2, 2]


def test_usage_errors_are_named_and_status_2():
    cases = [
        (["derivative", "x**2*y", "--at", "x=1"], "no value for y"),
        (["derivative", "x**2", "--at", "x=1,y=2"], "--at gives y, which is not in"),
        (["derivative", "x**2"], "no value for x"),
        (["derivative", "x*y", "--at", "x=1,y=1"], "use gradient"),
        (["gradient", "x; y", "--at", "x=1,y=2"], "use jacobian"),
        (["root", "x + y", "--at", "x=1,y=1"], "as many equations as unknowns"),
        (["gradient", "log(x)", "--at", "x=-1"], "log() is not defined"),
        (["hessian", "x**2", "--at", "x=1/0"], "in the value of x: division by zero"),
        (["gradient", "2 + 3", "--at", ""], "the expression is empty"),
        (["plot", "sin(x)", "--range", "2:-2"], "start < stop"),
        (["plot", "sin(x)", "--range", "2"], "start:stop"),
        (["plot", "x*y", "--range", "0:1"], "one variable"),
        (["derivative", "x", "--at", "x=1", "--vars", "x,,y"], "--vars"),
        (["minimize", "x**2", "--at", "x=1", "--max-iter", "-1"], "--max-iter"),
        (["minimize", "x**2", "--at", "x=1", "--learning-rate", "0"], "--learning-rate"),
    ]
    results = run_many([argv for argv, _ in cases])
    for (argv, fragment), (status, out, err) in zip(cases, results):
        assert status == 2, (argv, out, err)
        assert out == "", argv
        assert err.startswith("dualcalc: error: ") and fragment in err, (argv, err)


def test_json_errors():
    [(status, out, err)] = run_many([["derivative", "x y", "--at", "x=1", "--json"]])
    assert status == 2 and err == ""
    assert as_json(out) == {"error": {
        "message": "two values side by side: did you mean x*y? Write * for a product",
        "expression": "x y", "start": 0, "end": 3}}


# ---------------------------------------------------------------- hostile input
HOSTILE = [
    "__import__('os').system('touch pwned')",
    "().__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "(lambda: 1)()",
    "open('pwned', 'w').write('x')",
    "eval(\"__import__('os').system('touch pwned')\")",
    "exec('import os')",
    "[c for c in ().__class__.__base__.__subclasses__()]",
    "x.__globals__",
    "globals()",
    "breakpoint()",
    "__builtins__",
    "x; __import__('os').system('touch pwned')",
    "x\n__import__('os').system('touch pwned')",
    "f'{__import__(\"os\").system(\"touch pwned\")}'",
    "'a' * 10**9",
    "9**9**9**9",
    "x**9**9**9",
    "2**2**2**2**2",
    "pow(9, pow(9, 9))",
    "x**1e9",
    "(" * 500 + "x" + ")" * 500,
    "-" * 1900 + "x",
    "sin(" * 200 + "x" + ")" * 200,
    "x+" * 5000 + "x",
    "1" * 5000,
    "\x00",
    "x\u202e",
]


def test_hostile_inputs_are_refused_without_side_effects(tmp_path):
    argvs = []
    for text in HOSTILE:
        argvs.append(["derivative", text, "--at", "x=1"])
        argvs.append(["minimize", text, "--at", "x=1", "--json"])
    argvs += [
        ["plot", HOSTILE[0], "--range", "0:1", "-o", "pwned.png"],
        ["root", HOSTILE[4], "--at", "x=1"],
        ["derivative", "x", "--at", "x=__import__('os').system('touch pwned')"],
        ["derivative", "x", "--at", "x=9**9**9**9"],
        ["derivative", "x", "--at", "__class__=1"],
        ["derivative", "x", "--vars", "__class__", "--at", "x=1"],
        ["plot", "x", "--range", "__import__('os').system('touch pwned'):1", "--json"],
        ["gradient", "x", "--at", "x=" + "(" * 300 + "1" + ")" * 300],
    ]
    results = run_many(argvs, cwd=tmp_path)
    for argv, (status, out, err) in zip(argvs, results):
        assert status == 2, (argv[:2], out, err)
        if "--json" in argv:
            assert "error" in as_json(out) and err == ""
        else:
            assert out == "" and err.startswith("dualcalc: error: "), (argv[:2], err)
        assert "Traceback" not in out + err
    assert list(tmp_path.iterdir()) == []
    assert not os.path.exists("pwned")


# ---------------------------------------------------------------- forgiving a student
def test_one_variable_takes_a_bare_value_and_several_at_are_merged():
    results = run_many([
        ["derivative", "x**2", "--at", "3", "--json"],
        ["derivative", "x**2", "--at", "pi/2", "--json"],
        ["gradient", "x**2*y", "--at", "x=2", "--at", "y=3", "--json"],
        ["gradient", "x*y", "--at", "3"],
        ["gradient", "x*y", "--at", "x=1", "--at", "x=2"],
        ["gradient", "x*y", "--at", "x=1,y=2", "--at", "y=2"],
    ])
    (s1, o1, _), (s2, o2, _), (s3, o3, _) = results[:3]
    assert (s1, as_json(o1)["derivative"], as_json(o1)["at"]) == (0, 6.0, {"x": 3.0})
    assert s2 == 0 and as_json(o2)["derivative"] == math.pi
    r = as_json(o3)
    assert s3 == 0 and r["at"] == {"x": 2.0, "y": 3.0} and r["gradient"] == [12.0, 4.0]
    (s4, _, e4), (s5, _, e5), (s6, _, e6) = results[3:]
    assert s4 == 2 and "only works for one variable" in e4 and "--at x=1,y=1" in e4
    assert s5 == 2 and "x is given twice in --at (x=1.0 and x=2.0)" in e5
    assert s6 == 2 and "y is given twice in --at" in e6


def test_expressions_as_written_on_paper():
    results = run_many([
        ["derivative", "2(x+1)x", "--at", "3", "--json"],         # 4x + 2
        ["derivative", "(x+1)(x-1)", "--at", "3", "--json"],      # 2x
        ["derivative", "x^3", "--at", "2", "--json"],             # 3x^2
        ["derivative", "e^x", "--at", "0", "--json"],             # e^x
        ["derivative", "x² + π·x − 3×x", "--at", "2", "--json"],  # 2x + pi - 3
        ["derivative", "ln(x)", "--at", "4", "--json"],           # 1/x
        ["derivative", "arcsin(x)", "--at", "0.6", "--json"],     # 1/sqrt(1 - x^2)
        ["derivative", "2 sin(x)", "--at", "0"],
    ])
    got = [as_json(out) for status, out, err in results[:-1]]
    assert all(status == 0 for status, _, _ in results), results
    assert [r["expression"] for r in got] == [
        "2*(x+1)*x", "(x+1)*(x-1)", "x**3", "e**x", "x**2 + pi*x - 3*x", "ln(x)",
        "arcsin(x)"]
    assert [r["derivative"] for r in got[:4]] == [14.0, 6.0, 12.0, 1.0]
    assert got[4]["derivative"] == 4.0 + math.pi - 3.0
    assert got[5]["derivative"] == 0.25
    assert got[6]["derivative"] == pytest.approx(1.25, rel=1e-15)
    status, out, _ = results[-1]
    assert out.splitlines()[0] == "f(x) = 2*sin(x)   at x = 0.0"   # shown as it was read
    assert "f'(x)    = 2.0" in out


def test_what_cannot_be_guessed_is_refused_with_the_likely_meaning():
    results = run_many([
        ["gradient", "x y", "--at", "x=1,y=2"],
        ["derivative", "sin x", "--at", "1"],
        ["derivative", "x(x+1)", "--at", "1"],
        ["derivative", "lnn(x)", "--at", "1"],
        ["derivative", "2 3 x", "--at", "1"],
    ])
    assert [r[0] for r in results] == [2] * 5
    errs = [r[2] for r in results]
    assert "did you mean x*y?" in errs[0]
    assert "did you mean sin(x)?" in errs[1]
    assert "x is not a function; for a product write x*(...)" in errs[2]
    assert "unknown function 'lnn'; did you mean log?" in errs[3]
    assert "did you mean 2*3?" in errs[4]


def test_constants_differentiate_to_zero():
    results = run_many([
        ["derivative", "5", "--json"],
        ["derivative", "5"],
        ["derivative", "2*pi", "--at", "t=3", "--order", "2", "--json"],
        ["gradient", "7", "--at", "x=1,y=2", "--json"],
        ["hessian", "7", "--at", "x=1,y=2", "--json"],
    ])
    assert [r[0] for r in results] == [0] * 5, results
    r = as_json(results[0][1])
    assert (r["value"], r["derivative"], r["variables"]) == (5.0, 0.0, ["x"])
    assert "f'(x)    = 0.0" in results[1][1] and "a constant" in results[1][1]
    r = as_json(results[2][1])
    assert (r["value"], r["derivative"], r["first_derivative"]) == (2 * math.pi, 0.0, 0.0)
    assert r["at"] == {"t": 3.0}
    assert as_json(results[3][1])["gradient"] == [0.0, 0.0]
    assert as_json(results[4][1])["hessian"] == [[0.0, 0.0], [0.0, 0.0]]


def test_minimize_names_a_stationary_point_that_is_not_a_minimum():
    results = run_many([
        ["minimize", "x**3", "--at", "x=1"],                  # Newton ends near 0
        ["minimize", "x**3", "--at", "x=1", "--json"],
        ["minimize", "-x^2", "--at", "0"],                    # starts at the maximum
        ["minimize", "x^2 - y^2", "--at", "x=1,y=0", "--method", "gradient-descent",
         "--json"],                                           # y stays 0: the saddle
        ["minimize", "x^4", "--at", "1", "--json"],           # a minimum, f'' tiny
        ["minimize", "(x-1)^2 + (y+2)^2", "--at", "x=0,y=0", "--json"],
    ])
    status, out, err = results[0]
    assert status == 1, err
    assert "minimizer" not in out
    assert "stopped where the gradient vanishes, but not at a minimum" in out
    assert "inflection point: x = " in out and "--at" in out
    r = as_json(results[1][1])
    assert results[1][0] == 1
    assert r["success"] is True and r["minimum"] is False
    assert r["point_kind"] == "inflection point"
    status, out, _ = results[2]
    assert status == 1 and "local maximum: x = 0.0" in out and "minimizer" not in out
    r = as_json(results[3][1])
    assert results[3][0] == 1 and r["point_kind"] == "saddle point", r
    for status, out, _ in results[4:]:
        r = as_json(out)
        assert status == 0 and r["point_kind"] == "local minimum" and r["minimum"], r


def test_a_run_that_stops_at_the_limit_names_the_option_to_raise():
    results = run_many([
        ["minimize", "(1-x)^2 + 100(y-x^2)^2", "--at", "x=-1.2,y=1",
         "--method", "gradient-descent", "--max-iter", "50"],
        ["minimize", "(1-x)^2 + 100(y-x^2)^2", "--at", "x=-1.2,y=1", "--max-iter", "3"],
        ["root", "x^3 - 2x + 2", "--at", "0", "--max-iter", "4"],
    ])
    assert [r[0] for r in results] == [1, 1, 1], results
    out = results[0][1]
    assert "did not converge" in out and "minimizer" not in out and "last point" in out
    assert "raise it with --max-iter 100, or use --method newton" in out
    assert "raise it with --max-iter" in results[1][1] and "--method newton" not in results[1][1]
    assert "raise it with --max-iter" in results[2][1]


def test_root_failure_names_what_can_be_typed():
    [(status, out, err)] = run_many([["root", "x^2 + 1", "--at", "0"]])
    assert status == 1, err
    assert "least_squares" not in out
    assert "singular" in out and "try another starting point with --at" in out


def test_per_command_help_is_short_and_shows_defaults():
    results = run_many([["derivative", "--help"], ["minimize", "--help"],
                        ["help", "expressions"], ["help", "hessian"], ["help"],
                        ["help", "frobnicate"], ["--help"]])
    assert [r[0] for r in results] == [0, 0, 0, 0, 0, 2, 0]
    deriv, mini, grammar, hess, main_help, _, dash_help = [r[1] for r in results]
    mini = " ".join(mini.split())            # argparse wraps to the terminal's width
    for text in (deriv, mini, hess):
        assert len(text.splitlines()) < 40
        assert "remainder" not in text and "dualcalc help expressions" in text
        assert "example:" in text
    assert "(default: 1)" in deriv
    assert "(default: newton)" in mini and "10000 for the first-order methods" in mini
    assert "(default: 1e-10)" in hess
    assert "(default: None)" not in deriv + mini + hess
    for text in (grammar, main_help, dash_help):
        assert "remainder" in text and "ln = log" in text and "^ is a power" in text
    assert "dualcalc help frobnicate" not in results[5][2]
    assert "no help on 'frobnicate'" in results[5][2]


def test_taylor_command_prints_the_coefficients():
    status, out, err = run("taylor", "exp(x)", "--at", "x=0", "--order", "4", "--json")
    assert status == 0, err
    r = as_json(out)
    assert r["coefficients"] == pytest.approx([1.0, 1.0, 0.5, 1 / 6, 1 / 24], rel=1e-15)
    assert r["derivatives"] == pytest.approx([1.0] * 5, rel=1e-15)
    status, out, err = run("taylor", "log(1+x)", "--at", "0", "--order", "3")
    assert status == 0, err
    assert " 3  0.3333333333333333" in out
    status, out, err = run("taylor", "x^2", "--order", "3")
    assert status == 2 and "--at" in err


def test_taylor_command_plots(tmp_path):
    pytest.importorskip("matplotlib")
    target = tmp_path / "taylor.png"
    status, out, err = run("taylor", "sin(x)", "--at", "x=0.5", "--order", "5",
                           "--plot", str(target))
    assert status == 0, err
    assert target.stat().st_size > 1000 and f"wrote {target}" in out


def test_integrate_command_value_and_derivatives():
    status, out, err = run("integrate", "exp(-p*x^2)", "--from", "0", "--to", "inf",
                           "--wrt", "p=1", "--json")
    assert status == 0, err
    r = as_json(out)
    assert r["value"] == pytest.approx(math.sqrt(math.pi) / 2, rel=1e-12)
    assert r["gradient"] == pytest.approx([-math.sqrt(math.pi) / 4], rel=1e-12)
    # the upper limit is a parameter: d/db of the integral of x^2 from 0 to b is b^2
    status, out, err = run("integrate", "x^2", "--from", "0", "--to", "b", "--wrt", "b=3",
                           "--order", "2", "--json")
    assert status == 0, err
    r = as_json(out)
    assert r["gradient"] == [9.0] and r["hessian"] == [[6.0]]
    status, out, err = run("integrate", "exp(-p*x^2)", "--from", "0", "--to", "inf",
                           "--wrt", "p=1")
    assert status == 0 and "d/dp" in out and "-0.443113462726" in out


def test_integrate_command_says_when_the_limit_is_reached():
    status, out, err = run("integrate", "1/sqrt(x)", "--from", "0", "--to", "1",
                           "--limit", "3")
    assert status == 1
    assert "warning" in out and "--limit" in out


def test_tour_has_taylor_and_integrals_sections():
    status, out, err = run("tour", "--json")
    assert status == 0, err
    s = {sec["title"]: sec for sec in as_json(out)["sections"]}
    t = s["Taylor polynomials: derivatives of every order"]
    assert t["coefficients"][:4] == pytest.approx([1.0, 1.0, 0.5, 1 / 6], rel=1e-15)
    errors = [abs(r["error"]) for r in t["rows"]]
    assert all(a > b for a, b in zip(errors, errors[1:])) and errors[-1] < 1e-7
    i = s["Integrals and their derivatives"]
    assert i["expectation"] == pytest.approx(i["expectation_exact"], rel=1e-14)
    assert i["probability"] == pytest.approx(math.erf(1 / math.sqrt(2)), rel=1e-12)
    assert i["gradient"] == pytest.approx(i["gradient_exact"], rel=1e-12)
