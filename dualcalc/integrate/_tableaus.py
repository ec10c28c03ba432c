"""Butcher tableaus of the explicit Runge-Kutta pairs, as dense arrays.

Design: one `Tableau` per method: ``A`` (s x s, strictly lower), ``c``, the
propagated weights ``b``, the error weights (the difference of ``b`` and the
embedded solution's weights), and for DOP853 the three extra stages and the
polynomial coefficients of its continuous extension.  Stages are numbered
from 0 here; stage s (one past the last) is f at the new state (FSAL).
tests/test_integrate_tableaus.py checks the order conditions (every rooted
tree up to the order, from the tableau) and the row sums c = A 1.

- RK45: Dormand & Prince (1980), 5(4), exact rationals, with the 4th-order
  continuous extension of Hairer, Norsett & Wanner II.6 (dopri5's d1..d7):
  the weights are degree-4 polynomials in theta that satisfy every order
  condition up to order 4 identically in theta (checked in exact rational
  arithmetic by tests/test_integrate_tableaus.py), equal b at theta = 1 and
  have derivatives e_1 and e_7 at the ends (so the interpolant is C1).
- DOP853: the 8(5,3) pair of Hairer, Norsett & Wanner, "Solving Ordinary
  Differential Equations I", 2nd ed., II.10 (their code dop853.f): 12 stages,
  a 5th-order and a 3rd-order error estimate, and a 7th-order dense output
  from 3 more stages.  The coefficients are irrational (c2..c5 hold sqrt(6));
  they are the published 30-digit values, rounded once to double here.
"""
import numpy as np

__all__ = ["RK45", "DOP853", "dense_weights"]


class Tableau:
    """An explicit Runge-Kutta pair: A, c, b, the error weights, the order.

    >>> RK45.A.shape, RK45.order
    ((6, 6), 5)
    """

    def __init__(self, name, A, c, b, e, order, e3=None, extra=None, dense=None):
        self.name, self.order = name, order
        self.A = _frozen(A)
        self.c = _frozen(c)
        self.b = _frozen(b)
        self.e = _frozen(e)               # weights on stages 0..s (s = f at the new state)
        self.e3 = None if e3 is None else _frozen(e3)
        self.stages = self.A.shape[0]
        self.extra = extra                # (A rows over stages 0..s+j, c) of the dense stages
        self.dense = None if dense is None else _frozen(dense)


def _frozen(a):
    a = np.array(a, dtype=np.float64)
    a.flags.writeable = False
    return a


def _lower(rows, s):
    """A dense s x s matrix from {i: {j: a_ij}} (stages from 0)."""
    A = np.zeros((s, s))
    for i, row in rows.items():
        for j, v in row.items():
            A[i, j] = v
    return A


RK45 = Tableau(
    "RK45",
    _lower({1: {0: 1 / 5},
            2: {0: 3 / 40, 1: 9 / 40},
            3: {0: 44 / 45, 1: -56 / 15, 2: 32 / 9},
            4: {0: 19372 / 6561, 1: -25360 / 2187, 2: 64448 / 6561, 3: -212 / 729},
            5: {0: 9017 / 3168, 1: -355 / 33, 2: 46732 / 5247, 3: 49 / 176,
                4: -5103 / 18656}}, 6),
    [0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0],
    [35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
    [71 / 57600, 0.0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40],
    order=5)

# the continuous extension over the 7 stages (stage 6 = f at the new state):
# w(theta) = theta (r1 + (1-theta)(r2 + theta (r3 + (1-theta) r4))), r1 = b,
# r2 = e_0 - b, r3 = b - e_6 - r2 (so w'(0) = e_0, w'(1) = e_6: Hermite ends),
# r4 = the free 4th-order row d (dopri5.f's d1..d7, a published choice)
# (numerator, denominator) pairs, so the tests can check them exactly
RK45_DENSE_D = ((-12715105075, 11282082432), (0, 1), (87487479700, 32700410799),
                (-10690763975, 1880347072), (701980252875, 199316789632),
                (-1453857185, 822651844), (69997945, 29380423))


def _rk45_dense():
    r1 = np.append(RK45.b, 0.0)
    r2 = -r1
    r2[0] += 1.0
    r3 = r1 - r2
    r3[6] -= 1.0
    return np.stack([r1, r2, r3, np.array([p / q for p, q in RK45_DENSE_D])])


RK45.dense = _frozen(_rk45_dense())


# ---------------------------------------------------------------- DOP853
# stage numbers below are the book's (1..16); _stage() shifts them to 0-based
_DOP_C = {2: 0.526001519587677318785587544488e-1, 3: 0.789002279381515978178381316732e-1,
          4: 0.118350341907227396726757197510, 5: 0.281649658092772603273242802490,
          6: 1 / 3, 7: 0.25, 8: 4 / 13, 9: 127 / 195, 10: 0.6, 11: 6 / 7, 12: 1.0,
          13: 1.0, 14: 0.1, 15: 0.2, 16: 7 / 9}

_DOP_A = {
    2: {1: 5.26001519587677318785587544488e-2},
    3: {1: 1.97250569845378994544595329183e-2, 2: 5.91751709536136983633785987549e-2},
    4: {1: 2.95875854768068491816892993775e-2, 3: 8.87627564304205475450678981324e-2},
    5: {1: 2.41365134159266685502369798665e-1, 3: -8.84549479328286085344864962717e-1,
        4: 9.24834003261792003115737966543e-1},
    6: {1: 3.7037037037037037037037037037e-2, 4: 1.70828608729473871279604482173e-1,
        5: 1.25467687566822425016691814123e-1},
    7: {1: 3.7109375e-2, 4: 1.70252211019544039314978060272e-1,
        5: 6.02165389804559606850219397283e-2, 6: -1.7578125e-2},
    8: {1: 3.70920001185047927108779319836e-2, 4: 1.70383925712239993810214054705e-1,
        5: 1.07262030446373284651809199168e-1, 6: -1.53194377486244017527936158236e-2,
        7: 8.27378916381402288758473766002e-3},
    9: {1: 6.24110958716075717114429577812e-1, 4: -3.36089262944694129406857109825,
        5: -8.68219346841726006818189891453e-1, 6: 2.75920996994467083049415600797e1,
        7: 2.01540675504778934086186788979e1, 8: -4.34898841810699588477366255144e1},
    10: {1: 4.77662536438264365890433908527e-1, 4: -2.48811461997166764192642586468,
         5: -5.90290826836842996371446475743e-1, 6: 2.12300514481811942347288949897e1,
         7: 1.52792336328824235832596922938e1, 8: -3.32882109689848629194453265587e1,
         9: -2.03312017085086261358222928593e-2},
    11: {1: -9.3714243008598732571704021658e-1, 4: 5.18637242884406370830023853209,
         5: 1.09143734899672957818500254654, 6: -8.14978701074692612513997267357,
         7: -1.85200656599969598641566180701e1, 8: 2.27394870993505042818970056734e1,
         9: 2.49360555267965238987089396762, 10: -3.0467644718982195003823669022},
    12: {1: 2.27331014751653820792359768449, 4: -1.05344954667372501984066689879e1,
         5: -2.00087205822486249909675718444, 6: -1.79589318631187989172765950534e1,
         7: 2.79488845294199600508499808837e1, 8: -2.85899827713502369474065508674,
         9: -8.87285693353062954433549289258, 10: 1.23605671757943030647266201528e1,
         11: 6.43392746015763530355970484046e-1},
    # the dense-output stages (13 is f at the new state: its row is b)
    14: {1: 5.61675022830479523392909219681e-2, 7: 2.53500210216624811088794765333e-1,
         8: -2.46239037470802489917441475441e-1, 9: -1.24191423263816360469010140626e-1,
         10: 1.5329179827876569731206322685e-1, 11: 8.20105229563468988491666602057e-3,
         12: 7.56789766054569976138603589584e-3, 13: -8.298e-3},
    15: {1: 3.18346481635021405060768473261e-2, 6: 2.83009096723667755288322961402e-2,
         7: 5.35419883074385676223797384372e-2, 8: -5.49237485713909884646569340306e-2,
         11: -1.08347328697249322858509316994e-4, 12: 3.82571090835658412954920192323e-4,
         13: -3.40465008687404560802977114492e-4, 14: 1.41312443674632500278074618366e-1},
    16: {1: -4.28896301583791923408573538692e-1, 6: -4.69762141536116384314449447206,
         7: 7.68342119606259904184240953878, 8: 4.06898981839711007970213554331,
         9: 3.56727187455281109270669543021e-1, 13: -1.39902416515901462129418009734e-3,
         14: 2.9475147891527723389556272149, 15: -9.15095847217987001081870187138},
}

_DOP_B = {1: 5.42937341165687622380535766363e-2, 6: 4.45031289275240888144113950566,
          7: 1.89151789931450038304281599044, 8: -5.8012039600105847814672114227,
          9: 3.1116436695781989440891606237e-1, 10: -1.52160949662516078556178806805e-1,
          11: 2.01365400804030348374776537501e-1, 12: 4.47106157277725905176885569043e-2}

# b - (the 5th-order embedded weights)
_DOP_E5 = {1: 0.1312004499419488073250102996e-1, 6: -0.1225156446376204440720569753e1,
           7: -0.4957589496572501915214079952, 8: 0.1664377182454986536961530415e1,
           9: -0.3503288487499736816886487290, 10: 0.3341791187130174790297318841,
           11: 0.8192320648511571246570742613e-1, 12: -0.2235530786388629525884427845e-1}

# the 3rd-order embedded weights (on stages 1, 9, 12)
_DOP_BHH = {1: 0.244094488188976377952755905512, 9: 0.733846688281611857341361741547,
            12: 0.220588235294117647058823529412e-1}

# the dense output's rows d4..d7 (degree-7 continuous extension)
_DOP_D = {
    4: {1: -0.84289382761090128651353491142e1, 6: 0.56671495351937776962531783590,
        7: -0.30689499459498916912797304727e1, 8: 0.23846676565120698287728149680e1,
        9: 0.21170345824450282767155149946e1, 10: -0.87139158377797299206789907490,
        11: 0.22404374302607882758541771650e1, 12: 0.63157877876946881815570249290,
        13: -0.88990336451333310820698117400e-1, 14: 0.18148505520854727256656404962e2,
        15: -0.91946323924783554000451984436e1, 16: -0.44360363875948939664310572000e1},
    5: {1: 0.10427508642579134603413151009e2, 6: 0.24228349177525818288430175319e3,
        7: 0.16520045171727028198505394887e3, 8: -0.37454675472269020279518312152e3,
        9: -0.22113666853125306036270938578e2, 10: 0.77334326684722638389603898808e1,
        11: -0.30674084731089398182061213626e2, 12: -0.93321305264302278729567221706e1,
        13: 0.15697238121770843886131091075e2, 14: -0.31139403219565177677282850411e2,
        15: -0.93529243588444783865713862664e1, 16: 0.35816841486394083752465898540e2},
    6: {1: 0.19985053242002433820987653617e2, 6: -0.38703730874935176555105901742e3,
        7: -0.18917813819516756882830838328e3, 8: 0.52780815920542364900561016686e3,
        9: -0.11573902539959630126141871134e2, 10: 0.68812326946963000169666922661e1,
        11: -0.10006050966910838403183860980e1, 12: 0.77771377980534432092869265740,
        13: -0.27782057523535084065932004339e1, 14: -0.60196695231264120758267380846e2,
        15: 0.84320405506677161018159903784e2, 16: 0.11992291136182789328035130030e2},
    7: {1: -0.25693933462703749003312586129e2, 6: -0.15418974869023643374053993627e3,
        7: -0.23152937917604549567536039109e3, 8: 0.35763911791061412378285349910e3,
        9: 0.93405324183624310003907691704e2, 10: -0.37458323136451633156875139351e2,
        11: 0.10409964950896230045147246184e3, 12: 0.29840293426660503123344363579e2,
        13: -0.43533456590011143754432175058e2, 14: 0.96324553959188282948394950600e2,
        15: -0.39177261675615439165231486172e2, 16: -0.14972683625798562581422125276e3},
}


def _vector(entries, size):
    """A 0-based vector from {book stage: value}."""
    v = np.zeros(size)
    for i, x in entries.items():
        v[i - 1] = x
    return v


def _dop853():
    s = 12
    A16 = np.zeros((16, 16))
    for i, row in _DOP_A.items():
        A16[i - 1] = _vector(row, 16)
    A16[12] = _vector(_DOP_B, 16)            # stage 13 = f(t + h, y_new)
    c16 = _vector(_DOP_C, 16)
    b = _vector(_DOP_B, s)
    e5 = _vector(_DOP_E5, s + 1)
    e3 = _vector(_DOP_B, s + 1) - _vector(_DOP_BHH, s + 1)
    # the continuous extension y(t + theta h) = y + h * w(theta) @ K over the 16
    # stages, w(theta) = theta (r1 + (1-theta)(r2 + theta (r3 + (1-theta)(r4 + theta (r5
    # + (1-theta)(r6 + theta r7)))))): r1 = b, r2 = e_1 - b, r3 = b - e_13 - r2, r4..r7 = d4..d7
    r1 = _vector(_DOP_B, 16)
    r2 = -r1.copy()
    r2[0] += 1.0
    r3 = r1 - r2
    r3[12] -= 1.0
    dense = np.stack([r1, r2, r3] + [_vector(_DOP_D[k], 16) for k in (4, 5, 6, 7)])
    return Tableau("DOP853", A16[:s, :s], c16[:s], b, e5, order=8, e3=e3,
                   extra=(A16[13:16], c16[13:16]), dense=dense)


DOP853 = _dop853()


def dense_weights(theta, dense=None):
    """w(theta) (m, stages) of a continuous extension at each theta (m,): the
    nested form theta (R0 + (1-theta)(R1 + theta (R2 + (1-theta)(R3 + ...))))
    of its rows R (default DOP853.dense; RK45.dense for Dormand-Prince 5(4)).

    >>> w = dense_weights([1.0], RK45.dense)[0]
    >>> bool(np.allclose(w, np.append(RK45.b, 0.0)))
    True
    """
    R = DOP853.dense if dense is None else np.asarray(dense)
    th = np.asarray(theta, dtype=np.float64)[:, None]
    acc = R[-1] + 0.0 * th
    for j in range(R.shape[0] - 2, -1, -1):
        acc = R[j] + ((1.0 - th) if j % 2 == 0 else th) * acc
    return acc * th


def _whole():
    A16 = np.zeros((16, 16))
    A16[:12, :12] = DOP853.A
    A16[12, :12] = DOP853.b
    A16[13:16] = DOP853.extra[0]
    c16 = np.concatenate([DOP853.c, [1.0], DOP853.extra[1]])
    return _frozen(A16), _frozen(c16)


DOP853_A16, DOP853_C16 = _whole()
