"""multihead_matmul_fuse_pass and the multihead_matmul op.

Tiny transformer self-attention blocks are built in legacy static mode with the op
spellings real exports use (matmul_v2 / matmul with alpha / mul / fc projections, reshape2
+ transpose2 head split, scale on Q / on the product / matmul alpha, additive masks of
several broadcast shapes, dropout). Each case checks that the pass fired (or did not, for
the negative cases), the op counts after optimization, and parity with paddle.inference and
with pdinfer without passes (rtol = atol = 1e-4). Extra input shapes (dynamic batch and
sequence, empty batch) are compared with pdinfer without passes. The zoo BERT must fuse
all 12 layers and keep parity. The op itself is also run directly against NumPy.
"""
import numpy as np
import pytest

from passes.fusion_harness import FuseCase, check_case, fired_counts, op_counts, references, run
from pdtest import compare_outputs

pytestmark = pytest.mark.paddle

PASS = "multihead_matmul_fuse_pass"
R = np.random.RandomState(7)


def rnd(*shape):
    return R.randn(*shape).astype("float32")


def padding_mask(b, s, shape, pad):
    """Additive mask: 0 where attended, -1e4 on the last pad[b] keys of each row."""
    m = np.zeros((b, s), np.float32)
    for i, n in enumerate(pad):
        if n:
            m[i, s - n:] = -1e4
    if shape == "b11s":
        return m[:, None, None, :]
    raise ValueError(shape)


def attention_code(hidden, heads, proj="matmul_v2", mask=None, scale="q", k_perm=False,
                   dropout="upscale_in_train", bias=True, cross=False, softmax_out=False,
                   weight_input=None, layers=1, no_out_transpose=False, q_out=False,
                   mask_first=False):
    """Source of a legacy program: `layers` stacked self-attention blocks over x."""
    hd = hidden // heads
    s = [f"x = paddle.static.data('x', [-1, -1, {hidden}], 'float32')"]
    if mask is not None:
        s.append(f"mask = paddle.static.data('mask', {mask}, 'float32')")
    if cross:
        s.append(f"y = paddle.static.data('y', [-1, -1, {hidden}], 'float32')")
    if weight_input:
        s.append(f"w_in = paddle.static.data('w_in', [{hidden}, {hidden}], 'float32')")
    init_w = "default_initializer=nn.initializer.XavierUniform()"
    init_b = "default_initializer=nn.initializer.Normal(0.0, 0.1)"
    s.append("h = x")
    for layer in range(layers):
        outs = {}
        for n in "qkv":
            src = "y" if cross and n in "kv" else "h"
            w = f"w_{n}{layer}"
            if weight_input == n:
                s.append(f"{w} = w_in")
            else:
                s.append(f"{w} = paddle.create_parameter([{hidden}, {hidden}], 'float32', {init_w})")
            b = f"b_{n}{layer}"
            s.append(f"{b} = paddle.create_parameter([{hidden}], 'float32', {init_b})")
            t = f"{n}{layer}"
            if proj == "matmul_v2":
                s.append(f"{t} = append_op('matmul_v2', {{'X': {src}, 'Y': {w}}}, "
                         f"attrs={{'trans_x': False, 'trans_y': False}})")
            elif proj == "matmul":
                s.append(f"{t} = append_op('matmul', {{'X': {src}, 'Y': {w}}}, "
                         f"attrs={{'transpose_X': False, 'transpose_Y': False, 'alpha': 1.0}})")
            elif proj == "mul":
                s.append(f"{t} = append_op('mul', {{'X': {src}, 'Y': {w}}}, "
                         f"attrs={{'x_num_col_dims': 2, 'y_num_col_dims': 1}})")
            elif proj == "fc":
                s.append(f"{t} = append_op('fc', {{'Input': {src}, 'W': {w}, 'Bias': {b}}}, "
                         f"attrs={{'in_num_col_dims': 2, 'activation_type': ''}})")
            if bias and proj != "fc":
                s.append(f"{t} = {t} + {b}")
            if scale == "q_before_reshape" and n == "q":
                s.append(f"{t} = paddle.scale({t}, scale={hd ** -0.5})")
            s.append(f"{t} = paddle.reshape({t}, [0, 0, {heads}, {hd}])")
            perm = [0, 2, 3, 1] if (k_perm and n == "k") else [0, 2, 1, 3]
            s.append(f"{t} = paddle.transpose({t}, {perm})")
            outs[n] = t
        q, k, v = outs["q"], outs["k"], outs["v"]
        if scale == "q":
            s.append(f"{q} = paddle.scale({q}, scale={hd ** -0.5})")
        if scale == "qk":  # split between Q and K
            s.append(f"{q} = paddle.scale({q}, scale=0.5)")
            s.append(f"{k} = paddle.scale({k}, scale={2 * hd ** -0.5})")
        if q_out:
            s.append(f"q_heads = {q}")
        if scale == "alpha":
            s.append(f"sc = append_op('matmul', {{'X': {q}, 'Y': {k}}}, attrs={{'transpose_X': False, "
                     f"'transpose_Y': {not k_perm}, 'alpha': {hd ** -0.5}}})")
        else:
            s.append(f"sc = append_op('matmul_v2', {{'X': {q}, 'Y': {k}}}, "
                     f"attrs={{'trans_x': False, 'trans_y': {not k_perm}}})")
        if scale == "product":
            s.append(f"sc = paddle.scale(sc, scale={hd ** -0.5})")
        if mask is not None:
            s.append("sc = mask + sc" if mask_first else "sc = sc + mask")
        s.append("p = F.softmax(sc, axis=-1)")
        if softmax_out:
            s.append("probs = p")
        if dropout == "upscale_in_train":
            s.append("p = F.dropout(p, 0.1, training=False, mode='upscale_in_train')")
        elif dropout == "downscale_in_infer":
            s.append("p = F.dropout(p, 0.2, training=False, mode='downscale_in_infer')")
        s.append(f"ctx = append_op('matmul_v2', {{'X': p, 'Y': {v}}}, "
                 "attrs={'trans_x': False, 'trans_y': False})")
        if no_out_transpose:
            s.append("ctx = paddle.reshape(ctx, [0, 0, -1])")
        else:
            s.append("ctx = paddle.transpose(ctx, [0, 2, 1, 3])")
            s.append(f"ctx = paddle.reshape(ctx, [0, 0, {hidden}])")
        s.append("h = ctx")
    s.append("out = h")
    return "\n".join(s) + "\n"


def case(name, fused, b=2, sq=7, hidden=32, heads=4, mask=None, mask_value=None, extra=(),
         **kw):
    """FuseCase plus extra (batch, seq) shapes for the ir_optim=False comparison."""
    inputs = {"x": rnd(b, sq, hidden)}
    if mask is not None:
        inputs["mask"] = mask_value
    if kw.get("cross"):
        inputs["y"] = rnd(b, sq, hidden)
    if kw.get("weight_input"):
        inputs["w_in"] = (rnd(hidden, hidden) / np.sqrt(hidden)).astype(np.float32)
    fetch = ["out"] + (["probs"] if kw.get("softmax_out") else []) + (["q_heads"] if kw.get("q_out") else [])
    layers = kw.get("layers", 1)
    c = FuseCase(name, attention_code(hidden, heads, mask=mask, **kw), inputs, fetch,
                 fired={PASS: fused * layers}, ops={"multihead_matmul": fused * layers,
                                                    "softmax": (1 - fused) * layers})
    c.extra = list(extra)
    c.mask_kind = mask
    return c


M = padding_mask
CASES = [
    # BERT-like: matmul_v2 + bias, scale on Q, [B,1,1,S] padding mask, dropout.
    case("bert_like", 1, mask="[-1, 1, 1, -1]", mask_value=M(2, 7, "b11s", [0, 3]),
         extra=[(1, 1), (3, 16), (1, 33)]),
    case("no_mask_8_heads", 1, heads=8, hidden=64, extra=[(1, 5), (4, 2)]),
    case("mask_b1ss_2_heads_scale_qk", 1, heads=2, mask="[-1, 1, -1, -1]",
         mask_value=rnd(2, 1, 7, 7), scale="qk"),
    case("mask_bhss_mask_first", 1, heads=4, mask="[-1, 4, -1, -1]", mask_value=rnd(2, 4, 7, 7),
         mask_first=True),
    case("mask_111s", 1, mask="[1, 1, 1, -1]", mask_value=M(1, 7, "b11s", [2])),
    case("mask_ss_rank2", 1, mask="[-1, -1]", mask_value=rnd(7, 7)),
    case("matmul_v1_alpha", 1, proj="matmul", scale="alpha", mask="[-1, 1, 1, -1]",
         mask_value=M(2, 7, "b11s", [1, 0])),
    case("mul_scale_product", 1, proj="mul", scale="product", extra=[(1, 3)]),
    case("fc_projections", 1, proj="fc", mask="[-1, 1, 1, -1]",
         mask_value=M(2, 7, "b11s", [0, 2])),
    case("k_perm_0231", 1, k_perm=True, scale="alpha", extra=[(2, 9)]),
    case("dropout_downscale", 1, dropout="downscale_in_infer"),
    case("no_dropout_no_bias", 1, dropout=None, bias=False, scale="q_before_reshape"),
    case("one_head", 1, heads=1, hidden=16),
    case("two_layers", 1, layers=2, mask="[-1, 1, 1, -1]", mask_value=M(2, 7, "b11s", [0, 4]),
         extra=[(1, 12)]),
    # Negative cases: never fused, results unchanged.
    case("neg_cross_attention", 0, cross=True),
    case("neg_softmax_fetched", 0, softmax_out=True),
    case("neg_q_heads_fetched", 0, q_out=True),
    case("neg_weight_not_constant", 0, weight_input="v"),
    case("neg_no_output_transpose", 0, no_out_transpose=True),
]


@pytest.fixture(scope="module")
def refs():
    return references(CASES)


@pytest.mark.parametrize("c", CASES, ids=lambda c: c.name)
def test_fusion(c, refs):
    check_case(c, refs[c.name])


@pytest.mark.parametrize("c", [c for c in CASES if c.extra], ids=lambda c: c.name)
def test_dynamic_shapes(c, refs):
    """Other batch/sequence sizes (and an empty batch) against pdinfer without passes."""
    ref = refs[c.name]
    if ref.error:
        pytest.fail(ref.error)
    hidden = c.inputs["x"].shape[2]
    rng = np.random.RandomState(3)
    for b, s in list(c.extra) + [(0, 4)]:
        inputs = {"x": rng.randn(b, s, hidden).astype(np.float32)}
        if "mask" in c.inputs:
            m = c.inputs["mask"]
            if m.ndim == 4:
                shape = [b if m.shape[0] != 1 else 1, m.shape[1], s if m.shape[2] != 1 else 1, s]
            else:
                shape = [s, s]
            inputs["mask"] = (rng.randn(*shape) * 3).astype(np.float32)
        if b == 0:
            # Empty batch: the fused op gives [0, S, H]. (Unfused, Paddle's reshape rule turns
            # the 0s of [0, 0, heads, hd] into literal 0s for a zero-size input, and the mask
            # add then fails to broadcast, so there is nothing to compare with.)
            if c.fired[PASS]:
                got, names, p = run(ref.model_dir, inputs)
                assert [g.shape for g in got] == [(0, s, hidden)], [g.shape for g in got]
            continue
        got, names, p = run(ref.model_dir, inputs)
        assert fired_counts(p).get(PASS, 0) == c.fired[PASS]
        want, want_names, _ = run(ref.model_dir, inputs, ir_optim=False)
        compare_outputs(f"[{c.name} {b}x{s}]", want_names, want, names, got, 1e-4, 1e-4)


def test_delete_pass(refs):
    c = CASES[0]
    ref = refs[c.name]
    outs, names, p = run(ref.model_dir, c.inputs, delete=(PASS,))
    assert fired_counts(p).get(PASS, 0) == 0
    assert op_counts(p).get("multihead_matmul", 0) == 0
    compare_outputs("[delete_pass]", ref.output_names, ref.outputs, names, outs, 1e-4, 1e-4)


def test_registered_and_aliases():
    import pdinfer

    assert PASS in pdinfer.inference.registered_passes()
    assert PASS in pdinfer.inference.default_passes("cpu")
    for alias in ("multihead_matmul_fuse_pass_v2", "multihead_matmul_fuse_pass_v3"):
        assert pdinfer._core.canonical_pass_name(alias) == PASS


def test_delete_pass_alias(refs):
    c = CASES[0]
    outs, names, p = run(refs[c.name].model_dir, c.inputs, delete=("multihead_matmul_fuse_pass_v2",))
    assert fired_counts(p).get(PASS, 0) == 0


# ---------------------------------------------------------------------------------------
# zoo BERT: 12 fused layers, parity at (1, 128) and (2, 37)
# ---------------------------------------------------------------------------------------
@pytest.mark.model
@pytest.mark.slow
def test_bert_base_fuses_all_layers():
    from models import ModelUnavailable, input_sets, model_dir, references as zoo_refs

    try:
        d = model_dir("bert_base")
    except ModelUnavailable as e:
        pytest.skip(str(e))
    refs = zoo_refs("bert_base")
    for inputs, ref in zip(input_sets("bert_base"), refs):
        if ref.error:
            pytest.fail(ref.error)
        outs, names, p = run(d, inputs)
        assert fired_counts(p).get(PASS, 0) == 12
        counts = op_counts(p)
        assert counts.get("multihead_matmul", 0) == 12 and counts.get("softmax", 0) == 0
        shape = inputs["input_ids"].shape
        compare_outputs(f"[bert_base {shape}]", ref.output_names, ref.outputs, names, outs,
                        1e-4, 1e-4)


# ---------------------------------------------------------------------------------------
# the op alone, against NumPy
# ---------------------------------------------------------------------------------------
def np_mha(x, w, bias, mask, heads, alpha):
    b, s, _ = x.shape
    H = w.shape[2]
    hd = H // heads
    qkv = np.einsum("bsi,ijh->bsjh", x.astype(np.float64), w.astype(np.float64)) + bias
    q, k, v = (qkv[:, :, i].reshape(b, s, heads, hd).transpose(0, 2, 1, 3) for i in range(3))
    sc = alpha * q @ k.transpose(0, 1, 3, 2)
    if mask is not None:
        sc = sc + mask
    sc = sc - sc.max(-1, keepdims=True)
    p = np.exp(sc)
    p /= p.sum(-1, keepdims=True)
    return (p @ v).transpose(0, 2, 1, 3).reshape(b, s, H)


def op_program(mask_rank, heads, alpha):
    """Legacy program feeding Input, W, Bias (and BiasQK) to one multihead_matmul op,
    written byte by byte (Paddle has no CPU kernel for the op, so it cannot export it)."""
    import legacy_writer as lw

    names = ["x", "w", "bias"] + (["m"] if mask_rank is not None else [])
    dims = {"x": [-1, -1, -1], "w": [-1, 3, -1], "bias": [3, -1], "m": [-1] * (mask_rank or 0)}
    vars_ = lw.holders() + [lw.var(n, dims=dims[n]) for n in names] + [lw.var("out", dims=[-1, -1, -1])]
    ins = {"Input": ["x"], "W": ["w"], "Bias": ["bias"]}
    if mask_rank is not None:
        ins["BiasQK"] = ["m"]
    attrs = [lw.attr("head_number", lw.A_INT, heads), lw.attr("alpha", lw.A_FLOAT, alpha),
             lw.attr("transpose_Q", lw.A_BOOLEAN, False), lw.attr("transpose_K", lw.A_BOOLEAN, True),
             lw.attr("transpose_V", lw.A_BOOLEAN, False)]
    ops = [lw.feed(n, i) for i, n in enumerate(names)]
    ops += [lw.op("multihead_matmul", ins, {"Out": ["out"]}, attrs), lw.fetch("out", 0)]
    return lw.program([lw.block(vars_, ops)])


def op_predictor(mask_rank, heads, alpha, threads=1):
    import pdinfer

    prog = op_program(mask_rank, heads, alpha)
    cfg = pdinfer.Config()
    cfg.set_model_buffer(prog, len(prog), b"", 0)
    cfg.set_cpu_math_library_num_threads(threads)
    return pdinfer.create_predictor(cfg)


def feeds(b, s, hin, H, mask_shape, seed=0):
    rng = np.random.RandomState(seed)
    d = {"x": rng.randn(b, s, hin).astype(np.float32),
         "w": (rng.randn(hin, 3, H) / np.sqrt(hin)).astype(np.float32),
         "bias": (rng.randn(3, H) * 0.1).astype(np.float32)}
    if mask_shape is not None:
        d["m"] = (rng.randn(*mask_shape) * 2).astype(np.float32)
    return d


OP_SHAPES = [  # (batch, seq, hin, hidden, heads, mask shape)
    (2, 5, 16, 16, 4, None),
    (2, 5, 16, 16, 4, (2, 1, 1, 5)),
    (2, 5, 16, 16, 4, (2, 1, 5, 5)),
    (2, 5, 16, 16, 4, (2, 4, 5, 5)),
    (2, 5, 16, 16, 4, (1, 1, 1, 5)),
    (3, 4, 8, 8, 2, (4, 4)),
    (1, 6, 8, 12, 3, (6,)),
    (2, 3, 8, 8, 2, (2, 2, 3, 1)),  # broadcast over keys (softmax-invariant shift)
    (1, 200, 32, 32, 2, (1, 1, 1, 200)),  # several query-row blocks
    (2, 130, 24, 24, 3, (2, 3, 130, 130)),
    (1, 1, 8, 8, 8, None),  # head size 1, one token
]


@pytest.mark.parametrize("shape", OP_SHAPES, ids=lambda s: "x".join(map(str, s[:5])) + f"_m{s[5]}")
def test_op_vs_numpy(shape):
    b, s, hin, H, heads, ms = shape
    alpha = 0.37
    inputs = feeds(b, s, hin, H, ms, seed=b * 1000 + s)
    for threads in (1, 3):
        p = op_predictor(None if ms is None else len(ms), heads, alpha, threads)
        got = p.run([inputs[n] for n in p.get_input_names()])[0]
        want = np_mha(inputs["x"], inputs["w"], inputs["bias"], inputs.get("m"), heads, alpha)
        assert got.shape == want.shape and got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_op_empty_batch_and_errors():
    import pdinfer

    p = op_predictor(4, 4, 1.0)
    names = p.get_input_names()

    def go(**kw):
        inputs = feeds(*kw.pop("shape"), seed=1)
        inputs.update(kw)
        return p.run([inputs[n] for n in names])[0]

    out = go(shape=(0, 5, 16, 16, (0, 1, 1, 5)))
    assert out.shape == (0, 5, 16)
    out = go(shape=(2, 0, 16, 16, (2, 1, 1, 0)))
    assert out.shape == (2, 0, 16)
    with pytest.raises(pdinfer.PdinferError, match="cannot be broadcast"):
        go(shape=(2, 5, 16, 16, (3, 1, 1, 5)))
    with pytest.raises(pdinfer.PdinferError, match="cannot be broadcast"):
        go(shape=(2, 5, 16, 16, (2, 1, 1, 4)))
    with pytest.raises(pdinfer.PdinferError, match="not divisible by head_number"):
        go(shape=(2, 5, 18, 18, (2, 1, 1, 5)))
    with pytest.raises(pdinfer.PdinferError, match="Bias must be"):
        go(shape=(2, 5, 16, 16, (2, 1, 1, 5)), bias=np.zeros((3, 8), np.float32))
