# cython: language_level=3
"""Replay of a recorded program: the compiled half of ``dualcalc.compile``.

Design: ``dualcalc._compile`` runs f once on tracing values and writes down
every elementary step as an instruction of a flat program over numbered slots
(the inputs first, then one slot per instruction).  A :class:`Program` replays
it in C for new input values:

* ``run0``: values only (a guarded evaluation of f);
* ``run1``: values and first-order tangents in k directions -- the identity
  restricted to a chunk of the inputs, or k dense directions (jvp);
* ``run2``: values, tangents e1 (a chunk of the identity), e2 (the identity or
  one dense direction, hvp) and their mixed block e1e2.

Every kernel applies the rule table (``_rules.pxd``) through the same chain
rules, in the same order, as DualVec/HyperDualVec (``_vec.pyx``): a replay
gives what the uncompiled verbs give, to rounding.  Each slot carries the
range of inputs it can depend on (its *window*, found once from the program),
so a replay of banded or scalar-style code touches only the directions that
can be nonzero, as the dual types' windows do at run time.

Guards: an instruction ``K_GUARD`` checks a branch outcome that f's Python
control flow took at recording time (``bool()``, ``int()`` of a traced value).
A replay that meets a different outcome stops and returns the guard's index;
the caller records again.  Nothing is returned from the wrong branch.
"""
cimport cython
from libc.math cimport isfinite, isnan, isinf, floor, ceil, trunc, signbit, rint, NAN, frexp
from libc.stdlib cimport malloc, free

import numpy as np
cimport numpy as cnp

cnp.import_array()

from dualcalc._core._rules cimport (
    triple, partials, rule_eval, binary_eval, first_term, second_term, first_x,
    first_y, second_p, p_div, k_powc, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW)
from dualcalc._core._scalar cimport m0, check_binary_domain, check_pow_overflow

# instruction codes (see dualcalc/_compile/_tape.py, which writes them)
cdef enum:
    K_CONST = 0     # c
    K_UN = 1        # rule op at slot a
    K_BIN = 2       # binary op (slot a, slot b); errors mode in b2
    K_BINC = 3      # binary op (slot a, constant c)
    K_CBIN = 4      # binary op (constant c, slot a)
    K_SUM = 5       # sum of slots args[a : a + b]
    K_LIN = 6       # sum of coef[j] * slot args[j], j in [a, a + b)
    K_CMP = 7       # comparison op of slot a and slot b (b < 0: constant c): 0 or 1
                    # (op: < <= > >= == !=, 6 / 7: a replaces b in argmax / argmin)
    K_LOGIC = 8     # op 0 not a, 1 and, 2 or, 3 xor (of 0/1 slots)
    K_SELECT = 9    # slot op != 0 ? slot a : slot b
    K_GUARD = 10    # op 0: (slot a != 0) == (c != 0); 1: trunc(a) == c; 2: floor; 3: ceil; 4: rint
    K_PRED = 11     # op 0 isnan, 1 isinf, 2 isfinite, 3 signbit of slot a: 0 or 1
    K_EXT = 12      # a rule outside the table (a registered ufunc, scipy.special) at
                    # slot a: ext[op](x) -> (g, g', g''), called in Python; or
                    # ext[op] = (rule id, pyf): the rule with the value pyf(x)

CODES = {"CONST": K_CONST, "UN": K_UN, "BIN": K_BIN, "BINC": K_BINC, "CBIN": K_CBIN,
         "SUM": K_SUM, "LIN": K_LIN, "CMP": K_CMP, "LOGIC": K_LOGIC,
         "SELECT": K_SELECT, "GUARD": K_GUARD, "PRED": K_PRED, "EXT": K_EXT}


cdef inline double _cmp(long op, double x, double y) noexcept nogil:
    if op == 0:
        return 1.0 if x < y else 0.0
    if op == 1:
        return 1.0 if x <= y else 0.0
    if op == 2:
        return 1.0 if x > y else 0.0
    if op == 3:
        return 1.0 if x >= y else 0.0
    if op == 4:
        return 1.0 if x == y else 0.0
    if op == 5:
        return 1.0 if x != y else 0.0
    # 6, 7: x replaces y in a running argmax / argmin (NumPy's: ties keep the
    # earlier element, the first nan wins)
    if op == 6:
        return 1.0 if (x > y or (isnan(x) and not isnan(y))) else 0.0
    return 1.0 if (x < y or (isnan(x) and not isnan(y))) else 0.0


cdef inline double _logic(long op, double x, double y) noexcept nogil:
    cdef bint a = x != 0.0, b = y != 0.0
    if op == 0:
        return 0.0 if a else 1.0
    if op == 1:
        return 1.0 if (a and b) else 0.0
    if op == 2:
        return 1.0 if (a or b) else 0.0
    return 1.0 if (a != b) else 0.0


cdef inline double _pred(long op, double x) noexcept nogil:
    if op == 0:
        return 1.0 if isnan(x) else 0.0
    if op == 1:
        return 1.0 if isinf(x) else 0.0
    if op == 2:
        return 1.0 if isfinite(x) else 0.0
    return 1.0 if signbit(x) else 0.0


cdef inline bint _guard_ok(long op, double x, double c) noexcept nogil:
    if op == 0:
        return (x != 0.0) == (c != 0.0)
    if not isfinite(x):
        return False
    if op == 1:
        return trunc(x) == c
    if op == 2:
        return floor(x) == c
    if op == 3:
        return ceil(x) == c
    return rint(x) == c


cdef inline void _union(long alo, long ahi, long blo, long bhi, long* lo, long* hi) noexcept nogil:
    if ahi <= alo:
        lo[0] = blo
        hi[0] = bhi
    elif bhi <= blo:
        lo[0] = alo
        hi[0] = ahi
    else:
        lo[0] = alo if alo < blo else blo
        hi[0] = ahi if ahi > bhi else bhi


cdef struct Sweep:
    # per-slot windows in direction space and offsets into the buffers
    long* lo1
    long* hi1
    long* off1
    long* lo2
    long* hi2
    long* off2
    long* off12
    double* v
    double* e1
    double* e2
    double* e12


cdef inline double g1(Sweep* S, long s, long j) noexcept nogil:
    if j >= S.lo1[s] and j < S.hi1[s]:
        return S.e1[S.off1[s] + j - S.lo1[s]]
    return 0.0


cdef inline double g2(Sweep* S, long s, long j) noexcept nogil:
    if j >= S.lo2[s] and j < S.hi2[s]:
        return S.e2[S.off2[s] + j - S.lo2[s]]
    return 0.0


cdef inline double g12(Sweep* S, long s, long r, long c) noexcept nogil:
    if r >= S.lo1[s] and r < S.hi1[s] and c >= S.lo2[s] and c < S.hi2[s]:
        return S.e12[S.off12[s] + (r - S.lo1[s]) * (S.hi2[s] - S.lo2[s]) + c - S.lo2[s]]
    return 0.0


cdef inline cnp.ndarray _empty1(long m):
    cdef cnp.npy_intp d = m
    return cnp.PyArray_EMPTY(1, &d, cnp.NPY_DOUBLE, 0)


cdef inline cnp.ndarray _zeros2(long m, long k):
    cdef cnp.npy_intp d[2]
    d[0] = m
    d[1] = k
    return cnp.PyArray_ZEROS(2, d, cnp.NPY_DOUBLE, 0)


cdef inline cnp.ndarray _zeros3(long m, long p, long q):
    cdef cnp.npy_intp d[3]
    d[0] = m
    d[1] = p
    d[2] = q
    return cnp.PyArray_ZEROS(3, d, cnp.NPY_DOUBLE, 0)


cdef inline double _value2(int op, double x, double y, int errors, bint const_y) except? -1.5:
    """The value of x op y as every replay and recording computes it; errors != 0
    raises the domain errors of Python's operators (ERR_OPERATOR) or math;
    const_y: y is a constant of the recording (a power then takes k_powc, whose
    value needs no logarithm of a negative base)."""
    cdef double f
    if errors:
        check_binary_domain(op, x, y, errors)
    if op == OP_ADD:
        return x + y
    if op == OP_SUB:
        return x - y
    if op == OP_MUL:
        return x * y
    if op == OP_DIV:
        return x / y
    if op == OP_POW:
        f = k_powc(x, y).f if const_y else binary_eval(op, x, y).f
        check_pow_overflow(op, x, y, f, errors)     # Python's OverflowError
        return f
    return binary_eval(op, x, y).f


cdef class Program:
    """A recorded program (made by ``dualcalc._compile``; not for direct use).

    Parameters are the instruction arrays (see the K_ codes in this module),
    the number of differentiated inputs ``n_x``, of all inputs ``n_in`` (the
    differentiated ones first, then parameters without tangents) and the
    output slots.
    """
    cdef readonly long n_x, n_in, n_instr, n_slots
    cdef readonly object code_arr, op_arr, a_arr, b_arr, c_arr, args_arr, coef_arr, out_arr
    cdef readonly object wlo_arr, whi_arr
    cdef readonly tuple ext
    cdef long[::1] flo, fhi, foff, foff12
    cdef long ftot, ftot12
    cdef int[::1] code
    cdef long[::1] op, a, b, args, out, wlo, whi
    cdef double[::1] c, coef

    def __init__(self, code, op, a, b, c, args, coef, out, long n_x, long n_in, ext=()):
        self.ext = tuple(ext)
        self.code_arr = np.ascontiguousarray(code, dtype=np.intc)
        self.op_arr = np.ascontiguousarray(op, dtype=np.int_)
        self.a_arr = np.ascontiguousarray(a, dtype=np.int_)
        self.b_arr = np.ascontiguousarray(b, dtype=np.int_)
        self.c_arr = np.ascontiguousarray(c, dtype=np.float64)
        self.args_arr = np.ascontiguousarray(args, dtype=np.int_)
        self.coef_arr = np.ascontiguousarray(coef, dtype=np.float64)
        self.out_arr = np.ascontiguousarray(out, dtype=np.int_)
        self.code = self.code_arr
        self.op = self.op_arr
        self.a = self.a_arr
        self.b = self.b_arr
        self.c = self.c_arr
        self.args = self.args_arr
        self.coef = self.coef_arr
        self.out = self.out_arr
        self.n_x = n_x
        self.n_in = n_in
        self.n_instr = self.code.shape[0]
        self.n_slots = n_in + self.n_instr
        self._windows()
        # the windows and tangent offsets of a pass over the whole identity
        self.flo = self.wlo_arr.copy()
        self.fhi = self.whi_arr.copy()
        self.foff = np.concatenate(([0], np.cumsum(self.whi_arr - self.wlo_arr)))
        self.ftot = self.foff[self.n_slots]
        widths = self.whi_arr - self.wlo_arr
        self.foff12 = np.concatenate(([0], np.cumsum(widths * widths)))
        self.ftot12 = self.foff12[self.n_slots]

    cdef void _windows(self):
        """The static window of every slot: the range of differentiated inputs
        it can depend on ([0, 0) for none)."""
        cdef long s, k, j, lo, hi, n_in = self.n_in
        self.wlo_arr = np.zeros(self.n_slots, dtype=np.int_)
        self.whi_arr = np.zeros(self.n_slots, dtype=np.int_)
        self.wlo = self.wlo_arr
        self.whi = self.whi_arr
        cdef long[::1] wlo = self.wlo, whi = self.whi
        for s in range(self.n_x):
            wlo[s] = s
            whi[s] = s + 1
        for k in range(self.n_instr):
            s = n_in + k
            kc = self.code[k]
            lo = 0
            hi = 0
            if kc == K_UN or kc == K_BINC or kc == K_CBIN or kc == K_EXT:
                lo = wlo[self.a[k]]
                hi = whi[self.a[k]]
            elif kc == K_BIN or kc == K_SELECT:
                _union(wlo[self.a[k]], whi[self.a[k]], wlo[self.b[k]], whi[self.b[k]], &lo, &hi)
            elif kc == K_SUM or kc == K_LIN:
                for j in range(self.a[k], self.a[k] + self.b[k]):
                    _union(lo, hi, wlo[self.args[j]], whi[self.args[j]], &lo, &hi)
            if hi <= lo:
                lo = 0
                hi = 0
            wlo[s] = lo
            whi[s] = hi

    @property
    def n_out(self):
        return self.out.shape[0]

    def nbytes(self):
        """Bytes held by the program's arrays."""
        return sum(a.nbytes for a in (self.code_arr, self.op_arr, self.a_arr, self.b_arr,
                                      self.c_arr, self.args_arr, self.coef_arr, self.out_arr,
                                      self.wlo_arr, self.whi_arr))

    def window_cost(self, long c0, long c1):
        """Sum over slots of the window widths for the identity chunk [c0, c1)."""
        cdef long s, lo, hi, tot = 0
        for s in range(self.n_slots):
            lo = self.wlo[s] if self.wlo[s] > c0 else c0
            hi = self.whi[s] if self.whi[s] < c1 else c1
            if hi > lo:
                tot += hi - lo
        return tot

    cdef long _load(self, double* v, object xin) except -2:
        """The inputs into v[0 : n_in] (a contiguous float64 array is read
        directly: the replay's entry cost matters for small problems)."""
        cdef long i
        cdef cnp.ndarray a
        cdef const double* p
        if (type(xin) is not np.ndarray or cnp.PyArray_TYPE(<cnp.ndarray>xin) != cnp.NPY_DOUBLE
                or not cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray>xin)
                or not cnp.PyArray_ISBEHAVED_RO(<cnp.ndarray>xin)):    # aligned, native order
            xin = np.ascontiguousarray(xin, dtype=np.float64)
        a = <cnp.ndarray>xin
        if cnp.PyArray_SIZE(a) != self.n_in:
            raise ValueError("a replay needs %d input values, got %d"
                             % (self.n_in, cnp.PyArray_SIZE(a)))
        p = <const double*>cnp.PyArray_DATA(a)
        for i in range(self.n_in):
            v[i] = p[i]
        return 0

    cdef triple _ext(self, long op, double x) except *:
        """(g, g', g'') of a rule outside the table, from its Python callable;
        g'' is split by frexp as the array layer's chain rule splits it
        (``_arrays._scaled3``), so the mixed terms round the same way."""
        cdef triple T
        cdef int e = 0
        entry = self.ext[op]
        if type(entry) is tuple:
            # (rule id, Python function): the rule table's derivatives with the
            # value from Python's math (dualcalc.math.gamma/lgamma on dual scalars)
            T = rule_eval(<int>entry[0], x)
            T.f = entry[1](x)
            return T
        f, d1, d2 = entry(x)
        T.f = f
        T.d1 = d1
        T.d1e = 0
        T.d2 = d2
        T.d2e = 0
        if isfinite(T.d2) and T.d2 != 0.0:
            T.d2 = frexp(T.d2, &e)
            T.d2e = e
        return T

    cdef inline int _constant_step(self, double* v, long k, long s, long kc) noexcept:
        """The instructions whose result has no tangents (a constant, a 0/1
        comparison, logic or predicate, a guard), for every sweep: 1 done,
        0 not one of them, -1 a guard whose outcome differs."""
        cdef long op = self.op[k]
        if kc == K_CONST:
            v[s] = self.c[k]
        elif kc == K_CMP:
            v[s] = _cmp(op, v[self.a[k]], v[self.b[k]] if self.b[k] >= 0 else self.c[k])
        elif kc == K_LOGIC:
            v[s] = _logic(op, v[self.a[k]], v[self.b[k]] if self.b[k] >= 0 else 0.0)
        elif kc == K_PRED:
            v[s] = _pred(op, v[self.a[k]])
        elif kc == K_GUARD:
            v[s] = 0.0
            if not _guard_ok(op, v[self.a[k]], self.c[k]):
                return -1
        else:
            return 0
        return 1

    def run0(self, xin):
        """Values only: (status, outputs); status is -1, or the index of the
        first guard whose outcome differs."""
        cdef double* o
        cdef cnp.ndarray out
        cdef double* v = <double*>malloc(self.n_slots * sizeof(double))
        cdef long k, s, j, kc, n_in = self.n_in, op
        cdef int done
        cdef double x, y, acc
        cdef partials P
        if v == NULL:
            raise MemoryError()
        try:
            self._load(v, xin)
            for k in range(self.n_instr):
                s = n_in + k
                kc = self.code[k]
                op = self.op[k]
                done = self._constant_step(v, k, s, kc)
                if done < 0:
                    return k, None
                if done:
                    continue
                if kc == K_UN:
                    v[s] = rule_eval(op, v[self.a[k]]).f
                elif kc == K_EXT:
                    v[s] = self._ext(op, v[self.a[k]]).f
                elif kc == K_BIN or kc == K_BINC or kc == K_CBIN:
                    if kc == K_BIN:
                        x = v[self.a[k]]
                        y = v[self.b[k]]
                    elif kc == K_BINC:
                        x = v[self.a[k]]
                        y = self.c[k]
                    else:
                        x = self.c[k]
                        y = v[self.a[k]]
                    v[s] = _value2(<int>(op & 255), x, y, <int>(op >> 8), kc == K_BINC)
                elif kc == K_SUM:
                    acc = 0.0
                    for j in range(self.a[k], self.a[k] + self.b[k]):
                        acc = acc + v[self.args[j]]
                    v[s] = acc
                elif kc == K_LIN:
                    acc = 0.0
                    for j in range(self.a[k], self.a[k] + self.b[k]):
                        acc = acc + self.coef[j] * v[self.args[j]]
                    v[s] = acc
                elif kc == K_SELECT:
                    v[s] = v[self.a[k]] if v[op] != 0.0 else v[self.b[k]]
            out = _empty1(self.out.shape[0])
            o = <double*>cnp.PyArray_DATA(out)
            for j in range(self.out.shape[0]):
                o[j] = v[self.out[j]]
            return -1, out
        finally:
            free(v)


    # ------------------------------------------------------------ first order
    def run1(self, xin, long c0, long c1, dirs=None, grad_shape=None):
        """Values and tangents.  With dirs None, direction j (0 <= j < c1 - c0)
        is input c0 + j (a chunk of the identity); else dirs is an (n_x, k)
        array of dense directions.  Returns (status, values, tangents (n_out, k)),
        or with grad_shape (one output, the whole identity) (status, value,
        gradient of shape grad_shape): the gradient's short path."""
        cdef long k_dirs, s, kk, j, n_in = self.n_in, n_x = self.n_x, tot = 0, w, i
        cdef bint dense = dirs is not None
        cdef const double[:, ::1] D
        cdef double* o
        cdef cnp.npy_intp dims[2]
        cdef Sweep S
        cdef long status = -1, m
        if dense:
            D = np.ascontiguousarray(dirs, dtype=np.float64)
            if D.shape[0] != n_x:
                raise ValueError("dirs must have n_x rows")
            k_dirs = D.shape[1]
        else:
            k_dirs = c1 - c0
        cdef bint full = (not dense) and c0 == 0 and c1 == n_x
        S.e1 = NULL
        S.v = NULL
        if full:
            # the whole identity: windows and offsets are the program's own (made once)
            S.lo1 = &self.flo[0]
            S.hi1 = &self.fhi[0]
            S.off1 = &self.foff[0]
            tot = self.ftot
        else:
            S.lo1 = <long*>malloc(self.n_slots * sizeof(long))
            S.hi1 = <long*>malloc(self.n_slots * sizeof(long))
            S.off1 = <long*>malloc((self.n_slots + 1) * sizeof(long))
            if S.lo1 == NULL or S.hi1 == NULL or S.off1 == NULL:
                free(S.lo1); free(S.hi1); free(S.off1)
                raise MemoryError()
        try:
            if not full:
                for s in range(self.n_slots):
                    if dense:
                        S.lo1[s] = 0
                        S.hi1[s] = k_dirs if self.whi[s] > self.wlo[s] else 0
                    else:
                        S.lo1[s] = (self.wlo[s] if self.wlo[s] > c0 else c0) - c0
                        S.hi1[s] = (self.whi[s] if self.whi[s] < c1 else c1) - c0
                        if S.hi1[s] <= S.lo1[s]:
                            S.lo1[s] = 0
                            S.hi1[s] = 0
                    S.off1[s] = tot
                    tot += S.hi1[s] - S.lo1[s]
            S.v = <double*>malloc((self.n_slots + tot + 1) * sizeof(double))
            if S.v == NULL:
                raise MemoryError()
            S.e1 = S.v + self.n_slots
            self._load(S.v, xin)
            for i in range(n_x):
                w = S.hi1[i] - S.lo1[i]
                for j in range(w):
                    if dense:
                        S.e1[S.off1[i] + j] = D[i, j]
                    else:
                        S.e1[S.off1[i] + j] = 1.0      # the identity: window [i, i+1)
            for kk in range(self.n_instr):
                if self._step1(&S, kk) < 0:
                    status = kk
                    break
            if status >= 0:
                return status, None, None
            m = self.out.shape[0]
            if grad_shape is not None and m == 1 and full:
                g = np.zeros(grad_shape)
                if cnp.PyArray_SIZE(<cnp.ndarray>g) != k_dirs:
                    raise ValueError("grad_shape must hold n_x values")
                o = <double*>cnp.PyArray_DATA(<cnp.ndarray>g)
                s = self.out[0]
                for j in range(S.lo1[s], S.hi1[s]):
                    o[j] = S.e1[S.off1[s] + j - S.lo1[s]]
                return -1, S.v[s], g
            dims[0] = m
            dims[1] = k_dirs
            vals = cnp.PyArray_EMPTY(1, dims, cnp.NPY_DOUBLE, 0)
            tans = cnp.PyArray_ZEROS(2, dims, cnp.NPY_DOUBLE, 0)
            o = <double*>cnp.PyArray_DATA(<cnp.ndarray>tans)
            for i in range(m):
                s = self.out[i]
                (<double*>cnp.PyArray_DATA(<cnp.ndarray>vals))[i] = S.v[s]
                for j in range(S.lo1[s], S.hi1[s]):
                    o[i * k_dirs + j] = S.e1[S.off1[s] + j - S.lo1[s]]
            return -1, vals, tans
        finally:
            if not full:
                free(S.lo1); free(S.hi1); free(S.off1)
            free(S.v)

    cdef long _step1(self, Sweep* S, long k) except -2:
        """One instruction of the first-order sweep; -1 where a guard fails."""
        cdef long s = self.n_in + k, kc = self.code[k], op = self.op[k], j, A, B, lo, hi, t
        cdef double* o = S.e1 + S.off1[s]
        cdef double* ea
        cdef double* eb
        cdef double xv, yv, c, r, cf
        cdef triple T
        cdef partials P
        cdef int errors
        lo = S.lo1[s]
        hi = S.hi1[s]
        cdef int done = self._constant_step(S.v, k, s, kc)
        if done:
            return 0 if done > 0 else -1
        if kc == K_UN or kc == K_EXT:
            A = self.a[k]
            T = rule_eval(op, S.v[A]) if kc == K_UN else self._ext(op, S.v[A])
            S.v[s] = T.f
            ea = S.e1 + S.off1[A]                 # same window as the operand
            for j in range(hi - lo):
                o[j] = first_term(T, ea[j])
        elif kc == K_BIN:
            A = self.a[k]
            B = self.b[k]
            xv = S.v[A]
            yv = S.v[B]
            errors = <int>(op >> 8)
            op = op & 255
            if (S.lo1[A] == lo and S.hi1[A] == hi and S.lo1[B] == lo and S.hi1[B] == hi
                    and (op == OP_ADD or op == OP_SUB or op == OP_MUL)):
                # both operands on the result's window: direct loops
                ea = S.e1 + S.off1[A]
                eb = S.e1 + S.off1[B]
                if op == OP_ADD:
                    S.v[s] = xv + yv
                    for j in range(hi - lo):
                        o[j] = ea[j] + eb[j]
                elif op == OP_SUB:
                    S.v[s] = xv - yv
                    for j in range(hi - lo):
                        o[j] = ea[j] - eb[j]
                else:
                    S.v[s] = xv * yv
                    for j in range(hi - lo):
                        o[j] = m0(yv, ea[j]) + m0(xv, eb[j])
                return 0
            if op == OP_ADD:
                S.v[s] = xv + yv
                for j in range(lo, hi):
                    o[j - lo] = g1(S, A, j) + g1(S, B, j)
            elif op == OP_SUB:
                S.v[s] = xv - yv
                for j in range(lo, hi):
                    o[j - lo] = g1(S, A, j) - g1(S, B, j)
            elif op == OP_MUL:
                S.v[s] = xv * yv
                for j in range(lo, hi):
                    o[j - lo] = m0(yv, g1(S, A, j)) + m0(xv, g1(S, B, j))
            else:
                if op == OP_DIV and yv != 0.0:
                    P = p_div(xv, yv)
                else:
                    check_binary_domain(<int>op, xv, yv, errors)
                    P = binary_eval(<int>op, xv, yv)
                    check_pow_overflow(<int>op, xv, yv, P.f, errors)
                S.v[s] = P.f
                for j in range(lo, hi):
                    o[j - lo] = first_x(P, g1(S, A, j)) + first_y(P, g1(S, B, j))
        elif kc == K_BINC or kc == K_CBIN:
            self._const1(S, k, s, kc == K_CBIN)
        elif kc == K_SUM or kc == K_LIN:
            xv = 0.0
            for j in range(lo, hi):
                o[j - lo] = 0.0
            for t in range(self.a[k], self.a[k] + self.b[k]):
                A = self.args[t]
                if kc == K_SUM:
                    xv = xv + S.v[A]
                    for j in range(S.lo1[A], S.hi1[A]):
                        o[j - lo] = o[j - lo] + S.e1[S.off1[A] + j - S.lo1[A]]
                else:
                    cf = self.coef[t]
                    xv = xv + cf * S.v[A]
                    for j in range(S.lo1[A], S.hi1[A]):
                        o[j - lo] = o[j - lo] + m0(cf, S.e1[S.off1[A] + j - S.lo1[A]])
            S.v[s] = xv
        elif kc == K_SELECT:
            A = self.a[k] if S.v[op] != 0.0 else self.b[k]
            S.v[s] = S.v[A]
            for j in range(lo, hi):
                o[j - lo] = g1(S, A, j)
        return 0

    cdef int _const1(self, Sweep* S, long k, long s, bint swapped) except -1:
        """x op c (or c op x), as DualVec's _vc."""
        cdef long A = self.a[k], j, lo = 0, hi = S.hi1[s] - S.lo1[s]
        cdef long op = self.op[k] & 255
        cdef int errors = <int>(self.op[k] >> 8)
        cdef double xv = S.v[A], c = self.c[k], r
        cdef double* o = S.e1 + S.off1[s]
        cdef double* ea = S.e1 + S.off1[A]         # the same window as the result
        cdef triple T
        cdef partials P
        if op == OP_ADD:
            S.v[s] = c + xv if swapped else xv + c
            for j in range(lo, hi):
                o[j] = ea[j]
            return 0
        if op == OP_SUB:
            S.v[s] = c - xv if swapped else xv - c
            for j in range(lo, hi):
                o[j] = -ea[j] if swapped else ea[j]
            return 0
        if op == OP_MUL:
            S.v[s] = c * xv if swapped else xv * c
            for j in range(lo, hi):
                o[j] = m0(c, ea[j])
            return 0
        if not swapped:
            if op == OP_DIV and c == c and abs(c) >= 1e-300 and abs(c) <= 1e300:
                S.v[s] = xv / c
                r = 1.0 / c
                for j in range(lo, hi):
                    o[j] = m0(r, ea[j])
                return 0
            if op == OP_POW:
                # k_powc's (f, d1) are p_pow's (f, fx) for every x (DualVec's _vc
                # takes k_powc for x > 0 and p_pow elsewhere: the same numbers)
                if errors:
                    check_binary_domain(<int>op, xv, c, errors)
                T = k_powc(xv, c)
                check_pow_overflow(<int>op, xv, c, T.f, errors)
                S.v[s] = T.f
                for j in range(lo, hi):
                    o[j] = first_term(T, ea[j])
                return 0
            check_binary_domain(<int>op, xv, c, errors)
            P = binary_eval(<int>op, xv, c)
            S.v[s] = P.f
            for j in range(lo, hi):
                o[j] = first_x(P, ea[j]) + 0.0
            return 0
        if op == OP_DIV and xv != 0.0:
            P = p_div(c, xv)
        else:
            check_binary_domain(<int>op, c, xv, errors)
            P = binary_eval(<int>op, c, xv)
            check_pow_overflow(<int>op, c, xv, P.f, errors)
        S.v[s] = P.f
        for j in range(lo, hi):
            o[j] = 0.0 + first_y(P, ea[j])
        return 0

    # ------------------------------------------------------------ second order
    def run2(self, xin, long p0, long p1, v2=None, bint hessian=False):
        """Values, e1 (identity chunk [p0, p1)), e2 (the whole identity, or the
        one dense direction v2 of length n_x) and the mixed block.  Returns
        (status, values, e1 (n_out, p), e2 (n_out, q), e12 (n_out, p, q)); with
        hessian=True (one output, p0 = 0, p1 = n_x, no v2) (status, value,
        gradient (n_x,), Hessian (n_x, n_x) made exactly symmetric as the
        verbs make it: (H + H^T) / 2)."""
        cdef long s, kk, j, i, r, n_x = self.n_x, n = self.n_slots
        cdef long tot1 = 0, tot2 = 0, tot12 = 0, p = p1 - p0, q, w, m
        cdef bint dense = v2 is not None
        cdef const double[::1] V
        cdef double* o
        cdef double* og
        cdef cnp.npy_intp dims[3]
        cdef Sweep S
        cdef long* idx = NULL
        cdef long status = -1
        if dense:
            V = np.ascontiguousarray(v2, dtype=np.float64)
            if V.shape[0] != n_x:
                raise ValueError("v2 must have n_x entries")
            q = 1
        else:
            q = n_x
        if hessian and (dense or p0 != 0 or p1 != n_x or self.out.shape[0] != 1):
            raise ValueError("hessian=True needs one output and the whole identity")
        cdef bint full = (not dense) and p0 == 0 and p1 == n_x
        if full:
            # the whole identity in both directions: the program's own windows
            # and offsets (made once)
            S.lo1 = S.lo2 = &self.flo[0]
            S.hi1 = S.hi2 = &self.fhi[0]
            S.off1 = S.off2 = &self.foff[0]
            S.off12 = &self.foff12[0]
            tot1 = tot2 = self.ftot
            tot12 = self.ftot12
        else:
            idx = <long*>malloc(7 * n * sizeof(long))
            if idx == NULL:
                raise MemoryError()
            S.lo1, S.hi1, S.off1 = idx, idx + n, idx + 2 * n
            S.lo2, S.hi2, S.off2, S.off12 = idx + 3 * n, idx + 4 * n, idx + 5 * n, idx + 6 * n
        S.v = NULL
        try:
            for s in range(n if not full else 0):
                S.lo1[s] = (self.wlo[s] if self.wlo[s] > p0 else p0) - p0
                S.hi1[s] = (self.whi[s] if self.whi[s] < p1 else p1) - p0
                if S.hi1[s] <= S.lo1[s]:
                    S.lo1[s] = 0
                    S.hi1[s] = 0
                if dense:
                    S.lo2[s] = 0
                    S.hi2[s] = 1 if self.whi[s] > self.wlo[s] else 0
                else:
                    S.lo2[s] = self.wlo[s]
                    S.hi2[s] = self.whi[s]
                S.off1[s] = tot1
                S.off2[s] = tot2
                S.off12[s] = tot12
                tot1 += S.hi1[s] - S.lo1[s]
                tot2 += S.hi2[s] - S.lo2[s]
                tot12 += (S.hi1[s] - S.lo1[s]) * (S.hi2[s] - S.lo2[s])
            S.v = <double*>malloc((n + tot1 + tot2 + tot12 + 1) * sizeof(double))
            if S.v == NULL:
                raise MemoryError()
            S.e1 = S.v + n
            S.e2 = S.e1 + tot1
            S.e12 = S.e2 + tot2
            self._load(S.v, xin)
            for i in range(n_x):
                for j in range(S.hi1[i] - S.lo1[i]):
                    S.e1[S.off1[i] + j] = 1.0
                for j in range(S.hi2[i] - S.lo2[i]):
                    S.e2[S.off2[i] + j] = V[i] if dense else 1.0
                w = (S.hi1[i] - S.lo1[i]) * (S.hi2[i] - S.lo2[i])
                for j in range(w):
                    S.e12[S.off12[i] + j] = 0.0
            for kk in range(self.n_instr):
                if self._step2(&S, kk) < 0:
                    status = kk
                    break
            if status >= 0:
                return status, None, None, None, None
            m = self.out.shape[0]
            if hessian:
                s = self.out[0]
                dims[0] = n_x
                dims[1] = n_x
                G = cnp.PyArray_ZEROS(1, dims, cnp.NPY_DOUBLE, 0)
                H = cnp.PyArray_ZEROS(2, dims, cnp.NPY_DOUBLE, 0)
                og = <double*>cnp.PyArray_DATA(<cnp.ndarray>G)
                o = <double*>cnp.PyArray_DATA(<cnp.ndarray>H)
                for j in range(S.lo2[s], S.hi2[s]):
                    og[j] = S.e2[S.off2[s] + j - S.lo2[s]]
                w = S.hi2[s] - S.lo2[s]
                for r in range(S.lo1[s], S.hi1[s]):
                    for j in range(S.lo2[s], S.hi2[s]):
                        o[r * n_x + j] = S.e12[S.off12[s] + (r - S.lo1[s]) * w + j - S.lo2[s]]
                for r in range(n_x):                   # (H + H^T) / 2, as the verbs
                    for j in range(r + 1, n_x):
                        o[r * n_x + j] = (o[r * n_x + j] + o[j * n_x + r]) * 0.5
                        o[j * n_x + r] = o[r * n_x + j]
                return -1, S.v[s], G, H, None
            dims[0] = m
            vals = cnp.PyArray_EMPTY(1, dims, cnp.NPY_DOUBLE, 0)
            dims[1] = p
            E1 = cnp.PyArray_ZEROS(2, dims, cnp.NPY_DOUBLE, 0)
            dims[1] = q
            E2 = cnp.PyArray_ZEROS(2, dims, cnp.NPY_DOUBLE, 0)
            dims[1] = p
            dims[2] = q
            E12 = cnp.PyArray_ZEROS(3, dims, cnp.NPY_DOUBLE, 0)
            for i in range(m):
                s = self.out[i]
                (<double*>cnp.PyArray_DATA(<cnp.ndarray>vals))[i] = S.v[s]
                o = <double*>cnp.PyArray_DATA(<cnp.ndarray>E1)
                for j in range(S.lo1[s], S.hi1[s]):
                    o[i * p + j] = S.e1[S.off1[s] + j - S.lo1[s]]
                o = <double*>cnp.PyArray_DATA(<cnp.ndarray>E2)
                for j in range(S.lo2[s], S.hi2[s]):
                    o[i * q + j] = S.e2[S.off2[s] + j - S.lo2[s]]
                o = <double*>cnp.PyArray_DATA(<cnp.ndarray>E12)
                w = S.hi2[s] - S.lo2[s]
                for r in range(S.lo1[s], S.hi1[s]):
                    for j in range(S.lo2[s], S.hi2[s]):
                        o[(i * p + r) * q + j] = S.e12[S.off12[s] + (r - S.lo1[s]) * w
                                                       + j - S.lo2[s]]
            return -1, vals, E1, E2, E12
        finally:
            free(idx)
            free(S.v)

    cdef long _step2(self, Sweep* S, long k) except -2:
        cdef long s = self.n_in + k, kc = self.code[k], op = self.op[k], j, A, B, t, r
        cdef long lo1 = S.lo1[s], hi1 = S.hi1[s], lo2 = S.lo2[s], hi2 = S.hi2[s]
        cdef long w2 = hi2 - lo2
        cdef double* o1 = S.e1 + S.off1[s]
        cdef double* o2 = S.e2 + S.off2[s]
        cdef double* o12 = S.e12 + S.off12[s]
        cdef double xv, cf
        cdef double* a12
        cdef double* row
        cdef long wa
        cdef triple T
        cdef int done = self._constant_step(S.v, k, s, kc)
        if done:
            return 0 if done > 0 else -1
        if kc == K_UN:
            T = rule_eval(op, S.v[self.a[k]])
            self._chain2(S, s, self.a[k], T)
        elif kc == K_EXT:
            T = self._ext(op, S.v[self.a[k]])
            self._chain2(S, s, self.a[k], T)
        elif kc == K_BIN:
            self._bin2(S, s, self.a[k], self.b[k], S.v[self.a[k]], S.v[self.b[k]], op, 0)
        elif kc == K_BINC or kc == K_CBIN:
            self._const2(S, k, s, kc == K_CBIN)
        elif kc == K_SUM or kc == K_LIN:
            xv = 0.0
            for j in range(hi1 - lo1):
                o1[j] = 0.0
            for j in range(w2):
                o2[j] = 0.0
            for j in range((hi1 - lo1) * w2):
                o12[j] = 0.0
            for t in range(self.a[k], self.a[k] + self.b[k]):
                A = self.args[t]
                cf = self.coef[t] if kc == K_LIN else 1.0
                xv = xv + (cf * S.v[A] if kc == K_LIN else S.v[A])
                for j in range(S.lo1[A], S.hi1[A]):
                    o1[j - lo1] = o1[j - lo1] + (m0(cf, S.e1[S.off1[A] + j - S.lo1[A]])
                                                 if kc == K_LIN else S.e1[S.off1[A] + j - S.lo1[A]])
                for j in range(S.lo2[A], S.hi2[A]):
                    o2[j - lo2] = o2[j - lo2] + (m0(cf, S.e2[S.off2[A] + j - S.lo2[A]])
                                                 if kc == K_LIN else S.e2[S.off2[A] + j - S.lo2[A]])
                wa = S.hi2[A] - S.lo2[A]
                a12 = S.e12 + S.off12[A]
                for r in range(S.hi1[A] - S.lo1[A]):
                    row = o12 + (r + S.lo1[A] - lo1) * w2 + S.lo2[A] - lo2
                    for j in range(wa):
                        row[j] = row[j] + (m0(cf, a12[r * wa + j]) if kc == K_LIN
                                           else a12[r * wa + j])
            S.v[s] = xv
        elif kc == K_SELECT:
            A = self.a[k] if S.v[op] != 0.0 else self.b[k]
            S.v[s] = S.v[A]
            for j in range(lo1, hi1):
                o1[j - lo1] = g1(S, A, j)
            for j in range(lo2, hi2):
                o2[j - lo2] = g2(S, A, j)
            for r in range(lo1, hi1):
                for j in range(lo2, hi2):
                    o12[(r - lo1) * w2 + j - lo2] = g12(S, A, r, j)
        return 0

    cdef void _chain2(self, Sweep* S, long s, long A, triple T) noexcept:
        """(g, g'e1, g'e2, g'e12 + g''e1 e2) as HyperDualVec's _hchain.  The
        result has its operand's windows (a one-argument step), so both are
        read and written through direct offsets."""
        cdef long w1 = S.hi1[s] - S.lo1[s], w2 = S.hi2[s] - S.lo2[s], j, r
        cdef double* o1 = S.e1 + S.off1[s]
        cdef double* o2 = S.e2 + S.off2[s]
        cdef double* o12 = S.e12 + S.off12[s]
        cdef double* a1 = S.e1 + S.off1[A]
        cdef double* a2 = S.e2 + S.off2[A]
        cdef double* a12 = S.e12 + S.off12[A]
        cdef double u
        S.v[s] = T.f
        for j in range(w1):
            o1[j] = first_term(T, a1[j])
        for j in range(w2):
            o2[j] = first_term(T, a2[j])
        for r in range(w1):
            u = a1[r]
            if u == 0.0:
                for j in range(w2):
                    o12[r * w2 + j] = first_term(T, a12[r * w2 + j])
            else:
                for j in range(w2):
                    o12[r * w2 + j] = first_term(T, a12[r * w2 + j]) + second_term(T, u, a2[j])

    cdef int _bin2(self, Sweep* S, long s, long A, long B, double xv, double yv, long op,
                   bint dummy) except -1:
        """x op y as HyperDualVec's _hh; A or B < 0 is a constant (zero tangents)."""
        cdef long lo1 = S.lo1[s], hi1 = S.hi1[s], lo2 = S.lo2[s], hi2 = S.hi2[s], j, r
        cdef long w2 = hi2 - lo2
        cdef double* o1 = S.e1 + S.off1[s]
        cdef double* o2 = S.e2 + S.off2[s]
        cdef double* o12 = S.e12 + S.off12[s]
        cdef double u, w, xr, yr, x2, y2, sg
        cdef int errors = <int>(op >> 8)
        cdef partials P
        op = op & 255
        if A >= 0 and B >= 0 and _same_windows(S, s, A) and _same_windows(S, s, B):
            return self._bin2_same(S, s, A, B, xv, yv, op, errors)
        if op == OP_ADD or op == OP_SUB:
            S.v[s] = xv + yv if op == OP_ADD else xv - yv
            sg = 1.0 if op == OP_ADD else -1.0
            for j in range(lo1, hi1):
                o1[j - lo1] = _e1(S, A, j) + sg * _e1(S, B, j)
            for j in range(lo2, hi2):
                o2[j - lo2] = _e2(S, A, j) + sg * _e2(S, B, j)
            for r in range(lo1, hi1):
                for j in range(lo2, hi2):
                    o12[(r - lo1) * w2 + j - lo2] = _e12(S, A, r, j) + sg * _e12(S, B, r, j)
            return 0
        if op == OP_MUL:
            S.v[s] = xv * yv
            for j in range(lo1, hi1):
                o1[j - lo1] = m0(yv, _e1(S, A, j)) + m0(xv, _e1(S, B, j))
            for j in range(lo2, hi2):
                o2[j - lo2] = m0(yv, _e2(S, A, j)) + m0(xv, _e2(S, B, j))
            for r in range(lo1, hi1):
                u = _e1(S, A, r)
                w = _e1(S, B, r)
                for j in range(lo2, hi2):
                    o12[(r - lo1) * w2 + j - lo2] = (
                        (m0(yv, _e12(S, A, r, j)) + m0(xv, _e12(S, B, r, j)))
                        + (u * _e2(S, B, j) + _e2(S, A, j) * w))
            return 0
        check_binary_domain(<int>op, xv, yv, errors)
        P = binary_eval(<int>op, xv, yv)
        check_pow_overflow(<int>op, xv, yv, P.f, errors)
        S.v[s] = P.f
        for j in range(lo1, hi1):
            o1[j - lo1] = first_x(P, _e1(S, A, j)) + first_y(P, _e1(S, B, j))
        for j in range(lo2, hi2):
            o2[j - lo2] = first_x(P, _e2(S, A, j)) + first_y(P, _e2(S, B, j))
        for r in range(lo1, hi1):
            u = _e1(S, A, r)
            w = _e1(S, B, r)
            for j in range(lo2, hi2):
                x2 = _e2(S, A, j)
                y2 = _e2(S, B, j)
                o12[(r - lo1) * w2 + j - lo2] = (
                    (first_x(P, _e12(S, A, r, j)) + first_y(P, _e12(S, B, r, j)))
                    + ((second_p(P.fxx, P.fxxe, u, x2) + second_p(P.fyy, P.fyye, w, y2))
                       + (second_p(P.fxy, P.fxye, u, y2) + second_p(P.fxy, P.fxye, w, x2))))
        return 0

    cdef int _bin2_same(self, Sweep* S, long s, long A, long B, double xv, double yv, long op,
                        int errors) except -1:
        """_bin2 when both operands have the result's windows (dense code: every
        intermediate depends on every input): the same arithmetic in the same
        order, read through direct offsets instead of a window test per entry."""
        cdef long w1 = S.hi1[s] - S.lo1[s], w2 = S.hi2[s] - S.lo2[s], j, r, i
        cdef double* o1 = S.e1 + S.off1[s]
        cdef double* o2 = S.e2 + S.off2[s]
        cdef double* o12 = S.e12 + S.off12[s]
        cdef double* a1 = S.e1 + S.off1[A]
        cdef double* a2 = S.e2 + S.off2[A]
        cdef double* a12 = S.e12 + S.off12[A]
        cdef double* b1 = S.e1 + S.off1[B]
        cdef double* b2 = S.e2 + S.off2[B]
        cdef double* b12 = S.e12 + S.off12[B]
        cdef double u, w, sg, x2, y2
        cdef partials P
        if op == OP_ADD or op == OP_SUB:
            S.v[s] = xv + yv if op == OP_ADD else xv - yv
            sg = 1.0 if op == OP_ADD else -1.0
            for j in range(w1):
                o1[j] = a1[j] + sg * b1[j]
            for j in range(w2):
                o2[j] = a2[j] + sg * b2[j]
            for j in range(w1 * w2):
                o12[j] = a12[j] + sg * b12[j]
            return 0
        if op == OP_MUL:
            S.v[s] = xv * yv
            for j in range(w1):
                o1[j] = m0(yv, a1[j]) + m0(xv, b1[j])
            for j in range(w2):
                o2[j] = m0(yv, a2[j]) + m0(xv, b2[j])
            for r in range(w1):
                u = a1[r]
                w = b1[r]
                for j in range(w2):
                    i = r * w2 + j
                    o12[i] = (m0(yv, a12[i]) + m0(xv, b12[i])) + (u * b2[j] + a2[j] * w)
            return 0
        check_binary_domain(<int>op, xv, yv, errors)
        P = binary_eval(<int>op, xv, yv)
        check_pow_overflow(<int>op, xv, yv, P.f, errors)
        S.v[s] = P.f
        for j in range(w1):
            o1[j] = first_x(P, a1[j]) + first_y(P, b1[j])
        for j in range(w2):
            o2[j] = first_x(P, a2[j]) + first_y(P, b2[j])
        for r in range(w1):
            u = a1[r]
            w = b1[r]
            for j in range(w2):
                i = r * w2 + j
                x2 = a2[j]
                y2 = b2[j]
                o12[i] = ((first_x(P, a12[i]) + first_y(P, b12[i]))
                          + ((second_p(P.fxx, P.fxxe, u, x2) + second_p(P.fyy, P.fyye, w, y2))
                             + (second_p(P.fxy, P.fxye, u, y2) + second_p(P.fxy, P.fxye, w, x2))))
        return 0

    cdef int _const2(self, Sweep* S, long k, long s, bint swapped) except -1:
        """x op c (or c op x), as HyperDualVec's _hc."""
        cdef long A = self.a[k], j, r
        cdef long op = self.op[k] & 255
        cdef double xv = S.v[A], c = self.c[k], sg
        cdef long lo1 = S.lo1[s], hi1 = S.hi1[s], lo2 = S.lo2[s], hi2 = S.hi2[s]
        cdef long w2 = hi2 - lo2
        cdef double* o1 = S.e1 + S.off1[s]
        cdef double* o2 = S.e2 + S.off2[s]
        cdef double* o12 = S.e12 + S.off12[s]
        cdef double* a1
        cdef double* a2
        cdef double* a12
        cdef triple T
        cdef int errors
        if op == OP_ADD or op == OP_SUB or op == OP_MUL:
            if op == OP_ADD:
                S.v[s] = c + xv if swapped else xv + c
            elif op == OP_SUB:
                S.v[s] = c - xv if swapped else xv - c
            else:
                S.v[s] = c * xv if swapped else xv * c
            sg = -1.0 if (op == OP_SUB and swapped) else 1.0
            # the result has its operand's windows: one pass over the three blocks,
            # which lie one after the other in each of e1, e2, e12
            a1 = S.e1 + S.off1[A]
            a2 = S.e2 + S.off2[A]
            a12 = S.e12 + S.off12[A]
            if op == OP_MUL:
                for j in range(hi1 - lo1):
                    o1[j] = m0(c, a1[j])
                for j in range(w2):
                    o2[j] = m0(c, a2[j])
                for j in range((hi1 - lo1) * w2):
                    o12[j] = m0(c, a12[j])
            else:
                for j in range(hi1 - lo1):
                    o1[j] = sg * a1[j]
                for j in range(w2):
                    o2[j] = sg * a2[j]
                for j in range((hi1 - lo1) * w2):
                    o12[j] = sg * a12[j]
            return 0
        if op == OP_POW and not swapped:
            # k_powc's (f, d1, d2) are p_pow's (f, fx, fxx) for every x, and the
            # partials in the constant exponent meet zero tangents: the same
            # numbers as HyperDualVec's _hc, without p_pow's log and pow
            errors = <int>(self.op[k] >> 8)
            if errors:
                check_binary_domain(<int>op, xv, c, errors)
            T = k_powc(xv, c)
            check_pow_overflow(<int>op, xv, c, T.f, errors)
            self._chain2(S, s, A, T)
            return 0
        if swapped:
            return self._bin2(S, s, -1, A, c, xv, self.op[k], 0)
        return self._bin2(S, s, A, -1, xv, c, self.op[k], 0)


cdef inline bint _same_windows(Sweep* S, long s, long a) noexcept nogil:
    return (S.lo1[a] == S.lo1[s] and S.hi1[a] == S.hi1[s] and S.lo2[a] == S.lo2[s]
            and S.hi2[a] == S.hi2[s])


cdef inline double _e1(Sweep* S, long s, long j) noexcept nogil:
    return g1(S, s, j) if s >= 0 else 0.0


cdef inline double _e2(Sweep* S, long s, long j) noexcept nogil:
    return g2(S, s, j) if s >= 0 else 0.0


cdef inline double _e12(Sweep* S, long s, long r, long c) noexcept nogil:
    return g12(S, s, r, c) if s >= 0 else 0.0


# ---------------------------------------------------------------- record-time values
def unary_values(int rid, x):
    """rule_eval(rid, .).f elementwise: the values a replay computes."""
    cdef const double[::1] xs = np.ascontiguousarray(x, dtype=np.float64).ravel()
    out = np.empty(xs.shape[0])
    cdef double[::1] o = out
    cdef Py_ssize_t i
    for i in range(xs.shape[0]):
        o[i] = rule_eval(rid, xs[i]).f
    return out.reshape(np.shape(x))


def unary_value(int rid, double x):
    """rule_eval(rid, x).f: the value a replay computes (one number)."""
    return rule_eval(rid, x).f


def binary_value(int op, double x, double y, int errors, bint const_y):
    """binary_values for one pair of numbers."""
    return _value2(op, x, y, errors, const_y)


def binary_values(int op, x, y, int errors=0, bint const_y=False):
    """x op y elementwise (broadcast), as a replay computes it; errors != 0
    raises the domain errors of Python's operators (ERR_OPERATOR) or math;
    const_y: y is a constant of the recording (K_BINC: a power takes k_powc,
    whose value needs no logarithm of a negative base)."""
    xb, yb = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    shape = xb.shape
    cdef const double[::1] xs = np.ascontiguousarray(xb).ravel()
    cdef const double[::1] ys = np.ascontiguousarray(yb).ravel()
    out = np.empty(xs.shape[0])
    cdef double[::1] o = out
    cdef Py_ssize_t i
    for i in range(xs.shape[0]):
        o[i] = _value2(op, xs[i], ys[i], errors, const_y)
    return out.reshape(shape)
