"""pdinfer command line.

  pdinfer run MODEL [--shape NAME=D0,D1,...] [--threads N] [--repeat N] [--seed S]
      Load a model (a directory, a .pdmodel file, or PROG PARAMS), feed seeded random
      inputs (dynamic dims need --shape), run, and print outputs and timings.
  pdinfer bench MODEL [--threads N] [--batch B] [--shape NAME=1x3x224x224] [--runs R] [--json F]
      Time a model on seeded random inputs: load time, median/p90/min latency, peak RSS
      (see pdinfer/bench.py).
  pdinfer ops     list the Paddle ops this build runs
  pdinfer env     versions and library locations

Locating the C/C++/Go SDK of this installation (print and exit; several flags may be
combined, e.g. ``cc app.c $(python -m pdinfer --cflags --libs)``):
  --cflags          -I flag for the headers (pd_inference_api.h, paddle_inference_api.h)
  --libs            link flags for the C API (libpdinfer_c), with an rpath
  --cxx-libs        link flags for the C++ API (libpdinfer), with an rpath
  --include-dir     the header directory
  --lib-dir         the library directory
  --cmake-dir       pdinfer_DIR for CMake's find_package(pdinfer)
  --pkg-config-path a directory for PKG_CONFIG_PATH (packages pdinfer, pdinfer-cpp)
  --go-dir          the Go package sources (for a go.mod replace directive)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np


def _parse_shapes(items):
    shapes = {}
    for item in items or []:
        if "=" not in item:
            raise SystemExit(f"--shape expects NAME=D0,D1,..., got {item!r}")
        name, dims = item.split("=", 1)
        shapes[name] = [int(d) for d in dims.replace("x", ",").split(",") if d]
    return shapes


def _random_input(name, dtype, shape, rng):
    if dtype in ("int64", "int32"):
        return rng.randint(0, 100, size=shape).astype(dtype)
    if dtype == "bool":
        return rng.rand(*shape) > 0.5
    return rng.standard_normal(shape).astype(dtype if dtype != "undefined" else "float32")


def cmd_run(args) -> int:
    from . import inference

    if len(args.model) == 2:
        config = inference.Config(args.model[0], args.model[1])
    elif os.path.isfile(args.model[0]):
        prog = args.model[0]
        base = os.path.splitext(prog)[0]
        config = inference.Config(prog, base + ".pdiparams")
    else:
        config = inference.Config(args.model[0])
    config.set_cpu_math_library_num_threads(args.threads)
    t0 = time.perf_counter()
    predictor = inference.create_predictor(config)
    load_s = time.perf_counter() - t0
    shapes = _parse_shapes(args.shape)
    rng = np.random.RandomState(args.seed)
    feeds = []
    for name in predictor.get_input_names():
        dtype, declared = predictor._core.input_meta(name)
        shape = shapes.get(name, [d if d >= 0 else 1 for d in declared])
        if name not in shapes and any(d < 0 for d in declared):
            print(f"note: input '{name}' has dynamic shape {list(declared)}; using {shape} "
                  f"(set --shape {name}=...)", file=sys.stderr)
        feeds.append(_random_input(name, dtype, shape, rng))
        predictor.get_input_handle(name).copy_from_cpu(feeds[-1])
    times = []
    for _ in range(max(1, args.repeat)):
        t = time.perf_counter()
        predictor.run()
        times.append((time.perf_counter() - t) * 1e3)
    print(f"model: {' '.join(args.model)}")
    print(f"load: {load_s * 1e3:.1f} ms   run: median {statistics.median(times):.2f} ms "
          f"over {len(times)} run(s), threads {args.threads}")
    for name, arr in zip(predictor.get_input_names(), feeds):
        print(f"input  {name}: {arr.dtype} {list(arr.shape)}")
    for name in predictor.get_output_names():
        out = predictor.get_output_handle(name).copy_to_cpu()
        stats = ""
        if out.size and out.dtype.kind in "fiub":
            o = out.astype(np.float64)
            stats = f" min {o.min():.6g} max {o.max():.6g} mean {o.mean():.6g}"
        print(f"output {name}: {out.dtype} {list(out.shape)}{stats}")
    return 0


def cmd_ops(args) -> int:
    from . import _core

    for name in _core.supported_ops():
        print(name)
    return 0


def cmd_env(args) -> int:
    from . import _core, inference

    here = os.path.dirname(os.path.abspath(__file__))
    print(inference.get_version())
    print(f"package: {here}")
    print(f"ops: {len(_core.supported_ops())}")
    print(f"python: {sys.version.split()[0]}  numpy: {np.__version__}")
    return 0


_SDK_FLAGS = {
    "--cflags": "-I flag for the C/C++ headers",
    "--libs": "link flags for the C API (libpdinfer_c)",
    "--cxx-libs": "link flags for the C++ API (libpdinfer)",
    "--include-dir": "the header directory",
    "--lib-dir": "the library directory",
    "--cmake-dir": "pdinfer_DIR for CMake find_package(pdinfer)",
    "--pkg-config-path": "directory to add to PKG_CONFIG_PATH",
    "--go-dir": "the Go package sources",
}


def sdk_paths() -> dict:
    """Absolute locations of the SDK files inside this installed package."""
    here = os.path.dirname(os.path.abspath(__file__))
    return {
        "include_dir": os.path.join(here, "include"),
        "lib_dir": here,
        "cmake_dir": os.path.join(here, "lib", "cmake", "pdinfer"),
        "pkg_config_path": os.path.join(here, "lib", "pkgconfig"),
        "go_dir": os.path.join(here, "go"),
    }


def cmd_sdk(argv) -> int:
    parser = argparse.ArgumentParser(
        prog="pdinfer", description="print where the C/C++/Go SDK of this installation is")
    for flag, text in _SDK_FLAGS.items():
        parser.add_argument(flag, dest="items", action="append_const", const=flag, help=text)
    args = parser.parse_args(argv)
    p = sdk_paths()
    if not os.path.isfile(os.path.join(p["include_dir"], "pd_inference_api.h")):
        print(f"pdinfer: error: this installation has no C/C++ SDK files in {p['include_dir']}",
              file=sys.stderr)
        return 1
    lib = p["lib_dir"]
    values = {
        "--cflags": f"-I{p['include_dir']}",
        "--libs": f"-L{lib} -lpdinfer_c -Wl,-rpath,{lib}",
        "--cxx-libs": f"-L{lib} -lpdinfer -Wl,-rpath,{lib}",
        "--include-dir": p["include_dir"],
        "--lib-dir": lib,
        "--cmake-dir": p["cmake_dir"],
        "--pkg-config-path": p["pkg_config_path"],
        "--go-dir": p["go_dir"],
    }
    if "--go-dir" in args.items and not os.path.isdir(p["go_dir"]):
        print(f"pdinfer: error: the Go sources are not installed in {p['go_dir']}", file=sys.stderr)
        return 1
    print(" ".join(values[flag] for flag in args.items))
    return 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in _SDK_FLAGS:
        return cmd_sdk(argv)
    parser = argparse.ArgumentParser(
        prog="pdinfer", description="pdinfer command line",
        epilog="SDK locations: pdinfer " + " | ".join(_SDK_FLAGS) + " (see python -m pdinfer --cflags -h)")
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="run a model on seeded random inputs")
    run.add_argument("model", nargs="+", help="model dir, .pdmodel file, or PROG PARAMS")
    run.add_argument("--shape", action="append", help="NAME=D0,D1,... for dynamic inputs")
    run.add_argument("--threads", type=int, default=1)
    run.add_argument("--repeat", type=int, default=1)
    run.add_argument("--seed", type=int, default=0)
    run.set_defaults(fn=cmd_run)
    from .bench import add_bench_parser

    add_bench_parser(sub)
    sub.add_parser("ops", help="list supported ops").set_defaults(fn=cmd_ops)
    sub.add_parser("env", help="print versions").set_defaults(fn=cmd_env)
    args = parser.parse_args(argv)
    from .errors import PdinferError

    try:
        return args.fn(args)
    except PdinferError as e:
        print(f"pdinfer: error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
