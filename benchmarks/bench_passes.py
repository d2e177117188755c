#!/usr/bin/env python3
"""What the graph optimizer does to each zoo model: node count as loaded and after the
passes, how often each pass fired, and batch-1 latency with passes on vs off.

Both predictors live in one process and are timed in alternating rounds (on, off, on,
off, ...) so machine noise hits both alike; medians are reported.

    PYTHONPATH=<dir with pdinfer> python benchmarks/bench_passes.py \
        [--only resnet50,bert_base] [--threads 1] [--runs 20] [--rounds 5] \
        [--json bench_passes.json] [--md bench_passes.md] [--disable-mkldnn]
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def make(model_dir, ir_optim, threads, mkldnn):
    import pdinfer
    cfg = pdinfer.Config(os.path.join(model_dir, "inference.pdmodel"),
                         os.path.join(model_dir, "inference.pdiparams"))
    cfg.set_cpu_math_library_num_threads(threads)
    cfg.switch_ir_optim(ir_optim)
    if not mkldnn:
        cfg.disable_mkldnn()
    t0 = time.perf_counter()
    pred = pdinfer.create_predictor(cfg)
    return pred, time.perf_counter() - t0


def bench_model(name, model_dir, inputs, threads, runs, rounds, mkldnn):
    import numpy as np
    on, load_on = make(model_dir, True, threads, mkldnn)
    off, load_off = make(model_dir, False, threads, mkldnn)
    feeds_on = [inputs[n] for n in on.get_input_names()]
    feeds_off = [inputs[n] for n in off.get_input_names()]
    out_on, out_off = on.run(feeds_on), off.run(feeds_off)
    diff = max(float(np.max(np.abs(a.astype("float64") - b))) if a.size else 0.0
               for a, b in zip(out_on, out_off))
    for _ in range(2):
        on.run(feeds_on)
        off.run(feeds_off)
    times = {"on": [], "off": []}
    per_round = max(1, runs // rounds)
    for _ in range(rounds):
        for key, pred, feeds in (("on", on, feeds_on), ("off", off, feeds_off)):
            for _ in range(per_round):
                t0 = time.perf_counter()
                pred.run(feeds)
                times[key].append((time.perf_counter() - t0) * 1e3)
    report = on.optimization_report()
    fired = {s["name"]: s["fired"] for s in report["passes"] if s["fired"]}
    return {
        "model": name,
        "nodes_loaded": report["nodes_loaded"],
        "nodes_optimized": report["nodes_optimized"],
        "passes_fired": fired,
        "pass_ms": round(sum(s["ms"] for s in report["passes"]), 2),
        "load_s_on": round(load_on, 4),
        "load_s_off": round(load_off, 4),
        "median_ms_on": round(statistics.median(times["on"]), 3),
        "median_ms_off": round(statistics.median(times["off"]), 3),
        "speedup": round(statistics.median(times["off"]) / statistics.median(times["on"]), 3),
        "max_diff_on_vs_off": diff,
    }


def to_markdown(rows, meta):
    out = [f"Graph optimizer on the zoo ({meta['threads']} thread(s), oneDNN "
           f"{'on' if meta['mkldnn'] else 'off'}, {meta['cpu']}; medians of {meta['runs']} runs)", "",
           "| model | nodes loaded | nodes after passes | passes on ms | passes off ms | speed-up | max diff | passes fired |",
           "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        fired = ", ".join(f"{k.replace('_pass', '')}×{v}" for k, v in r["passes_fired"].items())
        out.append(f"| {r['model']} | {r['nodes_loaded']} | {r['nodes_optimized']} | "
                   f"{r['median_ms_on']} | {r['median_ms_off']} | {r['speedup']}x | "
                   f"{r['max_diff_on_vs_off']:.1e} | {fired} |")
    return "\n".join(out) + "\n"


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--disable-mkldnn", action="store_true")
    ap.add_argument("--json", default="")
    ap.add_argument("--md", default="")
    a = ap.parse_args()
    sys.path.insert(0, os.path.join(ROOT, "tests", "python"))
    import models

    names = [n for n in models.ZOO if not a.only or n in a.only.split(",")]
    rows = []
    for name in names:
        d = models.model_dir(name)
        inputs = models.input_sets(name)[0]
        row = bench_model(name, d, inputs, a.threads, a.runs, a.rounds, not a.disable_mkldnn)
        print(json.dumps(row), flush=True)
        rows.append(row)
    meta = {"threads": a.threads, "mkldnn": not a.disable_mkldnn, "cpu": cpu_name(), "runs": a.runs}
    md = to_markdown(rows, meta)
    print(md)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"meta": meta, "rows": rows}, f, indent=1)
    if a.md:
        with open(a.md, "w") as f:
            f.write(md)


if __name__ == "__main__":
    main()
