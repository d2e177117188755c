"""Memory figures: per zoo model, intermediate bytes without reuse vs pdinfer's arena;
and the RSS curve of a varying-shape run (OCR rec widths 32..1600, BERT seq 8..512) for
pdinfer and paddle.inference (oneDNN on), each runtime in its own process.

    python benchmarks/bench_memory.py [--shapes 200] [--models ppocrv4_rec,bert_base] [--json out.json]

Needs pdinfer installed and, for the paddle rows and the zoo exports, paddlepaddle; the
zoo comes from tests/python/models (exported and cached on first use).
"""
import argparse
import json
import os
import subprocess
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "python"))

CHILD = textwrap.dedent(r"""
    import json, sys, numpy as np
    runtime, kind, prog, params, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    def rss_mb():
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    def peak_mb():
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    base = rss_mb()
    if runtime == "pdinfer":
        import pdinfer as inf
    else:
        from paddle import inference as inf
    cfg = inf.Config(prog, params)
    if runtime == "paddle":
        cfg.enable_mkldnn()
        cfg.disable_glog_info()
    p = inf.create_predictor(cfg)
    rng = np.random.RandomState(0)
    names = p.get_input_names()
    curve = []
    for i in range(n):
        if kind == "rec":
            w = int(rng.randint(32, 1601))
            feeds = {names[0]: rng.standard_normal((1, 3, 48, w)).astype("float32")}
        else:
            s = int(rng.randint(8, 513))
            feeds = {names[0]: rng.randint(1, 1000, size=(1, s)).astype("int64"),
                     names[1]: np.zeros((1, s), "int64")}
        for k, v in feeds.items():
            p.get_input_handle(k).copy_from_cpu(v)
        p.run()
        p.get_output_handle(p.get_output_names()[0]).copy_to_cpu()
        curve.append(rss_mb())
    print(json.dumps({"base": base, "curve": curve, "peak": peak_mb()}))
""")


def arena_table(models):
    import numpy as np  # noqa: F401
    import pdinfer
    from models import input_sets, model_files
    rows = []
    for name in models:
        prog, params = model_files(name)
        p = pdinfer.create_predictor(pdinfer.Config(prog, params))
        feeds = input_sets(name)[0]
        for k, v in feeds.items():
            p.get_input_handle(k).copy_from_cpu(v)
        p.run()
        s = p.memory_stats()
        rows.append((name, s["intermediate_bytes_no_reuse"], s["plan_arena_bytes"], s["inplace_ops"],
                     s["weights_bytes"]))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shapes", type=int, default=200)
    ap.add_argument("--models", default="ppocrv4_rec,bert_base")
    ap.add_argument("--arena-models", default="ppocr_cls,ppocrv4_rec,ppocrv4_det,mobilenet_v1,"
                    "mobilenet_v3_large,resnet50,bert_base")
    ap.add_argument("--runtimes", default="pdinfer,paddle")
    ap.add_argument("--json", default="")
    args = ap.parse_args()
    from models import model_files

    result = {"arena": [], "rss": {}}
    print("| model | intermediates, no reuse (MB) | pdinfer arena (MB) | ratio | in-place ops | weights (MB) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, total, arena, inplace, weights in arena_table(args.arena_models.split(",")):
        result["arena"].append(dict(model=name, no_reuse=total, arena=arena, inplace=inplace, weights=weights))
        print(f"| {name} | {total / 2**20:.1f} | {arena / 2**20:.2f} | {total / max(arena, 1):.0f}x | "
              f"{inplace} | {weights / 2**20:.1f} |")
    print()
    for name in filter(None, args.models.split(",")):
        kind = "rec" if "rec" in name else "bert"
        prog, params = model_files(name)
        for rt in filter(None, args.runtimes.split(",")):
            env = dict(os.environ, OMP_NUM_THREADS="1", GLOG_minloglevel="2")
            out = subprocess.run([sys.executable, "-c", CHILD, rt, kind, prog, params, str(args.shapes)],
                                 capture_output=True, text=True, env=env, timeout=7200)
            if out.returncode != 0:
                print(f"{name} {rt}: FAILED\n{out.stderr[-2000:]}")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            result["rss"][f"{name}/{rt}"] = r
            c = r["curve"]
            growth = max(c) / c[19] - 1 if len(c) > 20 else 0
            print(f"{name} {rt}: peak RSS {r['peak']:.0f} MB, RSS after 20 shapes {c[min(19, len(c) - 1)]:.0f} MB, "
                  f"max later {max(c):.0f} MB ({growth * 100:+.1f}%)")
            print("  curve (every 20th run, MB): " + " ".join(f"{x:.0f}" for x in c[::20]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
