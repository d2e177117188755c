"""Parity tests for the shape / data-movement ops: reshape, squeeze, unsqueeze, flatten,
shape, size, transpose, expand, tile, gather, index_select, gather_nd and pad."""
import numpy as np
import pytest

import pdinfer
from pdtest import OpCase, assert_matches, paddle_reference

pytestmark = pytest.mark.paddle

R = np.random.RandomState(7)


def f32(*shape):
    return R.randn(*shape).astype("float32")


def i64(*shape, hi=100):
    return R.randint(-hi, hi, size=shape).astype("int64")


def boolean(*shape):
    return R.rand(*shape) > 0.5


def case(name, code, inputs, fetch=("out",), **kw):
    return OpCase(name=name, code=code, inputs=inputs, fetch=list(fetch), **kw)


CASES = []

# ---------------------------------------------------------------- reshape
CASES += [
    case("reshape2_zero_minus1",
         "x = paddle.static.data('x', [-1, 3, 4], 'float32')\nout = paddle.reshape(x, [0, -1, 2])",
         {"x": f32(2, 3, 4)}),
    case("reshape2_minus1_first",
         "x = paddle.static.data('x', [2, 3, 4], 'float32')\nout = paddle.reshape(x, [-1, 4])",
         {"x": f32(2, 3, 4)}),
    case("reshape2_to_0d",
         "x = paddle.static.data('x', [1, 1], 'float32')\nout = paddle.reshape(x, [])",
         {"x": f32(1, 1)}),
    case("reshape2_int64",
         "x = paddle.static.data('x', [4, 6], 'int64')\nout = paddle.reshape(x, [2, 0, -1])",
         {"x": i64(4, 6)}),
    case("reshape2_bool",
         "x = paddle.static.data('x', [4, 6], 'bool')\nout = paddle.reshape(x, [3, 8])",
         {"x": boolean(4, 6)}),
    # Shape input: a 1-D tensor computed from another tensor's shape
    case("reshape2_shape_tensor_from_shape",
         "x = paddle.static.data('x', [-1, 3, 4], 'float32')\n"
         "y = paddle.static.data('y', [-1], 'float32')\n"
         "out = paddle.reshape(y, paddle.shape(x))",
         {"x": f32(2, 3, 4), "y": f32(24)}),
    # ShapeTensor: a list mixing a tensor element (batch dim from paddle.shape) and ints
    case("reshape2_shape_tensor_list",
         "x = paddle.static.data('x', [-1, 3, 4], 'float32')\n"
         "s = paddle.shape(x)\n"
         "out = paddle.reshape(x, [s[0], -1])",
         {"x": f32(5, 3, 4)}),
    case("reshape2_shape_tensor_list_int64",
         "x = paddle.static.data('x', [-1, 6], 'int64')\n"
         "n = paddle.full([1], 3, 'int64')\n"
         "out = paddle.reshape(x, [n, -1, 2])",
         {"x": i64(4, 6)}),
    case("reshape2_zero_size",
         "x = paddle.static.data('x', [-1, 3], 'float32')\nout = paddle.reshape(x, [-1, 3, 1])",
         {"x": np.zeros((0, 3), "float32")}),
    case("reshape_v1_shape_attr",
         "x = paddle.static.data('x', [2, 3, 4], 'float32')\n"
         "out = append_op('reshape', {'X': x}, attrs={'shape': [4, 0, -1]})",
         {"x": f32(2, 3, 4)}),
    case("reshape2_bad_numel",
         "x = paddle.static.data('x', [-1, 3], 'float32')\nout = paddle.reshape(x, [5, -1])",
         {"x": f32(4, 3)}, expect_error=(pdinfer.InvalidArgumentError, r"\[4, 3\].*\[5, -1\]")),
    case("reshape2_bad_count",
         "x = paddle.static.data('x', [-1, 3], 'float32')\nout = paddle.reshape(x, [5, 3])",
         {"x": f32(4, 3)}, expect_error=(pdinfer.InvalidArgumentError, r"\[4, 3\].*\[5, 3\]")),
]

# ---------------------------------------------------------------- squeeze / unsqueeze / flatten
CASES += [
    case("squeeze2_all",
         "x = paddle.static.data('x', [1, 3, 1, 2], 'float32')\nout = paddle.squeeze(x)",
         {"x": f32(1, 3, 1, 2)}),
    case("squeeze2_axes_neg_and_non1_kept",
         "x = paddle.static.data('x', [1, 3, 1, 2], 'float32')\n"
         "out = append_op('squeeze2', {'X': x}, {'Out': x.dtype, 'XShape': x.dtype},"
         " {'axes': [-2, 1]})['Out']",
         {"x": f32(1, 3, 1, 2)}),
    case("squeeze2_int64",
         "x = paddle.static.data('x', [2, 1], 'int64')\nout = paddle.squeeze(x, [1])",
         {"x": i64(2, 1)}),
    case("unsqueeze2_neg_axes_in_order",
         "x = paddle.static.data('x', [2, 3], 'float32')\nout = paddle.unsqueeze(x, [-1, 0, -2])",
         {"x": f32(2, 3)}),
    case("unsqueeze2_axes_tensor",
         "x = paddle.static.data('x', [2, 3], 'float32')\n"
         "ax = paddle.full([2], 1, 'int32')\n"
         "out = paddle.unsqueeze(x, ax)",
         {"x": f32(2, 3)}),
    case("unsqueeze2_axes_tensor_list",
         "x = paddle.static.data('x', [2, 3], 'bool')\n"
         "a = paddle.full([1], 2, 'int64')\n"
         "out = paddle.unsqueeze(x, [0, a])",
         {"x": boolean(2, 3)}),
    case("unsqueeze2_0d",
         "x = paddle.static.data('x', [1], 'float32')\n"
         "out = paddle.unsqueeze(paddle.reshape(x, []), [0, -1])",
         {"x": np.array([3.5], "float32")}),
    case("unsqueeze2_0d_input",
         "x = paddle.static.data('x', [], 'int64')\nout = paddle.unsqueeze(x, [-1])",
         {"x": np.array(7, "int64")}),
    case("flatten_range_mid",
         "x = paddle.static.data('x', [2, 3, 4, 5], 'float32')\nout = paddle.flatten(x, 1, 2)",
         {"x": f32(2, 3, 4, 5)}),
    case("flatten_range_neg",
         "x = paddle.static.data('x', [-1, 3, 4, 5], 'int64')\nout = paddle.flatten(x, -3, -1)",
         {"x": i64(2, 3, 4, 5)}),
    case("flatten_range_0d",
         "x = paddle.static.data('x', [1], 'float32')\nout = paddle.flatten(paddle.reshape(x, []))",
         {"x": np.array([1.25], "float32")}),
    case("flatten2_axis",
         "x = paddle.static.data('x', [2, 3, 4], 'float32')\n"
         "out = append_op('flatten2', {'X': x}, {'Out': x.dtype, 'XShape': x.dtype},"
         " {'axis': 2})['Out']",
         {"x": f32(2, 3, 4)}),
    case("flatten2_axis0",
         "x = paddle.static.data('x', [2, 3], 'float32')\n"
         "out = append_op('flatten2', {'X': x}, {'Out': x.dtype, 'XShape': x.dtype},"
         " {'axis': 0})['Out']",
         {"x": f32(2, 3)}),
    case("shape_and_size",
         "x = paddle.static.data('x', [-1, 3, -1], 'float32')\n"
         "out = paddle.shape(x)\nn = paddle.numel(x)",
         {"x": f32(2, 3, 5)}, fetch=("out", "n")),
]

# ---------------------------------------------------------------- transpose
CASES += [
    case("transpose2_0213",
         "x = paddle.static.data('x', [2, 3, 4, 5], 'float32')\nout = paddle.transpose(x, [0, 2, 1, 3])",
         {"x": f32(2, 3, 4, 5)}),
    case("transpose2_3120",
         "x = paddle.static.data('x', [2, 3, 4, 5], 'float32')\nout = paddle.transpose(x, [3, 1, 2, 0])",
         {"x": f32(2, 3, 4, 5)}),
    case("transpose2_identity",
         "x = paddle.static.data('x', [2, 3, 4], 'float32')\nout = paddle.transpose(x, [0, 1, 2])",
         {"x": f32(2, 3, 4)}),
    case("transpose2_2d_tiled",
         "x = paddle.static.data('x', [67, 131], 'float32')\nout = paddle.transpose(x, [1, 0])",
         {"x": f32(67, 131)}),
    case("transpose2_batched_tiled_int64",
         "x = paddle.static.data('x', [3, 40, 37], 'int64')\nout = paddle.transpose(x, [0, 2, 1])",
         {"x": i64(3, 40, 37)}),
    case("transpose2_bool_5d",
         "x = paddle.static.data('x', [2, 1, 3, 4, 2], 'bool')\nout = paddle.transpose(x, [4, 2, 0, 3, 1])",
         {"x": boolean(2, 1, 3, 4, 2)}),
    case("transpose_v1",
         "x = paddle.static.data('x', [2, 3, 4], 'float32')\n"
         "out = append_op('transpose', {'X': x}, attrs={'axis': [2, 0, 1]})",
         {"x": f32(2, 3, 4)}),
    case("transpose2_empty",
         "x = paddle.static.data('x', [-1, 3], 'float32')\nout = paddle.transpose(x, [1, 0])",
         {"x": np.zeros((0, 3), "float32")}),
]

# ---------------------------------------------------------------- expand / tile
CASES += [
    case("expand_v2_keep_and_new",
         "x = paddle.static.data('x', [3, 1], 'float32')\nout = paddle.expand(x, [2, -1, 4])",
         {"x": f32(3, 1)}),
    case("expand_v2_shape_tensor",
         "x = paddle.static.data('x', [1, 4], 'int64')\n"
         "y = paddle.static.data('y', [-1, 4], 'float32')\n"
         "out = paddle.expand(x, paddle.shape(y))",
         {"x": i64(1, 4), "y": f32(3, 4)}),
    case("expand_v2_shape_list_tensor",
         "x = paddle.static.data('x', [1, 4], 'bool')\n"
         "n = paddle.full([1], 5, 'int32')\n"
         "out = paddle.expand(x, [n, 4])",
         {"x": boolean(1, 4)}),
    case("expand_as_v2",
         "x = paddle.static.data('x', [1, 3], 'float32')\n"
         "y = paddle.static.data('y', [2, 4, 3], 'float32')\n"
         "out = append_op('expand_as_v2', {'X': x, 'Y': y}, attrs={'target_shape': [2, 4, 3]})",
         {"x": f32(1, 3), "y": f32(2, 4, 3)}),
    case("tile_repeat_attr",
         "x = paddle.static.data('x', [2, 3], 'float32')\nout = paddle.tile(x, [2, 1, 3])",
         {"x": f32(2, 3)}),
    case("tile_fewer_repeats",
         "x = paddle.static.data('x', [2, 3, 2], 'int64')\nout = paddle.tile(x, [2, 2])",
         {"x": i64(2, 3, 2)}),
    case("expand_v1",
         "x = paddle.static.data('x', [2, 1, 3], 'float32')\n"
         "out = append_op('expand', {'X': x}, attrs={'expand_times': [1, 4, 2]})",
         {"x": f32(2, 1, 3)}),
    case("tile_zero_size_input",
         "x = paddle.static.data('x', [-1, 3], 'float32')\nout = paddle.tile(x, [2, 2])",
         {"x": np.zeros((0, 3), "float32")}),
    case("expand_v2_zero_size_input",
         "x = paddle.static.data('x', [-1, 1], 'int64')\nout = paddle.expand(x, [2, -1, 4])",
         {"x": np.zeros((0, 1), "int64")}),
    case("tile_repeat_tensor",
         "x = paddle.static.data('x', [2, 3], 'float32')\n"
         "r = paddle.full([2], 2, 'int32')\n"
         "out = paddle.tile(x, r)",
         {"x": f32(2, 3)}),
    case("tile_repeat_tensor_list",
         "x = paddle.static.data('x', [2, 3], 'float32')\n"
         "r = paddle.full([1], 3, 'int32')\n"
         "out = paddle.tile(x, [r, 2])",
         {"x": f32(2, 3)}),
]

# ---------------------------------------------------------------- gather family
CASES += [
    case("gather_axis0_int32_index",
         "x = paddle.static.data('x', [5, 3], 'float32')\n"
         "i = paddle.static.data('i', [4], 'int32')\nout = paddle.gather(x, i)",
         {"x": f32(5, 3), "i": np.array([4, 0, 2, 2], "int32")}),
    case("gather_axis1_negative_index",
         "x = paddle.static.data('x', [2, 5, 3], 'int64')\n"
         "i = paddle.static.data('i', [3], 'int64')\nout = paddle.gather(x, i, axis=1)",
         {"x": i64(2, 5, 3), "i": np.array([-1, 0, -5], "int64")}),
    case("gather_axis_tensor",
         "x = paddle.static.data('x', [2, 5, 3], 'float32')\n"
         "i = paddle.static.data('i', [2], 'int64')\n"
         "a = paddle.full([1], 2, 'int64')\nout = paddle.gather(x, i, axis=a)",
         {"x": f32(2, 5, 3), "i": np.array([2, 1], "int64")}),
    case("gather_0d_index",
         "x = paddle.static.data('x', [4, 3], 'float32')\n"
         "i = paddle.static.data('i', [1], 'int64')\n"
         "out = paddle.gather(x, paddle.reshape(i, []), axis=0)",
         {"x": f32(4, 3), "i": np.array([2], "int64")}),
    case("gather_out_of_range",
         "x = paddle.static.data('x', [4, 3], 'float32')\n"
         "i = paddle.static.data('i', [2], 'int64')\nout = paddle.gather(x, i)",
         {"x": f32(4, 3), "i": np.array([1, 7], "int64")},
         expect_error=(pdinfer.InvalidArgumentError, r"\b7\b.*size 4")),
    case("gather_nd_basic",
         "x = paddle.static.data('x', [3, 4, 5], 'float32')\n"
         "i = paddle.static.data('i', [2, 2], 'int64')\nout = paddle.gather_nd(x, i)",
         {"x": f32(3, 4, 5), "i": np.array([[0, 3], [-1, -2]], "int64")}),
    case("gather_nd_full_index_int32",
         "x = paddle.static.data('x', [3, 4], 'int64')\n"
         "i = paddle.static.data('i', [2, 1, 2], 'int32')\nout = paddle.gather_nd(x, i)",
         {"x": i64(3, 4), "i": np.array([[[2, 3]], [[0, 1]]], "int32")}),
    case("gather_nd_out_of_range",
         "x = paddle.static.data('x', [3, 4], 'float32')\n"
         "i = paddle.static.data('i', [1, 2], 'int64')\nout = paddle.gather_nd(x, i)",
         {"x": f32(3, 4), "i": np.array([[1, 4]], "int64")},
         expect_error=(pdinfer.InvalidArgumentError, r"out of range")),
    case("gather_empty_index",
         "x = paddle.static.data('x', [4, 3], 'float32')\n"
         "i = paddle.static.data('i', [-1], 'int64')\nout = paddle.gather(x, i, axis=0)",
         {"x": f32(4, 3), "i": np.zeros((0,), "int64")}),
    case("index_select_neg",
         "x = paddle.static.data('x', [3, 4], 'float32')\n"
         "i = paddle.static.data('i', [3], 'int64')\nout = paddle.index_select(x, i, axis=-1)",
         {"x": f32(3, 4), "i": np.array([3, -4, 1], "int64")}),
    case("index_select_bool_data",
         "x = paddle.static.data('x', [3, 4], 'bool')\n"
         "i = paddle.static.data('i', [2], 'int32')\nout = paddle.index_select(x, i, axis=0)",
         {"x": boolean(3, 4), "i": np.array([2, 0], "int32")}),
]

# ---------------------------------------------------------------- pad
PAD5 = f32(2, 3, 4, 5, 6)
for mode in ("constant", "reflect", "replicate", "circular"):
    for fmt in ("NCDHW", "NDHWC"):
        CASES.append(case(
            f"pad3d_{mode}_{fmt}",
            "x = paddle.static.data('x', [2, 3, 4, 5, 6], 'float32')\n"
            f"out = F.pad(x, [1, 2, 0, 3, 2, 1], mode='{mode}', value=0.5, data_format='{fmt}')",
            {"x": PAD5}))
CASES += [
    case("pad3d_paddings_tensor",
         "x = paddle.static.data('x', [1, 2, 3, 4, 5], 'float32')\n"
         "p = paddle.full([6], 1, 'int32')\n"
         "out = append_op('pad3d', {'X': x, 'Paddings': p},"
         " attrs={'paddings': [], 'mode': 'reflect', 'value': 0.0, 'data_format': 'NCDHW'})",
         {"x": f32(1, 2, 3, 4, 5)}),
    case("pad3d_negative_crop",
         "x = paddle.static.data('x', [1, 1, 2, 3, 6], 'float32')\n"
         "out = append_op('pad3d', {'X': x},"
         " attrs={'paddings': [-1, 2, 0, -1, 1, 0], 'mode': 'constant', 'value': 2.0,"
         " 'data_format': 'NCDHW'})",
         {"x": f32(1, 1, 2, 3, 6)}),
    case("pad3d_int64_constant",
         "x = paddle.static.data('x', [1, 2, 2, 2, 3], 'int64')\n"
         "out = append_op('pad3d', {'X': x},"
         " attrs={'paddings': [1, 1, 1, 0, 0, 1], 'mode': 'constant', 'value': 7.0,"
         " 'data_format': 'NDHWC'})",
         {"x": i64(1, 2, 2, 2, 3)}),
    case("pad3d_from_4d_reflect",
         "x = paddle.static.data('x', [2, 3, 5, 6], 'float32')\n"
         "out = F.pad(x, [2, 1, 1, 3], mode='reflect')",
         {"x": f32(2, 3, 5, 6)}),
    case("pad3d_reflect_too_big",
         "x = paddle.static.data('x', [-1, 1, 1, 2, 2], 'float32')\n"
         "out = F.pad(x, [2, 2, 0, 0, 0, 0], mode='reflect')",
         {"x": f32(1, 1, 1, 2, 2)},
         expect_error=(pdinfer.InvalidArgumentError, "reflect")),
]


# The full-rank `pad` op: paddle.inference's default (oneDNN) kernel for it is unreliable
# (it crashes or returns a wrongly shaped result depending on the input), so these cases
# are checked against numpy.pad on the exported model instead of against the reference.
PAD_CASES = [
    (case("pad_full_rank",
          "x = paddle.static.data('x', [2, 3, 4], 'float32')\n"
          "out = append_op('pad', {'X': x}, attrs={'paddings': [0, 1, 2, 0, 1, 1],"
          " 'pad_value': -1.5})",
          {"x": f32(2, 3, 4)}), [(0, 1), (2, 0), (1, 1)], -1.5),
    (case("pad_full_rank_int64",
          "x = paddle.static.data('x', [3, 2], 'int64')\n"
          "out = append_op('pad', {'X': x}, attrs={'paddings': [1, 0, 0, 2], 'pad_value': 3.0})",
          {"x": i64(3, 2)}), [(1, 0), (0, 2)], 3),
    (case("pad_full_rank_zero_size",
          "x = paddle.static.data('x', [-1, 2], 'float32')\n"
          "out = append_op('pad', {'X': x}, attrs={'paddings': [1, 1, 0, 1], 'pad_value': 2.0})",
          {"x": np.zeros((0, 2), "float32")}), [(1, 1), (0, 1)], 2.0),
]


@pytest.mark.parametrize("c,pads,value", PAD_CASES, ids=lambda v: getattr(v, "name", ""))
def test_pad_full_rank(c, pads, value):
    from pdtest import run_pdinfer
    ref = paddle_reference([c])[c.name]
    if ref.error and ref.error.startswith("export failed"):
        raise AssertionError(ref.error)
    _, _, outs = run_pdinfer(ref.model_dir, c.inputs)
    want = np.pad(c.inputs["x"], pads, constant_values=value)
    assert outs[0].dtype == want.dtype and outs[0].shape == want.shape
    np.testing.assert_array_equal(outs[0], want)


@pytest.fixture(scope="module")
def refs():
    return paddle_reference(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_op(case, refs):
    assert_matches(case, refs[case.name])
