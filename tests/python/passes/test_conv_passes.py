"""Convolution fusion passes (conv_bn, conv_eltwiseadd_bn, conv_transpose_(eltwiseadd_)bn,
conv(_transpose)_bias, conv_elementwise_add, conv_activation) and the fused_conv2d /
fused_conv2d_transpose kernels.

Every case is a small legacy Paddle program where the pattern occurs (or deliberately does
not).  For each one we check that
  * the passes fired as expected (Predictor._pass_stats()) and the optimized graph has the
    expected op counts (Predictor._op_counts());
  * the optimized graph, and the graph with switch_ir_optim(False), match paddle.inference
    within rtol = atol = 1e-4, with the reference kernels (disable_mkldnn()) and with the
    default configuration.
"""
import os

import numpy as np
import pytest

from pdtest import OpCase, compare_outputs, paddle_reference, run_pdinfer, MODEL_FILE, PARAMS_FILE

RTOL = ATOL = 1e-4

# Helpers defined inside every snippet: per-channel parameters with non-trivial values
# and an inference batch_norm using them.
PRELUDE = """
def _param(shape, seed, lo=-1.0, hi=1.0):
    arr = np.random.RandomState(seed).uniform(lo, hi, shape).astype('float32')
    return paddle.create_parameter(list(shape), 'float32',
        default_initializer=nn.initializer.Assign(arr))

def bn(x, c, seed, fmt='NCHW', eps=1e-5):
    mean = _param([c], seed, -0.5, 0.5)
    var = _param([c], seed + 1, 0.2, 2.0)
    gamma = _param([c], seed + 2, 0.5, 1.5)
    beta = _param([c], seed + 3, -0.5, 0.5)
    return F.batch_norm(x, mean, var, weight=gamma, bias=beta, training=False,
                        epsilon=eps, data_format=fmt)

def conv(x, cin, cout, k, stride=1, padding=0, dilation=1, groups=1, fmt='NCHW', bias=False):
    layer = nn.Conv2D(cin, cout, k, stride=stride, padding=padding, dilation=dilation,
                      groups=groups, data_format=fmt, bias_attr=None if bias else False)
    return layer(x)

def convT(x, cin, cout, k, stride=1, padding=0, dilation=1, groups=1, fmt='NCHW', bias=False,
          output_padding=0):
    layer = nn.Conv2DTranspose(cin, cout, k, stride=stride, padding=padding,
                               output_padding=output_padding, dilation=dilation, groups=groups,
                               data_format=fmt, bias_attr=None if bias else False)
    return layer(x)

def act(name, x, **attrs):
    return append_op(name, {'X': x}, attrs=attrs)
"""


def _x(shape, seed=0):
    return {"x": np.random.RandomState(seed).uniform(-1, 1, shape).astype("float32")}


class Case:
    def __init__(self, name, code, inputs, fetch=("out",), fired=None, ops=None, deleted=(),
                 extra=()):
        self.op = OpCase(name=name, code=PRELUDE + code, inputs=inputs, fetch=list(fetch),
                         rtol=RTOL, atol=ATOL)
        self.name = name
        self.fired = fired or {}  # pass -> expected fired count
        self.ops = ops or {}  # op type -> expected count after optimization
        self.deleted = tuple(deleted)
        self.extra = tuple(extra)  # passes to run although not in the default list

    def __repr__(self):
        return f"Case({self.name!r})"


NCHW = (2, 4, 9, 10)
NHWC = (2, 9, 10, 4)

CASES = [
    Case("conv_bn_relu", """
x = paddle.static.data('x', [2, 4, 9, 10], 'float32')
out = F.relu(bn(conv(x, 4, 6, 3, padding=1), 6, 10))
""", _x(NCHW), fired={"conv_bn_fuse_pass": 1, "conv_activation_fuse_pass": 1},
         ops={"fused_conv2d": 1, "batch_norm": 0, "relu": 0, "conv2d": 0}),
    Case("conv_bn_dynamic_batch", """
x = paddle.static.data('x', [-1, 4, -1, -1], 'float32')
out = F.relu(bn(conv(x, 4, 6, 3, padding=1), 6, 10))
""", _x(NCHW), fired={"conv_bn_fuse_pass": 1, "conv_activation_fuse_pass": 1},
         ops={"fused_conv2d": 1, "batch_norm": 0, "relu": 0}),
    Case("conv_bn_nhwc", """
x = paddle.static.data('x', [2, 9, 10, 4], 'float32')
out = act('relu6', bn(conv(x, 4, 6, 3, padding=1, fmt='NHWC'), 6, 20, fmt='NHWC'), threshold=6.0)
""", _x(NHWC), fired={"conv_bn_fuse_pass": 1, "conv_activation_fuse_pass": 1},
         ops={"fused_conv2d": 1, "batch_norm": 0, "relu6": 0}),
    Case("conv_bn_grouped_strided_dilated", """
x = paddle.static.data('x', [2, 4, 9, 10], 'float32')
out = bn(conv(x, 4, 8, 3, stride=2, padding=2, dilation=2, groups=2), 8, 30, eps=1e-3)
""", _x(NCHW), fired={"conv_bn_fuse_pass": 1}, ops={"fused_conv2d": 1, "batch_norm": 0}),
    Case("conv_bn_grouped_nhwc_leaky", """
x = paddle.static.data('x', [2, 9, 10, 4], 'float32')
y = bn(conv(x, 4, 6, (3, 2), stride=(2, 1), padding=(1, 0), groups=2, fmt='NHWC'), 6, 31, fmt='NHWC')
out = act('leaky_relu', y, alpha=0.1)
""", _x(NHWC), fired={"conv_bn_fuse_pass": 1, "conv_activation_fuse_pass": 1},
         ops={"fused_conv2d": 1, "batch_norm": 0, "leaky_relu": 0}),
    Case("depthwise_bn_hardswish", """
x = paddle.static.data('x', [2, 4, 9, 10], 'float32')
out = F.hardswish(bn(conv(x, 4, 4, 3, padding=1, groups=4), 4, 40))
""", _x(NCHW), fired={"conv_bn_fuse_pass": 1, "conv_activation_fuse_pass": 1},
         ops={"fused_conv2d": 1, "batch_norm": 0, "hard_swish": 0}),
    Case("depthwise_multiplier_nhwc_bn_sigmoid", """
x = paddle.static.data('x', [2, 9, 10, 4], 'float32')
out = act('sigmoid', bn(conv(x, 4, 8, 3, stride=2, padding=1, groups=4, fmt='NHWC'), 8, 50, fmt='NHWC'))
""", _x(NHWC), fired={"conv_bn_fuse_pass": 1, "conv_activation_fuse_pass": 1},
         ops={"fused_conv2d": 1, "batch_norm": 0, "sigmoid": 0}),
    Case("depthwise_dilated_bn", """
x = paddle.static.data('x', [2, 8, 12, 12], 'float32')
out = bn(conv(x, 8, 8, 3, padding=2, dilation=2, groups=8), 8, 55)
""", _x((2, 8, 12, 12)), fired={"conv_bn_fuse_pass": 1}, ops={"fused_conv2d": 1, "batch_norm": 0}),
    Case("conv_bias_bn_swish", """
x = paddle.static.data('x', [2, 4, 9, 10], 'float32')
out = act('swish', bn(conv(x, 4, 6, 3, padding=1, bias=True), 6, 60), beta=1.0)
""", _x(NCHW), fired={"conv_eltwiseadd_bn_fuse_pass": 1, "conv_activation_fuse_pass": 1},
         ops={"fused_conv2d": 1, "batch_norm": 0, "elementwise_add": 0, "swish": 0}),
    Case("conv_bias_bn_nhwc", """
x = paddle.static.data('x', [2, 9, 10, 4], 'float32')
out = bn(conv(x, 4, 6, 3, padding=1, bias=True, fmt='NHWC'), 6, 70, fmt='NHWC')
""", _x(NHWC), fired={"conv_eltwiseadd_bn_fuse_pass": 1},
         ops={"fused_conv2d": 1, "batch_norm": 0, "elementwise_add": 0}),
    Case("conv_bn_bn_chain", """
x = paddle.static.data('x', [2, 4, 9, 10], 'float32')
out = bn(bn(conv(x, 4, 6, 1), 6, 80), 6, 90)
""", _x(NCHW), fired={"conv_bn_fuse_pass": 2}, ops={"fused_conv2d": 1, "batch_norm": 0}),
    Case("conv_bias_tanh", """
x = paddle.static.data('x', [2, 4, 9, 10], 'float32')
out = act('tanh', conv(x, 4, 6, 3, padding=1, bias=True))
""", _x(NCHW), fired={"conv_bias_fuse_pass": 1, "conv_activation_fuse_pass": 1},
         ops={"fused_conv2d": 1, "elementwise_add": 0, "tanh": 0}),
    Case("conv_bias_nhwc_gelu", """
x = paddle.static.data('x', [2, 9, 10, 4], 'float32')
out = act('gelu', conv(x, 4, 6, 3, padding=1, bias=True, fmt='NHWC'), approximate=False)
""", _x(NHWC), fired={"conv_bias_fuse_pass": 1, "conv_activation_fuse_pass": 1},
         ops={"fused_conv2d": 1, "elementwise_add": 0, "gelu": 0}),
    Case("conv_bias_4d_const_then_bias", """
x = paddle.static.data('x', [2, 4, 9, 10], 'float32')
y = conv(x, 4, 6, 3, padding=1)
b1 = _param([1, 6, 1, 1], 100)
b2 = _param([6, 1, 1], 101)
b3 = _param([1], 102)
y = append_op('elementwise_add', {'X': y, 'Y': b1}, attrs={'axis': -1})
y = append_op('elementwise_add', {'X': b2, 'Y': y}, attrs={'axis': -1})
out = append_op('elementwise_add', {'X': y, 'Y': b3}, attrs={'axis': -1})
""", _x(NCHW), fired={"conv_bias_fuse_pass": 3}, ops={"fused_conv2d": 1, "elementwise_add": 0}),
    Case("conv_bias_not_per_channel", """
x = paddle.static.data('x', [2, 4, 9, 10], 'float32')
y = conv(x, 4, 6, 3, padding=1)
b = _param([10], 110)
out = append_op('elementwise_add', {'X': y, 'Y': b}, attrs={'axis': -1})
""", _x(NCHW), fired={"conv_bias_fuse_pass": 0}, ops={"conv2d": 1, "elementwise_add": 1}),
    Case("conv_bias_broadcasts_conv", """
x = paddle.static.data('x', [2, 4, 9, 10], 'float32')
y = conv(x, 4, 6, 3, padding=1)
b = _param([2, 6, 1, 1], 111)
out = append_op('elementwise_add', {'X': y, 'Y': b}, attrs={'axis': -1})
""", _x(NCHW), fired={"conv_bias_fuse_pass": 0}, ops={"elementwise_add": 1}),
    Case("conv_residual_relu", """
x = paddle.static.data('x', [2, 4, 9, 10], 'float32')
a = bn(conv(x, 4, 6, 3, padding=1), 6, 120)
s = bn(conv(x, 4, 6, 1), 6, 130)
out = F.relu(append_op('elementwise_add', {'X': a, 'Y': s}, attrs={'axis': -1}))
""", _x(NCHW), fired={"conv_bn_fuse_pass": 2, "conv_elementwise_add_fuse_pass": 1,
                       "conv_activation_fuse_pass": 1},
         ops={"fused_conv2d": 2, "batch_norm": 0, "elementwise_add": 0, "relu": 0}),
    Case("conv_residual_input_first_nhwc_dynamic", """
x = paddle.static.data('x', [-1, 9, 10, 4], 'float32')
r = act('relu', x)
a = conv(x, 4, 4, 3, padding=1, fmt='NHWC', bias=True)
out = act('hard_sigmoid', append_op('elementwise_add', {'X': r, 'Y': a}, attrs={'axis': -1}), slope=0.2, offset=0.5)
""", _x(NHWC), fired={"conv_bias_fuse_pass": 1, "conv_elementwise_add_fuse_pass": 1,
                       "conv_activation_fuse_pass": 1},
         ops={"fused_conv2d": 1, "elementwise_add": 0, "hard_sigmoid": 0, "relu": 1}),
    Case("conv_residual_broadcast_not_fused", """
x = paddle.static.data('x', [2, 4, 9, 10], 'float32')
r = paddle.static.data('r', [1, 6, 9, 10], 'float32')
a = conv(x, 4, 6, 3, padding=1)
out = append_op('elementwise_add', {'X': a, 'Y': r}, attrs={'axis': -1})
""", {**_x(NCHW), "r": np.random.RandomState(5).randn(1, 6, 9, 10).astype("float32")},
         fired={"conv_elementwise_add_fuse_pass": 0}, ops={"elementwise_add": 1}),
    Case("conv_two_consumers_not_fused", """
x = paddle.static.data('x', [2, 4, 9, 10], 'float32')
y = conv(x, 4, 6, 3, padding=1)
b = bn(y, 6, 140)
out = [F.relu(b), act('sigmoid', y)]
""", _x(NCHW), fired={"conv_bn_fuse_pass": 0, "conv_activation_fuse_pass": 0},
         ops={"batch_norm": 1, "conv2d": 1}),
    Case("conv_output_fetched_not_fused", """
x = paddle.static.data('x', [2, 4, 9, 10], 'float32')
y = conv(x, 4, 6, 3, padding=1)
out = [y, bn(y, 6, 150)]
""", _x(NCHW), fired={"conv_bn_fuse_pass": 0}, ops={"batch_norm": 1}),
    Case("bn_output_is_graph_output_and_used", """
x = paddle.static.data('x', [2, 4, 9, 10], 'float32')
b = bn(conv(x, 4, 6, 3, padding=1), 6, 160)
out = [b, F.relu(b)]
""", _x(NCHW), fired={"conv_bn_fuse_pass": 1, "conv_activation_fuse_pass": 0},
         ops={"fused_conv2d": 1, "batch_norm": 0, "relu": 1}),
    Case("convT_bn", """
x = paddle.static.data('x', [2, 4, 5, 6], 'float32')
out = bn(convT(x, 4, 6, 3, stride=2, padding=1, output_padding=1, groups=2), 6, 170)
""", _x((2, 4, 5, 6)), fired={"conv_transpose_bn_fuse_pass": 1},
         ops={"fused_conv2d_transpose": 1, "batch_norm": 0}),
    Case("convT_bias_bn_relu_nhwc", """
x = paddle.static.data('x', [2, 5, 6, 4], 'float32')
out = F.relu(bn(convT(x, 4, 6, (3, 2), stride=(2, 1), padding=(1, 0), fmt='NHWC', bias=True), 6, 180, fmt='NHWC'))
""", _x((2, 5, 6, 4)), fired={"conv_transpose_eltwiseadd_bn_fuse_pass": 1,
                             "conv_activation_fuse_pass": 1},
         ops={"fused_conv2d_transpose": 1, "batch_norm": 0, "elementwise_add": 0, "relu": 0}),
    Case("convT_grouped_dilated_bias_bn", """
x = paddle.static.data('x', [2, 4, 5, 6], 'float32')
out = bn(convT(x, 4, 8, 3, stride=1, padding=1, dilation=2, groups=4, bias=True), 8, 185)
""", _x((2, 4, 5, 6)), fired={"conv_transpose_eltwiseadd_bn_fuse_pass": 1},
         ops={"fused_conv2d_transpose": 1, "batch_norm": 0}),
    Case("convT_bias_elu", """
x = paddle.static.data('x', [2, 4, 5, 6], 'float32')
out = act('elu', convT(x, 4, 6, 2, stride=2, bias=True), alpha=0.7)
""", _x((2, 4, 5, 6)), fired={"conv_transpose_bias_fuse_pass": 1, "conv_activation_fuse_pass": 1},
         ops={"fused_conv2d_transpose": 1, "elementwise_add": 0, "elu": 0}),
    Case("depthwise_convT_bn", """
x = paddle.static.data('x', [2, 4, 5, 6], 'float32')
out = bn(convT(x, 4, 4, 3, stride=2, padding=1, groups=4), 4, 190)
""", _x((2, 4, 5, 6)), fired={"conv_transpose_bn_fuse_pass": 1},
         ops={"fused_conv2d_transpose": 1, "batch_norm": 0}),
    Case("conv_mish_clip", """
x = paddle.static.data('x', [2, 4, 9, 10], 'float32')
a = act('mish', conv(x, 4, 6, 3, padding=1), threshold=20.0)
out = act('clip', conv(a, 6, 5, 1), min=-0.3, max=0.4)
""", _x(NCHW), fired={"conv_activation_fuse_pass": 2},
         ops={"fused_conv2d": 2, "mish": 0, "clip": 0}),
    Case("conv_bias_mul_add_hardswish", """
x = paddle.static.data('x', [-1, 4, 9, 10], 'float32')
y = conv(x, 4, 6, 3, padding=1, bias=True)
y = append_op('elementwise_mul', {'X': _param([1], 300, 0.5, 1.5), 'Y': y}, attrs={'axis': -1})
y = append_op('elementwise_add', {'X': y, 'Y': _param([1], 301)}, attrs={'axis': -1})
out = F.hardswish(y)
""", _x(NCHW), extra=("conv_scale_fuse_pass",),
         fired={"conv_bias_fuse_pass": 1, "conv_scale_fuse_pass": 2, "conv_activation_fuse_pass": 1},
         ops={"fused_conv2d": 1, "elementwise_add": 0, "elementwise_mul": 0, "hard_swish": 0}),
    Case("conv_scale_op_nhwc", """
x = paddle.static.data('x', [2, 9, 10, 4], 'float32')
y = conv(x, 4, 6, 3, padding=1, fmt='NHWC', groups=2)
y = append_op('scale', {'X': y}, attrs={'scale': -0.7, 'bias': 0.3, 'bias_after_scale': False})
out = F.relu(append_op('elementwise_mul', {'X': y, 'Y': _param([6], 310)}, attrs={'axis': -1}))
""", _x(NHWC), extra=("conv_scale_fuse_pass",),
         fired={"conv_scale_fuse_pass": 2, "conv_activation_fuse_pass": 1},
         ops={"fused_conv2d": 1, "scale": 0, "elementwise_mul": 0, "relu": 0}),
    Case("convT_bn_channel_mul", """
x = paddle.static.data('x', [2, 4, 5, 6], 'float32')
y = bn(convT(x, 4, 6, 3, stride=2, groups=2), 6, 320)
out = append_op('elementwise_mul', {'X': y, 'Y': _param([1, 6, 1, 1], 321)}, attrs={'axis': -1})
""", _x((2, 4, 5, 6)), extra=("conv_scale_fuse_pass",),
         fired={"conv_transpose_bn_fuse_pass": 1, "conv_scale_fuse_pass": 1},
         ops={"fused_conv2d_transpose": 1, "batch_norm": 0, "elementwise_mul": 0}),
    Case("conv_mul_not_per_channel", """
x = paddle.static.data('x', [2, 4, 9, 10], 'float32')
y = conv(x, 4, 6, 3, padding=1)
out = append_op('elementwise_mul', {'X': y, 'Y': _param([9, 10], 330)}, attrs={'axis': -1})
""", _x(NCHW), extra=("conv_scale_fuse_pass",), fired={"conv_scale_fuse_pass": 0},
         ops={"conv2d": 1, "elementwise_mul": 1}),
    Case("delete_conv_bn_pass", """
x = paddle.static.data('x', [2, 4, 9, 10], 'float32')
out = F.relu(bn(conv(x, 4, 6, 3, padding=1), 6, 200))
""", _x(NCHW), fired={"conv_bn_fuse_pass": None}, ops={"batch_norm": 1, "conv2d": 1, "relu": 1},
         deleted=("conv_bn_fuse_pass",)),
]


@pytest.fixture(scope="module")
def refs():
    return paddle_reference([c.op for c in CASES])


def _predictor(model_dir, ir_optim=True, onednn=False, deleted=(), extra=()):
    import pdinfer

    cfg = pdinfer.Config(os.path.join(model_dir, MODEL_FILE), os.path.join(model_dir, PARAMS_FILE))
    if not onednn:
        cfg.disable_mkldnn()
    cfg.switch_ir_optim(ir_optim)
    for p in extra:  # conv fusions that are not (yet) default: run them before the residual one
        passes = cfg.pass_builder().all_passes()
        if p not in passes:
            cfg.pass_builder().insert_pass(passes.index("conv_elementwise_add_fuse_pass"), p)
    for p in deleted:
        cfg.delete_pass(p)
    return pdinfer.create_predictor(cfg)


def _fired(pred):
    stats = {}
    for s in pred._pass_stats():
        stats[s["name"]] = stats.get(s["name"], 0) + int(s["fired"])
    return stats


def _check(case, ref, pred, label):
    if ref.error:
        pytest.fail(f"{case.name}: no Paddle reference: {ref.error}")
    in_names, names, outs = run_pdinfer(ref.model_dir, case.op.inputs, predictor=pred)
    compare_outputs(f"[{case.name} {label}]", ref.output_names, ref.outputs, names, outs, RTOL, ATOL)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_pass_fires_and_matches(case, refs):
    ref = refs[case.name]
    if ref.error:
        pytest.fail(f"{case.name}: no Paddle reference: {ref.error}")
    pred = _predictor(ref.model_dir, deleted=case.deleted, extra=case.extra)
    fired = _fired(pred)
    for p, n in case.fired.items():
        if n is None:
            assert fired.get(p, 0) == 0, f"{p} ran/fired although deleted: {pred._pass_stats()}"
        else:
            assert fired.get(p, 0) == n, f"{p}: fired {fired.get(p, 0)}, expected {n}; stats {pred._pass_stats()}"
    counts = pred._op_counts()
    for op, n in case.ops.items():
        assert counts.get(op, 0) == n, f"{op}: {counts.get(op, 0)} nodes after optimization, expected {n}; {counts}"
    _check(case, ref, pred, "optimized, reference kernels")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_unoptimized_matches(case, refs):
    ref = refs[case.name]
    if ref.error:
        pytest.fail(f"{case.name}: no Paddle reference: {ref.error}")
    pred = _predictor(ref.model_dir, ir_optim=False)
    assert all(int(s["fired"]) == 0 for s in pred._pass_stats()), pred._pass_stats()
    _check(case, ref, pred, "ir_optim off")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_default_config_matches(case, refs):
    """Default configuration (oneDNN kernels where the build has them)."""
    ref = refs[case.name]
    _check(case, ref, _predictor(ref.model_dir, onednn=True, deleted=case.deleted, extra=case.extra),
           "default config")


# --- fused_conv2d itself, against Paddle's own fused_conv2d op (oneDNN kernel; NCHW only:
# Paddle's kernel rejects NHWC here) ---
FUSED_OP = """
x = paddle.static.data('x', [2, 4, 9, 10], 'float32') if '{fmt}' == 'NCHW' else paddle.static.data('x', [2, 9, 10, 4], 'float32')
r = paddle.static.data('r', {rshape}, 'float32')
w = _param([{oc}, {cin_g}, 3, 3], 1)
b = _param([{nbias}], 2)
out = append_op('fused_conv2d', {{'Input': x, 'Filter': w, 'Bias': b, 'ResidualData': r}}, {{'Output': 'float32'}},
    {{'strides': [1, 2], 'paddings': [1, 1], 'dilations': [1, 1], 'groups': {groups},
      'padding_algorithm': 'EXPLICIT', 'data_format': '{fmt}', 'fuse_activation': '{act}',
      'fuse_alpha': {alpha}, 'fuse_beta': {beta}, 'fuse_residual_connection': True}})['Output']
"""


def _fused_case(name, act="", alpha=0.0, beta=0.0, fmt="NCHW", groups=1, oc=6, nbias=None,
                expect_error=None):
    rshape = [2, oc, 9, 5] if fmt == "NCHW" else [2, 9, 5, oc]
    code = PRELUDE + FUSED_OP.format(fmt=fmt, rshape=rshape, cin_g=4 // groups, oc=oc,
                                     nbias=oc if nbias is None else nbias,
                                     groups=groups, act=act, alpha=alpha, beta=beta)
    xs = (2, 4, 9, 10) if fmt == "NCHW" else (2, 9, 10, 4)
    inputs = {**_x(xs), "r": np.random.RandomState(3).uniform(-1, 1, rshape).astype("float32")}
    return OpCase(name=name, code=code, inputs=inputs, fetch=["out"], rtol=RTOL, atol=ATOL,
                  expect_error=expect_error)


FUSED_CASES = [
    _fused_case("fused_none"),
    _fused_case("fused_relu", "relu"),
    _fused_case("fused_swish", "swish", alpha=1.5),
    _fused_case("fused_leaky_grouped", "leaky_relu", alpha=0.1, groups=2),
    _fused_case("fused_sigmoid", "sigmoid"),
    _fused_case("fused_tanh", "tanh"),
    _fused_case("fused_clip_grouped", "clip", alpha=-0.5, beta=0.7, groups=2),
    _fused_case("fused_hard_sigmoid", "hard_sigmoid", alpha=0.2, beta=0.5),
    _fused_case("fused_depthwise_relu", "relu", groups=4, oc=4),
    _fused_case("fused_depthwise_multiplier", "", groups=4, oc=8),
    _fused_case("fused_bad_bias", "relu", nbias=5, expect_error=r"Bias"),
]


@pytest.fixture(scope="module")
def fused_refs():
    return paddle_reference(FUSED_CASES)


@pytest.mark.parametrize("case", FUSED_CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("onednn", [False, True], ids=["ref_kernels", "default"])
def test_fused_conv2d_op(case, fused_refs, onednn):
    ref = fused_refs[case.name]
    if case.expect_error is not None:
        if ref.error and ref.error.startswith("export failed"):
            pytest.fail(ref.error)
        with pytest.raises(Exception, match=case.expect_error):
            pred = _predictor(ref.model_dir, onednn=onednn)
            run_pdinfer(ref.model_dir, case.inputs, predictor=pred)
        return
    if ref.error:
        pytest.fail(f"{case.name}: no Paddle reference: {ref.error}")
    in_names, names, outs = run_pdinfer(ref.model_dir, case.inputs,
                                        predictor=_predictor(ref.model_dir, onednn=onednn))
    compare_outputs(f"[{case.name}]", ref.output_names, ref.outputs, names, outs, RTOL, ATOL)
