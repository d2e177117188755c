"""Parity tests: nearest / bilinear / bicubic / linear / trilinear interpolation, v2 ops
(nearest_interp_v2, ...) and the v1 ops (nearest_interp, bilinear_interp), with the output
size from out_h/out_w, the scale attribute, and the OutSize / SizeTensor / Scale inputs,
align_corners x align_mode, NCHW / NHWC, up- and down-sampling with odd sizes.
"""
import numpy as np
import pytest

import pdinfer
from pdtest import OpCase, assert_matches, compare_outputs, paddle_reference, run_pdinfer

pytestmark = pytest.mark.paddle

RTOL = ATOL = 1e-5
_rng = np.random.RandomState(777)


def _rand(shape):
    return _rng.standard_normal(size=list(shape)).astype("float32")


def interp(name, op, xs, attrs=None, out_size=None, size_tensor=None, scale_tensor=None,
           dynamic=False, expect_error=None, rtol=RTOL, atol=ATOL):
    v1 = not op.endswith("_v2")
    method = op.replace("_interp_v2", "").replace("_interp", "")
    a = {"data_layout": "NCHW", "out_d": -1, "out_h": -1, "out_w": -1,
         "scale": 0.0 if v1 else [], "interp_method": method, "align_corners": False,
         "align_mode": 1}
    a.update(attrs or {})
    decl = [-1] * len(xs) if dynamic else list(xs)
    code = f"x = paddle.static.data('x', {decl}, 'float32')\n"
    ins, inputs = "{'X': x", {"x": _rand(xs)}
    if out_size is not None:
        code += f"osz = paddle.static.data('osz', [{len(out_size)}], 'int32')\n"
        ins += ", 'OutSize': osz"
        inputs["osz"] = np.array(out_size, dtype="int32")
    if size_tensor is not None:
        names = []
        for i, v in enumerate(size_tensor):
            code += f"s{i} = paddle.static.data('s{i}', [1], 'int32')\n"
            inputs[f"s{i}"] = np.array([v], dtype="int32")
            names.append(f"s{i}")
        ins += ", 'SizeTensor': [" + ", ".join(names) + "]"
    if scale_tensor is not None:
        code += f"sc = paddle.static.data('sc', [{len(scale_tensor)}], 'float32')\n"
        ins += ", 'Scale': sc"
        inputs["sc"] = np.array(scale_tensor, dtype="float32")
    ins += "}"
    code += f"out = append_op('{op}', {ins}, {{'Out': 'float32'}}, {a!r})['Out']\n"
    return OpCase(name=f"{op}_{name}", code=code, inputs=inputs, fetch=["out"], rtol=rtol,
                  atol=atol, expect_error=expect_error)


NN, BL = "nearest_interp_v2", "bilinear_interp_v2"
AC = {"align_corners": True}
M0 = {"align_mode": 0}

CASES = [
    # --- nearest v2 ---
    interp("scale2", NN, [2, 3, 5, 7], {"scale": [2.0, 2.0]}),
    interp("scale_1_7", NN, [1, 2, 6, 5], {"scale": [1.7, 1.3]}),
    interp("scale_down", NN, [1, 2, 9, 8], {"scale": [0.5, 0.4]}),
    interp("out_hw_up", NN, [2, 2, 4, 3], {"out_h": 7, "out_w": 5}),
    interp("out_hw_down", NN, [1, 3, 8, 7], {"out_h": 3, "out_w": 2}),
    interp("align_corners", NN, [1, 2, 5, 6], {"out_h": 9, "out_w": 4, **AC}),
    interp("align_corners_scale", NN, [1, 2, 5, 6], {"scale": [1.5, 2.5], **AC}),
    interp("nhwc", NN, [2, 5, 4, 3], {"data_layout": "NHWC", "scale": [2.0, 3.0]}),
    interp("nhwc_out_hw", NN, [1, 6, 5, 4], {"data_layout": "NHWC", "out_h": 4, "out_w": 9}),
    interp("outsize_tensor", NN, [2, 3, 4, 5], out_size=[7, 3]),
    interp("size_tensor", NN, [1, 3, 4, 5], size_tensor=[6, 11]),
    interp("scale_tensor2", NN, [1, 2, 4, 5], scale_tensor=[2.0, 1.5]),
    interp("scale_tensor1", NN, [1, 2, 4, 5], scale_tensor=[3.0]),
    # OutSize overrides the size but the scale still sets the sampling ratio
    interp("scale_and_outsize", NN, [1, 2, 6, 6], {"scale": [2.0, 2.0]}, out_size=[9, 10]),
    interp("size_tensor_over_scale", NN, [1, 2, 4, 4], {"scale": [2.0, 2.0]},
           size_tensor=[5, 3]),
    interp("same_size_copy", NN, [1, 2, 5, 6], {"out_h": 5, "out_w": 6}),
    interp("dynamic", NN, [2, 3, 5, 4], {"scale": [2.0, 2.0]}, dynamic=True),
    interp("5d", NN, [1, 2, 3, 4, 5], {"out_d": 5, "out_h": 3, "out_w": 8}),
    interp("5d_scale", NN, [1, 2, 3, 4, 5], {"scale": [2.0, 1.5, 0.6]}),
    interp("bad_outsize_zero", NN, [1, 2, 4, 4], out_size=[0, 5],
           expect_error=pdinfer.InvalidArgumentError),
    # --- bilinear v2: align_corners x align_mode, up/down, odd sizes ---
    interp("up2_mode0", BL, [2, 3, 5, 7], {"scale": [2.0, 2.0], **M0}),
    interp("up2_mode1", BL, [2, 3, 5, 7], {"scale": [2.0, 2.0]}),
    interp("up2_ac", BL, [2, 3, 5, 7], {"scale": [2.0, 2.0], **AC}),
    interp("out_hw_mode0", BL, [1, 2, 6, 5], {"out_h": 11, "out_w": 9, **M0}),
    interp("out_hw_mode1", BL, [1, 2, 6, 5], {"out_h": 11, "out_w": 9}),
    interp("out_hw_ac", BL, [1, 2, 6, 5], {"out_h": 11, "out_w": 9, **AC}),
    interp("down_mode0", BL, [1, 2, 9, 11], {"out_h": 4, "out_w": 5, **M0}),
    interp("down_mode1", BL, [1, 2, 9, 11], {"out_h": 4, "out_w": 5}),
    interp("down_ac", BL, [1, 2, 9, 11], {"out_h": 4, "out_w": 5, **AC}),
    interp("scale_0_6_mode0", BL, [1, 3, 10, 7], {"scale": [0.6, 0.6], **M0}),
    interp("scale_1_3_mode1", BL, [1, 3, 10, 7], {"scale": [1.3, 1.7]}),
    interp("nhwc_mode0", BL, [2, 5, 6, 3], {"data_layout": "NHWC", "scale": [2.0, 1.5], **M0}),
    interp("nhwc_ac", BL, [1, 5, 6, 4], {"data_layout": "NHWC", "out_h": 8, "out_w": 3, **AC}),
    interp("outsize_mode0", BL, [2, 2, 5, 6], {**M0}, out_size=[8, 13]),
    interp("scale_and_outsize", BL, [1, 2, 5, 6], {"scale": [2.0, 2.0], **M0},
           out_size=[9, 13]),
    interp("scale_tensor", BL, [1, 2, 5, 6], {**M0}, scale_tensor=[1.5, 2.5]),
    interp("size_tensor", BL, [1, 2, 5, 6], {**AC}, size_tensor=[3, 9]),
    interp("to_1x1", BL, [1, 2, 5, 6], {"out_h": 1, "out_w": 1, **M0}),
    interp("from_1xn", BL, [1, 2, 1, 6], {"out_h": 4, "out_w": 9, **M0}),
    interp("same_size", BL, [1, 2, 5, 6], {"out_h": 5, "out_w": 6, **AC}),
    # --- bicubic / linear / trilinear v2 ---
    interp("up", "bicubic_interp_v2", [1, 2, 5, 6], {"out_h": 9, "out_w": 13}),
    interp("ac", "bicubic_interp_v2", [1, 2, 5, 6], {"out_h": 9, "out_w": 13, **AC}),
    interp("down_scale", "bicubic_interp_v2", [1, 2, 9, 8], {"scale": [0.6, 0.7]}),
    interp("nhwc", "bicubic_interp_v2", [1, 5, 6, 3], {"data_layout": "NHWC", "out_h": 7,
                                                        "out_w": 4}),
    interp("mode0", "linear_interp_v2", [2, 3, 7], {"out_w": 12, **M0}),
    interp("mode1", "linear_interp_v2", [2, 3, 7], {"out_w": 12}),
    interp("ac", "linear_interp_v2", [2, 3, 7], {"out_w": 4, **AC}),
    interp("nwc_scale", "linear_interp_v2", [1, 9, 4], {"data_layout": "NHWC", "scale": [1.5],
                                                          **M0}),
    interp("mode0", "trilinear_interp_v2", [1, 2, 3, 4, 5], {"out_d": 5, "out_h": 7, "out_w": 3,
                                                              **M0}),
    interp("ac", "trilinear_interp_v2", [1, 2, 3, 4, 5], {"out_d": 5, "out_h": 7, "out_w": 3,
                                                           **AC}),
    interp("scale_mode1", "trilinear_interp_v2", [1, 2, 3, 4, 5], {"scale": [2.0, 1.5, 1.2]}),
    # --- v1 ops: one float scale, ratio always in/out ---
    interp("scale2", "nearest_interp", [1, 3, 5, 4], {"scale": 2.0}),
    interp("scale_1_5_ac", "nearest_interp", [1, 3, 5, 4], {"scale": 1.5, **AC}),
    interp("out_hw", "nearest_interp", [2, 2, 5, 4], {"out_h": 7, "out_w": 9}),
    interp("outsize", "nearest_interp", [1, 2, 5, 4], out_size=[3, 7]),
    interp("scale_1_5_mode0", "bilinear_interp", [1, 3, 5, 7], {"scale": 1.5, **M0}),
    interp("scale_1_5_mode1", "bilinear_interp", [1, 3, 5, 7], {"scale": 1.5}),
    interp("out_hw_ac", "bilinear_interp", [1, 3, 5, 7], {"out_h": 8, "out_w": 3, **AC}),
    interp("nhwc", "bilinear_interp", [1, 5, 7, 3], {"data_layout": "NHWC", "out_h": 9,
                                                       "out_w": 4, **M0}),
    interp("scale_tensor", "bilinear_interp", [1, 2, 5, 7], {**M0}, scale_tensor=[1.7]),
    # --- functional API, as models call it ---
    OpCase(name="F_interpolate_nearest_x2",
           code="x = paddle.static.data('x', [1, 4, 6, 5], 'float32')\n"
                "out = F.interpolate(x, scale_factor=2, mode='nearest')\n",
           inputs={"x": _rand([1, 4, 6, 5])}, fetch=["out"], rtol=RTOL, atol=ATOL),
    OpCase(name="F_interpolate_bilinear_size",
           code="x = paddle.static.data('x', [2, 3, 7, 6], 'float32')\n"
                "out = F.interpolate(x, size=[10, 13], mode='bilinear', align_corners=False)\n",
           inputs={"x": _rand([2, 3, 7, 6])}, fetch=["out"], rtol=RTOL, atol=ATOL),
    OpCase(name="F_upsample_bilinear_ac_nhwc",
           code="x = paddle.static.data('x', [1, 5, 6, 3], 'float32')\n"
                "out = F.upsample(x, scale_factor=[1.5, 2.0], mode='bilinear', "
                "align_corners=True, data_format='NHWC')\n",
           inputs={"x": _rand([1, 5, 6, 3])}, fetch=["out"], rtol=RTOL, atol=ATOL),
]


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
