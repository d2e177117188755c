"""Passes that recognize primitive spellings and layout chains: layer_norm_fuse, gelu_fuse,
silu_fuse and transpose_reshape_chain, plus the whole-model check on bert_base.

Every case checks that the pass fired (or, for negative cases, did not), the op counts of
the optimized graph, and parity with paddle.inference and with pdinfer without passes."""
import numpy as np
import pytest

from passes.fusion_harness import FuseCase, check_case, fired_counts, op_counts, references, run

pytestmark = pytest.mark.paddle

R = np.random.RandomState(5)


def rnd(*shape):
    return R.randn(*shape).astype("float32")


NORMAL = "default_initializer=nn.initializer.Normal()"


def param(name, shape):
    return f"{name} = paddle.create_parameter({list(shape)}, 'float32', {NORMAL})\n"


X = rnd(3, 5, 8)
X_IN = "x = paddle.static.data('x', [-1, 5, 8], 'float32')\n"

CASES = [
    # ---------------------------------------------------------------- layer_norm_fuse
    FuseCase("ln_pow_div_affine",  # what the legacy export writes for a hand-written LN
             X_IN + param("g", [8]) + param("b", [8]) +
             "m = paddle.mean(x, -1, keepdim=True)\n"
             "d = x - m\n"
             "v = paddle.mean(d * d, -1, keepdim=True)\n"
             "out = d / (v + 1e-5) ** 0.5 * g + b\n",
             {"x": X}, ["out"],
             fired={"layer_norm_fuse_pass": 1},
             ops={"layer_norm": 1, "reduce_mean": 0, "elementwise_pow": 0, "elementwise_div": 0,
                  "elementwise_mul": 0, "elementwise_add": 0}),
    FuseCase("ln_square_rsqrt_two_subs",
             X_IN +
             "m = paddle.mean(x, -1, keepdim=True)\n"
             "v = paddle.mean(append_op('square', {'X': x - m}), -1, keepdim=True)\n"
             "r = append_op('rsqrt', {'X': v + 1e-6})\n"
             "out = (x - m) * r\n",
             {"x": X}, ["out"],
             fired={"layer_norm_fuse_pass": 1},
             ops={"layer_norm": 1, "reduce_mean": 0, "rsqrt": 0, "square": 0}),
    FuseCase("ln_two_axes_pow_sqrt_broadcast_affine",
             X_IN + param("g", [5, 8]) + param("b", [8]) +
             "m = paddle.mean(x, axis=[-2, -1], keepdim=True)\n"
             "d = x - m\n"
             "v = paddle.mean(paddle.pow(d, 2.0), axis=[1, 2], keepdim=True)\n"
             "s = append_op('sqrt', {'X': v + 1e-5})\n"
             "out = b + g * (d / s)\n",
             {"x": X}, ["out"],
             fired={"layer_norm_fuse_pass": 1}, ops={"layer_norm": 1, "reduce_mean": 0}),
    FuseCase("ln_beta_only_elementwise_pow",
             X_IN + param("b", [8]) +
             "m = paddle.mean(x, -1, keepdim=True)\n"
             "d = x - m\n"
             "v = paddle.mean(d ** 2, -1, keepdim=True)\n"
             "out = d / (v + 1e-5) ** 0.5 + b\n",
             {"x": X}, ["out"],
             fired={"layer_norm_fuse_pass": 1}, ops={"layer_norm": 1, "elementwise_add": 0}),
    FuseCase("ln_not_trailing_axis",  # negative: normalizes over axis 1 only
             X_IN +
             "m = paddle.mean(x, 1, keepdim=True)\n"
             "d = x - m\n"
             "v = paddle.mean(d * d, 1, keepdim=True)\n"
             "out = d / (v + 1e-5) ** 0.5\n",
             {"x": X}, ["out"],
             fired={"layer_norm_fuse_pass": 0}, ops={"layer_norm": 0, "reduce_mean": 2}),
    FuseCase("ln_intermediate_shared",  # negative: the centered value is also an output
             X_IN +
             "m = paddle.mean(x, -1, keepdim=True)\n"
             "d = x - m\n"
             "v = paddle.mean(d * d, -1, keepdim=True)\n"
             "out = d / (v + 1e-5) ** 0.5\n",
             {"x": X}, ["d", "out"],
             fired={"layer_norm_fuse_pass": 0}, ops={"layer_norm": 0}),
    # ---------------------------------------------------------------- gelu_fuse
    FuseCase("gelu_erf_paddle_spelling",
             X_IN + "out = 0.5 * x * (1 + paddle.erf(x / 1.4142135623730951))\n",
             {"x": X}, ["out"],
             fired={"gelu_fuse_pass": 1}, ops={"gelu": 1, "erf": 0, "scale": 0,
                                                "elementwise_mul": 0}),
    FuseCase("gelu_erf_half_last",
             X_IN + "out = x * (paddle.erf(x * 0.7071067811865476) + 1.0) * 0.5\n",
             {"x": X}, ["out"],
             fired={"gelu_fuse_pass": 1}, ops={"gelu": 1, "erf": 0}),
    FuseCase("gelu_erf_div_by_tensor_const",
             X_IN +
             "c = paddle.full([1], 1.4142135623730951, 'float32')\n"
             "h = paddle.full([1], 0.5, 'float32')\n"
             "e = paddle.erf(x / c)\n"
             "out = (x * h) * (e + 1.0)\n",
             {"x": X}, ["out"],
             fired={"gelu_fuse_pass": 1}, ops={"gelu": 1, "erf": 0}),
    FuseCase("gelu_tanh_pow",
             X_IN +
             "inner = (x + 0.044715 * x ** 3) * 0.7978845608028654\n"
             "out = 0.5 * x * (1.0 + append_op('tanh', {'X': inner}))\n",
             {"x": X}, ["out"],
             fired={"gelu_fuse_pass": 1}, ops={"gelu": 1, "tanh": 0}),
    FuseCase("gelu_tanh_mul_cube",
             X_IN +
             "inner = 0.7978845608028654 * (x + 0.044715 * (x * (x * x)))\n"
             "out = x * (0.5 + 0.5 * append_op('tanh', {'X': inner}))\n",
             {"x": X}, ["out"],
             fired={"gelu_fuse_pass": 1}, ops={"gelu": 1, "tanh": 0}),
    FuseCase("gelu_wrong_constant",  # negative: erf(0.8 x) is not gelu
             X_IN + "out = 0.5 * x * (1 + paddle.erf(x * 0.8))\n",
             {"x": X}, ["out"],
             fired={"gelu_fuse_pass": 0}, ops={"gelu": 0, "erf": 1}),
    FuseCase("gelu_erf_read_twice",  # negative: erf's output is also an output
             X_IN + "e = paddle.erf(x / 1.4142135623730951)\nout = 0.5 * x * (1 + e)\n",
             {"x": X}, ["e", "out"],
             fired={"gelu_fuse_pass": 0}, ops={"gelu": 0, "erf": 1}),
    # ---------------------------------------------------------------- silu_fuse
    FuseCase("silu_both_orders",
             X_IN +
             "a = x * append_op('sigmoid', {'X': x})\n"
             "y = paddle.scale(x, 2.0)\n"
             "b = append_op('sigmoid', {'X': y}) * y\n",
             {"x": X}, ["a", "b"],
             fired={"silu_fuse_pass": 2}, ops={"silu": 2, "sigmoid": 0}),
    FuseCase("silu_sigmoid_shared",  # negative
             X_IN + "s = append_op('sigmoid', {'X': x})\nout = x * s\n",
             {"x": X}, ["s", "out"],
             fired={"silu_fuse_pass": 0}, ops={"silu": 0, "sigmoid": 1}),
    # ---------------------------------------------------------------- transpose chains
    FuseCase("transpose_inverse_cancels",
             "x = paddle.static.data('x', [2, 3, 4, 5], 'float32')\n"
             "t = paddle.transpose(x, [0, 2, 3, 1])\n"
             "out = F.relu(paddle.transpose(t, [0, 3, 1, 2]))\n",
             {"x": rnd(2, 3, 4, 5)}, ["out"],
             fired={"transpose_reshape_chain_pass": 2}, ops={"transpose2": 0, "relu": 1}),
    FuseCase("transpose_compose",
             "x = paddle.static.data('x', [-1, 3, 4, 5], 'float32')\n"
             "t = paddle.transpose(x, [0, 2, 1, 3])\n"
             "t = paddle.transpose(t, [0, 1, 3, 2])\n"
             "out = F.relu(paddle.transpose(t, [3, 1, 2, 0]))\n",
             {"x": rnd(2, 3, 4, 5)}, ["out"],
             fired={"transpose_reshape_chain_pass": 2}, ops={"transpose2": 1}),
    FuseCase("transpose_first_shared",
             "x = paddle.static.data('x', [2, 3, 4], 'float32')\n"
             "t = paddle.transpose(x, [1, 0, 2])\n"
             "a = F.relu(t)\n"
             "b = F.relu(paddle.transpose(t, [1, 0, 2]))\n",
             {"x": rnd(2, 3, 4)}, ["a", "b"],
             fired={"transpose_reshape_chain_pass": 2}, ops={"transpose2": 1}),
    # ---------------------------------------------------------------- reshape chains
    FuseCase("reshape_chain_dynamic_batch",
             X_IN +
             "r = paddle.reshape(x, [0, 0, 4, 2])\n"
             "out = F.relu(paddle.reshape(r, [0, 40]))\n",
             {"x": X}, ["out"],
             fired={"transpose_reshape_chain_pass": 1}, ops={"reshape2": 1}),
    FuseCase("flatten_then_reshape",
             X_IN +
             "f = paddle.flatten(x, 1, 2)\n"
             "out = F.relu(paddle.reshape(f, [0, 8, 5]))\n",
             {"x": X}, ["out"],
             fired={"transpose_reshape_chain_pass": 1},
             ops={"reshape2": 1, "flatten_contiguous_range": 0}),
    FuseCase("unsqueeze_then_reshape",
             X_IN +
             "u = paddle.unsqueeze(x, [1])\n"
             "out = F.relu(paddle.reshape(u, [0, 4, 10]))\n",
             {"x": X}, ["out"],
             fired={"transpose_reshape_chain_pass": 1}, ops={"reshape2": 1, "unsqueeze2": 0}),
    FuseCase("reshape_chain_static_copy_dim",
             "x = paddle.static.data('x', [2, 5, 8], 'float32')\n"
             "r = paddle.reshape(x, [10, 8])\n"
             "out = F.relu(paddle.reshape(r, [0, 2, 4]))\n",
             {"x": rnd(2, 5, 8)}, ["out"],
             fired={"transpose_reshape_chain_pass": 1}, ops={"reshape2": 1}),
    FuseCase("reshape_chain_dynamic_copy_dim",  # negative: 0 would copy a different dim
             X_IN +
             "r = paddle.reshape(x, [-1, 8])\n"
             "out = F.relu(paddle.reshape(r, [0, 2, 4]))\n",
             {"x": X}, ["out"],
             fired={"transpose_reshape_chain_pass": 0}, ops={"reshape2": 2}),
    FuseCase("squeeze_then_reshape_dynamic",  # negative: squeezed dims are dynamic
             "x = paddle.static.data('x', [-1, 1, 8], 'float32')\n"
             "s = paddle.squeeze(x, [1])\n"
             "out = F.relu(paddle.reshape(s, [0, 2, 4]))\n",
             {"x": rnd(3, 1, 8)}, ["out"],
             fired={"transpose_reshape_chain_pass": 0}, ops={"reshape2": 1, "squeeze2": 1}),
    FuseCase("reshape_first_shared",
             X_IN +
             "r = paddle.reshape(x, [0, 0, 4, 2])\n"
             "a = F.relu(r)\n"
             "b = F.relu(paddle.reshape(r, [0, 40]))\n",
             {"x": X}, ["a", "b"],
             fired={"transpose_reshape_chain_pass": 1}, ops={"reshape2": 2}),
]


@pytest.fixture(scope="module")
def refs():
    return references(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_fusion(case, refs):
    check_case(case, refs[case.name])


def test_reshape_chain_other_batch_sizes(refs):
    """The collapsed chain keeps the dynamic batch dim dynamic."""
    ref = refs["reshape_chain_dynamic_batch"]
    for b in (1, 4):
        inputs = {"x": rnd(b, 5, 8)}
        got, _, _ = run(ref.model_dir, inputs)
        want, _, _ = run(ref.model_dir, inputs, ir_optim=False)
        assert got[0].shape == (b, 40)
        np.testing.assert_array_equal(got[0], want[0])


# ---------------------------------------------------------------- zoo: bert_base

@pytest.mark.model
@pytest.mark.slow
def test_bert_base_fusions():
    import models
    from pdtest import compare_outputs

    try:
        refs = models.references("bert_base")
    except models.ModelUnavailable as e:
        pytest.skip(str(e))
    if refs[0].error:
        pytest.fail(f"bert_base: no Paddle reference: {refs[0].error}")
    import pdinfer

    model_file, params_file = models.model_files("bert_base")
    pred = pdinfer.create_predictor(pdinfer.Config(model_file, params_file))
    fired = fired_counts(pred)
    counts = op_counts(pred)
    info = f"fired={ {k: v for k, v in fired.items() if v} } ops={counts}"
    # 12 encoder layers with 2 post-LN residual adds each, plus the embedding LayerNorm
    # over (word + position) + token type.
    assert fired.get("skip_layernorm_fuse_pass", 0) == 25, info
    assert counts.get("skip_layernorm", 0) == 25, info
    assert counts.get("layer_norm", 0) == 0, info
    # FFN x2 and the attention output projection per layer, plus the pooler (Q/K/V go
    # into multihead_matmul when that pass fires, into fc otherwise).
    assert fired.get("fc_fuse_pass", 0) >= 37, info
    # GELU of the FFN and the pooler's tanh ride on fc.
    assert fired.get("fc_activation_fuse_pass", 0) == 13, info
    assert counts.get("gelu", 0) == 0 and counts.get("tanh", 0) == 0, info
    assert counts.get("matmul_v2", 0) == 0, info
    for i, (inputs, ref) in enumerate(zip(models.input_sets("bert_base"), refs)):
        from pdtest import run_pdinfer

        _, names, outs = run_pdinfer(ref.model_dir, inputs, predictor=pred)
        compare_outputs(f"[bert_base #{i}]", ref.output_names, ref.outputs, names, outs,
                        1e-4, 1e-4)
