"""Whole-model parity: pdinfer vs paddle.inference on the model zoo (see models/__init__.py).

Every output of every model must match Paddle's reference (default Config, oneDNN; with a
disable_mkldnn() fallback where Paddle's oneDNN path fails) with rtol=atol=1e-4, and have the
same names, shapes and dtypes.  BERT runs the SAME predictor at two (batch, seq) shapes.

All models run by default.  The big ones are also marked `slow` (`-m "not slow"` skips
them locally).  Exports and references are cached (pdtest.cache_root()).
"""
import os

import pytest

import models
from pdtest import compare_outputs, run_pdinfer

NEEDS_PADDLE = True
RTOL = ATOL = 1e-4

PARAMS = [pytest.param(name, marks=[pytest.mark.model, pytest.mark.paddle]
                       + ([pytest.mark.slow] if m.big else []), id=name)
          for name, m in models.ZOO.items()]


def _prepare(name):
    try:
        refs = models.references(name)
    except models.ModelUnavailable as e:
        pytest.skip(str(e))
    if refs[0].error:
        pytest.fail(f"{name}: no Paddle reference: {refs[0].error}")
    return refs


@pytest.mark.parametrize("name", PARAMS)
def test_model_parity(name):
    import pdinfer

    refs = _prepare(name)
    model_file, params_file = models.model_files(name)
    predictor = pdinfer.create_predictor(pdinfer.Config(model_file, params_file))
    for i, (inputs, ref) in enumerate(zip(models.input_sets(name), refs)):
        shapes = ", ".join(f"{k}{list(v.shape)}" for k, v in inputs.items())
        label = f"[{name} #{i}: {shapes}; paddle {ref.mode}]"
        in_names, names, outs = run_pdinfer(ref.model_dir, inputs, predictor=predictor)
        assert in_names == ref.input_names, f"{label}: input names {in_names} vs paddle {ref.input_names}"
        compare_outputs(label, ref.output_names, ref.outputs, names, outs, RTOL, ATOL)


@pytest.mark.paddle
def test_ocr_rec_reference_is_meaningful():
    """Sanity check of the test data itself: the real rec model reads the rendered line."""
    try:
        refs = models.references("ppocrv4_rec")
        keys = os.path.join(models.rapidocr_dir(), "ch_ppocr_rec", "ppocr_keys_v1.txt")
    except models.ModelUnavailable as e:
        pytest.skip(str(e))
    if refs[0].error or not os.path.exists(keys):
        pytest.skip("no rec reference or no key file")
    with open(keys, encoding="utf-8") as f:
        chars = [""] + [line.rstrip("\n") for line in f] + [" "]
    idx = refs[0].outputs[0][0].argmax(-1)
    text = "".join(chars[c] for j, c in enumerate(idx) if c and (j == 0 or c != idx[j - 1]))
    assert text.strip() == "Hello World 2024", text
