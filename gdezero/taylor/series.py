"""Truncated Taylor series arithmetic on stacked coefficient arrays (Taylor mode's kernels).

A series is one array of shape `(m, *shape)`: row k holds the coefficient x_k of
x(t) = sum_k x_k t^k (plain coefficients, never scaled by k!, so nothing overflows and no
digits are lost: jax#29624). `m` is K+1 for a quantity that varies with t and 1 for one that
does not (its higher coefficients are zero): a constant costs one row and a product with it
is one broadcast multiply. Every function here returns K+1 rows when any input has them.

Nonlinear functions use the recurrences of Griewank & Walther, "Evaluating Derivatives",
ch. 13: O(K^2) work and O(K) array calls per function. The known series is reversed once
so that step k is one multiply-and-sum of a forward slice against the rows found so far.
Only Array API calls are used, on the namespace of the input.
"""
import functools
import inspect
import math

from gdezero import backend
from gdezero.backend import device_of
from gdezero.backend import namespace_of_type as _xp

# High-order elementwise recurrences run on column blocks of BLOCK elements: each step's
# k-row temporaries then stay in cache instead of streaming through memory. Below
# BLOCK_ORDER the per-block call overhead costs more than it saves (measured).
BLOCK = 16384
BLOCK_ORDER = 16


# ============================================================================ shape helpers
def order(s):
    """K, the truncation order of series `s` (0 for a constant)."""
    return s.shape[0] - 1


def constant(a):
    """The series of a value that does not depend on t: one row."""
    return _xp(a).reshape(a, (1,) + tuple(a.shape))


def under(y0, rest):
    """The series with value `y0` (row 0) and coefficients `rest` (rows 1.., broadcast to
    y0's shape; none when `rest` has no rows)."""
    head = constant(y0)
    if rest.shape[0] == 0:
        return head
    xp = _xp(rest)
    if tuple(rest.shape[1:]) != tuple(y0.shape):
        rest = xp.broadcast_to(rest, (rest.shape[0],) + tuple(y0.shape))
    return xp.concat([head, rest], axis=0)


def with_value(y0, s):
    """Series `s` with its value replaced by the exact forward value `y0`."""
    return under(y0, s[1:, ...])


def data_shape(s):
    return tuple(s.shape[1:])


def align(s, ndim):
    """`s` with size-1 data axes inserted after the leading axis, up to `ndim` data axes.

    Broadcasting aligns trailing axes, so a lower-rank series would otherwise broadcast its
    coefficient axis against a data axis of the other operand.
    """
    extra = ndim - (s.ndim - 1)
    if extra <= 0:
        return s
    return _xp(s).reshape(s, (s.shape[0],) + (1,) * extra + tuple(s.shape[1:]))


def _align(*series):
    ndim = max(s.ndim for s in series) - 1
    return [align(s, ndim) for s in series]


def pad(s, rows):
    """`s` extended with zero rows to `rows` rows (a constant becomes a full series)."""
    m = s.shape[0]
    if m >= rows:
        return s
    xp = _xp(s)
    zeros = xp.zeros((rows - m,) + tuple(s.shape[1:]), dtype=s.dtype, device=device_of(s))
    return xp.concat([s, zeros], axis=0)


def _same_length(*series):
    rows = max(s.shape[0] for s in series)
    return [pad(s, rows) for s in series]


def _broadcast_shape(a, b):
    """The broadcast of two shapes of equal length."""
    return tuple(y if x == 1 else x for x, y in zip(a, b))


def _steps(like, K):
    """[1, 2, ..., K] as a column of `like`'s dtype that broadcasts over its data axes."""
    xp = _xp(like)
    j = xp.arange(1, K + 1, dtype=like.dtype, device=device_of(like))
    return xp.reshape(j, (K,) + (1,) * (like.ndim - 1))


def _rows(like, K, shape=None):
    """An uninitialised (K+1, *shape) buffer filled row by row by the recurrences."""
    xp = _xp(like)
    shape = data_shape(like) if shape is None else shape
    return xp.empty((K + 1,) + tuple(shape), dtype=like.dtype, device=device_of(like))


# A series known to be linear in t (rows 2.. zero, e.g. derivatives' seeds x + v t) comes with
# `linear`: False, or True where also x_1 = 1 (a unit direction); None: not known linear.
# A recurrence on it needs one product per step instead of a k-term sum, and none when unit.
def _weights(x, derivative=True, linear=None):
    """The weights w_j = j x_j (derivative) or x_j, j = 1..K, for `_conv`: reversed once, so
    step k's weights w_k..w_1 are the forward slice [K-k:K]; for a linear x only w_1
    (None for a unit direction)."""
    if linear is not None:
        return None, None if linear else x[1, ...]
    w = x[1:, ...] * _steps(x, order(x)) if derivative else x[1:, ...]
    return _xp(x).flip(w, axis=0), None


def _scaled(weights, c):
    rev, first = weights
    if rev is None:
        return None, c if first is None else first * c
    return rev * c, None


def _dot(a, b):
    """sum_i a_i * b_i over the leading axis (a plain dot product for 0-d data: one call)."""
    if a.ndim == 1:
        return a @ b
    return _xp(a).sum(a * b, axis=0)


def _conv(weights, buf, k):
    """sum_{j=1..k} w_j buf_{k-j} for weights from `_weights`."""
    rev, first = weights
    if rev is None:
        return buf[k - 1, ...] if first is None else first * buf[k - 1, ...]
    return _dot(rev[rev.shape[0] - k:, ...], buf[:k, ...])


def _square_step(y, y_rev, k, skip_ends=False):
    """sum_{i} y_i y_{k-i} over i = 0..k (or 1..k-1 with skip_ends), each product once.

    `y_rev[K-i]` holds y_i (written alongside `y`), so the partners y_k, y_{k-1}, ... of
    y_0, y_1, ... are a forward slice: half the products of the plain Cauchy sum.
    """
    K = y_rev.shape[0] - 1
    lo = 1 if skip_ends else 0
    half = (k + 1) // 2 - lo  # pairs (i, k-i) with lo <= i < k-i
    total = None
    if half > 0:
        start = K - k + lo
        total = _dot(y[lo:lo + half, ...], y_rev[start:start + half, ...]) * 2
    if k % 2 == 0 and k // 2 >= lo:
        mid = y[k // 2, ...] * y[k // 2, ...]
        total = mid if total is None else total + mid
    return total


# ============================================================================ linear
def add(a, b):
    a, b = _same_length(*_align(a, b))
    return a + b


def sub(a, b):
    a, b = _same_length(*_align(a, b))
    return a - b


def add_constant(s, c):
    """s + c for a constant `c` (scalar or array broadcasting against the data): row 0 only."""
    return under(s[0, ...] + c, s[1:, ...])


def reshape(s, shape):
    return _xp(s).reshape(s, (s.shape[0],) + tuple(shape))


def transpose(s, axes):
    return _xp(s).permute_dims(s, (0,) + tuple(a + 1 for a in axes))


def _data_axes(axis, ndim):
    if axis is None:
        return tuple(range(1, ndim + 1))
    axis = axis if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(a % ndim + 1 for a in axis)


def sum(s, axis=None, keepdims=False):
    """The sum over data axes `axis` (as for the data), on every coefficient."""
    return _xp(s).sum(s, axis=_data_axes(axis, s.ndim - 1), keepdims=keepdims)


def broadcast_to(s, shape):
    s = align(s, len(shape))
    return _xp(s).broadcast_to(s, (s.shape[0],) + tuple(shape))


def sum_to(s, shape, skip=1):
    """Sum the axes after the first `skip` down to `shape`, over those it broadcasts over:
    the data axes of a series (skip=1) or, with skip=0, a plain array (SumTo's forward)."""
    shape = tuple(shape)
    xp = _xp(s)
    data = tuple(s.shape[skip:])
    lead = len(data) - len(shape)
    axes = tuple(range(skip, skip + lead)) + tuple(
        skip + lead + i for i, n in enumerate(shape) if n == 1 and data[lead + i] != 1)
    y = xp.sum(s, axis=axes, keepdims=True) if axes else s
    return xp.reshape(y, tuple(s.shape[:skip]) + shape) if lead else y


def getitem(s, key):
    """x[key] on every coefficient, for a key of integers, slices, None and Ellipsis."""
    key = key if isinstance(key, tuple) else (key,)
    if not any(k is Ellipsis for k in key):  # the trailing `...` NumPy implies, spelled out
        key = key + (Ellipsis,)
    return s[(slice(None),) + key]


def rowwise(fn, s):
    """fn on every coefficient row, restacked: any linear map, at one call per row."""
    xp = _xp(s)
    return xp.stack([fn(s[k, ...]) for k in range(s.shape[0])], axis=0)


def stack(series, axis=0):
    series = _same_length(*series)
    return _xp(series[0]).stack(series, axis=axis + 1)


def concat(series, axis=0):
    series = _same_length(*series)
    ndim = series[0].ndim - 1
    return _xp(series[0]).concat(series, axis=axis % ndim + 1)


def where(condition, a, b):
    """where(condition, a, b) on every coefficient (condition is a constant data mask)."""
    a, b = _same_length(*_align(a, b))
    return _xp(a).where(condition, a, b)


# ============================================================================ products
def mul(a, b):
    """The Cauchy product c_k = sum_j a_j b_{k-j} (one broadcast multiply for a constant)."""
    a, b = _align(a, b)
    if a.shape[0] == 1 or b.shape[0] == 1:
        return a * b
    if a is b:
        return square(a)
    a, b = _same_length(a, b)
    K = order(a)
    xp = _xp(a)
    b_rev = xp.flip(b, axis=0)
    return xp.stack([xp.sum(a[:k + 1, ...] * b_rev[K - k:, ...], axis=0) for k in range(K + 1)],
                    axis=0)


def square(a):
    """a * a with each cross product computed once."""
    K = order(a)
    if K == 0:
        return a * a
    xp = _xp(a)
    a_rev = xp.flip(a, axis=0)
    return xp.stack([_square_step(a, a_rev, k) for k in range(K + 1)], axis=0)


def matmul(a, b):
    """The Cauchy product under matmul: c_k = sum_j a_j @ b_{k-j}, with 1-D operands
    promoted as matmul promotes them."""
    xp = _xp(a)
    a_vector, b_vector = a.ndim == 2, b.ndim == 2
    if a_vector:
        a = xp.reshape(a, (a.shape[0], 1, a.shape[1]))
    if b_vector:
        b = xp.reshape(b, tuple(b.shape) + (1,))
    a, b = _align(a, b)
    if a.shape[0] == 1 or b.shape[0] == 1:
        c = backend.matmul(a, b)
    else:
        a, b = _same_length(a, b)
        K = order(a)
        b_rev = xp.flip(b, axis=0)
        c = xp.stack([xp.sum(xp.matmul(a[:k + 1, ...], b_rev[K - k:, ...]), axis=0)
                      for k in range(K + 1)], axis=0)
    if a_vector and b_vector:
        return c[..., 0, 0]
    if a_vector:
        return c[..., 0, :]
    if b_vector:
        return c[..., 0]
    return c


def div(a, b, linear=None):
    """a / b: c_k = (a_k - sum_{j>=1} b_j c_{k-j}) / b_0 (`linear` describes b)."""
    a, b = _align(a, b)
    if b.shape[0] == 1:
        return a / b
    K = order(b)
    shape = _broadcast_shape(data_shape(a), data_shape(b))
    c = _rows(b, K, shape)
    weights = _weights(b, False, linear)
    b0 = b[0, ...]
    c[0, ...] = a[0, ...] / b0
    for k in range(1, K + 1):
        s = _conv(weights, c, k)
        c[k, ...] = (a[k, ...] - s if k < a.shape[0] else -s) / b0
    return c


def reciprocal(b, c=1.0, linear=None):
    """c / b for a Python scalar c."""
    K = order(b)
    if K == 0:
        return c / b
    y = _rows(b, K)
    weights = _weights(b, False, linear)
    b0 = b[0, ...]
    y[0, ...] = c / b0
    for k in range(1, K + 1):
        y[k, ...] = -_conv(weights, y, k) / b0
    return y


def _derivative(x):
    """Coefficients of x'(t): (x_1, 2 x_2, ..., K x_K)."""
    return x[1:, ...] * _steps(x, order(x))


def _integral(d, y0):
    """The series with value y0 whose derivative has coefficients `d`."""
    return under(y0, d / _steps(d, d.shape[0]))


# ============================================================================ elementwise
def elementwise(fn):
    """Run the recurrence `fn(x, *args)` on column blocks of `BLOCK` data elements.

    `args` are Python scalars, None, or arrays of x's data shape (values from the forward
    pass), sliced alongside. Results (an array or a tuple) are reassembled. A keyword
    `linear` (see `_weights`) reaches `fn` where it takes one; each block of x keeps it.
    """
    takes_linear = "linear" in inspect.signature(fn).parameters

    @functools.wraps(fn)
    def blocked(x, *args, linear=None):
        extra = {"linear": linear} if takes_linear else {}
        shape = data_shape(x)
        size = math.prod(shape)
        if size <= 2 * BLOCK or order(x) < BLOCK_ORDER:
            return fn(x, *args, **extra)
        xp = _xp(x)
        rows = x.shape[0]
        flat = xp.reshape(x, (rows, size))
        flat_args = [xp.reshape(a, (size,)) if hasattr(a, "shape") else a for a in args]
        parts = []
        for i in range(0, size, BLOCK):
            j = min(i + BLOCK, size)  # in-bounds stops: the standard leaves others unspecified
            part_args = [a[i:j, ...] if hasattr(a, "shape") else a for a in flat_args]
            parts.append(fn(flat[:, i:j, ...], *part_args, **extra))

        def join(pieces):
            return xp.reshape(xp.concat(pieces, axis=1), (pieces[0].shape[0],) + shape)
        if isinstance(parts[0], tuple):
            return tuple(join([p[j] for p in parts]) for j in range(len(parts[0])))
        return join(parts)
    return blocked


@elementwise
def exp(x, y0=None, linear=None):
    """y' = y x': k y_k = sum_j j x_j y_{k-j}."""
    xp = _xp(x)
    K = order(x)
    y = _rows(x, K)
    y[0, ...] = xp.exp(x[0, ...]) if y0 is None else y0
    if K:
        rev = _weights(x, linear=linear)
        for k in range(1, K + 1):
            y[k, ...] = _conv(rev, y, k) / k
    return y


@elementwise
def expm1(x, y0, linear=None):
    """exp's coefficients under the value y0 = expm1(x_0)."""
    return under(y0, exp(x, _xp(x).exp(x[0, ...]), linear=linear)[1:, ...])


@elementwise
def log(x, y0=None, linear=None):
    """y' = x' / x: the integral of a series division."""
    y0 = _xp(x).log(x[0, ...]) if y0 is None else y0
    if order(x) == 0:
        return constant(y0)
    return _integral(div(_derivative(x), x[:-1, ...], linear), y0)


def log1p(x, y0, linear=None):
    """log of the series 1 + x, under the accurate value y0 = log1p(x_0)."""
    return log(add_constant(x, 1.0), y0, linear=linear)


@elementwise
def sqrt(x, y0=None):
    """y^2 = x: 2 y_0 y_k = x_k - sum_{i=1..k-1} y_i y_{k-i}."""
    xp = _xp(x)
    K = order(x)
    y = _rows(x, K)
    y[0, ...] = xp.sqrt(x[0, ...]) if y0 is None else y0
    if K:
        y_rev = xp.empty_like(y)
        y_rev[K, ...] = y[0, ...]
        twice_y0 = y[0, ...] * 2
        for k in range(1, K + 1):
            s = _square_step(y, y_rev, k, skip_ends=True)
            y[k, ...] = (x[k, ...] if s is None else x[k, ...] - s) / twice_y0
            y_rev[K - k, ...] = y[k, ...]
    return y


def _is_integer(r):
    return float(r).is_integer() and abs(r) <= 2 ** 20


@elementwise
def power(x, r, y0=None, linear=None):
    """x ** r for a constant Python scalar r: repeated products for integer r (exact at
    x_0 = 0 too), else the recurrence x y' = r y x' (x_0 != 0)."""
    xp = _xp(x)
    K = order(x)
    if K == 0:
        return x ** r if y0 is None else constant(y0)
    if _is_integer(r):
        n = int(r)
        if n < 0:
            return reciprocal(power(x, -n, linear=linear))
        if n == 0:
            return pad(constant(xp.ones_like(x[0, ...]) if y0 is None else y0), K + 1)
        result, base = None, x
        while True:  # binary powering: O(log n) Cauchy products
            if n & 1:
                result = base if result is None else mul(result, base)
            n >>= 1
            if not n:
                return result
            base = square(base)
    if r == 0.5:
        return sqrt(x, y0)
    # k x_0 y_k = sum_{j=1..k} ((r+1) j - k) x_j y_{k-j}
    y = _rows(x, K)
    y[0, ...] = x[0, ...] ** r if y0 is None else y0
    weighted = _scaled(_weights(x, linear=linear), r + 1)
    plain = _weights(x, False, linear)
    x0 = x[0, ...]
    at_zero = x0 == 0
    binomial = 1.0
    for k in range(1, K + 1):
        y[k, ...] = (_conv(weighted, y, k) - _conv(plain, y, k) * k) / (x0 * k)
        # at x_0 = 0, x(t)^r = O(t^r): orders below r are 0, those above infinite (reverse
        # mode's values: binomial(r, k) x_1^k 0^(r - k)), not the recurrence's 0 / 0
        binomial *= (r - k + 1) / k
        at_x0 = xp.zeros_like(x0) if k < r else binomial * x[1, ...] ** k * x0 ** (r - k)
        y[k, ...] = xp.where(at_zero, at_x0, y[k, ...])
    return y


@elementwise
def _pair(x, s0, c0, sign, linear=None):
    """(s, c) by one paired recurrence s' = c x', c' = sign s x', from the values s0, c0:
    sign -1 gives (sin x, cos x), +1 gives (sinh x, cosh x)."""
    K = order(x)
    s, c = _rows(x, K), _rows(x, K)
    s[0, ...], c[0, ...] = s0, c0
    if K:
        rev = _weights(x, linear=linear)
        for k in range(1, K + 1):
            s[k, ...] = _conv(rev, c, k) / k
            c[k, ...] = _conv(rev, s, k) / (sign * k)
    return s, c


def sin(x, y0, linear=None):
    """sin x under the value y0 (the recurrence carries cos x beside it)."""
    return _pair(x, y0, _xp(x).cos(x[0, ...]), -1, linear=linear)[0]


def cos(x, y0, linear=None):
    return _pair(x, _xp(x).sin(x[0, ...]), y0, -1, linear=linear)[1]


def sinh(x, y0, linear=None):
    return _pair(x, y0, _xp(x).cosh(x[0, ...]), 1, linear=linear)[0]


def cosh(x, y0, linear=None):
    return _pair(x, _xp(x).sinh(x[0, ...]), y0, 1, linear=linear)[1]


def _riccati(x, y0, sign, affine, linear):
    """y' = z x' with z = a + sign * y^2 (tanh: 1 - y^2, tan: 1 + y^2) or, with affine
    False, z = y - y^2 (sigmoid). z is built beside y, from y's symmetric square."""
    xp = _xp(x)
    K = order(x)
    y = _rows(x, K)
    y[0, ...] = y0
    if not K:
        return y
    z = _rows(x, K - 1)
    y_rev = xp.empty_like(y)
    y_rev[K, ...] = y0
    if affine:  # (1 - y)(1 + y) keeps tanh's z_0 accurate where y_0 is near +-1
        z[0, ...] = (1 - y0) * (1 + y0) if sign < 0 else y0 * y0 + 1
    else:
        z[0, ...] = y0 * (1 - y0)
    rev = _weights(x, linear=linear)
    for k in range(1, K + 1):
        y[k, ...] = _conv(rev, z, k) / k
        y_rev[K - k, ...] = y[k, ...]
        if k < K:
            sq = _square_step(y, y_rev, k)
            if affine:
                z[k, ...] = sq if sign > 0 else -sq
            else:
                z[k, ...] = y[k, ...] - sq
    return y


@elementwise
def tanh(x, y0=None, linear=None):
    return _riccati(x, _xp(x).tanh(x[0, ...]) if y0 is None else y0, -1, True, linear)


@elementwise
def tan(x, y0=None, linear=None):
    return _riccati(x, _xp(x).tan(x[0, ...]) if y0 is None else y0, +1, True, linear)


@elementwise
def sigmoid(x, y0, linear=None):
    """y' = y (1 - y) x'; y0 (the forward value) comes from the caller's stable kernel."""
    return _riccati(x, y0, 0, False, linear)


@elementwise
def softplus(x, y0, sigmoid0):
    """y' = sigmoid(x) x'; the values y0 and sigmoid0 come from the caller's stable kernels."""
    if order(x) == 0:
        return constant(y0)
    return _integral(mul(sigmoid(x[:-1, ...], sigmoid0), _derivative(x)), y0)


@elementwise
def arctan(x, y0=None):
    """y' = x' / (1 + x^2)."""
    xp = _xp(x)
    y0 = xp.atan(x[0, ...]) if y0 is None else y0
    if order(x) == 0:
        return constant(y0)
    head = x[:-1, ...]
    return _integral(div(_derivative(x), add_constant(square(head), 1.0)), y0)


@elementwise
def rpow(x, c, y0=None):
    """c ** x = exp(x log c) for a positive Python scalar c."""
    return exp(x * math.log(c), c ** x[0, ...] if y0 is None else y0)


# ============================================================================ piecewise linear
def masked(x, mask, y0):
    """A piecewise-linear function whose active piece at x_0 has slope `mask` (0/1 or any
    constant data array): value y0, higher coefficients mask * x_k."""
    return under(y0, x[1:, ...] * mask)


def select(a, b, share_a, share_b, y0):
    """maximum / minimum of two series: the selected one's coefficients (split by the
    constant shares at ties, as the gradient), under the exact value y0."""
    return with_value(y0, add(mul(a, constant(share_a)), mul(b, constant(share_b))))


def reduce_select(x, share, axis, keepdims, y0):
    """max/min along `axis`: higher coefficients are those of the selected entries, split
    by `share` (1/ties at each extremum, 0 elsewhere), as the gradient splits them."""
    rest = x[1:, ...] * share
    return under(y0, _xp(x).sum(rest, axis=_data_axes(axis, x.ndim - 1), keepdims=keepdims))
