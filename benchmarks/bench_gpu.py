#!/usr/bin/env python3
"""GPU latency and throughput: pdinfer's CUDA backend vs PyTorch (eager and torch.compile).

Models (batch 1 and 32 by default, fp32 and fp16):

    resnet50             pdinfer: the zoo export (tests/python/models);
                         PyTorch: torchvision.models.resnet50 (random weights)
    mobilenet_v3_large   same, torchvision.models.mobilenet_v3_large
    bert_base            pdinfer: the zoo's BERT-base encoder, sequence length --seq;
                         PyTorch: nn.TransformerEncoder with the same shape (12 layers,
                         hidden 768, 12 heads, FFN 3072, GELU) behind a word embedding

Runtimes, each in the same process one after the other:

    pdinfer            Config.enable_use_gpu(), host NumPy inputs/outputs (copies included)
    pdinfer_devio      the same predictor fed and drained through CUDA tensors
                       (share_external_data: no host copies)
    torch_eager        model.eval() under torch.inference_mode()
    torch_compile      torch.compile(model) (default mode), compiled before timing

Every row: median latency (ms) over --iters timed runs after --warmup runs, throughput
(samples/s) and the achieved fraction of the device's peak (model FLOPs x batch / latency
/ peak). Peaks come from --peak-tflops FP32,FP16 or a small table of known devices.
Weights differ between runtimes (random initialisations): this measures speed, not
accuracy (parity is tests/python/test_cuda.py).

    PYTHONPATH=<dir with pdinfer> python benchmarks/bench_gpu.py \\
        [--only resnet50,bert_base] [--batches 1,32] [--precisions fp32,fp16] \\
        [--runtimes pdinfer,torch_eager] [--json out.json]
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "python"))

MODELS = ["resnet50", "mobilenet_v3_large", "bert_base"]
RUNTIMES = ["pdinfer", "pdinfer_devio", "torch_eager", "torch_compile"]
# Forward FLOPs per sample (2 x multiply-accumulates): 224x224 images, BERT at seq 128.
GFLOP_PER_SAMPLE = {"resnet50": 8.2, "mobilenet_v3_large": 0.44}
# Dense peak TFLOPS (fp32 without TF32, fp16 tensor cores) by device-name substring.
PEAKS = {"H200": (67.0, 989.0), "H100 PCIe": (51.0, 756.0), "H100": (67.0, 989.0),
         "A100": (19.5, 312.0), "L40S": (91.6, 362.0), "L4": (30.3, 121.0),
         "A10": (31.2, 125.0), "T4": (8.1, 65.0), "V100": (15.7, 125.0)}


def bert_gflop(seq, hidden=768, layers=12, ffn=3072):
    per_layer = 4 * seq * hidden * hidden + 2 * seq * hidden * ffn + 2 * seq * seq * hidden
    return 2.0 * layers * per_layer / 1e9


def model_gflop(name, seq):
    return bert_gflop(seq) if name == "bert_base" else GFLOP_PER_SAMPLE[name]


def device_peak(args, torch):
    if args.peak_tflops:
        fp32, fp16 = (float(v) for v in args.peak_tflops.split(","))
        return fp32, fp16, "given"
    name = torch.cuda.get_device_name(0) if torch is not None else ""
    for key, peak in PEAKS.items():
        if key in name:
            return peak[0], peak[1], name
    return None, None, name or "unknown GPU"


def time_it(fn, warmup, iters, sync):
    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def inputs_for(name, batch, seq, rng):
    if name == "bert_base":
        ids = rng.randint(1, 30000, size=(batch, seq)).astype("int64")
        return {"ids": ids}
    return {"image": rng.rand(batch, 3, 224, 224).astype("float32")}


# ---------------------------------------------------------------- pdinfer

def pdinfer_runner(name, batch, precision, seq, devio, torch):
    import pdinfer
    from models import model_dir

    d = model_dir(name)
    cfg = pdinfer.Config(os.path.join(d, "inference.pdmodel"), os.path.join(d, "inference.pdiparams"))
    prec = pdinfer.PrecisionType.Half if precision == "fp16" else pdinfer.PrecisionType.Float32
    cfg.enable_use_gpu(512, 0, prec)
    pred = pdinfer.create_predictor(cfg)
    rng = np.random.RandomState(0)
    feeds = {}
    for n in pred.get_input_names():
        h = pred.get_input_handle(n)
        if h.type() in (pdinfer.DataType.INT64, pdinfer.DataType.INT32):
            dtype = "int64" if h.type() == pdinfer.DataType.INT64 else "int32"
            feeds[n] = rng.randint(1, 30000, size=(batch, seq)).astype(dtype)
            if "type" in n or "segment" in n:
                feeds[n][:] = 0
        else:
            feeds[n] = rng.rand(batch, 3, 224, 224).astype("float32")
    if not devio:
        def run():
            for n, a in feeds.items():
                pred.get_input_handle(n).copy_from_cpu(a)
            pred.run()
            for n in pred.get_output_names():
                pred.get_output_handle(n).copy_to_cpu()
        return run, lambda: None
    dev_in = {n: torch.from_numpy(a).cuda() for n, a in feeds.items()}
    for n, t in dev_in.items():
        pred.get_input_handle(n).share_external_data(t)
    pred.run()  # learn the output shapes, then bind device outputs
    dev_out = []
    for n in pred.get_output_names():
        h = pred.get_output_handle(n)
        t = torch.empty(h.shape(), dtype=torch.float32, device="cuda")
        h.share_external_data(t)
        dev_out.append(t)
    return pred.run, torch.cuda.synchronize


# ---------------------------------------------------------------- PyTorch

def torch_model(name, torch):
    nn = torch.nn
    if name == "bert_base":
        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(30522, 768)
                layer = nn.TransformerEncoderLayer(768, 12, 3072, activation="gelu", batch_first=True)
                self.enc = nn.TransformerEncoder(layer, 12, enable_nested_tensor=False)

            def forward(self, ids):
                return self.enc(self.emb(ids))
        return Encoder()
    import torchvision
    return getattr(torchvision.models, name)(weights=None)


def torch_runner(name, batch, precision, seq, compiled, torch):
    model = torch_model(name, torch).cuda().eval()
    dtype = torch.float16 if precision == "fp16" else torch.float32
    model = model.to(dtype)
    rng = np.random.RandomState(0)
    feeds = inputs_for(name, batch, seq, rng)
    if name == "bert_base":
        x = torch.from_numpy(feeds["ids"]).cuda()
    else:
        x = torch.from_numpy(feeds["image"]).cuda().to(dtype)
    if compiled:
        model = torch.compile(model)

    def run():
        with torch.inference_mode():
            model(x)
    with torch.inference_mode():
        model(x)  # compiles (torch.compile) outside the timed region
    return run, torch.cuda.synchronize


# ---------------------------------------------------------------- driver

def bench_one(args, torch, model, runtime, batch, precision):
    if runtime.startswith("pdinfer"):
        run, sync = pdinfer_runner(model, batch, precision, args.seq, runtime == "pdinfer_devio", torch)
    else:
        run, sync = torch_runner(model, batch, precision, args.seq, runtime == "torch_compile", torch)
    return time_it(run, args.warmup, args.iters, sync)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default=",".join(MODELS))
    ap.add_argument("--batches", default="1,32")
    ap.add_argument("--precisions", default="fp32,fp16")
    ap.add_argument("--runtimes", default=",".join(RUNTIMES))
    ap.add_argument("--seq", type=int, default=128, help="BERT sequence length")
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--peak-tflops", default="", help="FP32,FP16 dense peaks of the GPU")
    ap.add_argument("--json", default="")
    args = ap.parse_args()

    try:
        import torch
    except ImportError:
        torch = None
    if torch is None or not torch.cuda.is_available():
        print("note: PyTorch with CUDA is not available: torch rows and pdinfer_devio are skipped")
    peak32, peak16, device = device_peak(args, torch)
    if torch is not None and torch.cuda.is_available():
        torch.backends.cuda.matmul.allow_tf32 = False  # pdinfer's fp32 does not use TF32
        torch.backends.cudnn.allow_tf32 = False
    rows = []
    print(f"device: {device}; peaks fp32 {peak32} / fp16 {peak16} TFLOPS")
    print("| model | runtime | batch | precision | median ms | samples/s | TFLOPS | % of peak |")
    print("|---|---|---|---|---|---|---|---|")
    for model in args.only.split(","):
        for batch in (int(b) for b in args.batches.split(",")):
            for precision in args.precisions.split(","):
                for runtime in args.runtimes.split(","):
                    needs_torch = runtime != "pdinfer"
                    if needs_torch and (torch is None or not torch.cuda.is_available()):
                        continue
                    row = {"model": model, "runtime": runtime, "batch": batch, "precision": precision}
                    try:
                        sec = bench_one(args, torch, model, runtime, batch, precision)
                    except Exception as e:  # noqa: BLE001 - report and go on with the others
                        row["error"] = f"{type(e).__name__}: {e}"
                        rows.append(row)
                        print(f"| {model} | {runtime} | {batch} | {precision} | error: {row['error'][:80]} ||||")
                        continue
                    tflops = model_gflop(model, args.seq) * batch / sec / 1e3
                    peak = peak16 if precision == "fp16" else peak32
                    frac = tflops / peak if peak else None
                    row.update(median_ms=sec * 1e3, samples_per_s=batch / sec, tflops=tflops,
                               fraction_of_peak=frac)
                    rows.append(row)
                    frac_s = f"{100 * frac:.1f}" if frac is not None else "-"
                    print(f"| {model} | {runtime} | {batch} | {precision} | {sec * 1e3:.3f} | "
                          f"{batch / sec:.1f} | {tflops:.2f} | {frac_s} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": device, "peak_tflops": [peak32, peak16], "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
