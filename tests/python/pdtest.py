"""Op-level parity harness: build a tiny Paddle program, export it, run it with
paddle.inference (the reference) and with pdinfer, and compare.

Usage in a test module (tests/python/ops/test_xxx.py)::

    import numpy as np, pytest
    from pdtest import OpCase, paddle_reference, assert_matches

    CASES = [
        OpCase(name="relu_basic",
               code="x = paddle.static.data('x', [2, 3], 'float32')\\nout = F.relu(x)",
               inputs={"x": np.random.RandomState(0).randn(2, 3).astype("float32")},
               fetch=["out"]),
    ]

    @pytest.fixture(scope="module")
    def refs():
        return paddle_reference(CASES)

    @pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
    def test_op(case, refs):
        assert_matches(case, refs[case.name])

OpCase(name, code, inputs, fetch, rtol=1e-5, atol=1e-5, expect_error=None)
    code     Python source executed inside ``paddle.static.program_guard(main, startup)``
             with Paddle in LEGACY static mode (FLAGS_enable_pir_api=0).  Names available:
             ``paddle``, ``np``, ``F`` (paddle.nn.functional), ``nn`` (paddle.nn),
             ``LayerHelper`` (paddle.base.layer_helper.LayerHelper), ``Variable``
             (paddle.base.framework.Variable) and ``append_op`` (see below).  Many paddle.* functions (matmul, tanh, exp, sum, F.gelu, ...)
             do not work in legacy mode in Paddle 3.x ("must be Value, but got Variable");
             build those ops with ``append_op``.
    inputs   {feed name: np.ndarray}.  Every key must be the name of a
             ``paddle.static.data`` var in the program; they become the model inputs
             (in this order) and are fed by name to both runtimes.
    fetch    names of Python variables of the snippet holding the outputs (a variable
             may also hold a list/tuple of Variables: it expands to all of them).
    rtol, atol  tolerance for floating outputs; integer/bool outputs must match exactly.
    expect_error  pdinfer must FAIL on this case (load, predictor creation or run) with
             an exception.  A str is a regex searched in the message; an exception class
             is checked with isinstance; a (class, regex) tuple checks both; True accepts
             any exception.  The export must still succeed; the Paddle reference run may fail.

append_op(type, inputs, outputs=None, attrs=None)
    Appends one legacy op to the current block through LayerHelper.
    inputs:  {slot: Variable | [Variable, ...]}
    outputs: None -> one slot "Out" with the dtype of the first input; the new Variable is
             returned.  Otherwise {slot: spec | [spec, ...]} where spec is a dtype string
             (a new temporary var is created) or an existing Variable; returns
             {slot: Variable | [Variable, ...]} mirroring the given structure.
    Example::  out = append_op("gelu", {"X": x}, attrs={"approximate": False})
               r = append_op("top_k_v2", {"X": x}, {"Out": "float32", "Indices": "int64"},
                             {"k": 2, "axis": -1})
               vals, idx = r["Out"], r["Indices"]

Parameters created in the snippet (nn.Conv2D(...), paddle.create_parameter, ...) are
initialised by running the startup program with a fixed seed (paddle.seed(0)).

paddle_reference(cases) -> {name: Ref}
    Ref(model_dir, outputs, output_names, input_names, mode, error).  Exports every case
    with paddle.static.save_inference_model (model_dir/inference.pdmodel + .pdiparams) in
    one subprocess, then runs paddle.inference with the default Config (oneDNN on) in a
    separate process with a per-case timeout; cases that crash, hang or raise there are
    re-run with ``config.disable_mkldnn()`` (``mode`` tells which one was used).  A case
    whose export or reference run failed gets ``error`` set; assert_matches raises it for
    that case only.  Results are cached on disk under $PDINFER_TEST_CACHE (default:
    <tmp>/pdinfer_test_cache), keyed by a hash of (code, inputs, fetch, paddle version);
    delete that folder to force a rebuild.  Env PDTEST_REF_TIMEOUT: seconds per case for the
    reference run (default 120).

assert_matches(case, ref)
    Loads ref.model_dir with ``pdinfer.Config(model, params)``, creates a predictor,
    feeds case.inputs by name, runs and compares every output with Paddle's: same input
    and output names (in order), same shape, same dtype, allclose(rtol, atol) for floats,
    exact equality for integers/bools.

Other public helpers (used by the model tests): ``cache_root()``, ``paddle_version()``,
``paddle_infer(model_dir, inputs, timeout)`` (reference run of an existing model folder,
same oneDNN fallback), ``run_pdinfer(model_dir, inputs)`` and ``compare_outputs(...)``.
"""
import dataclasses
import hashlib
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import traceback

import numpy as np


def _contig(a):
    """C-contiguous array that keeps 0-D arrays 0-D (np.ascontiguousarray makes them 1-D)."""
    a = np.asarray(a)
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)

HARNESS_VERSION = "1"  # bump to invalidate every cached export/reference
MODEL_FILE = "inference.pdmodel"
PARAMS_FILE = "inference.pdiparams"
SEED = 0


# ---------------------------------------------------------------------------------------
# public data types
# ---------------------------------------------------------------------------------------
@dataclasses.dataclass
class OpCase:
    name: str
    code: str
    inputs: dict
    fetch: list
    rtol: float = 1e-5
    atol: float = 1e-5
    expect_error: object = None

    def __repr__(self):  # short: pytest prints it on failure
        return f"OpCase({self.name!r})"


@dataclasses.dataclass
class Ref:
    model_dir: str
    outputs: list = None  # list of np.ndarray, in output_names order
    output_names: list = None
    input_names: list = None
    mode: str = None  # "onednn" | "no_onednn"
    error: str = None  # export or reference failure (None = ok)


class ReferenceError_(AssertionError):
    pass


# ---------------------------------------------------------------------------------------
# environment helpers
# ---------------------------------------------------------------------------------------
def cache_root():
    d = os.environ.get("PDINFER_TEST_CACHE") or os.path.join(tempfile.gettempdir(), "pdinfer_test_cache")
    os.makedirs(d, exist_ok=True)
    return d


_PADDLE_VERSION = None


def paddle_version():
    """Installed paddlepaddle version without importing paddle (None if not installed)."""
    global _PADDLE_VERSION
    if _PADDLE_VERSION is None:
        import importlib.metadata as md

        for dist in ("paddlepaddle", "paddlepaddle-gpu"):
            try:
                _PADDLE_VERSION = md.version(dist)
                break
            except md.PackageNotFoundError:
                continue
        else:
            _PADDLE_VERSION = ""
    return _PADDLE_VERSION or None


def _child_env(pir=None):
    env = dict(os.environ)
    if pir is not None:
        env["FLAGS_enable_pir_api"] = "1" if pir else "0"
    env.setdefault("GLOG_minloglevel", "2")
    env.setdefault("OMP_NUM_THREADS", "1")
    # the reference must be real paddle even if a test process has a compat shim on the path
    env.pop("PDINFER_COMPAT", None)
    return env


def _hash_inputs(h, inputs):
    for k in inputs:
        a = _contig(inputs[k])
        h.update(repr((k, a.dtype.str, a.shape)).encode())
        h.update(a.tobytes())


def case_key(case):
    h = hashlib.sha256()
    h.update(repr((HARNESS_VERSION, paddle_version(), case.code, list(case.fetch))).encode())
    _hash_inputs(h, case.inputs)
    return h.hexdigest()[:24]


def _atomic_publish(tmp_dir, final_dir):
    """Move a finished temp folder into place; a concurrent writer may have won the race."""
    try:
        os.rename(tmp_dir, final_dir)
    except OSError:
        shutil.rmtree(tmp_dir, ignore_errors=True)


# ---------------------------------------------------------------------------------------
# reference inference (paddle.inference in child processes)
# ---------------------------------------------------------------------------------------
def _infer_child(job_file, mode, result_dir):
    """Child entry: run each job (key, model_dir, inputs) in order; write result_dir/<i>.pkl
    as soon as job i finishes so the parent can tell which one crashed or hung."""
    with open(job_file, "rb") as f:
        jobs = pickle.load(f)
    import paddle.inference as pi

    for i, (key, model_dir, inputs) in enumerate(jobs):
        res = {"key": key, "mode": mode}
        try:
            cfg = pi.Config(os.path.join(model_dir, MODEL_FILE), os.path.join(model_dir, PARAMS_FILE))
            cfg.disable_glog_info()
            cfg.set_cpu_math_library_num_threads(1)
            if mode == "no_onednn":
                cfg.disable_mkldnn()
            pred = pi.create_predictor(cfg)
            in_names = list(pred.get_input_names())
            for n in in_names:
                if n not in inputs:
                    raise KeyError(f"model input {n!r} has no value in the case inputs {sorted(inputs)}")
                h = pred.get_input_handle(n)
                h.reshape(list(inputs[n].shape))
                h.copy_from_cpu(_contig(inputs[n]))
            pred.run()
            out_names = list(pred.get_output_names())
            res.update(input_names=in_names, output_names=out_names,
                       outputs=[np.array(pred.get_output_handle(n).copy_to_cpu()) for n in out_names])
        except BaseException as e:  # noqa: BLE001 - record and keep going
            res["error"] = f"{type(e).__name__}: {e}".strip()[-3000:]
        tmp = os.path.join(result_dir, f"{i}.pkl.tmp")
        with open(tmp, "wb") as f:
            pickle.dump(res, f)
        os.rename(tmp, os.path.join(result_dir, f"{i}.pkl"))


_CRASH_MARKERS = ("malloc(): ", "free(): ", "double free", "corrupted size", "corrupted double",
                  "*** Aborted at", "*** SIGSEGV", "*** SIGABRT", "Segmentation fault",
                  "terminate called", "FatalError: `Segmentation", "stack smashing")


def _crash_marker(log):
    """First crash marker in the child's output so far (None if none)."""
    try:
        with open(log.name, "r", errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    for m in _CRASH_MARKERS:
        if m in text:
            return m.strip()
    return None


def _run_infer_batch(jobs, mode, timeout):
    """Run jobs [(key, model_dir, inputs)] in as few processes as possible.  Returns
    {key: result dict}; a crash or a hang (no progress for `timeout` s) is charged to the
    job in flight and the rest continue in a fresh process."""
    results = {}
    pending = list(jobs)
    while pending:
        with tempfile.TemporaryDirectory(prefix="pdtest_infer_") as td:
            job_file = os.path.join(td, "jobs.pkl")
            with open(job_file, "wb") as f:
                pickle.dump(pending, f)
            rdir = os.path.join(td, "res")
            os.makedirs(rdir)
            log = open(os.path.join(td, "log.txt"), "w+")
            cmd = [sys.executable, os.path.abspath(__file__), "--_infer", job_file, mode, rdir]
            proc = subprocess.Popen(cmd, env=_child_env(), stdout=log, stderr=subprocess.STDOUT,
                                    cwd=td, start_new_session=True)
            done, last_t, why, last_log_check = 0, time.time(), None, 0.0
            while True:
                rc = proc.poll()
                n = len([f for f in os.listdir(rdir) if f.endswith(".pkl")])
                if n != done:
                    done, last_t = n, time.time()
                if rc is not None:
                    if done < len(pending):
                        why = f"crashed (exit code {rc})"
                    break
                crash = None
                if time.time() - last_log_check > 0.5:
                    last_log_check = time.time()
                    crash = _crash_marker(log)
                stuck = time.time() - last_t > timeout
                if crash or stuck:
                    if crash:  # glibc/paddle abort handlers sometimes never exit: don't wait
                        time.sleep(1.0)
                        if proc.poll() is not None:
                            continue
                    why = f"crashed ({crash!r} in its output)" if crash else f"hung (no result after {timeout:.0f} s)"
                    try:
                        os.killpg(proc.pid, 9)
                    except OSError:
                        proc.kill()
                    proc.wait()
                    break
                time.sleep(0.05)
            done = len([f for f in os.listdir(rdir) if f.endswith(".pkl")])
            for i in range(done):
                with open(os.path.join(rdir, f"{i}.pkl"), "rb") as f:
                    r = pickle.load(f)
                results[r["key"]] = r
            if done < len(pending):
                log.seek(0)
                tail = log.read()[-2000:]
                results[pending[done][0]] = {"key": pending[done][0], "mode": mode,
                                             "error": f"paddle.inference ({mode}) {why}; log tail:\n{tail}"}
                pending = pending[done + 1:]
            else:
                pending = []
            log.close()
    return results


def _reference_runs(jobs, timeout):
    """Default Config first; anything that failed there is retried with disable_mkldnn()."""
    res = _run_infer_batch(jobs, "onednn", timeout)
    retry = [j for j in jobs if "error" in res[j[0]]]
    if retry:
        res2 = _run_infer_batch(retry, "no_onednn", timeout)
        for j in retry:
            r2 = res2[j[0]]
            if "error" in r2:
                r2["error"] = f"default Config: {res[j[0]]['error']}\n--- disable_mkldnn(): {r2['error']}"
            else:
                r2["onednn_error"] = res[j[0]]["error"]
            res[j[0]] = r2
    return res


def _ref_timeout():
    return float(os.environ.get("PDTEST_REF_TIMEOUT", "120"))


def paddle_infer(model_dir, inputs, timeout=None):
    """paddle.inference reference of an existing model folder (inference.pdmodel/.pdiparams)
    -> Ref (error set on failure).  Not cached: callers cache if they want."""
    r = _reference_runs([("m", model_dir, dict(inputs))], timeout or _ref_timeout())["m"]
    return Ref(model_dir=model_dir, outputs=r.get("outputs"), output_names=r.get("output_names"),
               input_names=r.get("input_names"), mode=r.get("mode"), error=r.get("error"))


# ---------------------------------------------------------------------------------------
# export (legacy static graph) in a child process
# ---------------------------------------------------------------------------------------
def _make_namespace(paddle):
    import paddle.nn as nn
    import paddle.nn.functional as F
    from paddle.base.framework import Variable
    from paddle.base.layer_helper import LayerHelper

    def append_op(type, inputs, outputs=None, attrs=None):  # noqa: A002 - mirrors LayerHelper
        helper = LayerHelper(type)
        ins = {k: (list(v) if isinstance(v, (list, tuple)) else [v]) for k, v in inputs.items()}
        single = outputs is None
        if single:
            first = next((v[0] for v in ins.values() if v), None)
            if first is None:
                raise ValueError(f"append_op({type!r}): no inputs, so pass outputs={{'Out': dtype}}")
            outputs = {"Out": first.dtype}

        def mk(spec):
            return spec if isinstance(spec, Variable) else helper.create_variable_for_type_inference(spec)

        made = {k: ([mk(s) for s in v] if isinstance(v, (list, tuple)) else mk(v)) for k, v in outputs.items()}
        helper.append_op(type=type, inputs=ins,
                         outputs={k: (v if isinstance(v, list) else [v]) for k, v in made.items()},
                         attrs=dict(attrs or {}))
        return made["Out"] if single else made

    return {"paddle": paddle, "np": np, "F": F, "nn": nn, "LayerHelper": LayerHelper,
            "append_op": append_op, "Variable": Variable}


def _export_one(paddle, case, out_dir):
    from paddle.base.framework import Variable

    main, startup = paddle.static.Program(), paddle.static.Program()
    main.random_seed = startup.random_seed = SEED
    paddle.seed(SEED)
    ns = _make_namespace(paddle)
    with paddle.static.program_guard(main, startup):
        exec(compile(textwrap.dedent(case["code"]), f"<OpCase {case['name']}>", "exec"), ns)
    block = main.global_block()
    feeds = []
    for n in case["inputs"]:
        if not block.has_var(n):
            raise KeyError(f"input {n!r}: no paddle.static.data var with that name in the program")
        feeds.append(block.var(n))
    fetches = []
    for n in case["fetch"]:
        if n not in ns:
            raise KeyError(f"fetch {n!r}: no Python variable with that name in the snippet")
        v = ns[n]
        vs = list(v) if isinstance(v, (list, tuple)) else [v]
        for x in vs:
            if not isinstance(x, Variable):
                raise TypeError(f"fetch {n!r} is {type(x).__name__}, not a static Variable")
        fetches.extend(vs)
    exe = paddle.static.Executor(paddle.CPUPlace())
    scope = paddle.static.Scope()
    with paddle.static.scope_guard(scope):
        exe.run(startup)
        paddle.static.save_inference_model(os.path.join(out_dir, "inference"), feeds, fetches, exe,
                                           program=main)
    for f in os.listdir(out_dir):
        if f.endswith(".pdiparams.info"):
            os.remove(os.path.join(out_dir, f))
    if not os.path.exists(os.path.join(out_dir, PARAMS_FILE)):
        # a program without parameters: paddle writes no params file; keep the pair complete
        open(os.path.join(out_dir, PARAMS_FILE), "wb").close()


def _short_tb(exc, case):
    """Traceback lines of the snippet itself (with its source line) plus the innermost frames."""
    frames = traceback.extract_tb(exc.__traceback__)
    src = textwrap.dedent(case["code"]).splitlines()
    lines, shown = [], set()
    picked = [f for f in frames if f.filename.startswith("<OpCase")] + list(frames[-3:])
    for f in picked:
        if id(f) in shown:
            continue
        shown.add(id(f))
        text = f.line or (src[f.lineno - 1].strip() if f.filename.startswith("<OpCase") and
                          0 < (f.lineno or 0) <= len(src) else "")
        lines.append(f'  File "{f.filename}", line {f.lineno}, in {f.name}\n    {text}')
    return "Traceback (snippet and innermost frames):\n" + "\n".join(lines)


def _export_child(job_file, result_file):
    """Child entry (FLAGS_enable_pir_api=0): export each case to its out_dir; per-case errors
    are collected, never fatal."""
    import paddle

    assert not paddle.framework.use_pir_api(), "FLAGS_enable_pir_api=0 was not honoured"
    paddle.enable_static()
    with open(job_file, "rb") as f:
        jobs = pickle.load(f)
    errors = {}
    for case, out_dir in jobs:
        try:
            os.makedirs(out_dir, exist_ok=True)
            _export_one(paddle, case, out_dir)
        except BaseException as e:  # noqa: BLE001
            errors[case["name"]] = f"{type(e).__name__}: {e}\n{_short_tb(e, case)}"[-4000:]
    with open(result_file, "wb") as f:
        pickle.dump(errors, f)


def _export_batch(cases_dirs):
    """[(OpCase, out_dir)] -> ({case name: error text}, whole_process_failed) (one child
    process for all cases)."""
    with tempfile.TemporaryDirectory(prefix="pdtest_export_") as td:
        jobs = [({"name": c.name, "code": c.code, "inputs": {k: (np.asarray(v).shape, np.asarray(v).dtype.str)
                                                             for k, v in c.inputs.items()},
                  "fetch": list(c.fetch)}, d) for c, d in cases_dirs]
        job_file, result_file = os.path.join(td, "jobs.pkl"), os.path.join(td, "errors.pkl")
        with open(job_file, "wb") as f:
            pickle.dump(jobs, f)
        cmd = [sys.executable, os.path.abspath(__file__), "--_export", job_file, result_file]
        try:
            p = subprocess.run(cmd, env=_child_env(pir=False), capture_output=True, text=True, cwd=td,
                               timeout=max(300, 30 * len(jobs)))
            out = (p.stdout + p.stderr)[-3000:]
            rc = p.returncode
        except subprocess.TimeoutExpired as e:
            out, rc = f"export timed out after {e.timeout} s", -1
        if rc == 0 and os.path.exists(result_file):
            with open(result_file, "rb") as f:
                return pickle.load(f), False
        msg = f"export process failed (exit code {rc}):\n{out}"
        return {c.name: msg for c, _ in cases_dirs}, True


# ---------------------------------------------------------------------------------------
# public: paddle_reference
# ---------------------------------------------------------------------------------------
def _validate(cases):
    seen = set()
    for c in cases:
        if c.name in seen:
            raise ValueError(f"duplicate OpCase name {c.name!r}")
        seen.add(c.name)
        if not isinstance(c.inputs, dict):
            raise TypeError(f"{c.name}: inputs must be a dict name -> ndarray")
        if isinstance(c.fetch, str):
            raise TypeError(f"{c.name}: fetch must be a list of names, got a str")


def _load_cached(entry):
    if os.path.exists(os.path.join(entry, "export_error.txt")):
        with open(os.path.join(entry, "export_error.txt")) as f:
            return Ref(model_dir=entry, error="export failed:\n" + f.read())
    ref_file = os.path.join(entry, "ref.pkl")
    if os.path.exists(ref_file):
        with open(ref_file, "rb") as f:
            r = pickle.load(f)
        return Ref(model_dir=entry, outputs=r["outputs"], output_names=r["output_names"],
                   input_names=r["input_names"], mode=r["mode"])
    return None


def paddle_reference(cases):
    """Export + paddle.inference reference for every case -> {case.name: Ref}."""
    if not paddle_version():
        import pytest

        pytest.skip("paddlepaddle is not installed: no reference available")
    _validate(cases)
    root = os.path.join(cache_root(), "ops")
    os.makedirs(root, exist_ok=True)
    refs, todo = {}, []
    for c in cases:
        entry = os.path.join(root, case_key(c))
        r = _load_cached(entry) if os.path.isdir(entry) else None
        if r is not None:
            refs[c.name] = r
        else:
            todo.append((c, entry))
    if not todo:
        return refs
    # build into private temp folders, publish each finished entry atomically
    staging = tempfile.mkdtemp(prefix="staging_", dir=root)
    try:
        tmp_dirs = [(c, os.path.join(staging, f"{i}")) for i, (c, _) in enumerate(todo)]
        errors, transient = _export_batch(tmp_dirs)
        jobs = []
        for (c, entry), (_, tmp) in zip(todo, tmp_dirs):
            if c.name in errors:
                os.makedirs(tmp, exist_ok=True)
                with open(os.path.join(tmp, "export_error.txt"), "w") as f:
                    f.write(errors[c.name])
            else:
                jobs.append((c.name, tmp, {k: _contig(v) for k, v in c.inputs.items()}))
        res = _reference_runs(jobs, _ref_timeout()) if jobs else {}
        for (c, entry), (_, tmp) in zip(todo, tmp_dirs):
            if c.name in errors:
                if transient:  # e.g. a timeout under load: don't cache
                    refs[c.name] = Ref(model_dir=tmp, error="export failed:\n" + errors[c.name])
                    continue
                _atomic_publish(tmp, entry)
                refs[c.name] = _load_cached(entry) or Ref(model_dir=tmp, error="export failed:\n" + errors[c.name])
                continue
            r = res[c.name]
            if "error" in r:
                # not cached: a timeout under load may pass next time
                keep = os.path.join(root, "failed_" + case_key(c))
                shutil.rmtree(keep, ignore_errors=True)
                shutil.move(tmp, keep)
                refs[c.name] = Ref(model_dir=keep, mode=r.get("mode"),
                                   error="paddle.inference reference failed:\n" + r["error"])
                continue
            with open(os.path.join(tmp, "ref.pkl"), "wb") as f:
                pickle.dump({k: r.get(k) for k in ("outputs", "output_names", "input_names", "mode",
                                                    "onednn_error")}, f)
            with open(os.path.join(tmp, "case.txt"), "w") as f:
                f.write(f"# {c.name}\n# fetch={list(c.fetch)} mode={r['mode']}\n{c.code}\n")
            _atomic_publish(tmp, entry)
            refs[c.name] = _load_cached(entry)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return refs


# ---------------------------------------------------------------------------------------
# public: pdinfer side and comparison
# ---------------------------------------------------------------------------------------
def run_pdinfer(model_dir, inputs, predictor=None):
    """Run pdinfer on model_dir (or an existing predictor) -> (input_names, output_names, outputs)."""
    import pdinfer

    if predictor is None:
        cfg = pdinfer.Config(os.path.join(model_dir, MODEL_FILE), os.path.join(model_dir, PARAMS_FILE))
        predictor = pdinfer.create_predictor(cfg)
    in_names = list(predictor.get_input_names())
    for n in in_names:
        if n not in inputs:
            raise KeyError(f"pdinfer model input {n!r} has no value (inputs: {sorted(inputs)})")
        predictor.get_input_handle(n).copy_from_cpu(_contig(inputs[n]))
    predictor.run()
    out_names = list(predictor.get_output_names())
    outs = [np.asarray(predictor.get_output_handle(n).copy_to_cpu()) for n in out_names]
    return in_names, out_names, outs


def _is_float(dt):
    return np.issubdtype(dt, np.floating) or np.issubdtype(dt, np.complexfloating)


def _close(got, want, rtol, atol):
    """Elementwise tolerance check -> (ok mask, abs diff).  NaN must match NaN, inf must
    match the same inf; abs diff is inf where that fails."""
    g64, w64 = got.astype(np.float64), want.astype(np.float64)
    bad_nan = np.isnan(g64) != np.isnan(w64)
    same_inf = np.isinf(w64) & (g64 == w64)
    d = np.where(np.isnan(w64) | same_inf, 0.0, np.abs(g64 - w64))
    d = np.where(np.isnan(d) | bad_nan, np.inf, d)
    ok = (d <= atol + rtol * np.abs(np.where(np.isfinite(w64), w64, 0.0))) & ~bad_nan
    return ok, d


def compare_outputs(label, ref_names, ref_outs, names, outs, rtol, atol):
    """Assert pdinfer outputs equal paddle's: names, count, shape, dtype, values."""
    assert list(names) == list(ref_names), \
        f"{label}: output names differ: pdinfer {list(names)} vs paddle {list(ref_names)}"
    assert len(outs) == len(ref_outs), f"{label}: {len(outs)} outputs vs paddle's {len(ref_outs)}"
    for n, got, want in zip(names, outs, ref_outs):
        got, want = np.asarray(got), np.asarray(want)
        where = f"{label}: output {n!r}"
        assert got.shape == want.shape, f"{where}: shape {list(got.shape)} vs paddle {list(want.shape)}"
        assert got.dtype == want.dtype, f"{where}: dtype {got.dtype} vs paddle {want.dtype}"
        if got.size == 0:
            continue
        if _is_float(want.dtype):
            with np.errstate(invalid="ignore", over="ignore"):
                ok, d = _close(got, want, rtol, atol)
            if not ok.all():
                g64, w64 = got.astype(np.float64), want.astype(np.float64)
                idx = np.unravel_index(int(np.argmax(np.where(ok, -1.0, d))), want.shape)
                raise AssertionError(
                    f"{where}: values differ (rtol={rtol}, atol={atol}): {int((~ok).sum())}/{ok.size} "
                    f"elements out of tolerance, max abs diff {float(np.max(d)):.3g}; worst at "
                    f"{tuple(int(i) for i in idx)}: pdinfer {g64[idx]!r} vs paddle {w64[idx]!r}")
        else:
            neq = got != want
            if neq.any():
                idx = np.unravel_index(int(np.argmax(neq)), want.shape)
                diff = (float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64))))
                        if want.dtype != np.bool_ else 1.0)
                raise AssertionError(
                    f"{where}: {int(neq.sum())}/{neq.size} elements differ (exact compare for "
                    f"{want.dtype}), max abs diff {diff:.3g}; first at {tuple(int(i) for i in idx)}: "
                    f"pdinfer {got[idx]!r} vs paddle {want[idx]!r}")


def _match_error(case, exc):
    spec = case.expect_error
    import re

    if spec is True:
        return True
    cls, pat = None, None
    if isinstance(spec, tuple):
        cls, pat = spec
    elif isinstance(spec, str):
        pat = spec
    elif isinstance(spec, type):
        cls = spec
    if cls is not None and not isinstance(exc, cls):
        return False
    return pat is None or re.search(pat, str(exc)) is not None


def assert_matches(case, ref):
    """Run case on pdinfer and compare with the Paddle reference (see module docstring)."""
    label = f"[{case.name}]"
    if ref is None:
        raise AssertionError(f"{label}: no reference (was the case passed to paddle_reference?)")
    if case.expect_error is not None:
        if ref.error and ref.error.startswith("export failed"):
            raise ReferenceError_(f"{label}: cannot test the expected error, {ref.error}")
        try:
            run_pdinfer(ref.model_dir, case.inputs)
        except Exception as e:  # noqa: BLE001
            if not _match_error(case, e):
                raise AssertionError(f"{label}: pdinfer raised {type(e).__name__}: {e}\n"
                                     f"which does not match expect_error={case.expect_error!r}") from e
            return
        raise AssertionError(f"{label}: pdinfer did not raise (expect_error={case.expect_error!r})")
    if ref.error:
        raise ReferenceError_(f"{label}: {ref.error}")
    in_names, names, outs = run_pdinfer(ref.model_dir, case.inputs)
    if ref.input_names is not None:
        assert in_names == list(ref.input_names), \
            f"{label}: input names differ: pdinfer {in_names} vs paddle {list(ref.input_names)}"
    compare_outputs(label, ref.output_names, ref.outputs, names, outs, case.rtol, case.atol)


# ---------------------------------------------------------------------------------------
# child entry points
# ---------------------------------------------------------------------------------------
if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--_export":
        _export_child(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 2 and sys.argv[1] == "--_infer":
        _infer_child(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        print(__doc__)
