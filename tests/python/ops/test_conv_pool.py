"""Parity tests: conv2d, depthwise_conv2d, conv2d_transpose, depthwise_conv2d_transpose,
pool2d, max_pool2d_with_index, batch_norm.

Ops are appended with their legacy types and explicit attributes (append_op) so every
attribute combination is reachable; a few cases go through the paddle.nn layers the way
real models are built. Filters and batch-norm statistics are parameters (constants in the
exported model) unless a case feeds them. Tolerance 1e-4: convolutions reduce over up to
~600 products of O(1) values, well inside float32 rounding of two summation orders.
"""
import numpy as np
import pytest

import pdinfer
from pdtest import OpCase, assert_matches, compare_outputs, paddle_reference, run_pdinfer

pytestmark = pytest.mark.paddle

RTOL = ATOL = 1e-4
_rng = np.random.RandomState(4321)
BAD = pdinfer.InvalidArgumentError


def _rand(shape, dtype="float32"):
    return _rng.standard_normal(size=list(shape)).astype(dtype)


def _param(name, shape, positive=False, dtype="float32"):
    init = ("paddle.nn.initializer.Uniform(0.5, 2.0)" if positive
            else "paddle.nn.initializer.Normal(0.0, 0.5)")
    return (f"{name} = paddle.create_parameter({list(shape)}, '{dtype}', "
            f"default_initializer={init})\n")


def _decl(shape, dynamic):
    return [-1] * len(shape) if dynamic else list(shape)


CONV_DEFAULTS = {"strides": [1, 1], "paddings": [0, 0], "dilations": [1, 1], "groups": 1,
                 "padding_algorithm": "EXPLICIT", "data_format": "NCHW"}


def conv(name, xs, ws, op="conv2d", attrs=None, dynamic=False, feed_filter=False,
         expect_error=None, rtol=RTOL, atol=ATOL, dtype="float32"):
    a = dict(CONV_DEFAULTS)
    if op.endswith("transpose"):
        a.update({"output_padding": [], "output_size": []})
    a.update(attrs or {})
    inputs = {"x": _rand(xs, dtype)}
    code = f"x = paddle.static.data('x', {_decl(xs, dynamic)}, '{dtype}')\n"
    if feed_filter:
        code += f"w = paddle.static.data('w', {_decl(ws, dynamic)}, '{dtype}')\n"
        inputs["w"] = _rand(ws, dtype)
    else:
        code += _param("w", ws, dtype=dtype)
    code += (f"out = append_op('{op}', {{'Input': x, 'Filter': w}}, {{'Output': '{dtype}'}}, "
             f"{a!r})['Output']\n")
    return OpCase(name=f"{op}_{name}", code=code, inputs=inputs, fetch=["out"], rtol=rtol,
                  atol=atol, expect_error=expect_error)


def convt(name, xs, ws, **kw):
    return conv(name, xs, ws, op="conv2d_transpose", **kw)


CONV_CASES = [
    # --- conv2d, NCHW ---
    conv("3x3_p1_b2", [2, 3, 11, 13], [8, 3, 3, 3], attrs={"paddings": [1, 1]}),
    conv("3x3_s2_pad_hw", [1, 4, 12, 9], [6, 4, 3, 3],
         attrs={"strides": [2, 2], "paddings": [1, 2]}),
    conv("pad4_asym", [2, 3, 10, 11], [5, 3, 3, 2], attrs={"paddings": [0, 2, 1, 0]}),
    conv("stride_hw_diff", [1, 2, 17, 15], [4, 2, 5, 3],
         attrs={"strides": [3, 2], "paddings": [2, 1]}),
    conv("dilation2", [2, 3, 15, 14], [4, 3, 3, 3], attrs={"dilations": [2, 2], "paddings": [2, 2]}),
    conv("dilation_hw", [1, 3, 16, 16], [4, 3, 3, 2], attrs={"dilations": [3, 1], "strides": [1, 2]}),
    conv("groups2", [2, 4, 9, 9], [6, 2, 3, 3], attrs={"groups": 2, "paddings": [1, 1]}),
    conv("groups3_b3", [3, 6, 8, 7], [9, 2, 3, 3], attrs={"groups": 3, "strides": [2, 1]}),
    conv("same_s2_odd", [1, 3, 13, 11], [4, 3, 3, 3],
         attrs={"strides": [2, 2], "padding_algorithm": "SAME", "paddings": [5, 5]}),
    conv("same_k4_dil", [1, 2, 10, 9], [3, 2, 4, 4],
         attrs={"padding_algorithm": "SAME", "dilations": [2, 2]}),
    conv("valid", [2, 3, 10, 10], [4, 3, 3, 3],
         attrs={"padding_algorithm": "VALID", "paddings": [3, 3], "strides": [2, 2]}),
    conv("1x1_direct", [2, 16, 7, 9], [24, 16, 1, 1]),
    conv("1x1_stride2", [1, 8, 9, 9], [12, 8, 1, 1], attrs={"strides": [2, 2]}),
    conv("1x1_padded", [1, 8, 5, 6], [4, 8, 1, 1], attrs={"paddings": [1, 1]}),
    conv("1x1_groups", [2, 8, 6, 6], [8, 2, 1, 1], attrs={"groups": 4}),
    conv("kernel_gt_input", [1, 2, 3, 3], [3, 2, 5, 5], attrs={"paddings": [2, 2]}),
    conv("single_channel", [2, 1, 12, 12], [6, 1, 3, 3], attrs={"paddings": [1, 1]}),
    conv("anylayout", [1, 3, 8, 8], [4, 3, 3, 3], attrs={"data_format": "AnyLayout"}),
    # big enough to cross the GEMM's K block (256) and several column tiles
    conv("big_k576", [1, 64, 30, 30], [48, 64, 3, 3], attrs={"paddings": [1, 1]},
         rtol=2e-4, atol=2e-4),
    conv("big_1x1", [2, 96, 20, 20], [130, 96, 1, 1]),
    conv("fed_filter", [2, 3, 9, 9], [4, 3, 3, 3], attrs={"paddings": [1, 1]}, feed_filter=True),
    conv("dynamic_shape", [2, 3, 10, 12], [5, 3, 3, 3], attrs={"strides": [2, 2]}, dynamic=True),
    # --- conv2d, NHWC ---
    conv("nhwc_3x3", [2, 9, 11, 3], [8, 3, 3, 3],
         attrs={"data_format": "NHWC", "paddings": [1, 1]}),
    conv("nhwc_s2_asym", [1, 10, 9, 4], [6, 4, 3, 3],
         attrs={"data_format": "NHWC", "strides": [2, 2], "paddings": [0, 1, 1, 2]}),
    conv("nhwc_1x1", [2, 5, 7, 16], [12, 16, 1, 1], attrs={"data_format": "NHWC"}),
    conv("nhwc_groups", [1, 8, 8, 6], [9, 2, 3, 3],
         attrs={"data_format": "NHWC", "groups": 3, "dilations": [2, 1]}),
    conv("nhwc_same", [1, 9, 10, 3], [4, 3, 3, 3],
         attrs={"data_format": "NHWC", "padding_algorithm": "SAME", "strides": [2, 2]}),
    # --- depthwise (groups == input channels) ---
    conv("dw_3x3", [2, 8, 13, 11], [8, 1, 3, 3], op="depthwise_conv2d",
         attrs={"groups": 8, "paddings": [1, 1]}),
    conv("dw_s2", [1, 6, 14, 15], [6, 1, 3, 3], op="depthwise_conv2d",
         attrs={"groups": 6, "paddings": [1, 1], "strides": [2, 2]}),
    conv("dw_5x5_s3_dil", [1, 4, 20, 19], [4, 1, 5, 5], op="depthwise_conv2d",
         attrs={"groups": 4, "paddings": [4, 3], "strides": [3, 3], "dilations": [2, 2]}),
    conv("dw_multiplier2", [2, 4, 9, 9], [8, 1, 3, 3], op="depthwise_conv2d",
         attrs={"groups": 4, "paddings": [1, 1]}),
    conv("dw_same", [1, 5, 11, 10], [5, 1, 5, 5], op="depthwise_conv2d",
         attrs={"groups": 5, "padding_algorithm": "SAME", "strides": [2, 2]}),
    conv("dw_pad4", [1, 3, 8, 9], [3, 1, 3, 3], op="depthwise_conv2d",
         attrs={"groups": 3, "paddings": [2, 0, 0, 1]}),
    # wide rows: the vectorized interior (16-wide blocks, overlapping last block)
    conv("dw_wide_s1", [1, 3, 9, 45], [3, 1, 3, 3], op="depthwise_conv2d",
         attrs={"groups": 3, "paddings": [1, 1]}),
    conv("dw_wide_s2", [1, 2, 7, 77], [2, 1, 3, 3], op="depthwise_conv2d",
         attrs={"groups": 2, "paddings": [1, 1], "strides": [2, 2]}),
    conv("dw_wide_s3_dil", [1, 2, 9, 90], [2, 1, 3, 3], op="depthwise_conv2d",
         attrs={"groups": 2, "paddings": [2, 2], "strides": [1, 3], "dilations": [2, 2]}),
    conv("dw_wide_k5_mult", [1, 2, 8, 52], [4, 1, 5, 5], op="depthwise_conv2d",
         attrs={"groups": 2, "paddings": [2, 2]}),
    conv("dw_nhwc_c40", [1, 6, 7, 40], [40, 1, 3, 3], op="depthwise_conv2d",
         attrs={"groups": 40, "paddings": [1, 1], "data_format": "NHWC"}),
    conv("dw_nhwc_c16_s2", [2, 7, 6, 16], [16, 1, 3, 3], op="depthwise_conv2d",
         attrs={"groups": 16, "paddings": [1, 1], "strides": [2, 2], "data_format": "NHWC"}),
    conv("dw_as_conv2d_op", [1, 6, 7, 7], [6, 1, 3, 3], attrs={"groups": 6, "paddings": [1, 1]}),
    conv("dw_nhwc", [2, 9, 8, 6], [6, 1, 3, 3], op="depthwise_conv2d",
         attrs={"groups": 6, "paddings": [1, 1], "data_format": "NHWC"}),
    conv("dw_nhwc_mult_s2", [1, 9, 9, 3], [6, 1, 3, 3], op="depthwise_conv2d",
         attrs={"groups": 3, "paddings": [1, 1], "strides": [2, 2], "data_format": "NHWC"}),
    # --- float64 (portable GEMM kernel) ---
    conv("f64_3x3", [2, 3, 9, 8], [5, 3, 3, 3], attrs={"paddings": [1, 1]}, dtype="float64",
         rtol=1e-10, atol=1e-10),
    conv("f64_dw_nhwc", [1, 7, 6, 4], [4, 1, 3, 3], op="depthwise_conv2d", dtype="float64",
         attrs={"groups": 4, "paddings": [1, 1], "data_format": "NHWC"}, rtol=1e-10, atol=1e-10),
    convt("f64", [1, 3, 5, 5], [3, 2, 3, 3], attrs={"strides": [2, 2]}, dtype="float64",
          rtol=1e-10, atol=1e-10),
    # --- bad inputs ---
    conv("bad_channels", [1, 3, 8, 8], [4, 2, 3, 3], dynamic=True, expect_error=BAD),
    conv("bad_groups_channels", [1, 6, 8, 8], [4, 3, 3, 3], attrs={"groups": 3}, dynamic=True,
         expect_error=BAD),
    conv("bad_window", [1, 3, 2, 2], [4, 3, 3, 3], dynamic=True, expect_error=BAD),
    # --- conv2d_transpose ---
    convt("k3_s1", [2, 3, 7, 8], [3, 4, 3, 3]),
    convt("k4_s2_p1", [1, 4, 6, 5], [4, 3, 4, 4], attrs={"strides": [2, 2], "paddings": [1, 1]}),
    convt("k2_s2", [2, 8, 5, 6], [8, 4, 2, 2], attrs={"strides": [2, 2]}),
    convt("k3_s2_outpad", [1, 3, 5, 6], [3, 2, 3, 3],
          attrs={"strides": [2, 2], "paddings": [1, 1], "output_padding": [1, 0]}),
    convt("output_size", [1, 3, 5, 6], [3, 2, 3, 3],
          attrs={"strides": [2, 2], "paddings": [1, 1], "output_size": [10, 12]}),
    convt("groups2", [2, 4, 6, 6], [4, 3, 3, 3], attrs={"groups": 2, "paddings": [1, 1]}),
    convt("dilation", [1, 2, 6, 7], [2, 3, 3, 3], attrs={"dilations": [2, 2], "strides": [2, 1]}),
    convt("pad4_asym", [1, 3, 6, 6], [3, 2, 3, 3],
          attrs={"strides": [2, 2], "paddings": [0, 1, 2, 1]}),
    convt("same", [1, 3, 7, 6], [3, 2, 3, 3], attrs={"strides": [2, 2], "padding_algorithm": "SAME"}),
    convt("valid", [1, 3, 5, 5], [3, 2, 3, 3],
          attrs={"strides": [2, 2], "padding_algorithm": "VALID", "paddings": [1, 1]}),
    convt("1x1", [2, 6, 5, 4], [6, 5, 1, 1]),
    convt("nhwc", [2, 5, 6, 3], [3, 4, 3, 3],
          attrs={"data_format": "NHWC", "strides": [2, 2], "paddings": [1, 1]}),
    convt("nhwc_groups", [1, 5, 5, 4], [4, 2, 2, 2],
          attrs={"data_format": "NHWC", "strides": [2, 2], "groups": 2}),
    conv("dw", [1, 4, 6, 5], [4, 1, 4, 4], op="depthwise_conv2d_transpose",
         attrs={"groups": 4, "strides": [2, 2], "paddings": [1, 1], "output_padding": [],
                "output_size": []}),
    convt("big", [1, 32, 12, 12], [32, 16, 4, 4], attrs={"strides": [2, 2], "paddings": [1, 1]}),
    # wide enough that GEMM + col2im run in bands of input rows
    convt("bands", [2, 8, 7, 70], [8, 64, 4, 4], attrs={"strides": [2, 2], "paddings": [1, 1]}),
    convt("bands_nhwc_dil", [1, 8, 70, 8], [8, 64, 3, 3],
          attrs={"strides": [1, 2], "dilations": [2, 1], "data_format": "NHWC"}),
    # (fed, shapeless filter: Paddle's build-time check would reject the program otherwise)
    convt("bad_channels", [1, 3, 5, 5], [4, 2, 3, 3], dynamic=True, feed_filter=True,
          expect_error=BAD),
    convt("bad_output_size", [1, 3, 5, 5], [3, 2, 3, 3],
          attrs={"strides": [2, 2], "output_size": [20, 20]}, dynamic=True, feed_filter=True,
          expect_error=BAD),
]

# Layer API, the way real models build these ops (bias via elementwise_add, BN params).
LAYER_CASES = [
    OpCase(name="layers_conv_bn_pool",
           code="x = paddle.static.data('x', [2, 3, 16, 15], 'float32')\n"
                "c1 = nn.Conv2D(3, 8, 3, stride=2, padding=1)\n"
                "bn = nn.BatchNorm2D(8)\n"
                "dw = nn.Conv2D(8, 8, 3, padding=1, groups=8)\n"
                "up = nn.Conv2DTranspose(8, 4, 2, stride=2)\n"
                "h = F.relu(bn(c1(x)))\n"
                "h = F.max_pool2d(dw(h), 3, stride=2, padding=1)\n"
                "out = F.adaptive_avg_pool2d(up(h), [3, 5])\n",
           inputs={"x": _rand([2, 3, 16, 15])}, fetch=["out"], rtol=RTOL, atol=ATOL),
    OpCase(name="layers_f_conv_same_nhwc",
           code="x = paddle.static.data('x', [1, 9, 10, 4], 'float32')\n"
                "w = paddle.create_parameter([6, 4, 3, 3], 'float32')\n"
                "out = F.conv2d(x, w, stride=2, padding='SAME', data_format='NHWC')\n",
           inputs={"x": _rand([1, 9, 10, 4])}, fetch=["out"], rtol=RTOL, atol=ATOL),
]


POOL_DEFAULTS = {"pooling_type": "max", "ksize": [2, 2], "strides": [1, 1], "paddings": [0, 0],
                 "ceil_mode": False, "exclusive": True, "global_pooling": False,
                 "adaptive": False, "padding_algorithm": "EXPLICIT", "data_format": "NCHW"}


def pool(name, xs, attrs, dynamic=False, expect_error=None, dtype="float32"):
    a = dict(POOL_DEFAULTS)
    a.update(attrs)
    code = (f"x = paddle.static.data('x', {_decl(xs, dynamic)}, '{dtype}')\n"
            f"out = append_op('pool2d', {{'X': x}}, {{'Out': '{dtype}'}}, {a!r})['Out']\n")
    return OpCase(name=f"pool2d_{name}", code=code, inputs={"x": _rand(xs, dtype)},
                  fetch=["out"], rtol=RTOL, atol=ATOL, expect_error=expect_error)


def pool_idx(name, xs, attrs):
    a = {"ksize": [2, 2], "strides": [2, 2], "paddings": [0, 0], "global_pooling": False,
         "adaptive": False, "ceil_mode": False}
    a.update(attrs)
    code = (f"x = paddle.static.data('x', {list(xs)}, 'float32')\n"
            f"r = append_op('max_pool2d_with_index', {{'X': x}}, "
            f"{{'Out': 'float32', 'Mask': 'int32'}}, {a!r})\n"
            f"out = [r['Out'], r['Mask']]\n")
    return OpCase(name=f"max_pool2d_with_index_{name}", code=code, inputs={"x": _rand(xs)},
                  fetch=["out"], rtol=RTOL, atol=ATOL)


MAX, AVG = {"pooling_type": "max"}, {"pooling_type": "avg"}

POOL_CASES = [
    pool("max_3x3_s2_p1", [2, 3, 11, 12], {**MAX, "ksize": [3, 3], "strides": [2, 2],
                                            "paddings": [1, 1]}),
    pool("max_2x2_s2", [1, 4, 8, 9], {**MAX, "strides": [2, 2]}),
    pool("max_ceil", [1, 2, 9, 10], {**MAX, "ksize": [3, 3], "strides": [2, 2], "ceil_mode": True}),
    pool("max_pad4", [1, 2, 7, 8], {**MAX, "ksize": [3, 2], "strides": [2, 1],
                                     "paddings": [1, 0, 0, 1]}),
    pool("avg_2x2_s2", [2, 3, 8, 10], {**AVG, "strides": [2, 2]}),
    pool("avg_3x3_p1_exclusive", [1, 3, 7, 9], {**AVG, "ksize": [3, 3], "paddings": [1, 1]}),
    pool("avg_3x3_p1_inclusive", [1, 3, 7, 9], {**AVG, "ksize": [3, 3], "paddings": [1, 1],
                                                  "exclusive": False}),
    pool("avg_ceil_inclusive", [1, 2, 9, 11], {**AVG, "ksize": [3, 3], "strides": [2, 2],
                                                 "ceil_mode": True, "exclusive": False}),
    pool("avg_ceil_exclusive", [1, 2, 9, 11], {**AVG, "ksize": [3, 3], "strides": [2, 2],
                                                 "ceil_mode": True, "paddings": [1, 1]}),
    pool("avg_pad4_inclusive", [1, 2, 8, 7], {**AVG, "ksize": [3, 3], "strides": [2, 2],
                                                "paddings": [0, 2, 1, 0], "exclusive": False}),
    pool("avg_same", [1, 3, 9, 10], {**AVG, "ksize": [3, 3], "strides": [2, 2],
                                      "padding_algorithm": "SAME"}),
    pool("max_same", [1, 3, 10, 9], {**MAX, "ksize": [4, 3], "strides": [3, 2],
                                      "padding_algorithm": "SAME"}),
    pool("max_valid", [1, 3, 10, 9], {**MAX, "ksize": [3, 3], "strides": [2, 2],
                                       "paddings": [1, 1], "padding_algorithm": "VALID"}),
    pool("global_avg", [2, 5, 7, 9], {**AVG, "global_pooling": True, "ksize": [1, 1]}),
    pool("global_max", [2, 5, 7, 9], {**MAX, "global_pooling": True, "ksize": [1, 1],
                                       "paddings": [1, 1]}),
    pool("adaptive_avg_nondiv", [2, 3, 7, 9], {**AVG, "adaptive": True, "ksize": [3, 4]}),
    pool("adaptive_avg_up", [1, 2, 3, 4], {**AVG, "adaptive": True, "ksize": [5, 6]}),
    pool("adaptive_avg_1x1", [2, 4, 6, 5], {**AVG, "adaptive": True, "ksize": [1, 1]}),
    pool("adaptive_max_div", [1, 3, 8, 8], {**MAX, "adaptive": True, "ksize": [4, 4]}),
    # non-divisible adaptive max runs Paddle's CPU kernel (windows not adaptive there)
    pool("adaptive_max_nondiv", [1, 2, 7, 10], {**MAX, "adaptive": True, "ksize": [3, 4]}),
    pool("adaptive_max_up", [1, 2, 3, 4], {**MAX, "adaptive": True, "ksize": [5, 6]}),
    pool("adaptive_avg_nondiv2", [1, 2, 5, 11], {**AVG, "adaptive": True, "ksize": [2, 3]}),
    pool("k1_s2", [1, 3, 7, 8], {**MAX, "ksize": [1, 1], "strides": [2, 2]}),
    pool("nhwc_max", [2, 9, 10, 3], {**MAX, "ksize": [3, 3], "strides": [2, 2],
                                      "paddings": [1, 1], "data_format": "NHWC"}),
    pool("nhwc_avg_incl_ceil", [1, 9, 10, 4], {**AVG, "ksize": [3, 3], "strides": [2, 2],
                                                 "exclusive": False, "ceil_mode": True,
                                                 "data_format": "NHWC"}),
    pool("nhwc_adaptive_avg", [1, 7, 9, 3], {**AVG, "adaptive": True, "ksize": [3, 2],
                                              "data_format": "NHWC"}),
    pool("nhwc_global_avg", [2, 5, 6, 8], {**AVG, "global_pooling": True,
                                            "data_format": "NHWC"}),
    pool("f64_avg", [1, 3, 7, 8], {**AVG, "ksize": [3, 3], "paddings": [1, 1]}, dtype="float64"),
    pool("dynamic", [2, 3, 9, 8], {**MAX, "ksize": [3, 3], "strides": [2, 2]}, dynamic=True),
    pool("bad_window", [1, 2, 2, 2], {**MAX, "ksize": [5, 5]}, dynamic=True, expect_error=BAD),
    pool_idx("basic", [2, 3, 8, 9], {}),
    pool_idx("k3_s2_p1", [1, 2, 9, 9], {"ksize": [3, 3], "paddings": [1, 1]}),
    pool_idx("adaptive", [1, 3, 7, 10], {"adaptive": True, "ksize": [3, 4]}),
    pool_idx("global", [1, 3, 5, 6], {"global_pooling": True}),
]


def bn(name, xs, layout="NCHW", eps=1e-5, is_test=True, scale_bias=True):
    c = xs[-1] if layout == "NHWC" and len(xs) > 2 else xs[1]
    code = f"x = paddle.static.data('x', {list(xs)}, 'float32')\n"
    for p, pos in (("scale", False), ("bias", False), ("mean", False), ("var", True)):
        code += _param(p, [c], positive=pos)
    ins = "{'X': x, 'Mean': mean, 'Variance': var" + (", 'Scale': scale, 'Bias': bias}"
                                                       if scale_bias else "}")
    attrs = {"epsilon": eps, "data_layout": layout, "is_test": is_test, "momentum": 0.9,
             "use_global_stats": False, "trainable_statistics": False}
    code += (f"r = append_op('batch_norm', {ins}, {{'Y': 'float32', 'MeanOut': mean, "
             f"'VarianceOut': var, 'SavedMean': 'float32', 'SavedVariance': 'float32'}}, "
             f"{attrs!r})\nout = r['Y']\n")
    return OpCase(name=f"batch_norm_{name}", code=code, inputs={"x": _rand(xs)}, fetch=["out"],
                  rtol=RTOL, atol=ATOL)


BN_CASES = [
    bn("nchw", [2, 5, 7, 6]),
    bn("nhwc", [2, 7, 6, 5], layout="NHWC"),
    bn("rank2", [4, 6]),
    bn("rank3", [2, 4, 9]),
    bn("rank5", [1, 3, 4, 5, 2]),
    bn("rank3_nhwc", [2, 9, 4], layout="NHWC"),
    bn("eps_max", [1, 3, 4, 4], eps=1e-3),  # Paddle rejects epsilon > 1e-3
    bn("train_mode_attr", [2, 3, 5, 5], is_test=False),
]

CASES = CONV_CASES + LAYER_CASES + POOL_CASES + BN_CASES


@pytest.fixture(scope="module")
def refs():
    return paddle_reference(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_op(case, refs):
    assert_matches(case, refs[case.name])


# The same cases on 3 threads: exercises the parallel splits (per image/group/tile, GEMM
# tiles, per plane) that a single-threaded predictor never takes.
THREADED = [c for c in CASES if c.expect_error is None]


@pytest.mark.parametrize("case", THREADED, ids=lambda c: c.name)
def test_op_3_threads(case, refs):
    ref = refs[case.name]
    if ref.error:
        pytest.skip("no reference: " + ref.error.splitlines()[0])
    cfg = pdinfer.Config(ref.model_dir + "/inference.pdmodel", ref.model_dir + "/inference.pdiparams")
    cfg.set_cpu_math_library_num_threads(3)
    _, names, outs = run_pdinfer(ref.model_dir, case.inputs, pdinfer.create_predictor(cfg))
    compare_outputs(f"[{case.name} x3 threads]", ref.output_names, ref.outputs, names, outs,
                    case.rtol, case.atol)
