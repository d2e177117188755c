"""conv_post_affine_fuse_pass: a scalar multiply / shift behind a convolution's epilogue
(learnable affine blocks: conv -> bn -> hard_swish -> mul(a) -> add(b)) becomes
fused_conv2d's fuse_post_scale / fuse_post_shift, run as a oneDNN eltwise post-op or in
the reference kernel's epilogue loop.

Every case checks the fired count, the op counts of the optimized graph and parity with
paddle.inference and with pdinfer without passes, with and without oneDNN."""
import numpy as np
import pytest

from passes.fusion_harness import FuseCase, check_case, references

pytestmark = pytest.mark.paddle

R = np.random.RandomState(5)

PRELUDE = """
def conv(x, cin, cout, k, stride=1, padding=0, groups=1, fmt='NCHW', bias=False):
    return nn.Conv2D(cin, cout, k, stride=stride, padding=padding, groups=groups,
                     data_format=fmt, bias_attr=None if bias else False)(x)

def convT(x, cin, cout, k, stride=1, groups=1):
    return nn.Conv2DTranspose(cin, cout, k, stride=stride, groups=groups, bias_attr=False)(x)

def scalar(value):
    return paddle.create_parameter([1], 'float32',
        default_initializer=nn.initializer.Constant(value))

def bn(x, c):
    return nn.BatchNorm2D(c)(x)
"""


def _x(*shape):
    return {"x": R.uniform(-1, 1, shape).astype("float32")}


CASES = [
    # PP-LCNetV3's learnable affine block behind conv + bn + hard_swish.
    FuseCase("lab_after_hardswish", PRELUDE + """
x = paddle.static.data('x', [-1, 4, 9, 10], 'float32')
y = F.hardswish(bn(conv(x, 4, 6, 3, padding=1), 6))
y = append_op('elementwise_mul', {'X': scalar(0.8), 'Y': y}, attrs={'axis': -1})
out = append_op('elementwise_add', {'X': y, 'Y': scalar(-0.3)}, attrs={'axis': -1})
""", _x(2, 4, 9, 10), ["out"], fired={"conv_post_affine_fuse_pass": 2},
             ops={"fused_conv2d": 1, "elementwise_mul": 0, "elementwise_add": 0,
                  "hard_swish": 0}),
    # Residual + relu, then scale (bias before scale) and a reversed subtraction.
    FuseCase("residual_relu_scale_sub", PRELUDE + """
x = paddle.static.data('x', [2, 6, 8, 8], 'float32')
y = F.relu(conv(x, 6, 6, 3, padding=1, bias=True) + x)
y = append_op('scale', {'X': y}, attrs={'scale': -1.5, 'bias': 0.25, 'bias_after_scale': False})
out = append_op('elementwise_sub', {'X': scalar(0.5), 'Y': y}, attrs={'axis': -1})
""", _x(2, 6, 8, 8), ["out"], fired={"conv_post_affine_fuse_pass": 2},
             ops={"fused_conv2d": 1, "scale": 0, "elementwise_sub": 0, "relu": 0}),
    # Depthwise NHWC and a transposed conv, each with an activation and a scalar factor.
    FuseCase("depthwise_nhwc_and_transpose", PRELUDE + """
x = paddle.static.data('x', [1, 7, 9, 8], 'float32')
y = append_op('relu6', {'X': conv(x, 8, 8, 3, padding=1, groups=8, fmt='NHWC')}, attrs={'threshold': 6.0})
y = append_op('elementwise_mul', {'X': y, 'Y': scalar(1.7)}, attrs={'axis': -1})
y = paddle.transpose(y, [0, 3, 1, 2])
z = append_op('sigmoid', {'X': convT(y, 8, 4, 2, stride=2)})
out = append_op('elementwise_sub', {'X': z, 'Y': scalar(0.5)}, attrs={'axis': -1})
""", _x(1, 7, 9, 8), ["out"], fired={"conv_post_affine_fuse_pass": 2},
             ops={"elementwise_mul": 0, "elementwise_sub": 0, "fused_conv2d_transpose": 1}),
    # Not fused: a per-channel (non-uniform) factor, a conv output with a second reader,
    # and a scalar whose broadcast grows the rank.
    FuseCase("not_fused", PRELUDE + """
x = paddle.static.data('x', [2, 4, 6, 6], 'float32')
a = F.relu(conv(x, 4, 5, 3, padding=1))
ch = paddle.create_parameter([5], 'float32', default_initializer=nn.initializer.Normal())
m = append_op('elementwise_mul', {'X': a, 'Y': ch}, attrs={'axis': 1})
b = F.relu(conv(x, 4, 5, 1))
n = append_op('elementwise_add', {'X': b, 'Y': scalar(0.1)}, attrs={'axis': -1})
r = paddle.create_parameter([1, 1, 1, 1, 1], 'float32', default_initializer=nn.initializer.Constant(2.0))
c = append_op('elementwise_mul', {'X': F.relu(conv(x, 4, 5, 1)), 'Y': r}, attrs={'axis': -1})
out = m + n * b
out2 = c
""", _x(2, 4, 6, 6), ["out", "out2"], fired={"conv_post_affine_fuse_pass": 0},
             ops={"fused_conv2d": 3}),
]


@pytest.fixture(scope="module")
def refs():
    return references(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_post_affine(case, refs):
    check_case(case, refs[case.name])


def test_pass_can_be_deleted(refs):
    case = CASES[0]
    import dataclasses

    deleted = dataclasses.replace(case, delete=("conv_post_affine_fuse_pass",),
                                  fired={"conv_post_affine_fuse_pass": 0},
                                  ops={"elementwise_mul": 1, "elementwise_add": 1})
    check_case(deleted, refs[case.name])
