"""Export one seeded random-init zoo model in Paddle's LEGACY inference format.

Run as a script in a fresh process (the PIR switch is read when paddle is imported):

    FLAGS_enable_pir_api=0 python export_zoo.py NAME OUT_DIR

writes OUT_DIR/inference.pdmodel + OUT_DIR/inference.pdiparams.  NAME is one of
resnet50, mobilenet_v3_large, mobilenet_v1, shufflenet_v2, bert_base.
The output is deterministic (paddle.seed(0), seeded BN calibration).
"""
import os
import sys

import numpy as np

VISION = ("resnet50", "mobilenet_v3_large", "mobilenet_v1", "shufflenet_v2")
NAMES = VISION + ("bert_base",)


def install_legacy_static_shims():
    """In Paddle 3.x several public functions (paddle.matmul, paddle.tanh, F.gelu, ...) call
    C++ ops that accept only PIR values, so tracing a Layer in legacy static mode fails with
    "argument must be Value, but got Variable".  Route the three the BERT encoder needs to
    the legacy ops (matmul_v2, gelu, tanh) through LayerHelper.  Must run before the model
    is constructed: TransformerEncoderLayer looks the activation up at construction."""
    import paddle
    import paddle.nn.functional as F
    from paddle.base.framework import Variable
    from paddle.base.layer_helper import LayerHelper

    def legacy_op(op_type, inputs, attrs, like):
        helper = LayerHelper(op_type)
        out = helper.create_variable_for_type_inference(like.dtype)
        helper.append_op(type=op_type, inputs=inputs, outputs={"Out": [out]}, attrs=attrs)
        return out

    dyn_matmul, dyn_gelu, dyn_tanh = paddle.matmul, F.gelu, paddle.tanh

    def matmul(x, y, transpose_x=False, transpose_y=False, name=None):
        if isinstance(x, Variable):
            return legacy_op("matmul_v2", {"X": [x], "Y": [y]},
                             {"trans_x": transpose_x, "trans_y": transpose_y}, x)
        return dyn_matmul(x, y, transpose_x, transpose_y, name)

    def gelu(x, approximate=False, name=None):
        if isinstance(x, Variable):
            return legacy_op("gelu", {"X": [x]}, {"approximate": approximate}, x)
        return dyn_gelu(x, approximate, name)

    def tanh(x, name=None):
        if isinstance(x, Variable):
            return legacy_op("tanh", {"X": [x]}, {}, x)
        return dyn_tanh(x, name)

    import paddle.nn.layer.transformer as transformer

    modules = {paddle, transformer.tensor, sys.modules["paddle.tensor"], paddle.tensor.linalg,
               paddle.tensor.math}
    for mod in modules:
        for attr, fn in (("matmul", matmul), ("tanh", tanh)):
            if hasattr(mod, attr):
                setattr(mod, attr, fn)
    F.gelu = paddle.nn.functional.activation.gelu = gelu


def calibrate_bn(model, shape, seed=1):
    """Random-init CNNs explode or vanish in eval mode (BN running stats are 0/1).  Set every
    BN's running stats to the batch statistics of one seeded N(0,1) batch so activations and
    outputs are O(1) and absolute tolerances are meaningful."""
    import paddle

    bns = [m for m in model.sublayers() if isinstance(m, paddle.nn.layer.norm._BatchNormBase)]
    saved = [m._momentum for m in bns]
    for m in bns:
        m._momentum = 0.0
    model.train()
    with paddle.no_grad():
        model(paddle.to_tensor(np.random.RandomState(seed).standard_normal(shape).astype("float32")))
    for m, mo in zip(bns, saved):
        m._momentum = mo
    model.eval()


def build_bert():
    import paddle
    import paddle.nn as nn

    class BertBase(nn.Layer):
        """Embeddings (word + position + type) -> LayerNorm -> 12 post-LN encoder layers,
        plus a tanh pooler on the first token.  Padding mask from ids == 0."""

        def __init__(self, vocab=30522, hidden=768, layers=12, heads=12, ffn=3072, max_pos=512,
                     types=2):
            super().__init__()
            self.word = nn.Embedding(vocab, hidden)
            self.pos = nn.Embedding(max_pos, hidden)
            self.tok_type = nn.Embedding(types, hidden)
            self.emb_ln = nn.LayerNorm(hidden, epsilon=1e-12)
            layer = nn.TransformerEncoderLayer(hidden, heads, ffn, dropout=0.1, activation="gelu",
                                               attn_dropout=0.1, act_dropout=0.0,
                                               normalize_before=False)
            self.encoder = nn.TransformerEncoder(layer, layers)
            self.pool = nn.Linear(hidden, hidden)

        def forward(self, input_ids, token_type_ids):
            seq_len = paddle.shape(input_ids)[1]
            pos_ids = paddle.arange(0, seq_len, dtype="int64").unsqueeze(0)
            mask = paddle.unsqueeze((input_ids == 0).astype("float32") * -1e4, axis=[1, 2])
            h = self.word(input_ids) + self.pos(pos_ids) + self.tok_type(token_type_ids)
            h = self.emb_ln(h)
            seq = self.encoder(h, mask)
            pooled = paddle.tanh(self.pool(seq[:, 0]))
            return seq, pooled

    spec = [paddle.static.InputSpec([None, None], "int64", "input_ids"),
            paddle.static.InputSpec([None, None], "int64", "token_type_ids")]
    return BertBase(), spec


def build(name):
    import paddle

    paddle.seed(0)
    if name in VISION:
        vm = paddle.vision.models
        ctor = {"resnet50": vm.resnet50, "mobilenet_v3_large": vm.mobilenet_v3_large,
                "mobilenet_v1": vm.mobilenet_v1, "shufflenet_v2": vm.shufflenet_v2_x1_0}[name]
        model = ctor(pretrained=False)
        calibrate_bn(model, [16, 3, 224, 224])
        return model, [paddle.static.InputSpec([None, 3, 224, 224], "float32", "x")]
    if name == "bert_base":
        install_legacy_static_shims()
        return build_bert()
    raise KeyError(f"unknown zoo model {name!r} (known: {', '.join(NAMES)})")


def export(name, out_dir):
    import paddle

    if paddle.framework.use_pir_api():
        raise SystemExit("set FLAGS_enable_pir_api=0 in the environment before running this script")
    model, spec = build(name)
    model.eval()
    os.makedirs(out_dir, exist_ok=True)
    paddle.jit.save(model, os.path.join(out_dir, "inference"), input_spec=spec)
    for f in os.listdir(out_dir):  # training-only side file
        if f.endswith(".pdiparams.info"):
            os.remove(os.path.join(out_dir, f))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    export(sys.argv[1], sys.argv[2])
