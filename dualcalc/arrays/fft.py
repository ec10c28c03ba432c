"""Design: numpy.fft on dual arrays.  Every transform is linear, so it acts on
each component (value and tangents) alike; its complex results are held by
:class:`ComplexDualArray`, a pair of real dual arrays (real part, imaginary
part) of one perturbation.  That pair supports what code does with a spectrum:
``.real``, ``.imag``, ``np.abs`` (as ``hypot``, with its conventions at 0),
``np.conj``, ``np.angle`` (as ``arctan2``), arithmetic with numbers and with
other spectra, indexing, the inverse transforms and fftshift.  A real input
stays real; the verbs accept only real results (take ``.real``, ``.imag`` or
``np.abs`` of a spectrum)."""
import numpy as np

from dualcalc.arrays._dispatch import value_of, _operand, _is_dual, _IMPL, _lift_all

__all__ = ["ComplexDualArray"]


class ComplexDualArray:
    """A complex array with derivatives: ``real`` and ``imag`` are real dual
    arrays (DualArray or HyperDualArray) of one perturbation.

    >>> import numpy as np
    >>> import dualcalc as dc
    >>> x = np.array([1.0, 2.0, 0.5, -1.0])
    >>> J = dc.jacobian(lambda v: np.abs(np.fft.rfft(v)) ** 2, x)   # power spectrum
    >>> F = np.fft.rfft(np.eye(4))                                   # d rfft / dx
    >>> X = np.fft.rfft(x)
    >>> bool(np.allclose(J, 2 * (X.real[:, None] * F.real.T + X.imag[:, None] * F.imag.T)))
    True
    """

    __slots__ = ("real", "imag")
    __array_priority__ = 100

    def __init__(self, real, imag):
        self.real = real
        self.imag = imag

    # ---------------------------------------------------------------- shape
    @property
    def shape(self):
        return np.shape(value_of(self.real))

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return int(np.prod(self.shape))

    @property
    def value(self):
        return value_of(self.real) + 1j * value_of(self.imag)

    def __len__(self):
        return self.shape[0]

    def __repr__(self):
        return "ComplexDualArray(value={0!r})".format(self.value)

    def __getitem__(self, idx):
        return ComplexDualArray(self.real[idx], self.imag[idx])

    def conj(self):
        return ComplexDualArray(self.real, -self.imag)

    conjugate = conj

    def __abs__(self):
        return np.hypot(self.real, self.imag)

    def __neg__(self):
        return ComplexDualArray(-self.real, -self.imag)

    def __pos__(self):
        return self

    # ---------------------------------------------------------------- arithmetic
    @staticmethod
    def _parts(o):
        if isinstance(o, ComplexDualArray):
            return o.real, o.imag
        if _is_dual(o):
            return o, 0.0
        o = np.asarray(o)
        if np.iscomplexobj(o):
            return o.real, o.imag
        return o, 0.0

    def __add__(self, o):
        a, b = self._parts(o)
        return ComplexDualArray(self.real + a, self.imag + b)

    __radd__ = __add__

    def __sub__(self, o):
        a, b = self._parts(o)
        return ComplexDualArray(self.real - a, self.imag - b)

    def __rsub__(self, o):
        return (-self) + o

    def __mul__(self, o):
        a, b = self._parts(o)
        return ComplexDualArray(self.real * a - self.imag * b, self.real * b + self.imag * a)

    __rmul__ = __mul__

    def __truediv__(self, o):
        a, b = self._parts(o)
        d = a * a + b * b
        return ComplexDualArray((self.real * a + self.imag * b) / d,
                                (self.imag * a - self.real * b) / d)

    def __rtruediv__(self, o):
        a, b = self._parts(o)
        d = self.real * self.real + self.imag * self.imag
        return ComplexDualArray((a * self.real + b * self.imag) / d,
                                (b * self.real - a * self.imag) / d)

    # ---------------------------------------------------------------- NumPy protocols
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method == "__call__" and not kwargs:
            if ufunc is np.absolute and len(inputs) == 1:
                return abs(inputs[0])
            if ufunc is np.conjugate:
                return inputs[0].conj()
            if ufunc is np.negative:
                return -inputs[0]
            ops = {np.add: "__add__", np.subtract: "__sub__", np.multiply: "__mul__",
                   np.divide: "__truediv__"}
            if ufunc in ops and len(inputs) == 2:
                a, b = inputs
                if isinstance(a, ComplexDualArray):
                    return getattr(a, ops[ufunc])(b)
                return getattr(b, "__r" + ops[ufunc][2:])(a)
        raise TypeError("dualcalc: numpy.{0}{1} is not supported on complex dual arrays "
                        "(supported: abs, conj, +, -, *, /; take .real, .imag or np.abs)"
                        .format(ufunc.__name__, "" if method == "__call__" else "." + method))

    def __array_function__(self, func, types, args, kwargs):
        impl = _COMPLEX.get(func)
        if impl is None:
            raise TypeError("dualcalc: {0} is not supported on complex dual arrays (supported: "
                            "numpy.fft, real, imag, angle, conj, abs, sum); take .real, .imag "
                            "or np.abs first".format(getattr(func, "__name__", func)))
        return impl(*args, **kwargs)

    def __array__(self, dtype=None, copy=None):
        raise TypeError("cannot convert a ComplexDualArray to a NumPy array: that would drop "
                        "its derivatives. Use .value for the complex values, .real / .imag for "
                        "the parts with their derivatives.")


def _as_parts(z):
    """(re, im) of a real dual array, a ComplexDualArray or a plain array."""
    if isinstance(z, ComplexDualArray):
        return z.real, z.imag
    z = _operand(z)
    if _is_dual(z):
        return z, None
    z = np.asarray(z)
    return z.real, (z.imag if np.iscomplexobj(z) else None)


def _linear(fn, z, real_out=False):
    """fn (linear, complex) applied to every component of z."""
    re, im = _as_parts(z)
    ops = [re] + ([im] if im is not None else [])
    f, comps = _lift_all(ops)
    comps = [f.fill(c) for c in comps]
    outs = []
    for i in range(len(f.leads())):
        c = comps[0][i] if im is None else comps[0][i] + 1j * comps[1][i]
        outs.append(fn(c))
    if real_out:
        return f.make([np.real(o).astype(np.float64) for o in outs])
    return ComplexDualArray(f.make([np.ascontiguousarray(o.real) for o in outs]),
                            f.make([np.ascontiguousarray(o.imag) for o in outs]))


def _neg_axes(axes, nd):
    """Axes as negative numbers (unaffected by the leading direction axes)."""
    return tuple((a % nd) - nd for a in axes)


def _one_axis(name, real_out=False):
    fn = getattr(np.fft, name)

    def impl(a, n=None, axis=-1, norm=None, out=None):
        if out is not None:
            raise TypeError("dualcalc: numpy.fft.{0}(..., out=) is not supported on dual "
                            "arrays".format(name))
        nd = len(np.shape(value_of(a.real if isinstance(a, ComplexDualArray) else _operand(a))))
        ax = _neg_axes((axis,), nd)[0]
        return _linear(lambda c: fn(c, n=n, axis=ax, norm=norm), a, real_out)
    impl.__name__ = name
    return impl


def _many_axes(name, real_out=False, default_two=False):
    fn = getattr(np.fft, name)

    def impl(a, s=None, axes=None, norm=None, out=None):
        if out is not None:
            raise TypeError("dualcalc: numpy.fft.{0}(..., out=) is not supported on dual "
                            "arrays".format(name))
        nd = len(np.shape(value_of(a.real if isinstance(a, ComplexDualArray) else _operand(a))))
        if axes is None:
            axes = (-2, -1) if default_two else (
                tuple(range(-len(s), 0)) if s is not None else tuple(range(-nd, 0)))
        ax = _neg_axes(axes, nd)
        return _linear(lambda c: fn(c, s=s, axes=ax, norm=norm), a, real_out)
    impl.__name__ = name
    return impl


def _shift(name):
    fn = getattr(np.fft, name)

    def impl(x, axes=None):
        nd = len(np.shape(value_of(x.real if isinstance(x, ComplexDualArray) else _operand(x))))
        ax = tuple(range(-nd, 0)) if axes is None else _neg_axes(
            axes if isinstance(axes, (tuple, list)) else (axes,), nd)
        if isinstance(x, ComplexDualArray):
            return ComplexDualArray(fn(x.real, axes=ax), fn(x.imag, axes=ax))
        return _linear(lambda c: fn(c, axes=ax), x, real_out=True)
    return impl


_FFT = {
    np.fft.fft: _one_axis("fft"), np.fft.ifft: _one_axis("ifft"),
    np.fft.rfft: _one_axis("rfft"), np.fft.irfft: _one_axis("irfft", real_out=True),
    np.fft.hfft: _one_axis("hfft", real_out=True), np.fft.ihfft: _one_axis("ihfft"),
    np.fft.fftn: _many_axes("fftn"), np.fft.ifftn: _many_axes("ifftn"),
    np.fft.rfftn: _many_axes("rfftn"), np.fft.irfftn: _many_axes("irfftn", real_out=True),
    np.fft.fft2: _many_axes("fft2", default_two=True),
    np.fft.ifft2: _many_axes("ifft2", default_two=True),
    np.fft.rfft2: _many_axes("rfft2", default_two=True),
    np.fft.irfft2: _many_axes("irfft2", real_out=True, default_two=True),
    np.fft.fftshift: _shift("fftshift"), np.fft.ifftshift: _shift("ifftshift"),
}
_IMPL.update(_FFT)


def _real(val):
    return val.real if isinstance(val, ComplexDualArray) else np.real(val)


def _imag(val):
    return val.imag if isinstance(val, ComplexDualArray) else np.imag(val)


def _angle(z, deg=False):
    r = np.arctan2(z.imag, z.real)
    return r * (180.0 / np.pi) if deg else r


def _sum(a, axis=None, **kwargs):
    return ComplexDualArray(np.sum(a.real, axis=axis, **kwargs),
                            np.sum(a.imag, axis=axis, **kwargs))


_COMPLEX = dict(_FFT)
_COMPLEX.update({np.real: _real, np.imag: _imag, np.angle: _angle, np.sum: _sum,
                 np.conj: lambda z: z.conj(), np.conjugate: lambda z: z.conj(),
                 np.abs: abs, np.absolute: abs})
