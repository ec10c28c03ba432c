# cython: language_level=3
"""Elementwise kernels: nogil loops over contiguous float64 data that apply the
rule table ``_rules.pxd`` to dual arrays.

Design: a unary rule g gives g, g', g'' per element and the tangents become
g'·eps and g'·e12 + g''·e1⊗e2; two-argument functions go through
``binary_eval``'s partials.  The zero-stays-zero rule ``m0`` is applied
inside the loops, so it costs nothing extra.  An operand is a ``kop`` declared in ``_kernels.pxd``: a value pointer and tangent rows with their strides; the
operand engine ``_engine.pyx`` prepares them.  Nothing here touches a Python
object.
"""
from libc.string cimport memcpy, memset
from libc.math cimport isfinite
from dualcalc._core._rules cimport (
    triple, partials, rule_eval, binary_eval, second_term, first_term, first_x, first_y,
    partials_scaled, second_p, OP_ADD, OP_SUB, OP_MUL)
from dualcalc._core._scalar cimport m0



# ================================================================ kernels
# (the operand struct ``kop`` is declared in _kernels.pxd)


cdef inline void _row_m0(Py_ssize_t N, double* g, double* t, Py_ssize_t ts,
                         double* o) noexcept nogil:
    """o = m0(g, t) elementwise."""
    cdef Py_ssize_t i
    if ts == 1:
        for i in range(N):
            o[i] = 0.0 if t[i] == 0.0 else g[i] * t[i]
    else:
        for i in range(N):
            o[i] = 0.0 if t[0] == 0.0 else g[i] * t[0]


cdef inline void _row_add_m0(Py_ssize_t N, double* g, double* t, Py_ssize_t ts,
                             double* o) noexcept nogil:
    """o += m0(g, t) elementwise."""
    cdef Py_ssize_t i
    if ts == 1:
        for i in range(N):
            o[i] += 0.0 if t[i] == 0.0 else g[i] * t[i]
    else:
        for i in range(N):
            o[i] += 0.0 if t[0] == 0.0 else g[i] * t[0]


cdef inline void _row_copy(Py_ssize_t N, double sign, double* t, Py_ssize_t ts,
                           double* o) noexcept nogil:
    cdef Py_ssize_t i
    if ts == 1:
        if sign == 1.0:
            memcpy(o, t, N * sizeof(double))
        else:
            for i in range(N):
                o[i] = -t[i]
    else:
        for i in range(N):
            o[i] = sign * t[0]


cdef inline void _row_pm(Py_ssize_t N, double sign, double* t, Py_ssize_t ts,
                         double* u, Py_ssize_t us, double* o) noexcept nogil:
    """o = t + sign*u."""
    cdef Py_ssize_t i
    if ts == 1 and us == 1:
        if sign == 1.0:
            for i in range(N):
                o[i] = t[i] + u[i]
        else:
            for i in range(N):
                o[i] = t[i] - u[i]
    else:
        for i in range(N):
            o[i] = t[i * ts] + sign * u[i * us]


cdef inline void _row_mul(Py_ssize_t N, double* av, Py_ssize_t avs, double* ae, Py_ssize_t aes,
                          double* bv, Py_ssize_t bvs, double* be, Py_ssize_t bes,
                          double* o) noexcept nogil:
    """o = m0(b, ae) + m0(a, be): the product rule."""
    cdef Py_ssize_t i
    cdef double x, y
    if avs == 1 and aes == 1 and bvs == 1 and bes == 1:
        for i in range(N):
            x = 0.0 if ae[i] == 0.0 else bv[i] * ae[i]
            y = 0.0 if be[i] == 0.0 else av[i] * be[i]
            o[i] = x + y
    else:
        for i in range(N):
            x = 0.0 if ae[i * aes] == 0.0 else bv[i * bvs] * ae[i * aes]
            y = 0.0 if be[i * bes] == 0.0 else av[i * avs] * be[i * bes]
            o[i] = x + y


cdef inline void _row_scale(Py_ssize_t N, double* g, Py_ssize_t gs, double* t, Py_ssize_t ts,
                            double* o) noexcept nogil:
    """o = m0(g, t) with strided g."""
    cdef Py_ssize_t i
    if gs == 1 and ts == 1:
        for i in range(N):
            o[i] = 0.0 if t[i] == 0.0 else g[i] * t[i]
    else:
        for i in range(N):
            o[i] = 0.0 if t[i * ts] == 0.0 else g[i * gs] * t[i * ts]


cdef bint dual_unary_kernel(int rid, Py_ssize_t N, Py_ssize_t k, double* v,
                            double* e, Py_ssize_t er, double* ov, double* oe,
                            double* d1) noexcept nogil:
    """Chain rule (g, g'·t) over N elements and k tangent rows.  Returns whether a
    finite input gave a non-finite value (for NumPy's warnings)."""
    cdef Py_ssize_t i, j
    cdef triple t
    cdef bint bad = False
    cdef bint scaled = False
    cdef double* te
    cdef double* o
    for i in range(N):
        t = rule_eval(rid, v[i])
        ov[i] = t.f
        d1[i] = t.d1
        scaled = scaled or t.d1e != 0
        if not isfinite(t.f) and isfinite(v[i]):
            bad = True
    if scaled:
        # some g' is carried with an exponent (see with_d1_over): rare, so the
        # kernel is simply evaluated again
        for j in range(k):
            te = e + j * er
            o = oe + j * N
            for i in range(N):
                o[i] = 0.0 if te[i] == 0.0 else first_term(rule_eval(rid, v[i]), te[i])
        return bad
    for j in range(k):
        _row_m0(N, d1, e + j * er, 1, oe + j * N)
    return bad


cdef void _row_first_scaled(int rid, Py_ssize_t N, double* v, double* t,
                            double* o, bint add) noexcept nogil:
    """o (+)= g'·t elementwise, with the rule re-evaluated for a scaled g'."""
    cdef Py_ssize_t i
    cdef double r
    for i in range(N):
        r = 0.0 if t[i] == 0.0 else first_term(rule_eval(rid, v[i]), t[i])
        if add:
            o[i] += r
        else:
            o[i] = r


cdef bint hyper_unary_kernel(int rid, Py_ssize_t N, Py_ssize_t p, Py_ssize_t q, double* v,
                             double* e1, Py_ssize_t e1r, double* e2, Py_ssize_t e2r,
                             double* e12, Py_ssize_t e12r,
                             double* ov, double* o1, double* o2, double* o12,
                             double* d1, double* d2) noexcept nogil:
    """(g, g'·e1, g'·e2, g'·e12 + g''·e1⊗e2)."""
    cdef Py_ssize_t i, a, b
    cdef triple t
    cdef bint bad = False
    cdef double* x
    cdef double* y
    cdef double* o
    cdef double s
    cdef bint scaled = False
    cdef bint scaled1 = False
    for i in range(N):
        t = rule_eval(rid, v[i])
        ov[i] = t.f
        d1[i] = t.d1
        d2[i] = t.d2
        scaled = scaled or t.d2e != 0
        scaled1 = scaled1 or t.d1e != 0
        if not isfinite(t.f) and isfinite(v[i]):
            bad = True
    # a g' carried with an exponent (rare): the rule is re-evaluated per element
    for a in range(p):
        if scaled1:
            _row_first_scaled(rid, N, v, e1 + a * e1r, o1 + a * N, False)
        else:
            _row_m0(N, d1, e1 + a * e1r, 1, o1 + a * N)
    for b in range(q):
        if scaled1:
            _row_first_scaled(rid, N, v, e2 + b * e2r, o2 + b * N, False)
        else:
            _row_m0(N, d1, e2 + b * e2r, 1, o2 + b * N)
    for a in range(p):
        x = e1 + a * e1r
        for b in range(q):
            y = e2 + b * e2r
            o = o12 + (a * q + b) * N
            if scaled1:
                _row_first_scaled(rid, N, v, e12 + (a * q + b) * e12r, o, False)
            else:
                _row_m0(N, d1, e12 + (a * q + b) * e12r, 1, o)
            if scaled:
                # some g'' is carried with an exponent (see mk_d2_over): rare,
                # so the kernel is simply evaluated again
                for i in range(N):
                    o[i] += second_term(rule_eval(rid, v[i]), x[i], y[i])
                continue
            for i in range(N):
                s = 0.0 if x[i] == 0.0 else d2[i] * x[i]
                o[i] += 0.0 if y[i] == 0.0 else s * y[i]
    return bad


cdef bint _partials_loop(int op, Py_ssize_t N, kop* a, kop* b, double* ov,
                         double* fx, double* fy, double* fxx, double* fxy,
                         double* fyy, bint* scaled) noexcept nogil:
    """Values and partials of x op y; scaled[0] is set when some first
    partial is carried with an exponent (see div_scaled): the rows then
    re-evaluate the partials per element (``_row_first2``)."""
    cdef Py_ssize_t i
    cdef partials P
    cdef bint bad = False
    cdef bint sc = False
    cdef double x, y
    for i in range(N):
        x = a.v[i * a.vs]
        y = b.v[i * b.vs]
        P = binary_eval(op, x, y)
        ov[i] = P.f
        fx[i] = P.fx
        fy[i] = P.fy
        sc = sc or partials_scaled(P)
        if fxx != NULL:
            fxx[i] = P.fxx
            fxy[i] = P.fxy
            fyy[i] = P.fyy
        if not isfinite(P.f) and isfinite(x) and isfinite(y):
            bad = True
    scaled[0] = sc
    return bad


cdef void _row_first2(int op, Py_ssize_t N, kop* a, kop* b, double* ae, Py_ssize_t aes,
                      double* be, Py_ssize_t bes, double* o, bint add) noexcept nogil:
    """o (+)= Fx·ae + Fy·be (NULL rows: zero) with the partials re-evaluated
    per element, for first partials carried with an exponent (rare)."""
    cdef Py_ssize_t i
    cdef partials P
    cdef double r, ta, tb
    for i in range(N):
        ta = 0.0 if ae == NULL else ae[i * aes]
        tb = 0.0 if be == NULL else be[i * bes]
        if ta == 0.0 and tb == 0.0:
            r = 0.0
        else:
            P = binary_eval(op, a.v[i * a.vs], b.v[i * b.vs])
            r = first_x(P, ta) + first_y(P, tb)
        if add:
            o[i] += r
        else:
            o[i] = r


cdef bint dual_values(int op, Py_ssize_t N, kop* a, kop* b, double* ov,
                      double* fx, double* fy, bint* scaled) noexcept nogil:
    """Values of x op y, and the partials fx, fy where the rows need them (not
    for +, -, *).  Returns whether a finite input gave a non-finite value."""
    cdef Py_ssize_t i
    cdef bint bad = False
    scaled[0] = False
    if op == OP_ADD or op == OP_SUB or op == OP_MUL:
        if a.vs == 1 and b.vs == 1:
            if op == OP_ADD:
                for i in range(N):
                    ov[i] = a.v[i] + b.v[i]
            elif op == OP_SUB:
                for i in range(N):
                    ov[i] = a.v[i] - b.v[i]
            else:
                for i in range(N):
                    ov[i] = a.v[i] * b.v[i]
        else:
            for i in range(N):
                if op == OP_ADD:
                    ov[i] = a.v[i * a.vs] + b.v[i * b.vs]
                elif op == OP_SUB:
                    ov[i] = a.v[i * a.vs] - b.v[i * b.vs]
                else:
                    ov[i] = a.v[i * a.vs] * b.v[i * b.vs]
        for i in range(N):
            if not isfinite(ov[i]):
                bad = True
                break
        return bad
    return _partials_loop(op, N, a, b, ov, fx, fy, NULL, NULL, NULL, scaled)


cdef void dual_row(int op, Py_ssize_t N, kop* a, double* ae, Py_ssize_t aes,
                   kop* b, double* be, Py_ssize_t bes, double* fx, double* fy,
                   bint scaled, double* o) noexcept nogil:
    """One tangent row of x op y from the operands' rows ae, be (NULL: zero)."""
    if ae == NULL and be == NULL:
        memset(o, 0, N * sizeof(double))
    elif scaled:
        _row_first2(op, N, a, b, ae, aes, be, bes, o, False)
    elif op == OP_ADD or op == OP_SUB:
        if ae != NULL and be != NULL:
            _row_pm(N, 1.0 if op == OP_ADD else -1.0, ae, aes, be, bes, o)
        elif ae != NULL:
            _row_copy(N, 1.0, ae, aes, o)
        else:
            _row_copy(N, 1.0 if op == OP_ADD else -1.0, be, bes, o)
    elif op == OP_MUL:
        if ae != NULL and be != NULL:
            _row_mul(N, a.v, a.vs, ae, aes, b.v, b.vs, be, bes, o)
        elif ae != NULL:
            _row_scale(N, b.v, b.vs, ae, aes, o)
        else:
            _row_scale(N, a.v, a.vs, be, bes, o)
    elif ae != NULL:
        _row_m0(N, fx, ae, aes, o)
        if be != NULL:
            _row_add_m0(N, fy, be, bes, o)
    else:
        _row_m0(N, fy, be, bes, o)


cdef bint dual_binary_kernel(int op, Py_ssize_t N, Py_ssize_t k, kop* a, kop* b,
                             double* ov, double* oe, double* tmp) noexcept nogil:
    """x op y for a dual-mode pair with dense tangents (in the e1 slot)."""
    cdef Py_ssize_t j
    cdef bint scaled
    cdef bint bad = dual_values(op, N, a, b, ov, tmp, tmp + N, &scaled)
    for j in range(k):
        dual_row(op, N, a, a.e1 + j * a.e1r if a.e1 != NULL else NULL, a.e1s,
                 b, b.e1 + j * b.e1r if b.e1 != NULL else NULL, b.e1s, tmp, tmp + N,
                 scaled, oe + j * N)
    return bad


cdef inline double* _r1(kop* a, Py_ssize_t r) noexcept nogil:
    r -= a.s1
    if a.e1 == NULL or r < 0 or r >= a.n1:
        return NULL
    return a.e1 + r * a.e1r


cdef inline double* _r2(kop* a, Py_ssize_t c) noexcept nogil:
    c -= a.s2
    if a.e2 == NULL or c < 0 or c >= a.n2:
        return NULL
    return a.e2 + c * a.e2r


cdef inline double* _r12(kop* a, Py_ssize_t r, Py_ssize_t c) noexcept nogil:
    r -= a.s1
    c -= a.s2
    if a.e12 == NULL or r < 0 or r >= a.n1 or c < 0 or c >= a.n2:
        return NULL
    return a.e12 + (r * a.n2 + c) * a.e12r


cdef inline double _m0m0(double g, double x, double y) noexcept nogil:
    """m0(m0(g, x), y)."""
    cdef double t = 0.0 if x == 0.0 else g * x
    return 0.0 if y == 0.0 else t * y


cdef bint hyper_binary_kernel(int op, Py_ssize_t N, Py_ssize_t p, Py_ssize_t q,
                              kop* a, kop* b, double* ov, double* o1,
                              double* o2, double* o12, double* tmp) noexcept nogil:
    """x op y for HyperDualArray operands (p x q result rows, dense or banded):
    the bivariate chain rule
    e12 = fx·x12 + fy·y12 + fxx·x1·x2 + fxy·(x1·y2 + y1·x2) + fyy·y1·y2."""
    cdef Py_ssize_t i, r, c
    cdef bint bad
    cdef double* fx = tmp
    cdef double* fy = tmp + N
    cdef double* fxx = tmp + 2 * N
    cdef double* fxy = tmp + 3 * N
    cdef double* fyy = tmp + 4 * N
    cdef double* o
    cdef double* t
    cdef double* x1
    cdef double* y1
    cdef double* x2
    cdef double* y2
    cdef double* x12
    cdef double* y12
    cdef Py_ssize_t x1s, y1s, x2s, y2s, x12s, y12s
    cdef double zero = 0.0
    cdef bint second = op != OP_ADD and op != OP_SUB
    cdef bint mul = op == OP_MUL
    cdef bint scaled
    cdef partials P
    bad = _partials_loop(op, N, a, b, ov, fx, fy, fxx, fxy, fyy, &scaled)
    for r in range(p):
        o = o1 + r * N
        if scaled:
            _row_first2(op, N, a, b, _r1(a, r), a.e1s, _r1(b, r), b.e1s, o, False)
            continue
        memset(o, 0, N * sizeof(double))
        t = _r1(a, r)
        if t != NULL:
            _row_add_m0(N, fx, t, a.e1s, o)
        t = _r1(b, r)
        if t != NULL:
            _row_add_m0(N, fy, t, b.e1s, o)
    for c in range(q):
        o = o2 + c * N
        if scaled:
            _row_first2(op, N, a, b, _r2(a, c), a.e2s, _r2(b, c), b.e2s, o, False)
            continue
        memset(o, 0, N * sizeof(double))
        t = _r2(a, c)
        if t != NULL:
            _row_add_m0(N, fx, t, a.e2s, o)
        t = _r2(b, c)
        if t != NULL:
            _row_add_m0(N, fy, t, b.e2s, o)
    # e12, summed in symmetric pairs exactly as HyperDual does, so that results
    # agree with the scalars bit for bit and a*b == b*a:
    # (fx·x12 + fy·y12) + ((fxx·x1·x2 + fyy·y1·y2) + (fxy·x1·y2 + fxy·y1·x2))
    for r in range(p):
        x1 = _r1(a, r)
        y1 = _r1(b, r)
        x1s = a.e1s
        y1s = b.e1s
        if x1 == NULL:
            x1 = &zero
            x1s = 0
        if y1 == NULL:
            y1 = &zero
            y1s = 0
        for c in range(q):
            x2 = _r2(a, c)
            y2 = _r2(b, c)
            x2s = a.e2s
            y2s = b.e2s
            if x2 == NULL:
                x2 = &zero
                x2s = 0
            if y2 == NULL:
                y2 = &zero
                y2s = 0
            x12 = _r12(a, r, c)
            y12 = _r12(b, r, c)
            x12s = a.e12s
            y12s = b.e12s
            if x12 == NULL:
                x12 = &zero
                x12s = 0
            if y12 == NULL:
                y12 = &zero
                y12s = 0
            o = o12 + (r * q + c) * N
            if scaled:
                # partials carried with an exponent (rare): both orders re-evaluate them
                _row_first2(op, N, a, b, x12, x12s, y12, y12s, o, False)
                for i in range(N):
                    P = binary_eval(op, a.v[i * a.vs], b.v[i * b.vs])
                    o[i] = o[i] + (
                        (second_p(P.fxx, P.fxxe, x1[i * x1s], x2[i * x2s])
                         + second_p(P.fyy, P.fyye, y1[i * y1s], y2[i * y2s]))
                        + (second_p(P.fxy, P.fxye, x1[i * x1s], y2[i * y2s])
                           + second_p(P.fxy, P.fxye, y1[i * y1s], x2[i * x2s])))
            elif not second:
                for i in range(N):
                    o[i] = (0.0 if x12[i * x12s] == 0.0 else fx[i] * x12[i * x12s]) + (
                        0.0 if y12[i * y12s] == 0.0 else fy[i] * y12[i * y12s])
            elif mul:
                for i in range(N):
                    o[i] = ((0.0 if x12[i * x12s] == 0.0 else fx[i] * x12[i * x12s])
                            + (0.0 if y12[i * y12s] == 0.0 else fy[i] * y12[i * y12s])) + (
                        x1[i * x1s] * y2[i * y2s] + x2[i * x2s] * y1[i * y1s])
            else:
                for i in range(N):
                    o[i] = ((0.0 if x12[i * x12s] == 0.0 else fx[i] * x12[i * x12s])
                            + (0.0 if y12[i * y12s] == 0.0 else fy[i] * y12[i * y12s])) + (
                        (_m0m0(fxx[i], x1[i * x1s], x2[i * x2s])
                         + _m0m0(fyy[i], y1[i * y1s], y2[i * y2s]))
                        + (_m0m0(fxy[i], x1[i * x1s], y2[i * y2s])
                           + _m0m0(fxy[i], y1[i * y1s], x2[i * x2s])))
    return bad
