"""The CUDA backend: a separately loaded module (libpdinfer_cuda.so).

Runs everywhere:
  * `import pdinfer` and CPU predictors never load the module (checked in /proc/self/maps);
  * the module file is built wherever nvcc is found (so CI catches a CUDA build break);
  * Config.enable_use_gpu() bookkeeping, and on a machine without a usable GPU a typed
    UnsupportedError naming the reason at create_predictor();
  * CUDA arrays (__cuda_array_interface__ / DLPack) given to a CPU predictor are refused.
Needs a GPU (skipped with the reason otherwise):
  * parity of the model zoo against paddle.inference CPU references (fp32, rtol=atol=1e-3),
  * CUDA Graph replay, dynamic shapes, clone, zero-copy device input/output.
"""
import os
import shutil
import subprocess
import sys

import legacy_writer as lw  # not `from ... import`: its autouse fixture is for the bad-model tests
import numpy as np
import pdinfer
import pytest
from pdinfer import _core, _device_arrays

HERE = os.path.dirname(os.path.abspath(__file__))


def _nvcc():
    return shutil.which("nvcc") or next(
        (p for p in ("/usr/local/cuda/bin/nvcc",) if os.path.exists(p)), None)


_REASON = None


def gpu_reason():
    """'' when a CUDA device is usable, else why not (loads the module when built)."""
    global _REASON
    if _REASON is None:
        _REASON = _core.cuda_unavailable_reason() if _core.cuda_module_built() else \
            "pdinfer was built without CUDA"
    return _REASON


needs_gpu = pytest.mark.skipif(bool(gpu_reason()), reason=f"no usable CUDA GPU: {gpu_reason()}")


def _skip_without_gpu():
    if gpu_reason():
        pytest.skip(f"no usable CUDA GPU: {gpu_reason()}")


@pytest.fixture
def tiny(tmp_path):
    return lw.write_model(tmp_path / "tiny", lw.basic_program(), lw.basic_params())


def _gpu_config(model_dir, **kw):
    cfg = pdinfer.Config(os.path.join(model_dir, "inference.pdmodel"),
                         os.path.join(model_dir, "inference.pdiparams"))
    cfg.enable_use_gpu(kw.pop("mb", 64), kw.pop("device_id", 0), **kw)
    return cfg


def _forced_gpu_config(model_dir):
    """A Config asking for the GPU without enable_use_gpu()'s early check, to reach the
    core's own check at create_predictor()."""
    cfg = pdinfer.Config(model_dir)
    cfg._use_gpu = True
    return cfg


# ------------------------------------------------------------------ runs without a GPU

def test_import_and_cpu_run_do_not_load_cuda_module(tiny):
    code = (
        "import sys, numpy as np, pdinfer\n"
        "from pdinfer import _core\n"
        f"cfg = pdinfer.Config({tiny!r})\n"
        "p = pdinfer.create_predictor(cfg)\n"
        "p.run([np.ones((2, 4), 'float32')])\n"
        "pdinfer.inference.get_version()\n"
        "maps = open('/proc/self/maps').read()\n"
        "assert 'libpdinfer_cuda' not in maps, 'CUDA module mapped by a CPU-only run'\n"
        "assert 'libcudart' not in maps and 'libcublas' not in maps and 'libcudnn' not in maps\n"
        "assert not _core.cuda_module_loaded()\n"
        "print('ok')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120,
                       env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith("ok")


@pytest.mark.skipif(_nvcc() is None, reason="nvcc not found: the CUDA module is not built here")
def test_cuda_module_is_built_when_nvcc_is_present():
    path = _core.cuda_module_path()
    assert _core.cuda_module_built(), (
        f"nvcc is installed ({_nvcc()}) but the CUDA backend module {path} was not built: "
        "check the CMake output for the CUDA backend")
    assert os.path.dirname(path) == os.path.dirname(pdinfer._core.__file__)


def test_config_gpu_options():
    cfg = pdinfer.Config()
    assert not cfg.use_gpu() and cfg.gpu_device_id() == -1 and cfg.memory_pool_init_size_mb() == 0
    if gpu_reason():
        with pytest.raises(pdinfer.UnsupportedError, match="CUDA") as info:
            cfg.enable_use_gpu(256, 0)
        assert gpu_reason().split(":")[0] in str(info.value) or "no CUDA support" in str(info.value)
        assert not cfg.use_gpu() and cfg.gpu_device_id() == -1  # left on the CPU
    else:
        cfg.enable_use_gpu(256, 0)
        assert cfg.use_gpu() and cfg.gpu_device_id() == 0 and cfg.memory_pool_init_size_mb() == 256
        assert "| use_gpu" in cfg.summary() and "true" in cfg.summary()
        cfg.disable_gpu()
        assert not cfg.use_gpu()
    with pytest.raises(pdinfer.InvalidArgumentError):
        cfg.enable_use_gpu(100, -1)
    with pytest.raises(pdinfer.InvalidArgumentError):
        cfg.enable_use_gpu(-5, 0)
    with pytest.raises(pdinfer.UnsupportedError, match="Int8"):
        cfg.enable_use_gpu(100, 0, pdinfer.PrecisionType.Int8)
    assert not cfg.use_gpu()


def test_enable_use_gpu_without_gpu_names_the_reason(tiny):
    if not gpu_reason():
        pytest.skip("a CUDA GPU is usable here")
    with pytest.raises(pdinfer.UnsupportedError) as info:
        pdinfer.create_predictor(_forced_gpu_config(tiny))
    msg = str(info.value)
    assert "CUDA" in msg or "cuda" in msg
    if _core.cuda_module_built():
        # The module loads; the CUDA runtime's own error says why no device is usable.
        assert "cudaError" in msg or "no CUDA device" in msg, msg
    else:
        assert "built without CUDA" in msg, msg
    # The failure leaves the process fine for CPU work.
    cfg = pdinfer.Config(tiny)
    x = np.ones((2, 4), "float32")
    np.testing.assert_allclose(pdinfer.create_predictor(cfg).run([x])[0], lw.expected(x))


class _FakeCudaArray:
    """Looks like a CuPy/PyTorch CUDA array (the pointer is never dereferenced here)."""

    def __init__(self, shape=(2, 4), typestr="<f4", strides=None, ptr=0x10000):
        self.__cuda_array_interface__ = {"shape": shape, "typestr": typestr, "strides": strides,
                                         "data": (ptr, False), "version": 3}


def test_cuda_array_on_cpu_predictor_is_refused(tiny):
    p = pdinfer.create_predictor(pdinfer.Config(tiny))
    h = p.get_input_handle(p.get_input_names()[0])
    with pytest.raises(pdinfer.UnsupportedError, match="CUDA array"):
        h.share_external_data(_FakeCudaArray())
    out = p.get_output_handle(p.get_output_names()[0])
    with pytest.raises(pdinfer.UnsupportedError, match="CUDA array"):
        out.share_external_data(_FakeCudaArray())
    # NumPy arrays keep working through share_external_data (copied).
    x = np.full((2, 4), 2.0, "float32")
    h.share_external_data(x)
    p.run()
    np.testing.assert_allclose(out.copy_to_cpu(), lw.expected(x))


def test_device_array_parsing():
    assert not _device_arrays.is_device_array(np.zeros(3))
    ptr, dtype, shape, _ = _device_arrays.device_array_info(_FakeCudaArray((3, 5), "<i8"))
    assert (ptr, dtype, shape) == (0x10000, "int64", [3, 5])
    # explicit C-contiguous strides are fine, transposed ones are not
    assert _device_arrays.device_array_info(_FakeCudaArray((3, 5), "<f4", (20, 4)))[2] == [3, 5]
    with pytest.raises(pdinfer.InvalidArgumentError, match="contiguous"):
        _device_arrays.device_array_info(_FakeCudaArray((3, 5), "<f4", (4, 12)))


# ------------------------------------------------------------------ needs a GPU

@needs_gpu
def test_tiny_model_on_gpu_matches(tiny):
    p = pdinfer.create_predictor(_gpu_config(tiny))
    for batch in (2, 5, 2):  # a new shape, then a cached plan again
        x = np.random.RandomState(batch).randn(batch, 4).astype("float32")
        (out,) = p.run([x])
        np.testing.assert_allclose(out, lw.expected(x), rtol=1e-5, atol=1e-6)


@needs_gpu
def test_cuda_graph_replay_gives_same_outputs(tiny):
    p = pdinfer.create_predictor(_gpu_config(tiny))
    x = np.random.RandomState(0).randn(3, 4).astype("float32")
    outs = [p.run([x])[0] for _ in range(4)]  # record, planned, capture, replay
    for o in outs:
        np.testing.assert_allclose(o, lw.expected(x), rtol=1e-5, atol=1e-6)
    stats = p._core.device_memory_stats()
    assert stats["graph_replays"] >= 1, stats
    assert stats["host_fallbacks"] == 0, stats


@needs_gpu
def test_clone_runs_on_gpu(tiny):
    p = pdinfer.create_predictor(_gpu_config(tiny))
    q = p.clone()
    x = np.ones((2, 4), "float32")
    np.testing.assert_allclose(q.run([x])[0], lw.expected(x), rtol=1e-6)


@needs_gpu
def test_zero_copy_device_input_and_output(tiny):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("torch has no CUDA")
    p = pdinfer.create_predictor(_gpu_config(tiny))
    x = torch.randn(3, 4, device="cuda")
    out = torch.empty(3, 4, device="cuda")
    p.get_input_handle(p.get_input_names()[0]).share_external_data(x)
    oh = p.get_output_handle(p.get_output_names()[0])
    oh.share_external_data(out)
    p.run()
    torch.cuda.synchronize()
    want = lw.expected(x.cpu().numpy())
    np.testing.assert_allclose(out.cpu().numpy(), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(oh.copy_to_cpu(), want, rtol=1e-5, atol=1e-6)


ZOO_MODELS = ["resnet50", "mobilenet_v3_large", "bert_base", "ppocrv4_det", "ppocrv4_rec",
              "ppocr_cls"]


@needs_gpu
@pytest.mark.paddle
@pytest.mark.model
@pytest.mark.parametrize("name", ZOO_MODELS)
def test_zoo_parity_on_gpu(name):
    from models import ModelUnavailable, input_sets, model_dir, references
    try:
        d = model_dir(name)
        refs = references(name)
    except ModelUnavailable as e:
        pytest.skip(str(e))
    if refs and refs[0].error:
        pytest.fail(f"{name}: reference failed: {refs[0].error}")
    p = pdinfer.create_predictor(_gpu_config(d, mb=256))
    for feeds, ref in zip(input_sets(name), refs):
        for n, arr in feeds.items():
            p.get_input_handle(n).copy_from_cpu(arr)
        for _ in range(3):  # eager, planned, captured/replayed: all must agree
            p.run()
            for n, want in zip(ref.output_names, ref.outputs):
                got = p.get_output_handle(n).copy_to_cpu()
                np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-3,
                                           err_msg=f"{name} output {n}")
