"""Parity of compare/logical/bitwise ops, cast, clip, assign(_value), dropout, the fill_*
family, range, linspace, where and share_data."""
import numpy as np
import pytest

import pdinfer
from pdtest import OpCase, assert_matches, paddle_reference

RNG = np.random.RandomState(5)


def case(name, code, inputs, fetch=("out",), tol=1e-5, **kw):
    return OpCase(name=name, code=code, inputs=inputs, fetch=list(fetch), rtol=tol, atol=tol, **kw)


def data(name, arr):
    return f"{name} = paddle.static.data('{name}', {list(arr.shape)}, '{arr.dtype.name}')\n"


def binop(name, op, x, y, attrs=None, out_dtype="bool"):
    code = (data("x", x) + data("y", y) +
            f"out = append_op('{op}', {{'X': x, 'Y': y}}, {{'Out': '{out_dtype}'}}, {dict(attrs or {})!r})['Out']")
    return case(name, code, {"x": x, "y": y})


def unop(name, op, x, attrs=None, out_dtype="bool", outputs=None):
    code = data("x", x) + (f"out = append_op('{op}', {{'X': x}}, {{'Out': '{out_dtype}'}}, "
                           f"{dict(attrs or {})!r})['Out']")
    return case(name, code, {"x": x})


f32 = lambda *s: RNG.uniform(-3, 3, size=s).astype("float32")  # noqa: E731
i32 = lambda *s: RNG.randint(-4, 5, size=s).astype("int32")  # noqa: E731
i64 = lambda *s: RNG.randint(-4, 5, size=s).astype("int64")  # noqa: E731
bools = lambda *s: RNG.rand(*s) > 0.5  # noqa: E731

_a = f32(3, 4)
_b = _a.copy()
_b[0] += 1
_x64 = np.array([1.0, 1.0, 2.0, np.inf, np.nan], "float64")
_y64 = np.array([1.0 + 5e-9, 1.0 + 1e-6, 2.0, np.inf, np.nan], "float64")

CASES = [
    # comparisons
    binop("equal_same", "equal", _a, _b),
    binop("equal_tolerance_f64", "equal", _x64, _y64),
    binop("not_equal_f64", "not_equal", _x64, _y64),
    binop("less_than_bcast", "less_than", f32(2, 3, 4), f32(4)),
    binop("less_equal_bcast", "less_equal", i32(2, 3, 4), i32(3, 1)),
    binop("greater_than_int64", "greater_than", i64(5, 6), i64(5, 1)),
    binop("greater_equal_x_smaller", "greater_equal", f32(4), f32(3, 4)),
    binop("equal_int32", "equal", i32(4, 5), i32(4, 5)),
    binop("equal_bool", "equal", bools(6), bools(6)),
    binop("less_than_empty", "less_than", f32(0, 4), f32(4)),
    binop("less_than_0d", "less_than", f32(3), np.array(0.5, "float32")),
    case("equal_mismatch", "x = paddle.static.data('x', [-1, 3], 'float32')\n"
         "y = paddle.static.data('y', [-1, 3], 'float32')\n"
         "out = append_op('equal', {'X': x, 'Y': y}, {'Out': 'bool'})['Out']",
         {"x": f32(2, 3), "y": f32(5, 3)},
         expect_error=(pdinfer.InvalidArgumentError, r"\[2, 3\].*\[5, 3\]")),
    # logical
    binop("logical_and", "logical_and", bools(3, 4), bools(4)),
    binop("logical_or", "logical_or", bools(3, 4), bools(3, 4)),
    binop("logical_xor", "logical_xor", bools(2, 3), bools(2, 3)),
    binop("logical_and_int", "logical_and", i32(3, 4), i32(3, 4)),
    unop("logical_not", "logical_not", bools(3, 5)),
    # bitwise
    binop("bitwise_and", "bitwise_and", i32(3, 4), i32(3, 4), out_dtype="int32"),
    binop("bitwise_or_bcast", "bitwise_or", i64(3, 4), i64(4), out_dtype="int64"),
    binop("bitwise_xor_bool", "bitwise_xor", bools(5), bools(5), out_dtype="bool"),
    unop("bitwise_not_int", "bitwise_not", i32(7), out_dtype="int32"),
    unop("bitwise_not_bool", "bitwise_not", bools(7), out_dtype="bool"),
    # classification
    unop("isnan_v2", "isnan_v2", np.array([1.0, np.nan, np.inf, -np.inf, 0.0], "float32")),
    unop("isinf_v2", "isinf_v2", np.array([1.0, np.nan, np.inf, -np.inf, 0.0], "float32")),
    unop("isfinite_v2", "isfinite_v2", np.array([1.0, np.nan, np.inf, -np.inf, 0.0], "float32")),
]

# cast (out_dtype / in_dtype are Paddle VarType numbers)
VT = {"bool": 0, "int16": 1, "int32": 2, "int64": 3, "float16": 4, "float32": 5, "float64": 6,
      "uint8": 20, "int8": 21}


def cast_case(name, x, to):
    code = data("x", x) + (f"out = append_op('cast', {{'X': x}}, {{'Out': '{to}'}}, "
                           f"{{'in_dtype': {VT[x.dtype.name]}, 'out_dtype': {VT[to]}}})['Out']")
    return case(name, code, {"x": x})


_frac = np.array([-2.7, -1.5, -0.4, 0.0, 0.4, 1.5, 2.7, 100.9], "float32")
CASES += [
    cast_case("cast_f32_i32", _frac, "int32"),
    cast_case("cast_f32_i64", _frac, "int64"),
    cast_case("cast_f32_bool", _frac, "bool"),
    cast_case("cast_bool_f32", bools(6), "float32"),
    cast_case("cast_i64_f32", i64(3, 4), "float32"),
    cast_case("cast_i32_i64", i32(3, 4), "int64"),
    cast_case("cast_f32_f64", f32(3, 4), "float64"),
    cast_case("cast_f64_f32", f32(3, 4).astype("float64"), "float32"),
    cast_case("cast_f32_u8", np.array([0.0, 1.9, 200.5, 255.0], "float32"), "uint8"),
    cast_case("cast_i32_bool", i32(9), "bool"),
    cast_case("cast_same", f32(2, 2), "float32"),
    cast_case("cast_f32_f16", f32(3, 5), "float16"),
    cast_case("cast_0d", np.array(2.75, "float32"), "int64"),
]

# clip
CASES += [
    case("clip_attrs", data("x", f32(3, 4)) +
         "out = append_op('clip', {'X': x}, attrs={'min': -1.0, 'max': 0.5})", {"x": f32(3, 4)}),
    case("clip_tensors", data("x", f32(3, 4)) + data("lo", np.zeros(1, "float32")) +
         data("hi", np.zeros(1, "float32")) +
         "out = append_op('clip', {'X': x, 'Min': lo, 'Max': hi}, attrs={'min': -9.0, 'max': 9.0})",
         {"x": f32(3, 4), "lo": np.array([-0.5], "float32"), "hi": np.array([2.0], "float32")}),
    case("clip_int32", data("x", i32(10)) +
         "out = append_op('clip', {'X': x}, attrs={'min': -2.0, 'max': 3.0})", {"x": i32(10)}),
]

# assign / share_data / assign_value
CASES += [
    case("assign", data("x", f32(2, 5)) + "out = append_op('assign', {'X': x})", {"x": f32(2, 5)}),
    case("assign_int64", data("x", i64(4)) + "out = append_op('assign', {'X': x})", {"x": i64(4)}),
    case("share_data", data("x", f32(3)) + "out = append_op('share_data', {'X': x})", {"x": f32(3)}),
    case("assign_value_f32", data("x", f32(2, 2)) +
         "c = paddle.assign(np.array([[1.5, 2.0], [3.0, -1.0]], 'float32'))\n"
         "out = append_op('elementwise_add', {'X': x, 'Y': c}, attrs={'axis': -1})",
         {"x": f32(2, 2)}, fetch=("c", "out")),
    case("assign_value_int64", data("x", i64(3)) +
         "c = paddle.assign(np.array([1, -2, 3000000000], 'int64'))\n"
         "out = append_op('elementwise_add', {'X': x, 'Y': c}, attrs={'axis': -1})",
         {"x": i64(3)}, fetch=("c", "out")),
    case("assign_value_int32", data("x", i32(3)) +
         "c = paddle.assign(np.array([7, -2, 5], 'int32'))\n"
         "out = append_op('elementwise_mul', {'X': x, 'Y': c}, attrs={'axis': -1})",
         {"x": i32(3)}, fetch=("c", "out")),
    case("assign_value_bool", data("x", bools(2)) +
         "c = paddle.assign(np.array([True, False]))\n"
         "out = append_op('logical_and', {'X': x, 'Y': c}, {'Out': 'bool'})['Out']",
         {"x": bools(2)}, fetch=("c", "out")),
]


# dropout (inference)
def dropout_case(name, impl, p=0.3):
    code = data("x", f32(3, 4)) + (
        f"r = append_op('dropout', {{'X': x}}, {{'Out': 'float32', 'Mask': 'uint8'}}, "
        f"{{'dropout_prob': {p}, 'is_test': True, 'dropout_implementation': '{impl}'}})\n"
        "out = append_op('scale', {'X': r['Out']}, attrs={'scale': 1.0})")
    return case(name, code, {"x": f32(3, 4)})


CASES += [dropout_case("dropout_upscale", "upscale_in_train"),
          dropout_case("dropout_downgrade", "downgrade_in_infer"),
          dropout_case("dropout_downgrade_p0", "downgrade_in_infer", 0.0)]


# fill_constant and friends (each also feeds x so the model has an input)
def fill(name, ins, attrs, inputs, out_dtype="float32", extra=""):
    code = data("x", f32(2)) + extra + (
        f"c = append_op('fill_constant', {ins}, {{'Out': '{out_dtype}'}}, {attrs!r})['Out']\n"
        "out = append_op('scale', {'X': x}, attrs={'scale': 1.0})")
    return case(name, code, dict({"x": f32(2)}, **inputs), fetch=("c", "out"))


CASES += [
    fill("fill_constant_attr", "{}", {"shape": [2, 3], "dtype": 5, "value": 3.5}, {}),
    fill("fill_constant_int32", "{}", {"shape": [4], "dtype": 2, "value": -7.0}, {}, "int32"),
    fill("fill_constant_bool", "{}", {"shape": [2], "dtype": 0, "value": 1.0}, {}, "bool"),
    fill("fill_constant_0d", "{}", {"shape": [], "dtype": 5, "value": 2.0}, {}),
    fill("fill_constant_empty", "{}", {"shape": [0, 3], "dtype": 5, "value": 2.0}, {}),
    fill("fill_constant_str_inf", "{}", {"shape": [2], "dtype": 5, "value": 0.0, "str_value": "inf"}, {}),
    fill("fill_constant_str_int64", "{}",
         {"shape": [2], "dtype": 3, "value": 0.0, "str_value": "-123456789"}, {}, "int64"),
    fill("fill_constant_shape_tensor", "{'ShapeTensor': s}", {"dtype": 5, "value": 1.25},
         {"s": np.array([3, 2], "int32")}, extra=data("s", np.zeros(2, "int32"))),
    fill("fill_constant_shape_list", "{'ShapeTensorList': [s0, s1]}",
         {"dtype": 6, "value": -0.5, "shape": [9, 9]},
         {"s0": np.array([2], "int64"), "s1": np.array([4], "int64")}, "float64",
         extra=data("s0", np.zeros(1, "int64")) + data("s1", np.zeros(1, "int64"))),
    fill("fill_constant_value_tensor", "{'ValueTensor': v}", {"shape": [3], "dtype": 5, "value": 0.0},
         {"v": np.array([4.75], "float32")}, extra=data("v", np.zeros(1, "float32"))),
]

CASES += [
    case("fill_constant_batch_size_like",
         "x = paddle.static.data('x', [-1, 5], 'float32')\n"
         "out = append_op('fill_constant_batch_size_like', {'Input': x}, "
         "attrs={'shape': [-1, 7], 'input_dim_idx': 0, 'output_dim_idx': 0, 'dtype': 5, 'value': 0.5})",
         {"x": f32(3, 5)}),
    case("fill_constant_batch_size_like_idx1",
         "x = paddle.static.data('x', [2, -1], 'float32')\n"
         "out = append_op('fill_constant_batch_size_like', {'Input': x}, {'Out': 'int64'}, "
         "{'shape': [4, -1, 2], 'input_dim_idx': 1, 'output_dim_idx': 1, 'dtype': 3, 'value': 9.0})['Out']",
         {"x": f32(2, 6)}),
    case("fill_any_like", data("x", f32(3, 4)) +
         "out = append_op('fill_any_like', {'X': x}, attrs={'value': 1.5, 'dtype': -1})",
         {"x": f32(3, 4)}),
    case("fill_any_like_int64", data("x", f32(3, 4)) +
         "out = append_op('fill_any_like', {'X': x}, {'Out': 'int64'}, {'value': 3.0, 'dtype': 3})['Out']",
         {"x": f32(3, 4)}),
]


# range / linspace (tensor inputs)
def range_case(name, start, end, step, dtype):
    arrs = {k: np.array([v], dtype) for k, v in (("s", start), ("e", end), ("st", step))}
    code = "".join(data(k, v) for k, v in arrs.items()) + (
        f"out = append_op('range', {{'Start': s, 'End': e, 'Step': st}}, {{'Out': '{dtype}'}})['Out']")
    return case(name, code, arrs)


CASES += [
    range_case("range_int64", 0, 10, 3, "int64"),
    range_case("range_int32_neg", 10, -3, -4, "int32"),
    range_case("range_float", 0.5, 3.3, 0.4, "float32"),
    range_case("range_float_neg", 1.0, -1.0, -0.25, "float32"),
    range_case("range_float64", -1.0, 1.0, 0.3, "float64"),
]


def linspace_case(name, start, stop, num, dtype, vt):
    arrs = {"s": np.array([start], "float32"), "e": np.array([stop], "float32"),
            "n": np.array([num], "int32")}
    code = "".join(data(k, v) for k, v in arrs.items()) + (
        f"out = append_op('linspace', {{'Start': s, 'Stop': e, 'Num': n}}, {{'Out': '{dtype}'}}, "
        f"{{'dtype': {vt}}})['Out']")
    return case(name, code, arrs)


CASES += [
    linspace_case("linspace_f32", -1.0, 2.0, 7, "float32", 5),
    linspace_case("linspace_one", 3.0, 5.0, 1, "float32", 5),
    linspace_case("linspace_int32", 0.0, 10.0, 4, "int32", 2),
]

# where
CASES += [
    case("where", data("c", bools(3, 4)) + data("x", f32(3, 4)) + data("y", f32(3, 4)) +
         "out = append_op('where', {'Condition': c, 'X': x, 'Y': y})",
         {"c": bools(3, 4), "x": f32(3, 4), "y": f32(3, 4)}),
    case("where_int64", data("c", bools(5)) + data("x", i64(5)) + data("y", i64(5)) +
         "out = append_op('where', {'Condition': c, 'X': x, 'Y': y}, {'Out': 'int64'})['Out']",
         {"c": bools(5), "x": i64(5), "y": i64(5)}),
]


@pytest.fixture(scope="module")
def refs():
    return paddle_reference(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_op(case, refs):
    assert_matches(case, refs[case.name])
