"""matmul / fc / elementwise fusion passes: fc_fuse, fc_activation_fuse,
fc_elementwise_add_fuse, matmul_scale_fuse, matmul_elementwise_add_fuse,
matmul_activation_fuse, skip_layernorm_fuse and elementwise_act_fuse, and the fused ops
they produce (fc with activation/residual, fused_matmul, fused_elementwise_*,
skip_layernorm).

Every case checks that the pass fired (or, for negative cases, did not), the op counts of
the optimized graph, and parity with paddle.inference and with pdinfer without passes."""
import numpy as np
import pytest

from passes.fusion_harness import FuseCase, check_case, references

pytestmark = pytest.mark.paddle

R = np.random.RandomState(11)


def rnd(*shape):
    return R.randn(*shape).astype("float32")


NORMAL = "default_initializer=nn.initializer.Normal()"


def param(name, shape):
    return f"{name} = paddle.create_parameter({list(shape)}, 'float32', {NORMAL})\n"


X_5_16 = rnd(3, 5, 16)

CASES = [
    # ---------------------------------------------------------------- fc_fuse + activation
    FuseCase("fc_linear_relu",
             "x = paddle.static.data('x', [-1, 5, 16], 'float32')\n"
             "h = nn.Linear(16, 32)(x)\n"
             "out = F.relu(h)\n",
             {"x": X_5_16}, ["out"],
             fired={"fc_fuse_pass": 1, "fc_activation_fuse_pass": 1},
             ops={"fc": 1, "matmul_v2": 0, "elementwise_add": 0, "relu": 0}),
    FuseCase("fc_mul_bias_gelu_tanh",
             "x = paddle.static.data('x', [-1, 5, 16], 'float32')\n"
             "h = paddle.static.nn.fc(x, 12, num_flatten_dims=2)\n"
             "out = append_op('gelu', {'X': h}, attrs={'approximate': True})\n",
             {"x": X_5_16}, ["out"],
             fired={"fc_fuse_pass": 1, "fc_activation_fuse_pass": 1},
             ops={"fc": 1, "mul": 0, "gelu": 0}),
    FuseCase("fc_mul_flatten_cols",
             "x = paddle.static.data('x', [4, 2, 8], 'float32')\n"
             "h = paddle.static.nn.fc(x, 6, num_flatten_dims=1)\n"
             "out = append_op('gelu', {'X': h}, attrs={'approximate': False})\n",
             {"x": rnd(4, 2, 8)}, ["out"],
             fired={"fc_fuse_pass": 1, "fc_activation_fuse_pass": 1}, ops={"fc": 1}),
    FuseCase("fc_matmul_trans_y_tanh",
             "x = paddle.static.data('x', [3, 16], 'float32')\n"
             + param("w", [8, 16]) + param("b", [8]) +
             "h = append_op('matmul_v2', {'X': x, 'Y': w}, attrs={'trans_x': False, 'trans_y': True})\n"
             "y = append_op('elementwise_add', {'X': h, 'Y': b}, attrs={'axis': -1})\n"
             "out = append_op('tanh', {'X': y})\n",
             {"x": rnd(3, 16)}, ["out"],
             fired={"fc_fuse_pass": 1, "fc_activation_fuse_pass": 1},
             ops={"fc": 1, "matmul_v2": 0, "tanh": 0}),
    FuseCase("fc_matmul_v1_alpha_bias_first",
             "x = paddle.static.data('x', [-1, 5, 16], 'float32')\n"
             + param("w", [8, 16]) + param("b", [1, 8]) +
             "h = append_op('matmul', {'X': x, 'Y': w},\n"
             "              attrs={'transpose_X': False, 'transpose_Y': True, 'alpha': 0.5})\n"
             "out = append_op('elementwise_add', {'X': b, 'Y': h}, attrs={'axis': -1})\n",
             {"x": X_5_16}, ["out"],
             fired={"fc_fuse_pass": 1}, ops={"fc": 1, "matmul": 0, "elementwise_add": 0}),
    FuseCase("fc_no_bias",
             "x = paddle.static.data('x', [-1, 5, 16], 'float32')\n"
             "out = nn.Linear(16, 8, bias_attr=False)(x)\n",
             {"x": X_5_16}, ["out"],
             fired={"fc_fuse_pass": 1}, ops={"fc": 1, "matmul_v2": 0}),
    FuseCase("fc_residual_relu",
             "x = paddle.static.data('x', [-1, 6, 16], 'float32')\n"
             "r = paddle.static.data('r', [-1, 6, 8], 'float32')\n"
             "h = nn.Linear(16, 8)(x)\n"
             "out = F.relu(h + r)\n",
             {"x": rnd(2, 6, 16), "r": rnd(2, 6, 8)}, ["out"],
             fired={"fc_fuse_pass": 1, "fc_elementwise_add_fuse_pass": 1,
                    "fc_activation_fuse_pass": 1},
             ops={"fc": 1, "elementwise_add": 0, "relu": 0}),
    FuseCase("fc_residual_broadcast",
             "x = paddle.static.data('x', [-1, 6, 16], 'float32')\n"
             "r = paddle.static.data('r', [8], 'float32')\n"
             "h = nn.Linear(16, 8)(x)\n"
             "out = r + h\n",
             {"x": rnd(2, 6, 16), "r": rnd(8)}, ["out"],
             fired={"fc_fuse_pass": 1, "fc_elementwise_add_fuse_pass": 1},
             ops={"fc": 1, "elementwise_add": 0}),
    FuseCase("fc_residual_enlarges",  # the residual broadcasts the product up: [1,8] + [4,1,8]
             "x = paddle.static.data('x', [1, 16], 'float32')\n"
             "r = paddle.static.data('r', [4, 1, 8], 'float32')\n"
             "h = nn.Linear(16, 8)(x)\n"
             "out = append_op('sigmoid', {'X': h + r})\n",
             {"x": rnd(1, 16), "r": rnd(4, 1, 8)}, ["out"],
             fired={"fc_fuse_pass": 1, "fc_elementwise_add_fuse_pass": 1,
                    "fc_activation_fuse_pass": 1},
             ops={"fc": 1, "elementwise_add": 0, "sigmoid": 0}),
    FuseCase("fc_output_read_twice",  # negative: the activation cannot take a shared output
             "x = paddle.static.data('x', [-1, 5, 16], 'float32')\n"
             "h = nn.Linear(16, 8)(x)\n"
             "a = F.relu(h)\n",
             {"x": X_5_16}, ["h", "a"],
             fired={"fc_fuse_pass": 1, "fc_activation_fuse_pass": 0}, ops={"fc": 1, "relu": 1}),
    FuseCase("fc_bias_add_shared",  # negative: the product is read twice, no bias fusion
             "x = paddle.static.data('x', [4, 16], 'float32')\n"
             + param("w", [16, 8]) + param("b", [8]) +
             "h = append_op('matmul_v2', {'X': x, 'Y': w}, attrs={'trans_x': False, 'trans_y': False})\n"
             "y = append_op('elementwise_add', {'X': h, 'Y': b}, attrs={'axis': -1})\n"
             "out = y * h\n",
             {"x": rnd(4, 16)}, ["out"],
             fired={"fc_fuse_pass": 1}, ops={"fc": 1, "elementwise_add": 1}),
    FuseCase("fc_nonconst_weight",  # negative for fc: the weight is an input
             "x = paddle.static.data('x', [4, 16], 'float32')\n"
             "w = paddle.static.data('w', [16, 8], 'float32')\n"
             + param("b", [8]) +
             "h = append_op('matmul_v2', {'X': x, 'Y': w}, attrs={'trans_x': False, 'trans_y': False})\n"
             "out = append_op('elementwise_add', {'X': h, 'Y': b}, attrs={'axis': -1})\n",
             {"x": rnd(4, 16), "w": rnd(16, 8)}, ["out"],
             fired={"fc_fuse_pass": 0, "matmul_elementwise_add_fuse_pass": 1},
             ops={"fc": 0, "fused_matmul": 1, "elementwise_add": 0}),
    FuseCase("fc_deleted",
             "x = paddle.static.data('x', [-1, 5, 16], 'float32')\n"
             "out = F.relu(nn.Linear(16, 8)(x))\n",
             {"x": X_5_16}, ["out"], delete=("fc_fuse_pass",),
             fired={"fc_fuse_pass": 0}, ops={"fc": 0, "matmul_v2": 0, "fused_matmul": 1}),
    FuseCase("fc_act_deleted_by_onednn_name",
             "x = paddle.static.data('x', [-1, 5, 16], 'float32')\n"
             "out = F.relu(nn.Linear(16, 8)(x))\n",
             {"x": X_5_16}, ["out"], delete=("fc_act_mkldnn_fuse_pass",),
             fired={"fc_fuse_pass": 1, "fc_activation_fuse_pass": 0},
             ops={"fc": 1, "relu": 1}),
    # ---------------------------------------------------------------- matmul fusions
    FuseCase("attention_scores",
             "q = paddle.static.data('q', [2, 4, 6, 8], 'float32')\n"
             "k = paddle.static.data('k', [2, 4, 6, 8], 'float32')\n"
             "mask = paddle.static.data('mask', [2, 1, 1, 6], 'float32')\n"
             "qs = paddle.scale(q, 0.125)\n"
             "s = append_op('matmul_v2', {'X': qs, 'Y': k}, attrs={'trans_x': False, 'trans_y': True})\n"
             "out = F.softmax(s + mask)\n",
             {"q": rnd(2, 4, 6, 8), "k": rnd(2, 4, 6, 8), "mask": rnd(2, 1, 1, 6)}, ["out"],
             fired={"matmul_scale_fuse_pass": 1, "matmul_elementwise_add_fuse_pass": 1},
             ops={"fused_matmul": 1, "scale": 0, "elementwise_add": 0, "matmul_v2": 0}),
    FuseCase("matmul_scale_after_relu",
             "a = paddle.static.data('a', [3, 4, 5], 'float32')\n"
             "b = paddle.static.data('b', [3, 5, 6], 'float32')\n"
             "m = append_op('matmul_v2', {'X': a, 'Y': b}, attrs={'trans_x': False, 'trans_y': False})\n"
             "out = F.relu(paddle.scale(m, 2.0))\n",
             {"a": rnd(3, 4, 5), "b": rnd(3, 5, 6)}, ["out"],
             fired={"matmul_scale_fuse_pass": 1, "matmul_activation_fuse_pass": 1},
             ops={"fused_matmul": 1, "scale": 0, "relu": 0}),
    FuseCase("matmul_scale_into_weight",
             "x = paddle.static.data('x', [-1, 16], 'float32')\n"
             "out = nn.Linear(16, 8)(paddle.scale(x, 0.5))\n",
             {"x": rnd(3, 16)}, ["out"],
             fired={"matmul_scale_fuse_pass": 1, "fc_fuse_pass": 1},
             ops={"fc": 1, "scale": 0}),
    FuseCase("matmul_scale_with_bias_kept",  # negative: scale(bias != 0) is not a factor
             "a = paddle.static.data('a', [4, 5], 'float32')\n"
             "b = paddle.static.data('b', [5, 6], 'float32')\n"
             "m = append_op('matmul_v2', {'X': a, 'Y': b}, attrs={'trans_x': False, 'trans_y': False})\n"
             "out = paddle.scale(m, 2.0, bias=1.0)\n",
             {"a": rnd(4, 5), "b": rnd(5, 6)}, ["out"],
             fired={"matmul_scale_fuse_pass": 0}, ops={"scale": 1, "matmul_v2": 1}),
    FuseCase("matmul_v1_batched_residual_act",
             "a = paddle.static.data('a', [2, 3, 4, 5], 'float32')\n"
             "b = paddle.static.data('b', [2, 3, 4, 6], 'float32')\n"
             "r = paddle.static.data('r', [2, 3, 5, 6], 'float32')\n"
             "m = append_op('matmul', {'X': a, 'Y': b},\n"
             "              attrs={'transpose_X': True, 'transpose_Y': False, 'alpha': 0.75})\n"
             "out = F.leaky_relu(m + r, 0.1)\n",
             {"a": rnd(2, 3, 4, 5), "b": rnd(2, 3, 4, 6), "r": rnd(2, 3, 5, 6)}, ["out"],
             fired={"matmul_elementwise_add_fuse_pass": 1, "matmul_activation_fuse_pass": 1},
             ops={"fused_matmul": 1, "matmul": 0, "elementwise_add": 0, "leaky_relu": 0}),
    FuseCase("matmul_const_3d_bias_gelu",
             "x = paddle.static.data('x', [2, 4, 5], 'float32')\n"
             + param("w", [2, 5, 6]) + param("b", [6]) +
             "m = append_op('matmul_v2', {'X': x, 'Y': w}, attrs={'trans_x': False, 'trans_y': False})\n"
             "y = append_op('elementwise_add', {'X': m, 'Y': b}, attrs={'axis': -1})\n"
             "out = append_op('gelu', {'X': y}, attrs={'approximate': False})\n",
             {"x": rnd(2, 4, 5)}, ["out"],
             fired={"fc_fuse_pass": 0, "matmul_elementwise_add_fuse_pass": 1,
                    "matmul_activation_fuse_pass": 1},
             ops={"fused_matmul": 1, "gelu": 0}),
    FuseCase("matmul_bias_then_residual",
             "x = paddle.static.data('x', [2, 4, 5], 'float32')\n"
             "w = paddle.static.data('w', [2, 5, 6], 'float32')\n"
             "r = paddle.static.data('r', [2, 4, 6], 'float32')\n"
             + param("b", [6]) +
             "m = append_op('matmul_v2', {'X': x, 'Y': w}, attrs={'trans_x': False, 'trans_y': False})\n"
             "y = append_op('elementwise_add', {'X': m, 'Y': b}, attrs={'axis': -1})\n"
             "out = append_op('hard_swish', {'X': y + r})\n",
             {"x": rnd(2, 4, 5), "w": rnd(2, 5, 6), "r": rnd(2, 4, 6)}, ["out"],
             fired={"matmul_elementwise_add_fuse_pass": 2, "matmul_activation_fuse_pass": 1},
             ops={"fused_matmul": 1, "elementwise_add": 0, "hard_swish": 0}),
    FuseCase("matmul_output_read_twice",  # negative
             "a = paddle.static.data('a', [3, 4, 5], 'float32')\n"
             "b = paddle.static.data('b', [3, 5, 6], 'float32')\n"
             "m = append_op('matmul_v2', {'X': a, 'Y': b}, attrs={'trans_x': False, 'trans_y': False})\n"
             "out = F.relu(m) + m\n",
             {"a": rnd(3, 4, 5), "b": rnd(3, 5, 6)}, ["out"],
             fired={"matmul_activation_fuse_pass": 0, "matmul_elementwise_add_fuse_pass": 0},
             ops={"matmul_v2": 1, "relu": 1}),
    # ---------------------------------------------------------------- elementwise + act
    FuseCase("elementwise_act",
             "a = paddle.static.data('a', [2, 3, 4], 'float32')\n"
             "b = paddle.static.data('b', [2, 3, 4], 'float32')\n"
             "c = paddle.static.data('c', [3], 'float32')\n"
             "r1 = F.relu(a + b)\n"
             "r2 = append_op('sigmoid', {'X': a * b})\n"
             "r3 = append_op('tanh', {'X': a - b})\n"
             "r4 = F.leaky_relu(a / paddle.scale(b * b, 1.0, bias=1.0), 0.2)\n"
             "e = append_op('elementwise_add', {'X': a, 'Y': c}, attrs={'axis': 1})\n"
             "r5 = F.relu6(e)\n",
             {"a": rnd(2, 3, 4), "b": rnd(2, 3, 4), "c": rnd(3)},
             ["r1", "r2", "r3", "r4", "r5"],
             fired={"elementwise_act_fuse_pass": 5},
             ops={"fused_elementwise_add": 2, "fused_elementwise_mul": 1,
                  "fused_elementwise_sub": 1, "fused_elementwise_div": 1, "relu": 0,
                  "sigmoid": 0, "tanh": 0, "leaky_relu": 0, "relu6": 0}),
    FuseCase("elementwise_act_shared",  # negative: the sum is also an output
             "a = paddle.static.data('a', [2, 3, 4], 'float32')\n"
             "b = paddle.static.data('b', [2, 3, 4], 'float32')\n"
             "s = a + b\n"
             "r = F.relu(s)\n",
             {"a": rnd(2, 3, 4), "b": rnd(2, 3, 4)}, ["s", "r"],
             fired={"elementwise_act_fuse_pass": 0}, ops={"elementwise_add": 1, "relu": 1}),
    # ---------------------------------------------------------------- skip_layernorm
    FuseCase("skip_layernorm",
             "a = paddle.static.data('a', [-1, 6, 16], 'float32')\n"
             "b = paddle.static.data('b', [-1, 6, 16], 'float32')\n"
             "out = nn.LayerNorm(16, epsilon=1e-6)(a + b)\n",
             {"a": rnd(2, 6, 16), "b": rnd(2, 6, 16)}, ["out"],
             fired={"skip_layernorm_fuse_pass": 1},
             ops={"skip_layernorm": 1, "layer_norm": 0, "elementwise_add": 0}),
    FuseCase("skip_layernorm_broadcast_2axes",
             "a = paddle.static.data('a', [-1, 6, 16], 'float32')\n"
             "b = paddle.static.data('b', [6, 16], 'float32')\n"
             "out = nn.LayerNorm([6, 16])(b + a)\n",
             {"a": rnd(3, 6, 16), "b": rnd(6, 16)}, ["out"],
             fired={"skip_layernorm_fuse_pass": 1}, ops={"skip_layernorm": 1}),
    FuseCase("skip_layernorm_after_fc",
             "x = paddle.static.data('x', [-1, 6, 16], 'float32')\n"
             "h = nn.Linear(16, 16)(x)\n"
             "out = nn.LayerNorm(16)(x + h)\n",
             {"x": rnd(2, 6, 16)}, ["out"],
             fired={"fc_fuse_pass": 1, "fc_elementwise_add_fuse_pass": 0,
                    "skip_layernorm_fuse_pass": 1},
             ops={"fc": 1, "skip_layernorm": 1, "layer_norm": 0}),
    FuseCase("skip_layernorm_const_operand",  # negative: a constant operand
             "a = paddle.static.data('a', [-1, 6, 16], 'float32')\n"
             + param("p", [16]) +
             "out = nn.LayerNorm(16)(a + p)\n",
             {"a": rnd(2, 6, 16)}, ["out"],
             fired={"skip_layernorm_fuse_pass": 0}, ops={"layer_norm": 1}),
    FuseCase("skip_layernorm_sum_shared",  # negative: the sum is read twice
             "a = paddle.static.data('a', [-1, 6, 16], 'float32')\n"
             "b = paddle.static.data('b', [-1, 6, 16], 'float32')\n"
             "s = a + b\n"
             "out = nn.LayerNorm(16)(s) + s\n",
             {"a": rnd(2, 6, 16), "b": rnd(2, 6, 16)}, ["out"],
             fired={"skip_layernorm_fuse_pass": 0}, ops={"layer_norm": 1}),
]


@pytest.fixture(scope="module")
def refs():
    return references(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_fusion(case, refs):
    check_case(case, refs[case.name])


def test_fc_dynamic_batch_sizes(refs):
    """One optimized predictor, several batch sizes (the fused graph bakes in no dims)."""
    from passes.fusion_harness import run

    ref = refs["fc_residual_relu"]
    for b in (1, 3, 5):
        inputs = {"x": rnd(b, 6, 16), "r": rnd(b, 6, 8)}
        got, _, _ = run(ref.model_dir, inputs)
        want, _, _ = run(ref.model_dir, inputs, ir_optim=False)
        np.testing.assert_allclose(got[0], want[0], rtol=1e-5, atol=1e-5)
