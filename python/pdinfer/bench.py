"""``pdinfer bench``: load time, latency and peak memory of one model on pdinfer.

    pdinfer bench MODEL_OR_DIR [PARAMS] [--threads N] [--batch B]
                  [--shape NAME=1x3x224x224 ...] [--runs R] [--warmup W] [--json FILE]

The model is a directory (``inference.pdmodel`` or ``inference.json`` inside), a program file
(the parameters are the ``.pdiparams`` beside it) or a program file and a parameters file.
Inputs are seeded random arrays of the declared input shapes: a dynamic first dim becomes
``--batch`` (default 1); any other dynamic dim needs ``--shape NAME=D0xD1x...``.  Float
inputs are N(0, 1); integer inputs are small non-negative ints (0..1 for names that look like
token types, segments, masks or positions, else 1..99; ``--int-range LO,HI`` overrides), so
that embedding lookups stay in range for any reasonable vocabulary.

One timed run = copy the inputs in + ``run()`` + copy every output out, as an application
does; ``--warmup`` untimed runs come first.  Reported: load time (Config + create_predictor),
the first run, median / p90 / min / mean latency, and the process's peak RSS.

The timing helpers (``time_runs``, ``latency_stats``, ``peak_rss_mb``) need only the standard
library and NumPy: ``benchmarks/bench_peers.py`` loads this file on its own to time every
engine the same way without loading pdinfer into the other engines' processes.  Keep this
module's top level free of pdinfer imports.
"""

from __future__ import annotations

import gc
import json
import os
import re
import sys
import time

import numpy as np

# ---------------------------------------------------------------------------------------
# timing and memory (engine-neutral)
# ---------------------------------------------------------------------------------------


def time_runs(fn, runs, warmup=0):
    """Call ``fn()`` ``warmup`` times untimed, then ``runs`` times; returns the wall-clock
    milliseconds of each timed call.  The garbage collector is paused while timing so a
    collection does not land inside one sample."""
    for _ in range(max(0, int(warmup))):
        fn()
    times = []
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(max(0, int(runs))):
            t0 = time.perf_counter_ns()
            fn()
            times.append((time.perf_counter_ns() - t0) / 1e6)
    finally:
        if was_enabled:
            gc.enable()
    return times


def latency_stats(times_ms):
    """median / p90 / min / mean / max (ms) and the sample count of a list of timings."""
    if not times_ms:
        return {"runs": 0}
    a = np.asarray(times_ms, dtype=np.float64)
    return {"median_ms": float(np.median(a)), "p90_ms": float(np.percentile(a, 90)),
            "min_ms": float(a.min()), "mean_ms": float(a.mean()), "max_ms": float(a.max()),
            "runs": int(a.size)}


def _proc_status_mb(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except (OSError, ValueError, IndexError):
        pass
    return None


def peak_rss_mb():
    """Peak resident set size of this process so far, in MB.  Linux: VmHWM, the high-water
    mark of this program's own memory (ru_maxrss would also count the parent's RSS at the
    fork that started this process)."""
    hwm = _proc_status_mb("VmHWM")
    if hwm is not None:
        return hwm
    try:
        import resource
    except ImportError:  # not on Windows
        return float("nan")
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / (1024.0 * 1024.0) if sys.platform == "darwin" else r / 1024.0  # bytes vs KB


def current_rss_mb():
    """Resident set size now, in MB (Linux; falls back to the peak elsewhere)."""
    rss = _proc_status_mb("VmRSS")
    return rss if rss is not None else peak_rss_mb()


# ---------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------


class BenchError(Exception):
    """A problem with the arguments (reported without a traceback)."""


def parse_shapes(items):
    """``["x=1x3x224x224", "ids=1,128", "2x3"]`` -> {name or "": [dims]}.  A shape without a
    name applies to a model with a single input."""
    shapes = {}
    for item in items or []:
        name, _, dims = item.rpartition("=")
        try:
            parsed = [int(d) for d in re.split(r"[x,\s]+", dims.strip()) if d]
        except ValueError:
            raise BenchError(f"--shape expects NAME=D0xD1x... (e.g. x=1x3x224x224), got {item!r}") from None
        if any(d < 0 for d in parsed):
            raise BenchError(f"--shape {item!r}: dims must be >= 0")
        shapes[name.strip()] = parsed
    return shapes


def resolve_shape(name, declared, shapes, batch):
    """The concrete shape to feed input ``name`` declared as ``declared`` (-1 = dynamic)."""
    declared = [int(d) for d in declared]
    if name in shapes:
        shape = list(shapes[name])
        if len(shape) != len(declared):
            raise BenchError(f"--shape {name}={'x'.join(map(str, shape))} has rank {len(shape)} but input "
                             f"'{name}' is declared with rank {len(declared)}: {declared}")
        for i, (d, s) in enumerate(zip(declared, shape)):
            if d >= 0 and d != s:
                print(f"note: input '{name}' declares dim {i} = {d}, --shape gives {s}", file=sys.stderr)
        return shape
    shape = list(declared)
    if shape and shape[0] < 0:
        shape[0] = batch
    dynamic = [i for i, d in enumerate(shape) if d < 0]
    if dynamic:
        example = "x".join(str(batch if i == 0 and d < 0 else (d if d >= 0 else "N"))
                           for i, d in enumerate(declared))
        raise BenchError(f"input '{name}' has dynamic dims {declared} (dims {dynamic} unknown): give its "
                         f"shape with --shape {name}={example}")
    return shape


_SMALL_INT_NAMES = re.compile(r"type|segment|mask|pos", re.IGNORECASE)


def random_input(name, dtype, shape, rng, int_range=None):
    """A seeded random array for one input (see the module docstring for the value ranges)."""
    dtype = "float32" if dtype in ("", "undefined", None) else str(dtype)
    if dtype == "bool":
        return rng.rand(*shape) > 0.5
    if np.dtype(dtype).kind in "iu":
        lo, hi = int_range or ((0, 2) if _SMALL_INT_NAMES.search(name) else (1, 100))
        return rng.randint(lo, hi, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def resolve_model(paths):
    """Positional model arguments -> (Config args tuple, description)."""
    if len(paths) == 2:
        return (paths[0], paths[1]), f"{paths[0]} + {paths[1]}"
    if len(paths) != 1:
        raise BenchError("give a model directory, a program file, or a program file and a params file")
    path = paths[0]
    if os.path.isdir(path):
        for prog in ("inference.pdmodel", "inference.json", "__model__", "model.pdmodel", "model.json"):
            if os.path.isfile(os.path.join(path, prog)):
                stem = os.path.splitext(prog)[0]
                params = os.path.join(path, stem + ".pdiparams")
                if os.path.isfile(params):
                    return (os.path.join(path, prog), params), path
                return (path,), path
        found = sorted(f for f in os.listdir(path) if f.endswith((".pdmodel", ".json")))
        if len(found) == 1:
            return resolve_model([os.path.join(path, found[0])])
        return (path,), path
    if os.path.isfile(path):
        params = os.path.splitext(path)[0] + ".pdiparams"
        if not os.path.isfile(params):
            raise BenchError(f"no parameters file beside {path} (expected {params}); pass it as a second argument")
        return (path, params), path
    raise BenchError(f"no such model file or directory: {path}")


# ---------------------------------------------------------------------------------------
# the benchmark
# ---------------------------------------------------------------------------------------


def run_bench(model, threads=1, batch=1, shapes=None, runs=20, warmup=5, seed=0, bf16=False,
              onednn=True, int_range=None):
    """Load ``model`` (a list of 1 or 2 paths) with pdinfer and time it; returns a dict."""
    from . import _core, inference

    if threads < 1 or batch < 1 or runs < 1 or warmup < 0:
        raise BenchError("--threads, --batch and --runs must be >= 1 and --warmup >= 0")
    args, desc = resolve_model(list(model))
    shapes = dict(shapes or {})
    rss_before = current_rss_mb()
    t0 = time.perf_counter()
    config = inference.Config(*args)
    config.set_cpu_math_library_num_threads(threads)
    if onednn:
        config.enable_mkldnn()
    else:
        config.disable_mkldnn()
    if bf16:
        config.enable_mkldnn_bfloat16()
    predictor = inference.create_predictor(config)
    load_s = time.perf_counter() - t0

    names = predictor.get_input_names()
    if "" in shapes:
        if len(names) != 1:
            raise BenchError(f"--shape without a name needs a model with one input; inputs: {names}")
        shapes[names[0]] = shapes.pop("")
    unknown = sorted(set(shapes) - set(names))
    if unknown:
        raise BenchError(f"--shape names unknown input(s) {unknown}; the model's inputs are {names}")
    rng = np.random.RandomState(seed)
    feeds = []
    for name in names:
        dtype, declared = predictor._core.input_meta(name)
        shape = resolve_shape(name, declared, shapes, batch)
        feeds.append((predictor.get_input_handle(name), random_input(name, dtype, shape, rng, int_range)))
    out_names = predictor.get_output_names()
    out_handles = [predictor.get_output_handle(n) for n in out_names]

    def once():
        for handle, arr in feeds:
            handle.reshape(arr.shape)
            handle.copy_from_cpu(arr)
        predictor.run()
        return [h.copy_to_cpu() for h in out_handles]

    t0 = time.perf_counter()
    outs = once()
    first_ms = (time.perf_counter() - t0) * 1e3
    times = time_runs(once, runs, warmup)
    return {
        "model": desc,
        "prog_file": args[0] if len(args) == 2 else "",
        "params_file": args[1] if len(args) == 2 else "",
        "pdinfer_version": _core.version(),
        "build": inference.get_version(),
        "threads": threads, "batch": batch, "bf16": bool(bf16), "onednn": bool(onednn), "seed": seed,
        "inputs": {h.name(): {"dtype": a.dtype.name, "shape": list(a.shape)} for h, a in feeds},
        "outputs": {n: {"dtype": o.dtype.name, "shape": list(o.shape)} for n, o in zip(out_names, outs)},
        "load_s": load_s, "first_run_ms": first_ms, "warmup": warmup,
        **latency_stats(times),
        "rss_before_load_mb": rss_before, "peak_rss_mb": peak_rss_mb(),
        "times_ms": times,
    }


def format_report(r):
    lines = [f"model:     {r['model']}",
             f"pdinfer:   {r['pdinfer_version']}   threads {r['threads']}   batch {r['batch']}"
             + ("   bf16" if r["bf16"] else "") + ("" if r["onednn"] else "   (oneDNN off)")]
    for name, m in r["inputs"].items():
        lines.append(f"input      {name}: {m['dtype']} {m['shape']}")
    for name, m in r["outputs"].items():
        lines.append(f"output     {name}: {m['dtype']} {m['shape']}")
    lines += [f"load:      {r['load_s']:.3f} s   first run {r['first_run_ms']:.2f} ms",
              f"latency:   median {r['median_ms']:.3f} ms   p90 {r['p90_ms']:.3f} ms   min {r['min_ms']:.3f} ms"
              f"   mean {r['mean_ms']:.3f} ms   ({r['runs']} runs after {r['warmup']} warm-up)",
              f"peak RSS:  {r['peak_rss_mb']:.1f} MB   (before load {r['rss_before_load_mb']:.1f} MB)"]
    return "\n".join(lines)


def _int_range(text):
    try:
        lo, hi = (int(v) for v in text.split(","))
    except ValueError:
        raise BenchError(f"--int-range expects LO,HI (HI exclusive), got {text!r}") from None
    if hi <= lo:
        raise BenchError(f"--int-range {text}: HI must be > LO")
    return lo, hi


def add_bench_parser(subparsers):
    """Registers ``bench`` on the CLI's subparsers."""
    p = subparsers.add_parser("bench", help="time a model: load, latency, peak memory",
                              description="Load time, latency and peak memory of one model on pdinfer.")
    p.add_argument("model", nargs="+", metavar="MODEL_OR_DIR", help="model dir, program file, or PROG PARAMS")
    p.add_argument("--threads", type=int, default=1, help="math threads (default 1)")
    p.add_argument("--batch", type=int, default=1, help="value of a dynamic first dim (default 1)")
    p.add_argument("--shape", action="append", metavar="NAME=D0xD1x...",
                   help="shape of an input (repeat for several inputs); needed for dynamic dims")
    p.add_argument("--runs", type=int, default=20, help="timed runs (default 20)")
    p.add_argument("--warmup", type=int, default=5, help="untimed runs before timing (default 5)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random inputs")
    p.add_argument("--int-range", metavar="LO,HI", help="value range of integer inputs (HI exclusive)")
    p.add_argument("--bf16", action="store_true", help="run in bfloat16 (Config.enable_mkldnn_bfloat16)")
    p.add_argument("--no-onednn", action="store_true", help="Config.disable_mkldnn()")
    p.add_argument("--json", metavar="FILE", help="also write the results (with every sample) as JSON")
    p.set_defaults(fn=cmd_bench)
    return p


def cmd_bench(args):
    try:
        result = run_bench(args.model, threads=args.threads, batch=args.batch, shapes=parse_shapes(args.shape),
                           runs=args.runs, warmup=args.warmup, seed=args.seed, bf16=args.bf16,
                           onednn=not args.no_onednn,
                           int_range=_int_range(args.int_range) if args.int_range else None)
    except BenchError as e:
        print(f"pdinfer bench: error: {e}", file=sys.stderr)
        return 2
    print(format_report(result))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
        print(f"json:      {args.json}")
    return 0
