"""The conv fusion passes on the CNN models of the zoo (see models/__init__.py): batch norms
folded into the convs, activations fused, and the optimized graph still matching
paddle.inference (rtol = atol = 1e-4) with the reference kernels (disable_mkldnn()).
"""
import pytest

import models
from pdtest import compare_outputs, run_pdinfer

NEEDS_PADDLE = True
RTOL = ATOL = 1e-4

CNN = ["mobilenet_v1", "mobilenet_v3_large", "resnet50", "ppocr_cls", "ppocrv4_rec", "ppocrv4_det"]

# Passes that must fire on every model, and the ops none of which may remain.
MUST_FIRE = ("conv_bn_fuse_pass", "conv_activation_fuse_pass")
GONE = ("batch_norm",)
# Model-specific extras (rewrites the model's structure guarantees).
EXTRA_FIRE = {
    "resnet50": ("conv_elementwise_add_fuse_pass",),  # residual adds
    "mobilenet_v3_large": ("conv_bias_fuse_pass", "conv_elementwise_add_fuse_pass"),
    "ppocrv4_det": ("conv_bias_fuse_pass", "conv_transpose_bias_fuse_pass", "conv_scale_fuse_pass"),
    "ppocrv4_rec": ("conv_bias_fuse_pass", "conv_scale_fuse_pass"),  # learnable affine blocks
}
# Conv fusions run even if the default list does not have them (yet): before the residual one.
EXTRA_PASSES = ("conv_scale_fuse_pass",)


def _params():
    out = []
    for name in CNN:
        marks = [pytest.mark.model, pytest.mark.paddle]
        if models.ZOO[name].big:
            marks.append(pytest.mark.slow)
        out.append(pytest.param(name, marks=marks, id=name))
    return out


def _predictor(name, ir_optim=True):
    import pdinfer

    model_file, params_file = models.model_files(name)
    cfg = pdinfer.Config(model_file, params_file)
    cfg.disable_mkldnn()
    cfg.switch_ir_optim(ir_optim)
    for p in EXTRA_PASSES:
        passes = cfg.pass_builder().all_passes()
        if p not in passes:
            cfg.pass_builder().insert_pass(passes.index("conv_elementwise_add_fuse_pass"), p)
    return pdinfer.create_predictor(cfg)


@pytest.mark.parametrize("name", _params())
def test_conv_passes_on_zoo_model(name):
    try:
        refs = models.references(name)
    except models.ModelUnavailable as e:
        pytest.skip(str(e))
    if refs[0].error:
        pytest.fail(f"{name}: no Paddle reference: {refs[0].error}")
    pred = _predictor(name)
    fired = {}
    for s in pred._pass_stats():
        fired[s["name"]] = fired.get(s["name"], 0) + int(s["fired"])
    for p in MUST_FIRE + EXTRA_FIRE.get(name, ()):
        assert fired.get(p, 0) > 0, f"{name}: {p} did not fire; {pred._pass_stats()}"
    counts = pred._op_counts()
    for op in GONE:
        assert counts.get(op, 0) == 0, f"{name}: {counts[op]} {op} nodes left: {counts}"
    assert counts.get("fused_conv2d", 0) > 0, counts
    for i, (inputs, ref) in enumerate(zip(models.input_sets(name), refs)):
        label = f"[{name} #{i} optimized; paddle {ref.mode}]"
        in_names, names, outs = run_pdinfer(ref.model_dir, inputs, predictor=pred)
        compare_outputs(label, ref.output_names, ref.outputs, names, outs, RTOL, ATOL)
