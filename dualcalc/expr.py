"""Safe expressions for the command line: text in, a differentiable function out.

Design: the text is split at ``;`` into components, each component is parsed
with :func:`ast.parse` (parsing only: the text is never passed to eval, exec,
or compile-and-run) and walked against a whitelist -- numbers, variable names,
the constants ``pi`` and ``e``, ``+ - * / **``, unary signs, parentheses, and
calls by name to the functions of :mod:`dualcalc.math`.  Every allowed node
becomes a small Python closure; the tree of closures is the compiled function.
It uses only Python operators and ``dualcalc.math``, so the same closures run
on floats, ``Dual``, ``HyperDual`` and the 0-d arrays of the array types.

Constant subexpressions are folded while compiling, which is where the exponent
limit applies: ``9**9**9**9`` is refused before anything is computed.  All
arithmetic is in floats (integer literals become floats), so nothing can grow
without bound at run time: the worst case is an overflow, reported as an error.

Before parsing, the text is made forgiving (:func:`normalize`): the way a
person writes mathematics is read as Python would need it.  ``^`` is a power
(``x^2`` is ``x**2``: no bitwise operators are allowed, so nothing is lost);
a product may be implicit after a number or a closing parenthesis (``2x``,
``2(x+1)``, ``(x+1)(x-1)``, ``2 sin(x)``); the characters ``²`` ``³`` (any
superscript integer), ``π``, ``·`` ``×`` ``÷`` and ``−`` are their ASCII
meanings; ``ln``, ``arcsin`` and friends are aliases of ``log``, ``asin`` ...
Two names side by side (``x y``) stay an error, with the hint ``x*y``: a
forgotten operator there is as likely as a product.  The expression shown back
(``Expression.text``, and the text under every caret) is the normalized one,
so what was read is always visible.

Every error is an :class:`ExprError` that names the problem and shows the
expression with carets under the offending part.

>>> f = parse("x**2*y + 3*y**2")
>>> f.variables
('x', 'y')
>>> f([1.0, 2.0])
14.0
>>> from dualcalc import gradient
>>> gradient(f, [1.0, 2.0])
array([ 4., 13.])
"""
import ast
import keyword
import math as _pymath
import operator
import re
import warnings

import dualcalc.math as dmath

__all__ = ["parse", "parse_constant", "parse_assignments", "normalize", "Expression",
           "ExprError", "EvaluationError",
           "FUNCTIONS", "ALIASES", "CONSTANTS", "MAX_LENGTH", "MAX_DEPTH", "MAX_EXPONENT"]

#: Longest accepted expression, in characters.
MAX_LENGTH = 2000
#: Deepest accepted nesting (parentheses, calls, unary signs, powers; a long
#: chain such as ``a + b - c + d`` counts once).
MAX_DEPTH = 64
#: Largest accepted magnitude of a constant exponent (``x**1000`` is fine,
#: ``x**1001`` and ``9**9**9`` are refused).
MAX_EXPONENT = 1000

CONSTANTS = {"pi": _pymath.pi, "e": _pymath.e}


def _power(a, b):
    r = a ** b
    if type(r) is complex:
        raise ValueError("outside the domain of **: a negative number raised to a "
                         "fractional power is complex, and this calculator is real")
    return r


#: name -> (function, least number of arguments, most number of arguments)
FUNCTIONS = {name: (getattr(dmath, name), 1, 1) for name in (
    "acos", "acosh", "asin", "asinh", "atan", "atanh", "cbrt", "ceil", "cos", "cosh",
    "degrees", "erf", "erfc", "exp", "exp2", "expm1", "fabs", "floor", "gamma",
    "lgamma", "log10", "log1p", "log2", "radians", "sin", "sinh", "sqrt", "tan",
    "tanh", "trunc")}
FUNCTIONS.update({name: (getattr(dmath, name), 2, 2) for name in (
    "atan2", "copysign", "fmod", "remainder")})
FUNCTIONS["log"] = (dmath.log, 1, 2)              # log(x) or log(x, base)
FUNCTIONS["hypot"] = (dmath.hypot, 1, 32)
FUNCTIONS["pow"] = (_power, 2, 2)                  # the same as **, limits included
FUNCTIONS["abs"] = (dmath.fabs, 1, 1)             # the builtin's name, for convenience

#: Other names people use for the same functions (NumPy's and the textbooks').
ALIASES = {"ln": "log", "arcsin": "asin", "arccos": "acos", "arctan": "atan",
           "arctan2": "atan2", "arcsinh": "asinh", "arccosh": "acosh",
           "arctanh": "atanh", "power": "pow", "absolute": "abs"}

_OP_NAMES = {
    ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<",
    ast.RShift: ">>", ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^",
}
_NOT_ALLOWED = {
    ast.Attribute: "attribute access ('.')", ast.Subscript: "subscripts ('[...]')",
    ast.Lambda: "lambda", ast.ListComp: "comprehensions", ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions", ast.GeneratorExp: "comprehensions",
    ast.List: "lists", ast.Tuple: "tuples", ast.Set: "sets", ast.Dict: "dicts",
    ast.Compare: "comparisons", ast.BoolOp: "'and' / 'or'", ast.IfExp: "'if ... else'",
    ast.NamedExpr: "assignments (':=')", ast.JoinedStr: "strings",
    ast.FormattedValue: "strings", ast.Starred: "starred arguments ('*')",
    ast.Await: "'await'", ast.Yield: "'yield'", ast.YieldFrom: "'yield'",
    ast.Slice: "slices",
}


# ---------------------------------------------------------------- normalizing
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_SUPERSCRIPT_RUN = re.compile("[⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_CHARACTERS = {
    "·": "*", "⋅": "*", "∙": "*", "×": "*", "÷": "/", "∕": "/",
    "−": "-", "–": "-", "\u00a0": " ", "\u2009": " ", "\u202f": " ",
}
# One token of the text: a number (Python's forms; a trailing j stays a complex
# literal, refused later), a name, a string literal (left alone, refused later),
# or any other single character.
_TOKEN = re.compile(r"""
    (?P<number>0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+
       |(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[jJ]?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<string>'[^']*'?|"[^"]*"?)
  | (?P<space>\s+)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)


def normalize(text):
    """The text as the parser reads it: ``^`` as ``**``, implicit products made
    explicit, and the mathematical characters translated.

    >>> normalize("2x² + 3(x+1)(x-1) - π·y^3")
    '2*x**2 + 3*(x+1)*(x-1) - pi*y**3'
    >>> normalize("ln(x) - e^x")
    'ln(x) - e**x'
    """
    if not isinstance(text, str):
        return text
    text = _SUPERSCRIPT_RUN.sub(lambda m: "**" + m.group().translate(_SUPERSCRIPT), text)
    for old, new in _CHARACTERS.items():
        text = text.replace(old, new)
    if "π" in text:
        pieces = []
        for i, c in enumerate(text):
            if c != "π":
                pieces.append(c)
                continue
            before, after = text[i - 1:i], text[i + 1:i + 2]
            piece = "pi"
            if before.isascii() and (before.isalnum() or before == "_"):
                piece = "*" + piece          # xπ, 2π
            if after and (after.isascii() and after.isalnum() or after in "_(π"):
                piece += "*"                 # πx, π(x+1), ππ
            pieces.append(piece)
        text = "".join(pieces)
    out, prev = [], None          # prev: the kind of the last non-space token
    for m in _TOKEN.finditer(text):
        kind, tok = m.lastgroup, m.group()
        if kind == "space":
            out.append(tok)
            continue
        if kind == "other" and tok == "^":
            tok = "**"
        operand = kind in ("number", "name") and not keyword.iskeyword(tok)
        if operand or tok == "(":
            if prev == "number" and kind == "name" or prev in ("number", ")") and tok == "(" \
                    or prev == ")" and operand:
                # implicit product: 2x, 2(x+1), (x+1)(x-1), (x+1)x, 2 sin(x)
                while out and out[-1].isspace():
                    out.pop()
                out.append("*")
        out.append(tok)
        prev = ("number" if kind == "number" else ")" if tok == ")" else
                "name" if operand else None)
    return "".join(out)


def _check_adjacent(text):
    """Refuse two operands side by side that normalize() leaves alone (``x y``,
    ``sin x``, ``x 2``) with the likely meaning as a hint."""
    prev = None
    for m in _TOKEN.finditer(text):
        kind, tok = m.lastgroup, m.group()
        if kind == "space":
            continue
        operand = kind in ("number", "name") and not keyword.iskeyword(tok)
        if operand and prev is not None:
            pm = prev
            first = pm.group()
            if first in FUNCTIONS or first in ALIASES:
                hint = f"did you mean {first}({tok})? Function arguments go in parentheses"
            else:
                hint = f"did you mean {first}*{tok}? Write * for a product"
            raise ExprError(f"two values side by side: {hint}", text, pm.start(), m.end())
        prev = m if operand else None


# ---------------------------------------------------------------- errors
class ExprError(ValueError):
    """A refused or failing expression: the problem, and where it is.

    ``str(err)`` is the message followed by the expression with carets under
    the offending part.  ``text`` is the expression and ``start``/``end`` the
    character span (None when the problem has no single position).
    """

    def __init__(self, message, text="", start=None, end=None):
        super().__init__(message)
        self.message = message
        self.text = text
        if start is not None:
            start = max(0, min(start, len(text)))
            end = start + 1 if end is None or end <= start else min(end, max(len(text), start + 1))
        self.start = start
        self.end = end

    def pointer(self, width=76):
        """The expression and a line of carets under the offending part
        (a window of the text when it is long)."""
        if self.start is None:
            return ""
        text, start, end = self.text, self.start, self.end
        lo = 0
        if len(text) > width:
            lo = max(0, min(start - width // 3, len(text) - width))
        hi = lo + width
        shown = text[lo:hi]
        prefix = "..." if lo > 0 else ""
        suffix = "..." if hi < len(text) else ""
        caret_start = start - lo
        caret_len = max(1, min(end, hi) - start)
        return (f"  {prefix}{shown}{suffix}\n"
                f"  {' ' * (len(prefix) + caret_start)}{'^' * caret_len}")

    def __str__(self):
        where = self.pointer()
        return f"{self.message}\n{where}" if where else self.message

    def to_dict(self):
        return {"message": self.message, "expression": self.text,
                "start": self.start, "end": self.end}


class EvaluationError(ExprError):
    """An expression that parsed but cannot be evaluated at the given point
    (log of a negative number, division by zero, overflow).  The subclasses
    are also ZeroDivisionError or OverflowError, so code that steps back from
    arithmetic failures (line searches) treats them like the float errors."""


class EvaluationZeroDivisionError(EvaluationError, ZeroDivisionError):
    pass


class EvaluationOverflowError(EvaluationError, OverflowError):
    pass


def _eval_error(exc, where, text, start, end):
    kind = (EvaluationZeroDivisionError if isinstance(exc, ZeroDivisionError) else
            EvaluationOverflowError if isinstance(exc, OverflowError) else EvaluationError)
    return kind(_describe(exc, where), text, start, end)


# ---------------------------------------------------------------- the compiled form
class Expression:
    """A parsed expression: ``f(x)`` evaluates it with ``x[i]`` the value of
    ``variables[i]`` (a float, Dual, HyperDual or 0-d array each), and returns
    one value, or a list of values when the text has ``;``-separated components.

    This is exactly the calling convention of the derivative verbs, so an
    Expression can be passed to ``dualcalc.gradient``, ``jacobian``,
    ``hessian`` and the solvers as it is.

    >>> f = parse("x1**2*x2; 5*x1 + sin(x2)")
    >>> f.variables, f.is_vector
    (('x1', 'x2'), True)
    >>> f([1.0, 0.0])
    [0.0, 5.0]
    """

    __slots__ = ("text", "variables", "components", "is_vector", "_funcs")

    def __init__(self, text, variables, components, funcs, is_vector):
        self.text = text
        self.variables = tuple(variables)
        self.components = tuple(components)   # the text of each component
        self.is_vector = is_vector
        self._funcs = tuple(funcs)

    def __call__(self, x):
        if self.is_vector:
            return [f(x) for f in self._funcs]
        return self._funcs[0](x)

    def evaluate(self, values):
        """Evaluate at ``values``, a mapping from variable name to value."""
        missing = [v for v in self.variables if v not in values]
        if missing:
            raise ExprError(f"no value for {', '.join(missing)}")
        return self([values[v] for v in self.variables])

    def __repr__(self):
        return f"Expression({self.text!r}, variables={self.variables!r})"


# ---------------------------------------------------------------- parsing
_SAFE_CHARS = re.compile(r"[ -~]*\Z")   # printable ASCII, no tabs or newlines


def _natural_key(name):
    return [(0, int(p), "") if p.isdigit() else (1, 0, p)
            for p in re.split(r"(\d+)", name) if p]


def _check_text(text, what="expression"):
    if not isinstance(text, str):
        raise ExprError(f"the {what} must be text, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExprError(f"the {what} is too long: {len(text)} characters, the limit is "
                        f"{MAX_LENGTH}", text, MAX_LENGTH, len(text))
    if not _SAFE_CHARS.match(text):
        bad = next(i for i, c in enumerate(text) if not " " <= c <= "~")
        raise ExprError(f"character {text[bad]!r} is not allowed: use plain ASCII "
                        "letters, digits, operators and spaces", text, bad)
    if not text.strip():
        raise ExprError(f"the {what} is empty", text, 0, max(1, len(text)))
    depth = 0
    for i, c in enumerate(text):         # before ast.parse sees deep nesting
        if c in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                raise ExprError(f"too deeply nested: more than {MAX_DEPTH} levels of "
                                "parentheses", text, i)
        elif c in ")]}":
            depth -= 1


def _split_components(text):
    """(start, piece) for each ';'-separated component."""
    out, start = [], 0
    for i, c in enumerate(text + ";"):
        if c == ";":
            out.append((start, text[start:i]))
            start = i + 1
    return out


class _Compiler:
    def __init__(self, text, offset, variables):
        self.text = text
        self.offset = offset          # where this component starts in text
        self.variables = variables    # name -> index

    # -- positions
    def span(self, node):
        start = self.offset + getattr(node, "col_offset", 0)
        end = getattr(node, "end_col_offset", None)
        end = self.offset + end if end is not None else start + 1
        return start, end

    def error(self, message, node):
        start, end = self.span(node)
        return ExprError(message, self.text, start, end)

    # -- depth, iteratively (the tree may be a long chain)
    def check_depth(self, root):
        stack = [(root, 1)]
        while stack:
            node, depth = stack.pop()
            if depth > MAX_DEPTH:
                raise self.error(f"too deeply nested: more than {MAX_DEPTH} levels", node)
            for child in ast.iter_child_nodes(node):
                same_level = (type(node) is ast.BinOp and child is node.left
                              and type(child) is ast.BinOp
                              and _level(type(node.op)) is not None
                              and _level(type(child.op)) == _level(type(node.op)))
                stack.append((child, depth if same_level else depth + 1))

    # -- nodes
    def compile(self, node):
        """(closure, constant value or None)."""
        kind = type(node)
        if kind is ast.Constant:
            return self.constant(node)
        if kind is ast.Name:
            return self.name(node)
        if kind is ast.UnaryOp:
            return self.unary(node)
        if kind is ast.BinOp:
            return self.binop(node)
        if kind is ast.Call:
            return self.call(node)
        what = _NOT_ALLOWED.get(kind, type(node).__name__)
        raise self.error(f"{what} not allowed in an expression", node)

    def constant(self, node):
        v = node.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            kind = {str: "strings", bytes: "strings", complex: "complex numbers"}.get(
                type(v), repr(v))
            raise self.error(f"{kind} not allowed in an expression", node)
        try:
            v = float(v)
        except OverflowError:
            raise self.error("number too large for a float", node) from None
        if not _pymath.isfinite(v):
            raise self.error("number too large for a float", node)
        return (lambda x: v), v

    def name(self, node):
        n = node.id
        if n in CONSTANTS:
            v = CONSTANTS[n]
            return (lambda x: v), v
        if n in FUNCTIONS or n in ALIASES:
            raise self.error(f"{n} is a function: call it, as in {n}(x)", node)
        if n.startswith("_"):
            raise self.error(f"name {n!r} not allowed: names may not start with '_'", node)
        if n not in self.variables:
            if not self.variables:
                raise self.error(f"unknown name {n!r}: only numbers, pi and e can be "
                                 "used here", node)
            known = ", ".join(self.variables)
            raise self.error(f"unknown name {n!r} (the variables are: {known})", node)
        i = self.variables[n]
        return operator.itemgetter(i), None

    def unary(self, node):
        if type(node.op) is ast.UAdd:
            return self.compile(node.operand)
        if type(node.op) is not ast.USub:
            what = "'not'" if type(node.op) is ast.Not else "'~'"
            raise self.error(f"{what} not allowed in an expression", node)
        a, c = self.compile(node.operand)
        if c is not None:
            return (lambda x: -c), -c
        return (lambda x: -a(x)), None

    def binop(self, node):
        op = type(node.op)
        if op is ast.Pow:
            return self.power(node, node.left, node.right)
        if _level(op) is None:
            sym = _OP_NAMES.get(op, op.__name__)
            hint = "; use ** for powers" if op is ast.BitXor else ""
            raise self.error(f"operator {sym!r} not allowed in an expression{hint}", node)
        # Walk the left spine of a chain like a + b - c + d without recursion.
        spine = [node]
        while (type(spine[-1].left) is ast.BinOp
               and _level(type(spine[-1].left.op)) == _level(op)):
            spine.append(spine[-1].left)
        first, const = self.compile(spine[-1].left)
        steps = []
        for step in reversed(spine):
            fn, c = self.compile(step.right)
            steps.append((_PY_OPS[type(step.op)], fn, c, step))
        if const is not None and all(s[2] is not None for s in steps):
            return self._fold_chain(const, steps)
        text = self.text
        spans = [self.span(s[3]) for s in steps]
        ops = tuple((f, fn) for f, fn, _, _ in steps)

        def chain(x):
            acc = first(x)
            for k, (f, fn) in enumerate(ops):
                try:
                    acc = f(acc, fn(x))
                except ZeroDivisionError as exc:
                    raise _eval_error(exc, None, text, *spans[k]) from None
            return acc
        if len(ops) == 1 and ops[0][0] is not operator.truediv:
            f, b = ops[0]
            return (lambda x: f(first(x), b(x))), None
        return chain, None

    def _fold_chain(self, const, steps):
        acc = const
        for f, _, c, step in steps:
            try:
                acc = f(acc, c)
            except ArithmeticError as exc:
                raise self.error(_describe(exc, step), step) from None
        if not _pymath.isfinite(acc):
            raise self.error("numeric overflow: the result is too large for a float", steps[-1][3])
        return (lambda x: acc), acc

    def power(self, node, base, exponent):
        a, ca = self.compile(base)
        b, cb = self.compile(exponent)
        if cb is not None and abs(cb) > MAX_EXPONENT:
            raise self.error(f"exponent too large: {_short(cb)} (the limit is "
                             f"{MAX_EXPONENT} in magnitude)", exponent)
        if ca is not None and cb is not None:
            try:
                v = _power(ca, cb)
            except (ArithmeticError, ValueError) as exc:
                raise self.error(_describe(exc, "**"), node) from None
            if not _pymath.isfinite(v):
                raise self.error("numeric overflow: the result is too large for a float", node)
            return (lambda x: v), v
        text = self.text
        start, end = self.span(node)

        if cb is not None:
            if cb == 2.0:
                def fn(x):
                    y = a(x)
                    return y * y
                return fn, None

            def fn(x):
                try:
                    return _power(a(x), cb)
                except ExprError:
                    raise
                except (ArithmeticError, ValueError) as exc:
                    raise _eval_error(exc, "**", text, start, end) from None
            return fn, None

        def fn(x):
            try:
                return _power(a(x), b(x))
            except ExprError:
                raise
            except (ArithmeticError, ValueError) as exc:
                raise _eval_error(exc, "**", text, start, end) from None
        return fn, None

    def call(self, node):
        func = node.func
        if type(func) is not ast.Name:
            if type(func) in _NOT_ALLOWED:      # name the real problem: '.', lambda ...
                raise self.error(f"{_NOT_ALLOWED[type(func)]} not allowed in an "
                                 "expression", func)
            raise self.error("only functions called by name are allowed, as in sin(x)", func)
        name = ALIASES.get(func.id, func.id)
        if node.keywords:
            raise self.error("keyword arguments not allowed", node.keywords[0])
        for arg in node.args:
            if type(arg) is ast.Starred:
                raise self.error("starred arguments ('*') not allowed", arg)
        if name not in FUNCTIONS:
            if name in CONSTANTS or name in self.variables:
                raise self.error(f"{name} is not a function; for a product write "
                                 f"{name}*(...)", func)
            close = _suggest(name)
            hint = (f"; did you mean {close}?" if close
                    else "; see 'dualcalc --help' for the list of functions")
            raise self.error(f"unknown function {name!r}{hint}", func)
        f, lo, hi = FUNCTIONS[name]
        nargs = len(node.args)
        if not lo <= nargs <= hi:
            want = str(lo) if lo == hi else f"{lo} to {hi}"
            plural = "" if want == "1" else "s"
            raise self.error(f"{name}() takes {want} argument{plural}, got {nargs}", node)
        if name == "pow":
            return self.power(node, node.args[0], node.args[1])
        compiled = [self.compile(arg) for arg in node.args]
        fns = tuple(c[0] for c in compiled)
        if all(c[1] is not None for c in compiled):
            consts = tuple(c[1] for c in compiled)
            try:
                v = f(*consts)
            except (ArithmeticError, ValueError) as exc:
                raise self.error(_describe(exc, name), node) from None
            return (lambda x: v), v
        text = self.text
        start, end = self.span(node)
        if nargs == 1:
            g = fns[0]

            def fn(x):
                try:
                    return f(g(x))
                except ExprError:
                    raise
                except (ArithmeticError, ValueError) as exc:
                    raise _eval_error(exc, name, text, start, end) from None
            return fn, None

        def fn(x):
            try:
                return f(*[g(x) for g in fns])
            except ExprError:
                raise
            except (ArithmeticError, ValueError) as exc:
                raise _eval_error(exc, name, text, start, end) from None
        return fn, None


_PY_OPS = {ast.Add: operator.add, ast.Sub: operator.sub,
           ast.Mult: operator.mul, ast.Div: operator.truediv}


def _level(op):
    if op in (ast.Add, ast.Sub):
        return 1
    if op in (ast.Mult, ast.Div):
        return 2
    return None


def _short(v):
    return f"{v:.6g}"


def _describe(exc, where):
    """A message for an arithmetic failure; where is a function name or None."""
    if isinstance(exc, ZeroDivisionError):
        return ("zero cannot be raised to a negative power" if where == "**"
                else "division by zero")
    if isinstance(exc, OverflowError):
        return "numeric overflow: the result is too large for a float"
    msg = str(exc)
    if where == "**":
        return msg if msg.startswith("outside the domain") else f"outside the domain of **: {msg}"
    if isinstance(where, str):
        if msg == "math domain error":
            return f"{where}() is not defined here (math domain error)"
        return f"{where}() failed here: {msg}"
    return msg if msg else type(exc).__name__


def _suggest(name):
    import difflib
    close = difflib.get_close_matches(name, list(FUNCTIONS) + list(ALIASES), n=1,
                                      cutoff=0.8)
    return ALIASES.get(close[0], close[0]) if close else None


def parse(text, variables=None):
    """Parse ``text`` into an :class:`Expression` (refusing anything outside
    the whitelist with an :class:`ExprError`).

    Parameters
    ----------
    text : str
        An expression such as ``"sin(3*x**2 + 2)"``, or several separated by
        ``;`` for a vector function, such as ``"x**2 + y**2 - 4; x - y"``.
    variables : sequence of str, optional
        The variables, in order.  Without it the variables are the names found
        in the text, sorted by name (``x2`` before ``x10``); with it, any other
        name is refused.

    Examples
    --------
    >>> parse("x - y", variables=["y", "x"])([1.0, 5.0])
    4.0
    >>> try:
    ...     parse("sin(x")
    ... except ExprError as err:
    ...     print(err)
    syntax error: '(' was never closed
      sin(x
         ^
    """
    text = normalize(text)
    _check_text(text)
    _check_adjacent(text)
    fixed = variables is not None
    names = {}
    if fixed:
        for v in variables:
            if not isinstance(v, str) or not v.isidentifier() or v.startswith("_") \
                    or v in FUNCTIONS or v in ALIASES or v in CONSTANTS or not v.isascii():
                raise ExprError(f"{v!r} cannot be a variable name")
            if v in names:
                raise ExprError(f"variable {v!r} is listed twice")
            names[v] = len(names)
    pieces = _split_components(text)
    trees = []
    for start, piece in pieces:
        stripped = piece.lstrip(" ")
        start += len(piece) - len(stripped)
        if not stripped.strip():
            raise ExprError("empty component: there is nothing between these ';'"
                            if len(pieces) > 1 else "the expression is empty",
                            text, max(0, start - 1), start + 1)
        tree = _parse_piece(text, stripped, start)
        _Compiler(text, start, names).check_depth(tree.body)
        trees.append((start, stripped, tree))
    if not fixed:   # the variables: the names in the text, sorted
        called = {id(node.func) for _, _, tree in trees for node in ast.walk(tree)
                  if type(node) is ast.Call}
        found = {node.id for _, _, tree in trees for node in ast.walk(tree)
                 if type(node) is ast.Name and id(node) not in called
                 and node.id not in CONSTANTS and node.id not in FUNCTIONS
                 and node.id not in ALIASES
                 and not node.id.startswith("_")}
        names = {n: i for i, n in enumerate(sorted(found, key=_natural_key))}
    funcs = [_Compiler(text, start, names).compile(tree.body)[0]
             for start, _, tree in trees]
    texts = [stripped.strip() for _, stripped, _ in trees]
    return Expression(text, list(names), texts, funcs, len(pieces) > 1)


def _parse_piece(text, piece, start):
    try:
        with warnings.catch_warnings():   # "1if x else y": refused later, quietly
            warnings.simplefilter("ignore")
            return ast.parse(piece, mode="eval")
    except SyntaxError as exc:
        msg = exc.msg or "invalid syntax"
        off = exc.offset if exc.offset and exc.offset > 0 else len(piece.rstrip()) + 1
        end = exc.end_offset if exc.end_offset and exc.end_offset > off else off + 1
        if exc.lineno and exc.lineno > 1:      # past the end (no newlines are allowed)
            off, end = len(piece.rstrip()) + 1, len(piece.rstrip()) + 2
        raise ExprError(f"syntax error: {msg}", text, start + off - 1,
                        start + end - 1) from None
    except (RecursionError, MemoryError):
        raise ExprError(f"too deeply nested or too complex (at most {MAX_DEPTH} levels)",
                        text, start, start + len(piece)) from None
    except ValueError as exc:         # e.g. null bytes (already refused) or digit limits
        raise ExprError(f"cannot be parsed: {exc}", text, start, start + len(piece)) from None


def parse_constant(text, what="value"):
    """A number written as a constant expression (``2``, ``-1.5``, ``pi/4``).

    >>> parse_constant("pi/4") == __import__("math").pi / 4
    True
    """
    expr = parse(text, variables=())
    if expr.is_vector:
        raise ExprError(f"the {what} must be one number: ';' is not allowed here",
                        text, text.index(";"))
    return float(expr(()))


def parse_assignments(text, what="--at"):
    """``"x=1,y=pi/2"`` -> {"x": 1.0, "y": 1.5707963267948966} (ordered as written).

    Commas inside parentheses do not split, so ``t=atan2(1, 2)`` is one value.

    >>> parse_assignments("x=1, y=-2.5")
    {'x': 1.0, 'y': -2.5}
    """
    text = normalize(text)
    _check_text(text, what)
    out = {}
    depth, start = 0, 0
    parts = []
    for i, c in enumerate(text):
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append((start, text[start:i]))
            start = i + 1
    parts.append((start, text[start:]))
    for start, part in parts:
        if not part.strip():
            raise ExprError(f"empty entry in {what}: write name=value, separated by commas",
                            text, start)
        if "=" not in part:
            raise ExprError(f"{what} entries are name=value; this one has no '='",
                            text, start + len(part) - len(part.lstrip()), start + len(part))
        name, value = part.split("=", 1)
        key = name.strip()
        kstart = start + len(name) - len(name.lstrip())
        if not key.isidentifier() or key.startswith("_") or key in FUNCTIONS \
                or key in ALIASES or key in CONSTANTS:
            raise ExprError(f"{key!r} is not a variable name", text, kstart,
                            kstart + max(1, len(key)))
        if key in out:
            raise ExprError(f"{key} is given twice in {what}", text, kstart, kstart + len(key))
        vstart = start + len(name) + 1
        try:
            out[key] = parse_constant(value.strip())
        except ExprError as exc:
            lead = len(value) - len(value.lstrip())
            s = None if exc.start is None else vstart + lead + exc.start
            e = None if exc.end is None else vstart + lead + exc.end
            raise ExprError(f"in the value of {key}: {exc.message}", text, s, e) from None
    return out
