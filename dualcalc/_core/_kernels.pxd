# cython: language_level=3
# Elementwise kernels (_kernels.pyx): nogil loops applying the rule table.

# An operand of an elementwise kernel: value and tangent rows.  A NULL tangent
# pointer is an exactly-zero tangent (a constant, or a perturbation the operand
# does not carry).  Element strides are 1 (same shape as the result) or 0 (a
# single element broadcast); row strides count elements between directions.
ctypedef struct kop:
    double* v
    Py_ssize_t vs
    double* e1
    Py_ssize_t e1s
    Py_ssize_t e1r
    double* e2
    Py_ssize_t e2s
    Py_ssize_t e2r
    double* e12
    Py_ssize_t e12s
    Py_ssize_t e12r
    Py_ssize_t n1       # rows of e1 (and of e12's first axis)
    Py_ssize_t s1       # result row r of slot 1 is row r - s1 of this operand
    Py_ssize_t n2
    Py_ssize_t s2
    double cst


cdef bint dual_unary_kernel(int rid, Py_ssize_t N, Py_ssize_t k, double* v, double* e,
                            Py_ssize_t er, double* ov, double* oe, double* d1) noexcept nogil
cdef bint hyper_unary_kernel(int rid, Py_ssize_t N, Py_ssize_t p, Py_ssize_t q, double* v,
                             double* e1, Py_ssize_t e1r, double* e2, Py_ssize_t e2r,
                             double* e12, Py_ssize_t e12r, double* ov, double* o1, double* o2,
                             double* o12, double* d1, double* d2) noexcept nogil
cdef bint dual_values(int op, Py_ssize_t N, kop* a, kop* b, double* ov, double* fx, double* fy,
                      bint* scaled) noexcept nogil
cdef void dual_row(int op, Py_ssize_t N, kop* a, double* ae, Py_ssize_t aes, kop* b, double* be,
                   Py_ssize_t bes, double* fx, double* fy, bint scaled, double* o) noexcept nogil
cdef bint dual_binary_kernel(int op, Py_ssize_t N, Py_ssize_t k, kop* a, kop* b, double* ov,
                             double* oe, double* tmp) noexcept nogil
cdef bint hyper_binary_kernel(int op, Py_ssize_t N, Py_ssize_t p, Py_ssize_t q, kop* a, kop* b,
                              double* ov, double* o1, double* o2, double* o12,
                              double* tmp) noexcept nogil
