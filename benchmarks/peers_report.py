"""The markdown report of benchmarks/bench_peers.py (and the pooling of a cell's rounds)."""
import numpy as np

# Floating-point operations per sample at the benchmark shapes: 2 x the multiply-adds of
# the convolutions and matrix products (the usual published counts).
MODEL_GFLOP = {"resnet50": 8.2, "mobilenet_v3_large": 0.44, "bert_base": 22.3}


def aggregate(rounds):
    """One cell's result from its rounds (timing samples pooled)."""
    ok = [r for r in rounds if "median_ms" in r]
    if not ok:
        return dict(rounds[-1])
    samples = [t for r in ok for t in r["times_ms"]]
    a = np.asarray(samples)
    agg = dict(ok[-1])
    agg.update(median_ms=float(np.median(a)), p90_ms=float(np.percentile(a, 90)), min_ms=float(a.min()),
               mean_ms=float(a.mean()), max_ms=float(a.max()), runs=int(a.size), times_ms=samples, rounds=len(ok))
    for k in ("load_s", "import_s", "setup_s", "first_run_ms", "peak_rss_mb", "rss_before_mb"):
        vals = [r[k] for r in ok if k in r]
        if vals:
            agg[k] = float(np.median(vals))
    return agg


def fmt(v, nd=2):
    if v is None:
        return "-"
    if v != 0 and (abs(v) < 10 ** -nd or abs(v) >= 1e5):
        return f"{v:.1e}"
    return f"{v:.{nd}f}"


def cell_text(c):
    if c is None:
        return "not run"
    if "skipped" in c:
        return c["skipped"] if c["skipped"].startswith("skipped") else "skipped: " + c["skipped"]
    if "error" in c:
        return "error: " + c["error"][:100].replace("|", "/")
    return None


def markdown(results, engine_order, model_order):
    m, cells = results["machine"], results["cells"]
    v = m.get("versions", {})
    s = results.get("settings", {})
    out = ["# pdinfer vs CPU inference peers", ""]
    out.append(f"- CPU: {m.get('cpu', '?')} (family {m.get('cpu_family')}, model {m.get('cpu_model')}), "
               f"{m.get('cpu_count')} logical CPUs ({m.get('cpus_usable', '?')} usable), "
               f"{m.get('mem_gib', '?')} GiB{', virtual machine' if m.get('hypervisor') else ''}")
    out.append(f"- ISA: {' '.join(m.get('isa', [])) or '?'}")
    out.append("- versions: " + ", ".join(f"{k} {v[k]}" for k in ("pdinfer", "paddlepaddle", "onnxruntime",
                                                                    "openvino", "paddle2onnx", "numpy")
                                           if v.get(k)))
    if m.get("pdinfer_build"):
        out.append(f"- pdinfer build: {m['pdinfer_build']}")
    out.append(f"- last run: {s.get('date', '?')}; {s.get('runs')} timed runs after {s.get('warmup')} warm-up "
               f"per cell x {s.get('rounds', 1)} round(s) (cells kept from earlier runs: see n); each cell in "
               f"its own process; load average at start {m.get('loadavg_at_start', '?')}")
    out.append("- latency = median (p90) ms of one run: inputs in + run + outputs out; ratio = peer median / "
               "pdinfer median (> 1: pdinfer is faster; bf16 peers: / pdinfer_bf16 median); diff = max "
               "|out - paddle.inference out| on the same input; RSS = peak of the cell's process")
    out.append("")
    keys = sorted({(c["model"], c["batch"]) for c in cells.values()},
                  key=lambda k: (list(model_order).index(k[0]) if k[0] in model_order else 99, k[0], k[1]))
    threads = sorted({c["threads"] for c in cells.values()})
    engines = [e for e in engine_order if any(c["engine"] == e for c in cells.values())]
    def get(model, batch, engine, t):
        return cells.get(f"{model}|b{batch}|{engine}|t{t}")

    def base_of(model, batch, engine, t):
        """The pdinfer cell a cell is compared with: pdinfer_bf16 for the other bf16 engines."""
        if engine.endswith("_bf16") and engine != "pdinfer_bf16":
            c = get(model, batch, "pdinfer_bf16", t)
            if c and c.get("median_ms"):
                return c
        c = get(model, batch, "pdinfer", t)
        return c if c and c.get("median_ms") and engine != "pdinfer" else None

    out += ["## Latency", "", "| model | batch | threads | " + " | ".join(engines) + " |",
            "|---|---:|---:|" + "---:|" * len(engines)]
    for model, batch in keys:
        for t in threads:
            row = [model, str(batch), str(t)]
            if all(get(model, batch, e, t) is None for e in engines):
                continue
            for e in engines:
                c = get(model, batch, e, t)
                txt = cell_text(c)
                if txt:
                    row.append(txt)
                    continue
                val = f"{c['median_ms']:.2f} ({c['p90_ms']:.2f})"
                base = base_of(model, batch, e, t)
                if base:
                    val += f" **{c['median_ms'] / base['median_ms']:.2f}x**"
                row.append(val)
            out.append("| " + " | ".join(row) + " |")
    out += ["", "## Achieved GFLOP/s (batch x model GFLOP / median latency)", "",
            "Model GFLOP per sample: " + ", ".join(f"{k} {v}" for k, v in MODEL_GFLOP.items())
            + " (2 x multiply-adds of the convolutions / matmuls)", "",
            "| model | batch | threads | " + " | ".join(engines) + " |",
            "|---|---:|---:|" + "---:|" * len(engines)]
    for model, batch in keys:
        if model not in MODEL_GFLOP:
            continue
        for t in threads:
            row = [model, str(batch), str(t)]
            for e in engines:
                c = get(model, batch, e, t)
                ok = c is not None and c.get("median_ms")
                row.append(f"{batch * MODEL_GFLOP[model] / (c['median_ms'] / 1e3):.0f}" if ok else "-")
            out.append("| " + " | ".join(row) + " |")
    out += ["", "## Footprint: peak RSS MB / load s (lowest thread count)", "",
            "| model | batch | " + " | ".join(engines) + " |", "|---|---:|" + "---:|" * len(engines)]
    for model, batch in keys:
        row = [model, str(batch)]
        for e in engines:
            c = next((get(model, batch, e, t) for t in threads if get(model, batch, e, t)), None)
            txt = cell_text(c)
            row.append(txt if txt else f"{c['peak_rss_mb']:.0f} / {c['load_s']:.3f}")
        out.append("| " + " | ".join(row) + " |")
    out += ["", "## All cells", "",
            "| model | batch | engine | thr | median ms | p90 ms | min ms | n | ratio | load s | first ms "
            "| peak RSS MB | max abs diff | rel diff | note |",
            "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for model, batch in keys:
        for e in engines:
            for t in threads:
                c = get(model, batch, e, t)
                if c is None:
                    continue
                txt = cell_text(c)
                if txt:
                    out.append(f"| {model} | {batch} | {e} | {t} | {txt} |" + " |" * 10)
                    continue
                base = base_of(model, batch, e, t)
                ratio = f"{c['median_ms'] / base['median_ms']:.2f}x" if base else "-"
                note = "; ".join(x for x in (c.get("precision") and f"precision {c['precision']}",
                                              c.get("diff_error"), c.get("onnx_note"), c.get("ref_note")) if x)
                out.append("| " + " | ".join([model, str(batch), e, str(t), fmt(c["median_ms"]), fmt(c["p90_ms"]),
                                              fmt(c["min_ms"]), str(c.get("runs", "-")), ratio,
                                              fmt(c.get("load_s"), 3),
                                              fmt(c.get("first_run_ms"), 1), fmt(c.get("peak_rss_mb"), 0),
                                              fmt(c.get("max_abs_diff"), 6), fmt(c.get("max_rel_diff"), 6),
                                              note]) + " |")
    return "\n".join(out) + "\n"
