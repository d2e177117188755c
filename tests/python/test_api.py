"""The paddle.inference-compatible Python API: config variants, handles, run forms,
clone/pool, typed errors on bad input, and that a failed call leaves the predictor usable."""
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import pdinfer
from pdtest import OpCase, paddle_reference

CASE = OpCase(
    name="api_model",
    code=(
        "x = paddle.static.data('x', [-1, 3, 4, 4], 'float32')\n"
        "y = paddle.static.data('y', [-1, 4], 'float32')\n"
        "a = F.relu(x)\n"
        "b = paddle.scale(y, scale=2.0, bias=1.0)\n"
    ),
    inputs={
        "x": np.random.RandomState(0).randn(2, 3, 4, 4).astype("float32"),
        "y": np.random.RandomState(1).randn(2, 4).astype("float32"),
    },
    fetch=["a", "b"],
)


@pytest.fixture(scope="module")
def ref():
    r = paddle_reference([CASE])[CASE.name]
    if r.error:
        pytest.fail(f"reference export failed: {r.error}")
    return r


def paths(ref):
    return (os.path.join(ref.model_dir, "inference.pdmodel"),
            os.path.join(ref.model_dir, "inference.pdiparams"))


@pytest.fixture
def predictor(ref):
    return pdinfer.create_predictor(pdinfer.Config(*paths(ref)))


def feed(p, x=None, y=None):
    x = CASE.inputs["x"] if x is None else x
    y = CASE.inputs["y"] if y is None else y
    p.get_input_handle("x").copy_from_cpu(x)
    p.get_input_handle("y").copy_from_cpu(y)


def expected(x=None, y=None):
    x = CASE.inputs["x"] if x is None else x
    y = CASE.inputs["y"] if y is None else y
    return [np.maximum(x, 0), y * 2 + 1]


def check_outputs(p, ref, x=None, y=None):
    outs = [p.get_output_handle(n).copy_to_cpu() for n in p.get_output_names()]
    for got, want in zip(outs, expected(x, y)):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_names_match_paddle(predictor, ref):
    assert predictor.get_input_names() == ["x", "y"]
    assert predictor.get_output_names() == ref.output_names


def test_handles_run_and_reference(predictor, ref):
    feed(predictor)
    predictor.run()
    outs = [predictor.get_output_handle(n).copy_to_cpu() for n in predictor.get_output_names()]
    for got, want in zip(outs, ref.outputs):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    h = predictor.get_output_handle(predictor.get_output_names()[0])
    assert h.shape() == [2, 3, 4, 4]
    assert h.type() == pdinfer.DataType.FLOAT32
    assert h.name() == predictor.get_output_names()[0]


def test_run_with_list(predictor):
    outs = predictor.run([CASE.inputs["x"], CASE.inputs["y"]])
    assert len(outs) == 2
    for got, want in zip(outs, expected()):
        np.testing.assert_allclose(got, want, rtol=1e-6)


def test_reshape_then_copy(predictor, ref):
    x = np.arange(48, dtype="float32") - 20
    hx = predictor.get_input_handle("x")
    hx.reshape([1, 3, 4, 4])
    hx.copy_from_cpu(x)
    assert hx.shape() == [1, 3, 4, 4]
    y = np.ones((5, 4), "float32")
    predictor.get_input_handle("y").copy_from_cpu(y)
    predictor.run()
    check_outputs(predictor, ref, x.reshape(1, 3, 4, 4), y)


def test_dynamic_batch_changes(predictor, ref):
    for n in (1, 3, 2):
        x = np.random.RandomState(n).randn(n, 3, 4, 4).astype("float32")
        y = np.random.RandomState(n).randn(n + 1, 4).astype("float32")
        feed(predictor, x, y)
        predictor.run()
        check_outputs(predictor, ref, x, y)


@pytest.mark.parametrize(
    "bad, pattern",
    [
        (np.zeros((2, 3, 4, 4), "float64"), r"'x'.*float32.*float64"),
        (np.zeros((2, 3, 4), "float32"), r"'x'.*rank 4"),
        (np.zeros((2, 4, 4, 4), "float32"), r"'x' dim 1 must be 3"),
        (np.zeros((2, 3, 4, 5), "float32"), r"'x' dim 3 must be 4"),
    ],
    ids=["dtype", "rank", "fixed-dim-1", "fixed-dim-3"],
)
def test_bad_input_is_typed_and_recoverable(predictor, ref, bad, pattern):
    feed(predictor, x=bad)
    with pytest.raises(pdinfer.InvalidArgumentError, match=pattern):
        predictor.run()
    feed(predictor)  # the predictor stays usable
    predictor.run()
    check_outputs(predictor, ref)


def test_run_before_inputs_set(predictor, ref):
    with pytest.raises(pdinfer.InvalidArgumentError, match="has not been set"):
        predictor.run()
    predictor.get_input_handle("x").copy_from_cpu(CASE.inputs["x"])
    with pytest.raises(pdinfer.InvalidArgumentError, match="'y' has not been set"):
        predictor.run()
    feed(predictor)
    predictor.run()
    check_outputs(predictor, ref)


def test_output_before_run(predictor):
    with pytest.raises(pdinfer.InvalidArgumentError, match="run"):
        predictor.get_output_handle(predictor.get_output_names()[0]).copy_to_cpu()


def test_unknown_names(predictor):
    with pytest.raises(pdinfer.NotFoundError, match="inputs are: x, y"):
        predictor.get_input_handle("nope")
    with pytest.raises(KeyError if False else pdinfer.NotFoundError):
        predictor.get_output_handle("nope")


def test_run_list_wrong_count(predictor):
    with pytest.raises(pdinfer.InvalidArgumentError, match="2"):
        predictor.run([CASE.inputs["x"]])


def test_reshape_mismatch(predictor):
    h = predictor.get_input_handle("x")
    h.reshape([1, 3, 4, 4])
    with pytest.raises(pdinfer.InvalidArgumentError, match="48 elements"):
        h.copy_from_cpu(np.zeros((2, 3, 4, 4), "float32"))


def test_config_forms(ref):
    prog, params = paths(ref)
    configs = [pdinfer.Config(prog, params), pdinfer.Config(ref.model_dir),
               pdinfer.Config(ref.model_dir, "inference")]
    c = pdinfer.Config()
    with open(prog, "rb") as f1, open(params, "rb") as f2:
        pb, pa = f1.read(), f2.read()
    c.set_model_buffer(pb, len(pb), pa, len(pa))
    assert c.model_from_memory()
    configs.append(c)
    c2 = pdinfer.Config()
    c2.set_model(prog, params)
    configs.append(c2)
    for cfg in configs:
        p = pdinfer.create_predictor(cfg)
        feed(p)
        p.run()
        check_outputs(p, ref)


def test_config_switches(ref):
    c = pdinfer.Config(*paths(ref))
    c.set_cpu_math_library_num_threads(2)
    assert c.cpu_math_library_num_threads() == 2
    c.enable_mkldnn()
    assert c.mkldnn_enabled()
    c.disable_mkldnn()
    c.enable_memory_optim()
    c.switch_ir_optim(False)
    assert not c.ir_optim()
    c.delete_pass("conv_transpose_eltwiseadd_bn_fuse_pass")
    c.disable_glog_info()
    c.switch_use_feed_fetch_ops(False)
    c.disable_gpu()
    assert not c.use_gpu()
    with pytest.raises(pdinfer.UnsupportedError, match="CUDA"):
        c.enable_use_gpu(100, 0)
    s = c.summary()
    assert "inference.pdmodel" in s and "cpu_math_thread" in s
    with pytest.raises(pdinfer.InvalidArgumentError):
        c.set_cpu_math_library_num_threads(0)
    p = pdinfer.create_predictor(c)
    feed(p)
    p.run()


def test_clone_and_threads(ref):
    base = pdinfer.create_predictor(pdinfer.Config(*paths(ref)))
    clones = [base] + [base.clone() for _ in range(3)]
    errors = []

    def work(p, seed):
        try:
            rs = np.random.RandomState(seed)
            for _ in range(20):
                x = rs.randn(2, 3, 4, 4).astype("float32")
                y = rs.randn(3, 4).astype("float32")
                outs = p.run([x, y])
                for got, want in zip(outs, expected(x, y)):
                    np.testing.assert_allclose(got, want, rtol=1e-6)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(p, i)) for i, p in enumerate(clones)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_pool_and_memory_calls(ref):
    pool = pdinfer.PredictorPool(pdinfer.Config(*paths(ref)), 2)
    for i in range(2):
        p = pool.retrieve(i)
        feed(p)
        p.run()
        p.try_shrink_memory()
        p.clear_intermediate_tensor()
        feed(p)
        p.run()
        check_outputs(p, ref)


def test_enums_and_version():
    assert "pdinfer" in pdinfer.get_version()
    assert pdinfer.get_num_bytes_of_data_type(pdinfer.DataType.FLOAT32) == 4
    assert pdinfer.get_num_bytes_of_data_type(pdinfer.DataType.INT64) == 8
    assert pdinfer.PlaceType.CPU is not None and pdinfer.PrecisionType.Half is not None
    assert "conv2d" in pdinfer.supported_ops()


def test_input_handle_roundtrip_and_lod(predictor):
    h = predictor.get_input_handle("x")
    h.copy_from_cpu(CASE.inputs["x"])
    np.testing.assert_array_equal(h.copy_to_cpu(), CASE.inputs["x"])
    h.set_lod([[0, 1, 2]])
    assert h.lod() == [[0, 1, 2]]


def test_compat_shim_in_subprocess(ref):
    prog, params = paths(ref)
    code = (
        "import pdinfer.compat; pdinfer.compat.install()\n"
        "import paddle\n"
        "from paddle import inference\n"
        "import numpy as np, pdinfer\n"
        "assert inference is pdinfer.inference\n"
        "assert not paddle.device.is_compiled_with_rocm()\n"
        f"cfg = inference.Config({prog!r}, {params!r})\n"
        "p = inference.create_predictor(cfg)\n"
        "outs = p.run([np.ones((1,3,4,4),'float32'), np.ones((1,4),'float32')])\n"
        "print(float(outs[1].sum()))\n"
        "import sys; assert 'paddle.base' not in sys.modules\n"
        "try:\n    import paddle.nn\nexcept ImportError as e:\n    print('blocked')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["12.0", "blocked"]


def test_compat_module_runner(tmp_path, ref):
    prog, params = paths(ref)
    app = tmp_path / "app.py"
    app.write_text(
        "import sys\nfrom paddle import inference\nimport numpy as np\n"
        f"p = inference.create_predictor(inference.Config({prog!r}, {params!r}))\n"
        "h = p.get_input_handle('x'); h.copy_from_cpu(np.ones((1,3,4,4),'float32'))\n"
        "p.get_input_handle('y').copy_from_cpu(np.zeros((1,4),'float32'))\n"
        "p.run(); print(sys.argv[1], p.get_output_handle(p.get_output_names()[1]).copy_to_cpu().sum())\n"
    )
    out = subprocess.run([sys.executable, "-m", "pdinfer.compat", str(app), "hello"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["hello", "4.0"]
