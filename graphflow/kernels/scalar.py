"""Scalar bodies of elementwise math, written once for every device.

Each function here is plain Python on scalars using only `math` and arithmetic, so it compiles
unchanged with `numba.njit` (CPU loops) and with `numba.cuda.jit(device=True)` (GPU kernels):
the device packages own the loops, strides and broadcasting (minitorch's map/zip split). This
module imports no numba at all; `cpu_function(fn)` and the CUDA package's `device_function(fn)`
compile a body for their device and memoise it.

Bodies must be self-contained (a body cannot call another plain-Python body once compiled) and
must give IEEE results for inf, NaN and -0.0, as TF's kernels do. The tables map TF op types to
bodies: `UNARY` (x), `BINARY` (x, y), `GRAD` (gradient ops taking (dy, x_or_y)) and
`INT_BINARY` (integer variants where C semantics differ from the float formula).
"""

import math

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_EXP_MAX = 709.0
_INTEGRAL = 4503599627370496.0  # 2**52


def neg(x):
    return -x


def abs_(x):
    return x if x >= 0 else -x


def sign(x):
    if x > 0:
        return 1
    if x < 0:
        return -1
    return x * 0  # keeps NaN and the sign of zero as TF does


def square(x):
    return x * x


def sqrt(x):
    return math.sqrt(x) if x >= 0 else math.nan


def rsqrt(x):
    if x == 0:
        return math.copysign(math.inf, x)
    return 1.0 / math.sqrt(x) if x > 0 else math.nan


def exp(x):
    return math.exp(x) if x < _EXP_MAX else math.inf if x == x else x


def expm1(x):
    return math.expm1(x) if x < _EXP_MAX else math.inf if x == x else x


def log(x):
    if x == 0:
        return -math.inf
    return math.log(x) if x > 0 else math.nan


def log1p(x):
    if x == -1:
        return -math.inf
    return math.log1p(x) if x > -1 else math.nan


def sin(x):
    return math.sin(x) if x - x == 0 else math.nan


def cos(x):
    return math.cos(x) if x - x == 0 else math.nan


def tan(x):
    return math.tan(x) if x - x == 0 else math.nan


def tanh(x):
    return math.tanh(x)


def sigmoid(x):
    if x < -88.0:
        return math.exp(x)  # 1 / (1 + inf) underflows the same way; avoids overflow
    return 1.0 / (1.0 + math.exp(-x))


def reciprocal(x):
    if x == 0:
        return math.copysign(math.inf, x)
    return 1.0 / x


# math.floor/ceil/trunc return integers (as in Python): only call them on finite values below
# 2**52, where every float is already integral.
def floor(x):
    return x if not abs(x) < _INTEGRAL else float(math.floor(x))


def ceil(x):
    return x if not abs(x) < _INTEGRAL else float(math.ceil(x))


def round_half_even(x):
    if not abs(x) < _INTEGRAL:
        return x
    r = float(math.floor(x))
    d = x - r
    if d > 0.5:
        return r + 1.0
    if d < 0.5:
        return r
    return r + (r - 2.0 * math.floor(r * 0.5))


def logical_not(x):
    return not x


def relu(x):
    return x if x > 0 else x * 0 if x != x else 0


def relu6(x):
    if x != x:
        return x
    return 0 if x < 0 else 6 if x > 6 else x


def elu(x):
    return x if x > 0 else math.expm1(x)


def selu(x):
    if x > 0:
        return _SELU_SCALE * x
    return _SELU_SCALE * _SELU_ALPHA * math.expm1(x)


def softplus(x):
    if x > 20.0:
        return x
    if x < -20.0:
        return math.exp(x)
    return math.log1p(math.exp(x))


def softsign(x):
    return x / (1.0 + (x if x >= 0 else -x))


def add(x, y):
    return x + y


def sub(x, y):
    return x - y


def mul(x, y):
    return x * y


def real_div(x, y):
    if y == 0:
        if x == 0 or x != x:
            return math.nan
        return math.copysign(math.inf, x) * math.copysign(1.0, y)
    return x / y


def floor_div(x, y):
    if y == 0:
        if x == 0 or x != x:
            return math.nan
        return math.copysign(math.inf, x) * math.copysign(1.0, y)
    q = x / y
    return q if not abs(q) < _INTEGRAL else float(math.floor(q))


def floor_mod(x, y):
    if y == 0 or x - x != 0 or y != y:
        return math.nan
    r = math.fmod(x, y)
    if r != 0 and (r < 0) != (y < 0):
        r += y
    return r


def truncate_div(x, y):
    if y == 0:
        if x == 0 or x != x:
            return math.nan
        return math.copysign(math.inf, x) * math.copysign(1.0, y)
    q = x / y
    if not abs(q) < _INTEGRAL:
        return q
    return float(math.floor(q)) if q >= 0 else float(math.ceil(q))


def int_trunc_div(x, y):
    q = abs(x) // abs(y)
    return q if (x < 0) == (y < 0) else -q


def int_floor_div(x, y):
    return x // y


def int_floor_mod(x, y):
    return x % y


def power(x, y):
    if x == 0 and y < 0:
        return math.inf
    if x < 0 and y - y == 0 and y != math.floor(y):
        return math.nan
    return x ** y


def int_power(x, y):
    return x ** y


def maximum(x, y):
    if x != x:
        return x
    if y != y:
        return y
    return x if x > y else y


def minimum(x, y):
    if x != x:
        return x
    if y != y:
        return y
    return x if x < y else y


def squared_difference(x, y):
    d = x - y
    return d * d


def less(x, y):
    return x < y


def less_equal(x, y):
    return x <= y


def greater(x, y):
    return x > y


def greater_equal(x, y):
    return x >= y


def equal(x, y):
    return x == y


def not_equal(x, y):
    return x != y


def logical_and(x, y):
    return x and y


def logical_or(x, y):
    return x or y


def relu_grad(dy, x):
    return dy if x > 0 else dy * 0


def relu6_grad(dy, x):
    return dy if 0 < x < 6 else dy * 0


def elu_grad(dy, y):
    return dy if y > 0 else dy * (y + 1)


def selu_grad(dy, y):
    return dy * _SELU_SCALE if y > 0 else dy * (y + _SELU_SCALE * _SELU_ALPHA)


def softplus_grad(dy, x):
    return dy / (1.0 + math.exp(-x))


def softsign_grad(dy, x):
    d = 1.0 + (x if x >= 0 else -x)
    return dy / (d * d)


def div_no_nan(x, y):
    return x * 0.0 if y == 0 else x / y


UNARY = {
    "Neg": neg, "Abs": abs_, "Sign": sign, "Square": square, "Sqrt": sqrt, "Rsqrt": rsqrt,
    "Exp": exp, "Expm1": expm1, "Log": log, "Log1p": log1p, "Sin": sin, "Cos": cos, "Tan": tan,
    "Tanh": tanh, "Sigmoid": sigmoid, "Reciprocal": reciprocal, "Floor": floor, "Ceil": ceil,
    "Round": round_half_even, "LogicalNot": logical_not, "Relu": relu, "Relu6": relu6,
    "Elu": elu, "Selu": selu, "Softplus": softplus, "Softsign": softsign,
}

# Unary ops whose body only makes sense for floating inputs (integers: identity or no kernel).
FLOAT_ONLY = {"Sqrt", "Rsqrt", "Exp", "Expm1", "Log", "Log1p", "Sin", "Cos", "Tan", "Tanh",
              "Sigmoid", "Floor", "Ceil", "Round", "Elu", "Selu", "Softplus", "Softsign",
              "SoftplusGrad", "SoftsignGrad", "EluGrad", "SeluGrad"}

BINARY = {
    "AddV2": add, "Sub": sub, "Mul": mul, "RealDiv": real_div, "FloorDiv": floor_div,
    "FloorMod": floor_mod, "TruncateDiv": truncate_div, "Pow": power, "Maximum": maximum,
    "Minimum": minimum, "SquaredDifference": squared_difference, "DivNoNan": div_no_nan,
    "Less": less, "LessEqual": less_equal, "Greater": greater, "GreaterEqual": greater_equal,
    "Equal": equal, "NotEqual": not_equal, "LogicalAnd": logical_and, "LogicalOr": logical_or,
}

INT_BINARY = {"RealDiv": int_trunc_div, "TruncateDiv": int_trunc_div,
              "FloorDiv": int_floor_div, "FloorMod": int_floor_mod, "Pow": int_power}

# Integer ops that divide: the divisor is checked on the host first (TF raises, C would trap).
INT_DIVIDING = {"RealDiv", "TruncateDiv", "FloorDiv", "FloorMod", "Reciprocal"}

COMPARISONS = {"Less", "LessEqual", "Greater", "GreaterEqual", "Equal", "NotEqual",
               "LogicalAnd", "LogicalOr"}

GRAD = {
    "ReluGrad": relu_grad, "Relu6Grad": relu6_grad, "EluGrad": elu_grad,
    "SeluGrad": selu_grad, "SoftplusGrad": softplus_grad, "SoftsignGrad": softsign_grad,
}

_CPU = {}


def cpu_function(fn):
    """`fn` compiled with `numba.njit` (memoised); numba is imported on first use."""
    compiled = _CPU.get(fn)
    if compiled is None:
        import numba
        compiled = _CPU[fn] = numba.njit(cache=False, nogil=True)(fn)
    return compiled
