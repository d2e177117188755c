"""Parity tests: reduce_sum/mean/max/min/prod/all/any, arg_max/arg_min, top_k(_v2), cumsum
and p_norm, built with the legacy op types through append_op.

Tolerances are rtol=atol=1e-4 except for sums over long axes (100k float32 values in
[0, 1) add up to ~5e4, where one float32 ulp is ~4e-3 and Paddle's and pdinfer's summation
orders differ): those use rtol=1e-4 with atol=1e-2.
"""
import numpy as np
import pytest

import pdinfer
from pdtest import OpCase, assert_matches, paddle_reference

pytestmark = pytest.mark.paddle

RTOL = ATOL = 1e-4
_rng = np.random.RandomState(4321)


def _data(shape, dtype="float32", kind="normal"):
    shape = list(shape)
    if dtype == "bool":
        return _rng.rand(*shape) > 0.5
    if kind == "distinct":  # a random permutation: no ties anywhere
        return (_rng.permutation(int(np.prod(shape))).reshape(shape) - 7).astype(dtype)
    if np.dtype(dtype).kind in "iu":
        return _rng.randint(-20, 21, size=shape).astype(dtype)
    if kind == "uniform":
        return _rng.rand(*shape).astype(dtype)
    if kind == "prod":
        return _rng.uniform(0.7, 1.3, size=shape).astype(dtype)
    return np.asarray(_rng.standard_normal(size=shape)).astype(dtype)


def case(name, op, x, attrs, outs=None, rtol=RTOL, atol=ATOL, extra=None, expect_error=None):
    """One op on feed 'x' (+ optional extra feeds {name: (array, slot)})."""
    x = np.asarray(x)
    lines = ["inf = float('inf')", f"x = paddle.static.data('x', {list(x.shape)}, '{x.dtype.name}')"]
    inputs = {"x": x}
    ins = ["'X': x"]
    for var, (arr, slot) in (extra or {}).items():
        arr = np.asarray(arr)
        lines.append(f"{var} = paddle.static.data('{var}', {list(arr.shape)}, '{arr.dtype.name}')")
        inputs[var] = arr
        ins.append(f"'{slot}': {var}")
    if outs:
        spec = "{" + ", ".join(f"'{k}': '{v}'" for k, v in outs.items()) + "}"
        lines.append(f"r = append_op('{op}', {{{', '.join(ins)}}}, {spec}, {attrs!r})")
        lines.append("out = [r[k] for k in %r]" % list(outs))
    else:
        lines.append(f"out = append_op('{op}', {{{', '.join(ins)}}}, attrs={attrs!r})")
    return OpCase(name=name, code="\n".join(lines), inputs=inputs, fetch=["out"], rtol=rtol,
                  atol=atol, expect_error=expect_error)


def red(op, name, x, dim, keep=False, reduce_all=False, **kw):
    attrs = {"dim": list(dim), "keep_dim": keep, "reduce_all": reduce_all}
    attrs.update(kw.pop("attrs", {}))
    return case(f"{op}_{name}", op, x, attrs, **kw)


X3 = _data([4, 5, 6])
X4 = _data([2, 3, 4, 5])
CASES = []
for op in ("reduce_sum", "reduce_mean", "reduce_max", "reduce_min"):
    CASES += [
        red(op, "mid", X3, [1]),
        red(op, "first_last_keep", X3, [0, 2], keep=True),
        red(op, "neg", X3, [-1]),
        red(op, "all_dims_0d", X3, [0, 1, 2]),
        red(op, "empty_dim_list", X3, []),
        red(op, "reduce_all_attr", X3, [0], reduce_all=True, keep=True),
        red(op, "alternating", X4, [0, 2]),
        red(op, "alternating_keep", X4, [1, 3], keep=True),
        red(op, "columns", _data([300, 129]), [0]),
        red(op, "rows_long", _data([3, 20011]), [1]),
        red(op, "size1_dims", _data([1, 7, 1, 3]), [0, 1]),
        red(op, "int32", _data([4, 6], "int32"), [1]),
        red(op, "int64", _data([4, 6], "int64"), [0], keep=True),
        red(op, "float64", _data([4, 6], "float64"), [1]),
    ]

CASES += [
    red("reduce_sum", "long_full", _data([100003], kind="uniform"), [0], atol=1e-2),
    red("reduce_mean", "long_full", _data([2, 50000], kind="uniform"), [], atol=1e-2),
    red("reduce_sum", "bool_to_int64", _data([3, 5], "bool"), [1]),
    red("reduce_sum", "out_dtype_f64", X3, [1], attrs={"in_dtype": -1, "out_dtype": 6}),
    red("reduce_sum", "empty_axis", np.zeros([0, 3], "float32"), [0]),
    red("reduce_sum", "empty_kept", np.zeros([0, 3], "float32"), [1]),
    red("reduce_mean", "int64_trunc", np.array([[-1, -2], [3, 4], [5, 5]], "int64"), [1]),
    # (no NaN inputs for max/min: pdinfer propagates NaN like Paddle's CPU kernels, while
    # paddle.inference's default oneDNN reduction gives order-dependent results for NaN)
    red("reduce_max", "inf", np.array([[1, np.inf, 3], [-np.inf, -2, -np.inf]], "float32"), [1]),
    red("reduce_min", "inf", np.array([[-np.inf, 1, 3], [np.inf, np.inf, 2]], "float32"), [1]),
    red("reduce_prod", "mid", _data([4, 5, 6], kind="prod"), [1]),
    red("reduce_prod", "all", _data([3, 7], kind="prod"), []),
    red("reduce_prod", "alternating", _data([2, 3, 4, 5], kind="prod"), [1, 3]),
    red("reduce_prod", "int64", _data([3, 4], "int64"), [0]),
    red("reduce_prod", "empty_axis", np.zeros([0, 3], "float32"), [0]),
    red("reduce_all", "rows", _data([4, 7], "bool"), [1]),
    red("reduce_all", "all", np.ones([3, 4], bool), []),
    red("reduce_any", "cols_keep", _data([4, 7], "bool"), [0], keep=True),
    red("reduce_any", "all_false", np.zeros([2, 3], bool), [0, 1]),
    red("reduce_all", "empty", np.zeros([0, 3], bool), [0]),
]


def arg(op, name, x, axis, keepdims=False, flatten=False, dtype=3):
    return case(f"{op}_{name}", op, x, {"axis": axis, "keepdims": keepdims, "flatten": flatten,
                                        "dtype": dtype})


for op in ("arg_max", "arg_min"):
    CASES += [
        arg(op, "last", X3, -1),
        arg(op, "mid_keep", X3, 1, keepdims=True),
        arg(op, "first", X4, 0),
        arg(op, "flatten", X3, 0, flatten=True),
        arg(op, "flatten_keep", X3, 0, keepdims=True, flatten=True),
        arg(op, "int32_out", X3, 2, dtype=2),
        arg(op, "ties_int", _data([5, 9], "int32") // 8, 1),
        arg(op, "nan", np.array([[np.nan, 1, 3], [1, np.nan, 3], [2, 2, np.nan]], "float32"), 1),
        arg(op, "1d", _data([17]), 0),
    ]


def topk(name, x, k=1, axis=-1, largest=True, sorted_=True, k_tensor=None, v1=False):
    op = "top_k" if v1 else "top_k_v2"
    attrs = {"k": k} if v1 else {"k": k, "axis": axis, "largest": largest, "sorted": sorted_}
    extra = {"kt": (np.array([k_tensor], "int32"), "K")} if k_tensor is not None else None
    return case(f"{op}_{name}", op, x, attrs, outs={"Out": np.asarray(x).dtype.name,
                                                   "Indices": "int64"}, extra=extra)


XD = _data([3, 8, 7], kind="distinct")
CASES += [
    topk("last", XD, k=3),
    topk("axis1", XD, k=4, axis=1),
    topk("axis0_neg", XD, k=2, axis=-3),
    topk("smallest", XD, k=5, largest=False),
    topk("k_full", XD, k=7),
    topk("k_tensor", XD, k=1, k_tensor=4),
    topk("int64", _data([4, 9], "int64", kind="distinct"), k=2),
    topk("float64", _data([4, 9], "float64", kind="distinct"), k=3, axis=0),
    topk("long_row_small_k", _data([2, 1000], kind="distinct"), k=5),
    topk("nan_largest", np.array([[1, np.nan, 3, 2]], "float32"), k=2),
    topk("nan_smallest", np.array([[1, np.nan, 3, 2]], "float32"), k=3, largest=False),
    topk("v1", XD, k=3, v1=True),
]


def cumsum(name, x, axis=-1, flatten=False, exclusive=False, reverse=False, **kw):
    return case(f"cumsum_{name}", "cumsum", x, {"axis": axis, "flatten": flatten,
                                                "exclusive": exclusive, "reverse": reverse}, **kw)


CASES += [
    cumsum("last", X3),
    cumsum("axis0", X3, axis=0),
    cumsum("mid_neg", X4, axis=-3),
    cumsum("flatten", X3, flatten=True),
    cumsum("exclusive", X3, axis=1, exclusive=True),
    cumsum("reverse", X3, axis=2, reverse=True),
    cumsum("exclusive_reverse", X4, axis=1, exclusive=True, reverse=True),
    cumsum("int64", _data([3, 6], "int64"), axis=1),
    cumsum("int32_reverse", _data([3, 6], "int32"), axis=0, reverse=True),
    cumsum("wide_inner", _data([2, 3, 700]), axis=1),
    cumsum("long", _data([2, 20000], kind="uniform"), axis=1, atol=1e-2),
]


def pnorm(name, x, porder=2.0, axis=-1, keepdim=False, asvector=False, **kw):
    return case(f"p_norm_{name}", "p_norm", x, {"porder": float(porder), "axis": axis, "epsilon": 1e-12,
                                                "keepdim": keepdim, "asvector": asvector}, **kw)


CASES += [
    pnorm("p2_last", X3),
    pnorm("p2_axis0_keep", X3, axis=0, keepdim=True),
    pnorm("p1_mid", X3, porder=1.0, axis=1),
    pnorm("p3", X3, porder=3.0, axis=-2),
    pnorm("p_half", np.abs(X3) + 0.1, porder=0.5, axis=2),
    pnorm("inf", X3, porder=float("inf"), axis=1),
    pnorm("neg_inf", X3, porder=float("-inf"), axis=1),
    pnorm("p0", np.round(X3), porder=0.0, axis=2),
    pnorm("asvector", X3, porder=2.0, asvector=True),
    pnorm("asvector_keep", X3, porder=3.0, asvector=True, keepdim=True),
    pnorm("1d", _data([9]), porder=2.0, axis=0),
]

# Bad attributes are rejected when the model is checked, before anything runs.
CASES += [
    case("top_k_v2_k_too_big", "top_k_v2", _data([2, 3]), {"k": 1, "axis": -1},
         outs={"Out": "float32", "Indices": "int64"},
         extra={"kt": (np.array([5], "int32"), "K")}, expect_error=pdinfer.InvalidArgumentError),
]


@pytest.fixture(scope="module")
def refs():
    return paddle_reference(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_op(case, refs):
    assert_matches(case, refs[case.name])
