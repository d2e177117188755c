"""The optimizer on the model zoo: every model matches paddle.inference with the passes
off (the graph exactly as loaded) as well as on (test_models_parity.py), and the passes
that should fire on each model do."""
import pytest

import models
from pdtest import compare_outputs, run_pdinfer

RTOL = ATOL = 1e-4

PARAMS = [pytest.param(name, marks=[pytest.mark.model, pytest.mark.paddle]
                       + ([pytest.mark.slow] if m.big else []), id=name)
          for name, m in models.ZOO.items()]

# Passes that must fire on each model (at least this many times).
EXPECTED = {
    "resnet50": {"conv_bn_fuse_pass": 53, "conv_elementwise_add_fuse_pass": 16,
                 "conv_activation_fuse_pass": 33},
    "mobilenet_v1": {"conv_bn_fuse_pass": 27, "conv_activation_fuse_pass": 27},
    "mobilenet_v3_large": {"conv_bn_fuse_pass": 40, "conv_activation_fuse_pass": 20},
    "bert_base": {"multihead_matmul_fuse_pass": 12, "fc_fuse_pass": 12 * 3,
                  "simplify_with_basic_ops_pass": 1},
    "ppocrv4_det": {"conv_bn_fuse_pass": 1, "conv_activation_fuse_pass": 1},
    "ppocrv4_rec": {"conv_bn_fuse_pass": 1, "fc_fuse_pass": 1},
    "ppocr_cls": {"conv_bn_fuse_pass": 1, "conv_activation_fuse_pass": 1},
}


def _refs(name):
    try:
        refs = models.references(name)
    except models.ModelUnavailable as e:
        pytest.skip(str(e))
    if refs[0].error:
        pytest.fail(f"{name}: no Paddle reference: {refs[0].error}")
    return refs


def _predictor(name, ir_optim):
    import pdinfer
    cfg = pdinfer.Config(*models.model_files(name))
    cfg.switch_ir_optim(ir_optim)
    return pdinfer.create_predictor(cfg)


@pytest.mark.parametrize("name", PARAMS)
def test_parity_with_passes_off(name):
    refs = _refs(name)
    pred = _predictor(name, False)
    assert pred._pass_stats() == []
    report = pred.optimization_report()
    assert report["nodes_loaded"] == report["nodes_optimized"]
    for i, (inputs, ref) in enumerate(zip(models.input_sets(name), refs)):
        label = f"[{name} #{i} passes off; paddle {ref.mode}]"
        _, names, outs = run_pdinfer(ref.model_dir, inputs, predictor=pred)
        compare_outputs(label, ref.output_names, ref.outputs, names, outs, RTOL, ATOL)


@pytest.mark.parametrize("name", PARAMS)
def test_expected_passes_fire(name):
    _refs(name)
    pred = _predictor(name, True)
    report = pred.optimization_report()
    fired = {}
    for s in report["passes"]:
        fired[s["name"]] = fired.get(s["name"], 0) + s["fired"]
    for pass_name, at_least in EXPECTED.get(name, {}).items():
        assert fired.get(pass_name, 0) >= at_least, (pass_name, fired)
    assert report["nodes_optimized"] < report["nodes_loaded"], report
