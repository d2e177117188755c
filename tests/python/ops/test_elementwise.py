"""Parity of the binary element-wise ops (legacy `axis` broadcasting), sum and scale."""
import numpy as np
import pytest

import pdinfer
from pdtest import OpCase, assert_matches, paddle_reference

RNG = np.random.RandomState(7)

ARITH = ["elementwise_add", "elementwise_sub", "elementwise_mul", "elementwise_div",
         "elementwise_max", "elementwise_min", "elementwise_pow", "elementwise_mod",
         "elementwise_floordiv", "elementwise_fmax", "elementwise_fmin"]


def _values(op, shape, dtype, role):
    """Inputs that keep every op well defined (no zero divisors, positive pow bases)."""
    shape = tuple(shape)
    if dtype.startswith("int"):
        if op == "elementwise_pow":
            v = RNG.randint(0, 4, size=shape) if role == "y" else RNG.randint(-5, 6, size=shape)
        elif role == "y" and op in ("elementwise_div", "elementwise_mod", "elementwise_floordiv"):
            v = RNG.randint(1, 6, size=shape) * RNG.choice([-1, 1], size=shape)
        else:
            v = RNG.randint(-20, 21, size=shape)
        return np.asarray(v).astype(dtype)
    if op == "elementwise_pow":
        v = RNG.uniform(0.5, 2.0, size=shape) if role == "x" else RNG.uniform(-2, 2, size=shape)
    elif role == "y" and op in ("elementwise_div", "elementwise_mod", "elementwise_floordiv"):
        v = RNG.uniform(0.5, 3.0, size=shape) * RNG.choice([-1, 1], size=shape)
    else:
        v = RNG.uniform(-4, 4, size=shape)
    return np.asarray(v).astype(dtype)


def binary(name, op, xs, ys, dtype="float32", axis=-1, tol=1e-5, ydtype=None, **kw):
    ydtype = ydtype or dtype
    code = (f"x = paddle.static.data('x', {list(xs)}, '{dtype}')\n"
            f"y = paddle.static.data('y', {list(ys)}, '{ydtype}')\n"
            f"out = append_op('{op}', {{'X': x, 'Y': y}}, attrs={{'axis': {axis}}})")
    xs_np = [d if d >= 0 else 3 for d in xs]
    ys_np = [d if d >= 0 else 3 for d in ys]
    inputs = kw.pop("inputs", None) or {"x": _values(op, xs_np, dtype, "x"),
                                         "y": _values(op, ys_np, ydtype, "y")}
    return OpCase(name=name, code=code, inputs=inputs, fetch=["out"], rtol=tol, atol=tol, **kw)


CASES = []
for op in ARITH:
    short = op[len("elementwise_"):]
    tol = 1e-4 if op == "elementwise_pow" else 1e-5
    CASES += [
        binary(f"{short}_same_shape", op, [2, 3, 4], [2, 3, 4], tol=tol),
        binary(f"{short}_trailing", op, [2, 3, 4, 5], [4, 5], tol=tol),
    ]
    if op not in ("elementwise_fmax", "elementwise_fmin"):  # these have no axis attribute
        CASES.append(binary(f"{short}_axis1", op, [2, 3, 4, 5], [3, 4], axis=1, tol=tol))
    if op not in ("elementwise_fmax", "elementwise_fmin"):  # not defined for ints in paddle 3
        CASES += [binary(f"{short}_int32", op, [3, 4], [4], dtype="int32"),
                  binary(f"{short}_int64", op, [2, 3, 4], [3, 1], dtype="int64", axis=1)]

CASES += [
    # axis placement variants
    binary("add_axis0", "elementwise_add", [2, 3, 4, 5], [2], axis=0),
    binary("add_axis0_trailing_one", "elementwise_add", [2, 3, 4, 5], [2, 1], axis=0),
    binary("add_axis2", "elementwise_mul", [2, 3, 4, 5], [4], axis=2),
    binary("add_scalar_like", "elementwise_add", [2, 3, 4], [1]),
    binary("add_row", "elementwise_add", [64, 33], [33]),
    binary("sub_col", "elementwise_sub", [5, 33], [5, 1]),
    # X is the smaller operand
    binary("add_x_smaller", "elementwise_add", [4, 5], [2, 3, 4, 5]),
    binary("sub_x_smaller_axis1", "elementwise_sub", [3, 4], [2, 3, 4, 5], axis=1),
    # numpy-style broadcasting on both sides
    binary("mul_both_broadcast", "elementwise_mul", [2, 1, 4], [3, 1]),
    binary("add_both_broadcast_same_rank", "elementwise_add", [2, 1, 4, 1], [1, 3, 1, 5]),
    # empty
    binary("add_empty", "elementwise_add", [0, 3], [3]),
    # dtypes
    binary("add_float64", "elementwise_add", [3, 4], [4], dtype="float64"),
    binary("floordiv_float_neg", "elementwise_floordiv", [4, 5], [4, 5]),
    binary("mod_float_neg", "elementwise_mod", [4, 5], [4, 5]),
    # large enough to run the parallel path
    binary("add_big", "elementwise_add", [8, 64, 33, 17], [64, 1, 17], axis=-1),
    binary("mul_big_same", "elementwise_mul", [300000], [300000]),
    # dynamic dims, then a run with shapes that cannot broadcast
    binary("add_dynamic", "elementwise_add", [-1, 4], [-1, 4],
           inputs={"x": RNG.rand(3, 4).astype("float32"), "y": RNG.rand(1, 4).astype("float32")}),
    binary("add_mismatch", "elementwise_add", [-1, 3], [-1, 3],
           inputs={"x": RNG.rand(2, 3).astype("float32"), "y": RNG.rand(4, 3).astype("float32")},
           expect_error=(pdinfer.InvalidArgumentError, r"\[2, 3\].*\[4, 3\]")),
    binary("div_int_by_zero", "elementwise_div", [3], [3], dtype="int32",
           inputs={"x": np.array([1, 2, 3], "int32"), "y": np.array([1, 0, 1], "int32")},
           expect_error=(pdinfer.InvalidArgumentError, "division by zero")),
]

# 0-D operands
CASES += [
    binary("add_0d_y", "elementwise_add", [2, 3], []),
    binary("mul_0d_x", "elementwise_mul", [], [2, 3]),
    binary("add_0d_both", "elementwise_add", [], []),
    binary("max_0d_int64", "elementwise_max", [4], [], dtype="int64"),
]

# NaN handling: max/min propagate like `a > b ? a : b`, fmax/fmin ignore NaN.
_nan_x = np.array([1.0, np.nan, 3.0, np.nan, -np.inf], "float32")
_nan_y = np.array([np.nan, 2.0, 1.0, np.nan, 0.0], "float32")
for op in ["elementwise_max", "elementwise_min", "elementwise_fmax", "elementwise_fmin"]:
    CASES.append(binary(f"{op[12:]}_nan", op, [5], [5], inputs={"x": _nan_x, "y": _nan_y}))

# sum (add-n)
CASES += [
    OpCase(name="sum_three",
           code="a = paddle.static.data('a', [2, 3], 'float32')\n"
                "b = paddle.static.data('b', [2, 3], 'float32')\n"
                "c = paddle.static.data('c', [2, 3], 'float32')\n"
                "out = append_op('sum', {'X': [a, b, c]})",
           inputs={k: RNG.randn(2, 3).astype("float32") for k in "abc"}, fetch=["out"]),
    OpCase(name="sum_one_int64",
           code="a = paddle.static.data('a', [4], 'int64')\nout = append_op('sum', {'X': [a]})",
           inputs={"a": np.arange(4, dtype="int64")}, fetch=["out"]),
]


def scale_case(name, dtype="float32", scale=2.5, bias=-1.25, after=True, tensor=False, shape=(3, 4),
               bias_tensor=None):
    lines = [f"x = paddle.static.data('x', {list(shape)}, '{dtype}')"]
    ins = "{'X': x}"
    inputs = {"x": (RNG.uniform(-10, 10, size=shape)).astype(dtype)}
    if tensor:
        lines.append("s = paddle.static.data('s', [1], 'float32')")
        ins = "{'X': x, 'ScaleTensor': s}"
        inputs["s"] = np.array([scale], "float32")
    if bias_tensor is not None:
        lines.append("bt = paddle.static.data('bt', [1], 'float32')")
        ins = ins[:-1] + ", 'BiasTensor': bt}"
        inputs["bt"] = np.array([bias_tensor], "float32")
    lines.append(f"out = append_op('scale', {ins}, attrs={{'scale': {scale}, 'bias': {bias}, "
                 f"'bias_after_scale': {after}}})")
    return OpCase(name=name, code="\n".join(lines), inputs=inputs, fetch=["out"])


CASES += [
    scale_case("scale_after"),
    scale_case("scale_before", after=False),
    scale_case("scale_tensor", scale=-0.5, tensor=True),
    scale_case("scale_int32", dtype="int32", scale=1.7, bias=2.6),
    scale_case("scale_int64_before", dtype="int64", scale=3.0, bias=-2.0, after=False),
    scale_case("scale_float64", dtype="float64"),
    scale_case("scale_empty", shape=(0, 4)),
    scale_case("scale_bias_tensor", bias_tensor=0.75),
    scale_case("scale_both_tensors", tensor=True, bias_tensor=-3.0, after=False),
]


# paddle.inference's default (oneDNN) elementwise_div computes Y / X when X is the lower-rank
# operand, so these are checked against NumPy on the exported model instead.
NUMPY_CASES = [
    (binary("div_x_smaller", "elementwise_div", [5], [2, 3, 5]), np.divide),
    (binary("div_x_smaller_axis", "elementwise_div", [3], [2, 3, 4], axis=1),
     lambda x, y: x.reshape(1, 3, 1) / y),
    (binary("floordiv_x_smaller", "elementwise_floordiv", [4], [3, 4], dtype="int32"),
     np.floor_divide),
    (binary("pow_x_smaller", "elementwise_pow", [4], [3, 4]), np.power),
]


@pytest.fixture(scope="module")
def refs():
    return paddle_reference(CASES + [c for c, _ in NUMPY_CASES])


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_op(case, refs):
    assert_matches(case, refs[case.name])


@pytest.mark.parametrize("case,fn", NUMPY_CASES, ids=lambda c: getattr(c, "name", ""))
def test_x_smaller_vs_numpy(case, fn, refs):
    from pdtest import run_pdinfer

    _, _, outs = run_pdinfer(refs[case.name].model_dir, case.inputs)
    want = fn(case.inputs["x"], case.inputs["y"]).astype(outs[0].dtype)
    assert outs[0].shape == want.shape
    np.testing.assert_allclose(outs[0], want, rtol=1e-5, atol=1e-5)
