"""The oneDNN CPU backend against pdinfer's reference kernels (and Paddle).

Every graph runs twice in pdinfer: with oneDNN (the default, Config.enable_mkldnn()) and
with the reference kernels (Config.disable_mkldnn()); the two must agree within
rtol=atol=1e-4 (float32 summation order and oneDNN's polynomial approximations of
transcendental functions stay far inside that), and both must match paddle.inference.

Covered: every kernel (conv/depthwise/transposed conv with bias, residual and activation
post-ops, matmul family, pool2d, batch_norm, layer_norm, softmax, activations, binary
ops with broadcasting, concat), chains that keep oneDNN's blocked layouts between
kernels (conv -> pool -> conv -> add -> relu with 3 and 17 channels so channel blocks are
padded), NHWC graphs, changing input shapes that reuse and evict cached primitives, cloned
predictors, 1 and 2 threads, bf16, and the bound on the per-kernel primitive cache.
"""
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import models
import pdinfer
from pdtest import OpCase, compare_outputs, paddle_reference

pytestmark = pytest.mark.paddle

RTOL = ATOL = 1e-4
_rng = np.random.RandomState(2024)


def _rand(*shape):
    return _rng.standard_normal(size=list(shape)).astype("float32")


def _param(name, shape, positive=False):
    init = ("paddle.nn.initializer.Uniform(0.5, 2.0)" if positive
            else "paddle.nn.initializer.Normal(0.0, 0.5)")
    return f"{name} = paddle.create_parameter({list(shape)}, 'float32', default_initializer={init})\n"


def _conv(out, x, w, attrs=None, op="conv2d", extra_inputs=""):
    a = {"strides": [1, 1], "paddings": [0, 0], "dilations": [1, 1], "groups": 1,
         "padding_algorithm": "EXPLICIT", "data_format": "NCHW"}
    if op.endswith("transpose"):
        a.update({"output_padding": [], "output_size": []})
    a.update(attrs or {})
    return (f"{out} = append_op('{op}', {{'Input': {x}, 'Filter': {w}{extra_inputs}}}, "
            f"{{'Output': 'float32'}}, {a!r})['Output']\n")


def _pool(out, x, attrs):
    a = {"pooling_type": "max", "ksize": [2, 2], "strides": [2, 2], "paddings": [0, 0],
         "global_pooling": False, "adaptive": False, "exclusive": True, "ceil_mode": False,
         "padding_algorithm": "EXPLICIT", "data_format": "NCHW"}
    a.update(attrs)
    return f"{out} = append_op('pool2d', {{'X': {x}}}, attrs={a!r})\n"


def _bn(out, x):
    return (f"{out} = append_op('batch_norm', {{'X': {x}, 'Scale': sc, 'Bias': bi, 'Mean': mu, "
            f"'Variance': var}}, {{'Y': 'float32', 'MeanOut': mu, 'VarianceOut': var, "
            f"'SavedMean': 'float32', 'SavedVariance': 'float32'}}, {{'epsilon': 1e-5, "
            f"'is_test': True, 'data_layout': 'NCHW', 'momentum': 0.9, "
            f"'use_global_stats': False, 'trainable_statistics': False}})['Y']\n")


def _data(name, shape, dynamic=False):
    decl = [-1] * len(shape) if dynamic else list(shape)
    return f"{name} = paddle.static.data('{name}', {decl}, 'float32')\n"


CASES = []


def case(name, code, inputs, fetch=("out",)):
    CASES.append(OpCase(name=name, code=code, inputs=inputs, fetch=list(fetch), rtol=RTOL,
                        atol=ATOL))


# --- blocked-layout chains: conv -> pool -> conv -> add -> relu ------------------------------
for cin, cmid in [(3, 17), (17, 32), (3, 8)]:
    case(f"chain_{cin}_{cmid}",
         _data("x", [2, cin, 19, 23], dynamic=True) + _param("w1", [cmid, cin, 3, 3]) + _param("w2", [cmid, cmid, 3, 3])
         + _param("w3", [cmid, cmid, 1, 1])
         + _conv("c1", "x", "w1", {"paddings": [1, 1]})
         + _pool("p1", "c1", {"ksize": [3, 3], "strides": [2, 2], "paddings": [1, 1]})
         + _conv("c2", "p1", "w2", {"paddings": [1, 1]})
         + _conv("c3", "p1", "w3")
         + "s = append_op('elementwise_add', {'X': c2, 'Y': c3}, attrs={'axis': -1})\n"
         + "r = append_op('relu', {'X': s})\n"
         + _pool("p2", "r", {"pooling_type": "avg", "ksize": [2, 2], "strides": [1, 1],
                             "exclusive": False, "ceil_mode": True})
         + "out = append_op('sigmoid', {'X': p2})\n",
         {"x": _rand(2, cin, 19, 23)})

# conv -> batch_norm -> relu (unfused), SE block (global pool, 1x1 convs, hard_sigmoid,
# broadcast multiply), hard_swish, residual add, depthwise conv.
case("conv_bn_relu_se",
     _data("x", [1, 8, 16, 16], dynamic=True) + _param("w1", [24, 8, 3, 3]) + _param("dw", [24, 1, 3, 3])
     + _param("w2", [6, 24, 1, 1]) + _param("w3", [24, 6, 1, 1])
     + _param("sc", [24], True) + _param("bi", [24]) + _param("mu", [24]) + _param("var", [24], True)
     + _conv("c1", "x", "w1", {"paddings": [1, 1]})
     + _bn("bn", "c1")
     + "a = append_op('relu', {'X': bn})\n"
     + _conv("d", "a", "dw", {"paddings": [1, 1], "groups": 24}, op="depthwise_conv2d")
     + "h = append_op('hard_swish', {'X': d})\n"
     + _pool("g", "h", {"pooling_type": "avg", "global_pooling": True})
     + _conv("e1", "g", "w2") + "e1r = append_op('relu', {'X': e1})\n"
     + _conv("e2", "e1r", "w3")
     + "hs = append_op('hard_sigmoid', {'X': e2}, attrs={'slope': 0.2, 'offset': 0.5})\n"
     + "m = append_op('elementwise_mul', {'X': h, 'Y': hs}, attrs={'axis': -1})\n"
     + "out = append_op('elementwise_add', {'X': m, 'Y': a}, attrs={'axis': -1})\n",
     {"x": _rand(1, 8, 16, 16)})

# Learnable-affine style scalar broadcasts and a per-channel bias (axis=1) on blocked data.
case("scalar_and_channel_broadcast",
     _data("x", [1, 5, 9, 9]) + _param("w", [16, 5, 3, 3]) + _param("s", [1]) + _param("b", [16])
     + _conv("c", "x", "w")
     + "m = append_op('elementwise_mul', {'X': c, 'Y': s}, attrs={'axis': -1})\n"
     + "a = append_op('elementwise_add', {'X': m, 'Y': b}, attrs={'axis': 1})\n"
     + "d = append_op('elementwise_div', {'X': a, 'Y': s}, attrs={'axis': -1})\n"
     + "t = append_op('elementwise_sub', {'X': d, 'Y': c}, attrs={'axis': -1})\n"
     + "out = append_op('swish', {'X': t}, attrs={'beta': 1.0})\n",
     {"x": _rand(1, 5, 9, 9)})

# First operand broadcasting in a non-commutative op (left to the reference kernel).
case("sub_x_broadcasts",
     _data("x", [4, 1]) + _data("y", [4, 6])
     + "out = append_op('elementwise_sub', {'X': x, 'Y': y}, attrs={'axis': -1})\n",
     {"x": _rand(4, 1), "y": _rand(4, 6)})

# NHWC convolution and pooling.
case("nhwc_conv_pool",
     _data("x", [2, 11, 13, 5]) + _param("w", [12, 5, 3, 3]) + _param("w2", [12, 1, 3, 3])
     + _conv("c", "x", "w", {"paddings": [1, 1], "data_format": "NHWC", "strides": [2, 1]})
     + _conv("d", "c", "w2", {"paddings": [1, 1], "groups": 12, "data_format": "NHWC"},
             op="depthwise_conv2d")
     + _pool("out", "d", {"ksize": [3, 3], "strides": [2, 2], "data_format": "NHWC",
                          "ceil_mode": True}),
     {"x": _rand(2, 11, 13, 5)})

# Convolution attribute coverage.
for name, xs, ws, attrs, op in [
    ("groups_dil", [1, 6, 14, 15], [9, 2, 3, 3], {"groups": 3, "dilations": [2, 1], "paddings": [2, 1]}, "conv2d"),
    ("same_s2", [1, 4, 15, 16], [8, 4, 3, 3], {"strides": [2, 2], "padding_algorithm": "SAME"}, "conv2d"),
    ("valid_5x5", [1, 3, 12, 12], [7, 3, 5, 5], {"padding_algorithm": "VALID"}, "conv2d"),
    ("asym_pad", [1, 4, 10, 9], [6, 4, 3, 3], {"paddings": [0, 2, 1, 0]}, "conv2d"),
    ("dw_mult2", [1, 4, 9, 9], [8, 1, 3, 3], {"groups": 4, "paddings": [1, 1]}, "depthwise_conv2d"),
    ("convT", [1, 6, 7, 8], [6, 4, 3, 3], {"strides": [2, 2], "paddings": [1, 1]}, "conv2d_transpose"),
    ("convT_outpad", [1, 6, 7, 8], [6, 4, 3, 3], {"strides": [2, 2], "paddings": [1, 1],
                                                   "output_padding": [1, 1]}, "conv2d_transpose"),
    ("convT_outsize", [1, 4, 5, 5], [4, 3, 2, 2], {"strides": [2, 2], "output_size": [11, 10]},
     "conv2d_transpose"),
    ("convT_groups", [1, 6, 6, 6], [6, 2, 4, 4], {"strides": [2, 2], "paddings": [1, 1], "groups": 3},
     "conv2d_transpose"),
]:
    case(f"conv_{name}", _data("x", xs) + _param("w", ws) + _conv("out", "x", "w", attrs, op),
         {"x": _rand(*xs)})

# Transposed convolutions with stride == kernel (the patch kernel): output channels from
# 1 (a detection head) to many, kernels 2x2 and 3x2, NCHW and NHWC, plain and channel-last
# outputs, with bias, BN and activations fused onto them by the passes.
for name, xs, ws, attrs in [
    ("oc1", [2, 8, 9, 11], [8, 1, 2, 2], {"strides": [2, 2]}),
    ("oc3", [1, 6, 5, 7], [6, 3, 2, 2], {"strides": [2, 2], "padding_algorithm": "VALID"}),
    ("oc5", [1, 4, 6, 5], [4, 5, 2, 2], {"strides": [2, 2]}),
    ("k3x2", [1, 5, 4, 6], [5, 7, 3, 2], {"strides": [3, 2], "paddings": [0, 0, 0, 0]}),
    ("nhwc", [2, 6, 7, 4], [4, 9, 2, 2], {"strides": [2, 2], "data_format": "NHWC"}),
    ("nhwc_oc2", [1, 5, 6, 3], [3, 2, 2, 2], {"strides": [2, 2], "data_format": "NHWC"}),
]:
    case(f"convT_patch_{name}", _data("x", xs) + _param("w", ws)
         + _conv("out", "x", "w", attrs, "conv2d_transpose"), {"x": _rand(*xs)})

case("convT_patch_head",
     _data("x", [1, 8, 10, 12], dynamic=True) + _param("w1", [16, 8, 3, 3]) + _param("w2", [16, 16, 2, 2])
     + _param("w3", [16, 1, 2, 2]) + _param("b3", [1])
     + _param("sc", [16], True) + _param("bi", [16]) + _param("mu", [16]) + _param("var", [16], True)
     + _conv("c1", "x", "w1", {"paddings": [1, 1]})
     + "r1 = append_op('relu', {'X': c1})\n"
     + _conv("t1", "r1", "w2", {"strides": [2, 2]}, "conv2d_transpose")
     + _bn("bn", "t1")
     + "r2 = append_op('relu', {'X': bn})\n"
     + _conv("t2", "r2", "w3", {"strides": [2, 2]}, "conv2d_transpose")
     + "a = append_op('elementwise_add', {'X': t2, 'Y': b3}, attrs={'axis': 1})\n"
     + "out = append_op('sigmoid', {'X': a})\n",
     {"x": _rand(1, 8, 10, 12)})

# Constant weights of a 2-D product (packed by the kernel, the plain record then given
# back), and the same weights also read as they are by a later op.
case("packed_fc_only",
     _data("x", [8, 100], dynamic=True) + _param("w", [100, 256])
     + "out = append_op('matmul_v2', {'X': x, 'Y': w}, attrs={'trans_x': False, 'trans_y': False})\n",
     {"x": _rand(8, 100)})
case("packed_fc_then_plain_read",
     _data("x", [8, 100], dynamic=True) + _data("x2", [100, 256]) + _param("w", [100, 256])
     + "y = append_op('matmul_v2', {'X': x, 'Y': w}, attrs={'trans_x': False, 'trans_y': False})\n"
     + "z = append_op('elementwise_add', {'X': x2, 'Y': w}, attrs={'axis': -1})\n",
     {"x": _rand(8, 100), "x2": _rand(100, 256)}, fetch=("y", "z"))

# Pooling attribute coverage.
for name, xs, attrs in [
    ("max_pad_ceil", [1, 3, 10, 11], {"ksize": [3, 3], "strides": [2, 2], "paddings": [1, 1], "ceil_mode": True}),
    ("avg_incl", [1, 3, 10, 11], {"pooling_type": "avg", "ksize": [3, 3], "strides": [2, 2],
                                  "paddings": [1, 1], "exclusive": False}),
    ("avg_excl_ceil", [1, 3, 10, 11], {"pooling_type": "avg", "ksize": [3, 3], "strides": [2, 2],
                                       "paddings": [1, 1], "ceil_mode": True}),
    ("adaptive_div", [1, 4, 12, 8], {"pooling_type": "avg", "ksize": [3, 2], "adaptive": True}),
    ("adaptive_nondiv", [1, 4, 13, 7], {"pooling_type": "max", "ksize": [3, 2], "adaptive": True}),
    ("global_max", [2, 5, 7, 6], {"global_pooling": True}),
    ("same", [1, 3, 9, 10], {"ksize": [3, 3], "strides": [2, 2], "padding_algorithm": "SAME"}),
]:
    case(f"pool_{name}", _data("x", xs) + _pool("out", "x", attrs), {"x": _rand(*xs)})

# Matrix products.
case("matmul_v2_trans_bcast",
     _data("x", [2, 3, 5, 4]) + _data("y", [3, 6, 4])
     + "out = append_op('matmul_v2', {'X': x, 'Y': y}, attrs={'trans_x': False, 'trans_y': True})\n",
     {"x": _rand(2, 3, 5, 4), "y": _rand(3, 6, 4)})
case("matmul_v2_const_weights",
     _data("x", [2, 7, 16]) + _param("w", [16, 12])
     + "out = append_op('matmul_v2', {'X': x, 'Y': w}, attrs={'trans_x': False, 'trans_y': False})\n",
     {"x": _rand(2, 7, 16)})
case("matmul_v2_vectors",
     _data("x", [5]) + _data("y", [3, 5, 2])
     + "out = append_op('matmul_v2', {'X': x, 'Y': y}, attrs={'trans_x': False, 'trans_y': False})\n",
     {"x": _rand(5), "y": _rand(3, 5, 2)})
case("matmul_v1_alpha",
     _data("x", [4, 6]) + _data("y", [5, 6])
     + "out = append_op('matmul', {'X': x, 'Y': y}, attrs={'transpose_X': False, 'transpose_Y': True,"
       " 'alpha': 0.125})\n",
     {"x": _rand(4, 6), "y": _rand(5, 6)})
case("fc_relu",
     _data("x", [3, 2, 4]) + _param("w", [8, 6]) + _param("b", [6])
     + "out = append_op('fc', {'Input': x, 'W': w, 'Bias': b}, attrs={'in_num_col_dims': 1,"
       " 'activation_type': 'relu'})\n",
     {"x": _rand(3, 2, 4)})
case("mul_flatten",
     _data("x", [3, 2, 4]) + _param("w", [2, 4, 5])
     + "out = append_op('mul', {'X': x, 'Y': w}, attrs={'x_num_col_dims': 1, 'y_num_col_dims': 2})\n",
     {"x": _rand(3, 2, 4)})
case("bmm",
     _data("x", [3, 4, 5]) + _data("y", [3, 5, 2]) + "out = append_op('bmm', {'X': x, 'Y': y})\n",
     {"x": _rand(3, 4, 5), "y": _rand(3, 5, 2)})

# Normalizations and softmax.
case("layer_norm",
     _data("x", [2, 5, 24]) + _param("g", [24], True) + _param("b", [24])
     + "out = append_op('layer_norm', {'X': x, 'Scale': g, 'Bias': b}, {'Y': 'float32',"
       " 'Mean': 'float32', 'Variance': 'float32'}, {'begin_norm_axis': 2, 'epsilon': 1e-5})['Y']\n",
     {"x": _rand(2, 5, 24) * 3 + 1})
case("batch_norm_2d",
     _data("x", [6, 10]) + _param("sc", [10], True) + _param("bi", [10]) + _param("mu", [10])
     + _param("var", [10], True)
     + _bn("out", "x"),
     {"x": _rand(6, 10)})
case("softmax_axes",
     _data("x", [2, 3, 7])
     + "a = append_op('softmax', {'X': x}, attrs={'axis': 1})\n"
     + "b = append_op('softmax', {'X': x}, attrs={'axis': -1})\n"
     + "c = append_op('log_softmax', {'X': x}, attrs={'axis': 2})\n",
     {"x": _rand(2, 3, 7) * 4}, fetch=("a", "b", "c"))

# Activations (each run on a conv output so they see blocked data as well).
ACTS = [("relu", {}), ("relu6", {}), ("leaky_relu", {"alpha": 0.1}), ("elu", {"alpha": 0.7}),
        ("gelu", {"approximate": False}), ("gelu", {"approximate": True}), ("sigmoid", {}),
        ("tanh", {}), ("hard_sigmoid", {"slope": 0.1666667, "offset": 0.5}),
        ("hard_swish", {}), ("swish", {"beta": 1.5}), ("silu", {}), ("mish", {}),
        ("softplus", {"beta": 1.0, "threshold": 20.0}), ("abs", {}), ("square", {}),
        ("scale", {"scale": -1.5, "bias": 0.25, "bias_after_scale": False}),
        ("clip", {"min": -0.5, "max": 0.75})]
for i, (op, attrs) in enumerate(ACTS):
    case(f"act_{op}_{i}",
         _data("x", [1, 3, 8, 8]) + _param("w", [9, 3, 3, 3]) + _conv("c", "x", "w")
         + f"a = append_op('{op}', {{'X': c}}, attrs={attrs!r})\n"
         + f"out = append_op('{op}', {{'X': x}}, attrs={attrs!r})\n",
         {"x": _rand(1, 3, 8, 8) * 3}, fetch=("a", "out"))

# concat: along channels of conv outputs (blocked) and along another axis.
case("concat_channels",
     _data("x", [1, 3, 8, 8]) + _param("w1", [16, 3, 3, 3]) + _param("w2", [8, 3, 3, 3])
     + _param("w3", [5, 32, 1, 1])
     + _conv("a", "x", "w1") + _conv("b", "x", "w2") + _conv("c", "x", "w2")
     + "k = append_op('concat', {'X': [a, b, c]}, attrs={'axis': 1})\n"
     + "r = append_op('relu', {'X': k})\n"
     + _conv("d", "r", "w3")
     + "out = append_op('concat', {'X': [d, d]}, attrs={'axis': 3})\n",
     {"x": _rand(1, 3, 8, 8)})


@pytest.fixture(scope="module")
def refs():
    return paddle_reference(CASES)


def _predictor(model_dir, onednn=True, threads=1, bf16=False, capacity=0):
    cfg = pdinfer.Config(os.path.join(model_dir, "inference.pdmodel"),
                         os.path.join(model_dir, "inference.pdiparams"))
    cfg.set_cpu_math_library_num_threads(threads)
    if onednn:
        cfg.enable_mkldnn()
        if bf16:
            cfg.enable_mkldnn_bfloat16()
        if capacity:
            cfg.set_mkldnn_cache_capacity(capacity)
    else:
        cfg.disable_mkldnn()
    return pdinfer.create_predictor(cfg)


def _run(pred, inputs):
    for n in pred.get_input_names():
        pred.get_input_handle(n).copy_from_cpu(np.ascontiguousarray(inputs[n]))
    pred.run()
    return [pred.get_output_handle(n).copy_to_cpu() for n in pred.get_output_names()]


def _backend_kernels(pred):
    return pred.memory_stats().get("backend_kernels")


@pytest.mark.parametrize("c", CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("threads", [1, 2])
def test_onednn_matches_reference(c, threads, refs):
    ref = refs[c.name]
    if ref.error:
        pytest.fail(f"{c.name}: no Paddle reference: {ref.error}")
    on = _predictor(ref.model_dir, True, threads)
    off = _predictor(ref.model_dir, False, threads)
    got, want = _run(on, c.inputs), _run(off, c.inputs)
    names = list(on.get_output_names())
    compare_outputs(f"[{c.name} onednn vs reference, {threads} thread(s)]", names, want, names,
                    got, RTOL, ATOL)
    compare_outputs(f"[{c.name} onednn vs paddle]", ref.output_names, ref.outputs, names, got,
                    RTOL, ATOL)
    # Running again (cached primitives, planned arena) gives the same numbers.
    again = _run(on, c.inputs)
    for a, b in zip(got, again):
        np.testing.assert_array_equal(a, b)


def test_kernels_are_used(refs):
    """The graphs above really run through oneDNN (and the switch turns it off)."""
    ref = refs["chain_3_17"]
    on, off = _predictor(ref.model_dir, True), _predictor(ref.model_dir, False)
    _run(on, CASES[0].inputs)
    if _backend_kernels(on) is None:
        pytest.skip("memory_stats() does not report backend_kernels")
    # After fusion (add + relu ride on the second conv) every node of the chain is a
    # oneDNN kernel.
    nodes = sum(on._op_counts().values())
    assert nodes >= 6
    assert _backend_kernels(on) == nodes
    assert _backend_kernels(off) == 0


VERBOSE_SCRIPT = r"""
import os, sys, numpy as np, pdinfer
cfg = pdinfer.Config(os.path.join(sys.argv[1], "inference.pdmodel"),
                     os.path.join(sys.argv[1], "inference.pdiparams"))
p = pdinfer.create_predictor(cfg)
x = np.load(sys.argv[2])
p.run([x]); p.run([x])
"""


def test_blocked_layout_chain(refs, tmp_path):
    """Inside conv -> pool -> conv -> add -> relu every op runs in oneDNN and the
    intermediates keep a oneDNN layout; the graph output is plain (checked above)."""
    c = next(c for c in CASES if c.name == "chain_17_32")
    script, xfile = tmp_path / "v.py", tmp_path / "x.npy"
    script.write_text(VERBOSE_SCRIPT)
    np.save(xfile, c.inputs["x"])
    env = dict(os.environ, PDINFER_VERBOSE="1")
    out = subprocess.run([sys.executable, str(script), refs[c.name].model_dir, str(xfile)],
                         capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = [l for l in out.stderr.splitlines() if l.startswith("[pdinfer]")]
    last_run = lines[len(lines) // 2:]
    ops = [l.split()[1] for l in last_run]
    # The graph passes may fuse the add and relu into the last convolution.
    assert sum(op in ("conv2d", "fused_conv2d") for op in ops) == 3, last_run
    assert ops.count("pool2d") == 2, last_run
    for l in last_run:
        assert l.split()[2] == "onednn", l
    # Where oneDNN picked a non-plain layout for the first convolution, it flows through
    # the pooling and the next convolutions; the graph output is plain.
    if "]:" in last_run[0]:
        for l in last_run[:-1]:
            assert "]:" in l, l
    assert "]:" not in last_run[-1], last_run[-1]


def test_patch_deconv_kernel_runs(refs, tmp_path):
    """The stride == kernel transposed convolutions above run in oneDNN (the patch
    kernel), 1-channel ones included, and follow the input's shape."""
    script, xfile = tmp_path / "v.py", tmp_path / "x.npy"
    script.write_text(VERBOSE_SCRIPT)
    env = dict(os.environ, PDINFER_VERBOSE="1")
    for c in CASES:
        if not c.name.startswith("convT_patch"):
            continue
        np.save(xfile, c.inputs["x"])
        out = subprocess.run([sys.executable, str(script), refs[c.name].model_dir, str(xfile)],
                             capture_output=True, text=True, timeout=300, env=env)
        assert out.returncode == 0, out.stderr[-2000:]
        lines = [l for l in out.stderr.splitlines() if l.startswith("[pdinfer]") and "transpose" in l]
        assert len(lines) == (4 if c.name == "convT_patch_head" else 2), (c.name, lines)
        for l in lines:
            assert l.split()[2] == "onednn" and "patch:" in l, (c.name, l)
    c = next(c for c in CASES if c.name == "convT_patch_head")
    pred = _predictor(refs[c.name].model_dir, True)
    off = _predictor(refs[c.name].model_dir, False)
    for shape in [(1, 8, 10, 12), (2, 8, 7, 5), (1, 8, 10, 12)]:
        x = _rand(*shape)
        got, want = _run(pred, {"x": x}), _run(off, {"x": x})
        assert got[0].shape == (shape[0], 1, shape[2] * 4, shape[3] * 4)
        np.testing.assert_allclose(got[0], want[0], rtol=RTOL, atol=ATOL)


def test_packed_weights_give_plain_copy_back(refs):
    """Weights that only packing kernels read (BN-folded conv filters, a copied matmul
    record) are freed once packed; a clone shares the packed copies; an op that reads the
    weights as they are after the packing one gets them back exactly."""
    by_name = {c.name: c for c in CASES}
    for name in ("conv_bn_relu_se", "packed_fc_only"):
        c, ref = by_name[name], refs[name]
        p = _predictor(ref.model_dir, True)
        assert p.memory_stats()["weights_released_bytes"] == 0
        got = _run(p, c.inputs)
        compare_outputs(f"[{name}]", ref.output_names, ref.outputs, list(p.get_output_names()),
                        got, RTOL, ATOL)
        released = p.memory_stats()["weights_released_bytes"]
        assert 0 < released <= p.memory_stats()["weights_bytes"], name
        twin = p.clone()
        for a, b in zip(_run(twin, c.inputs), got):
            np.testing.assert_array_equal(a, b)
        assert p.memory_stats()["weights_released_bytes"] == released
    c, ref = by_name["packed_fc_then_plain_read"], refs["packed_fc_then_plain_read"]
    p = _predictor(ref.model_dir, True, threads=2)
    for _ in range(2):
        got = _run(p, c.inputs)
        compare_outputs("[packed_fc_then_plain_read]", ref.output_names, ref.outputs,
                        list(p.get_output_names()), got, RTOL, ATOL)
        # x2 + w is exact: the weights the add reads are bit-identical to the file's.
        np.testing.assert_array_equal(got[1], ref.outputs[1])
    assert p.memory_stats()["weights_released_bytes"] == 0


def test_dynamic_shapes_reuse_and_evict_cache(refs):
    """Shapes that change every run (and come back) give the reference's numbers, with a
    primitive cache of 2 entries per kernel so entries are evicted and rebuilt; an empty
    batch is left to the reference kernels."""
    ref = refs["chain_3_17"]
    on = _predictor(ref.model_dir, True, capacity=2)
    off = _predictor(ref.model_dir, False)
    rng = np.random.RandomState(7)
    sizes = [(2, 19, 23), (1, 16, 16), (3, 9, 31), (2, 19, 23), (1, 40, 7), (1, 16, 16),
             (2, 19, 23), (4, 12, 12), (1, 5, 6), (0, 19, 23)]
    for n, h, w in sizes:
        x = rng.standard_normal((n, 3, h, w)).astype("float32")
        got, want = _run(on, {"x": x}), _run(off, {"x": x})
        names = list(on.get_output_names())
        compare_outputs(f"[shape {n}x3x{h}x{w}]", names, want, names, got, RTOL, ATOL)
    stats = on.memory_stats()
    if "kernel_cache_entries" in stats:
        assert stats["kernel_cache_entries"] <= 2 * stats["backend_kernels"]


def test_primitive_cache_stays_bounded(refs):
    ref = refs["conv_bn_relu_se"]
    on = _predictor(ref.model_dir, True)
    rng = np.random.RandomState(3)
    for i in range(40):
        x = rng.standard_normal((1, 8, 8 + i, 30 - i // 2)).astype("float32")
        _run(on, {"x": x})
    stats = on.memory_stats()
    if "kernel_cache_entries" not in stats:
        pytest.skip("memory_stats() does not report kernel_cache_entries")
    # Default capacity: 4 shapes per kernel.
    assert 0 < stats["kernel_cache_entries"] <= 4 * stats["backend_kernels"]


def test_clone_shares_weights_and_runs_concurrently(refs):
    ref = refs["conv_bn_relu_se"]
    c = next(c for c in CASES if c.name == "conv_bn_relu_se")
    p = _predictor(ref.model_dir, True, threads=2)
    want = _run(p, c.inputs)
    clones = [p.clone() for _ in range(3)]
    results, errors = {}, []

    def work(i, pred):
        try:
            for _ in range(5):
                results[i] = _run(pred, c.inputs)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i, q)) for i, q in enumerate([p] + clones)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for outs in results.values():
        for a, b in zip(outs, want):
            np.testing.assert_array_equal(a, b)


# --- whole models -----------------------------------------------------------------------------

ZOO = [pytest.param(name, marks=[pytest.mark.model] + ([pytest.mark.slow] if m.big else []), id=name)
       for name, m in models.ZOO.items()]


def _zoo(name):
    try:
        return models.model_files(name), models.input_sets(name)
    except models.ModelUnavailable as e:
        pytest.skip(str(e))


def _zoo_predictor(files, onednn=True, threads=1, bf16=False):
    cfg = pdinfer.Config(*files)
    cfg.set_cpu_math_library_num_threads(threads)
    if onednn:
        cfg.enable_mkldnn()
        if bf16:
            cfg.enable_mkldnn_bfloat16()
    else:
        cfg.disable_mkldnn()
    return pdinfer.create_predictor(cfg)


@pytest.mark.parametrize("name", ZOO)
def test_zoo_onednn_matches_reference(name):
    files, sets = _zoo(name)
    threads = 2 if name in ("mobilenet_v3_large", "ppocrv4_rec") else 1
    on, off = _zoo_predictor(files, True, threads), _zoo_predictor(files, False, threads)
    for i, inputs in enumerate(sets):
        got, want = _run(on, inputs), _run(off, inputs)
        names = list(on.get_output_names())
        compare_outputs(f"[{name} #{i} onednn vs reference]", names, want, names, got, RTOL, ATOL)


def _cpu_has_bf16():
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


# bf16 keeps 8 bits of mantissa: every conv/matmul input and weight is rounded with relative
# error up to 2^-9 (accumulation and everything between the products stay fp32). Through
# tens of layers those roundings add up to the few-percent level (runtimes that run whole
# networks in bf16 measured 2-13% on these models). Bound: max |bf16 - fp32| <=
# 0.2 * max |fp32| per output, a loose check that bf16 computes the same function.
BF16_REL_BOUND = 0.2


@pytest.mark.parametrize("name", ZOO)
def test_zoo_bf16_accuracy(name):
    files, sets = _zoo(name)
    fp32, bf16 = _zoo_predictor(files, True), _zoo_predictor(files, True, bf16=True)
    for i, inputs in enumerate(sets):
        want, got = _run(fp32, inputs), _run(bf16, inputs)
        for a, b in zip(got, want):
            if not np.issubdtype(b.dtype, np.floating):
                continue
            if not _cpu_has_bf16():
                # Without native bf16 the request is ignored: exactly the fp32 results.
                np.testing.assert_array_equal(a, b)
            else:
                scale = float(np.max(np.abs(b))) or 1.0
                err = float(np.max(np.abs(a.astype(np.float64) - b)))
                assert err <= BF16_REL_BOUND * scale, f"{name} #{i}: bf16 error {err} vs max {scale}"


BF16_SCRIPT = r"""
import os, sys, numpy as np, pdinfer
def run(model_dir, x, bf16):
    cfg = pdinfer.Config(os.path.join(model_dir, "inference.pdmodel"),
                         os.path.join(model_dir, "inference.pdiparams"))
    if bf16:
        cfg.enable_mkldnn_bfloat16()
    p = pdinfer.create_predictor(cfg)
    return p.run([x])[0]
x = np.load(sys.argv[2])
a, b = run(sys.argv[1], x, False), run(sys.argv[1], x, True)
print(float(np.max(np.abs(a - b)) / np.max(np.abs(a))))
"""


@pytest.mark.parametrize("name", ["chain_3_17"])
def test_bf16_paths_forced(refs, tmp_path, name):
    """The bf16 code paths (bf16 weights packing, f32 -> bf16 input conversion, f32 output)
    on any CPU oneDNN has bf16 for: forced on, with oneDNN's reference implementations
    allowed. A few bf16 layers' error is bounded by a few bf16 roundings (2^-8 relative)
    of their inputs."""
    c = next(c for c in CASES if c.name == name)
    script, xfile = tmp_path / "b.py", tmp_path / "x.npy"
    script.write_text(BF16_SCRIPT)
    np.save(xfile, c.inputs["x"])
    env = dict(os.environ, PDINFER_ONEDNN_FORCE_BF16="1", PDINFER_ONEDNN_ALLOW_REF="1")
    out = subprocess.run([sys.executable, str(script), refs[name].model_dir, str(xfile)],
                         capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    rel = float(out.stdout.strip().splitlines()[-1])
    assert 0.0 < rel < 0.03, rel
