"""Paddle 3.x PIR (`inference.json`) exports for the model zoo and for PIR op-level tests.

Run as a script in a fresh process with PIR on (the default; the switch is read when paddle
is imported):

    python export_pir.py model NAME OUT_DIR
        paddle.jit.save of zoo model NAME (resnet50, mobilenet_v3_large, mobilenet_v1,
        shufflenet_v2, bert_base) in PIR mode: OUT_DIR/inference.json + inference.pdiparams.
        The model is built by export_zoo.py's code with the same seeds and BN calibration as
        the legacy export, so the parameters are byte-identical.
    python export_pir.py convert SRC_DIR OUT_DIR
        legacy SRC_DIR/inference.pdmodel (+ .pdiparams) -> PIR OUT_DIR/inference.json: load
        under OldIrGuard, paddle.pir.translate_to_pir(prog.desc), save_inference_model under
        IrGuard with the pd_op.feed/pd_op.data results as feeds and the pd_op.fetch operands
        as fetches (how the real PP-OCR models are brought to PIR).
    python export_pir.py ops JOBS_PKL ERRORS_PKL
        exports tiny op-level models (see models.pir_op_references).
    python export_pir.py infer JOBS_PKL MODE RESULT_DIR
        paddle.inference on PIR models (MODE "onednn" = default Config, "no_onednn" =
        disable_mkldnn()); writes RESULT_DIR/<i>.pkl after job i.
"""
import os
import pickle
import sys
import textwrap

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
JSON_FILE = "inference.json"
PARAMS_FILE = "inference.pdiparams"


def _require_pir(paddle):
    if not paddle.framework.use_pir_api():
        raise SystemExit("PIR mode is off: unset FLAGS_enable_pir_api (or set it to 1) before running")


def _tidy(out_dir):
    for f in os.listdir(out_dir):  # training-only side file
        if f.endswith(".pdiparams.info"):
            os.remove(os.path.join(out_dir, f))
    if not os.path.exists(os.path.join(out_dir, PARAMS_FILE)):
        # no parameters: paddle writes no params file; keep the pair complete
        open(os.path.join(out_dir, PARAMS_FILE), "wb").close()


def export_model(name, out_dir):
    import paddle

    _require_pir(paddle)
    sys.path.insert(0, HERE)
    import export_zoo

    if name == "bert_base":  # the legacy-mode shims are not needed (nor wanted) under PIR
        paddle.seed(0)
        model, spec = export_zoo.build_bert()
    else:
        model, spec = export_zoo.build(name)
    model.eval()
    os.makedirs(out_dir, exist_ok=True)
    paddle.jit.save(model, os.path.join(out_dir, "inference"), input_spec=spec)
    _tidy(out_dir)


def convert_legacy(src_dir, out_dir):
    import paddle

    _require_pir(paddle)
    paddle.enable_static()
    with paddle.pir_utils.OldIrGuard():
        exe = paddle.static.Executor(paddle.CPUPlace())
        prog, _, _ = paddle.static.load_inference_model(os.path.join(src_dir, "inference"), exe)
    pir_prog = paddle.pir.translate_to_pir(prog.desc)
    ops = pir_prog.global_block().ops
    feeds = [o.result(0) for o in ops if o.name() in ("pd_op.feed", "pd_op.data")]
    fetches = [o.operand_source(0) for o in ops if o.name() == "pd_op.fetch"]
    with paddle.pir_utils.IrGuard():
        exe = paddle.static.Executor(paddle.CPUPlace())
        os.makedirs(out_dir, exist_ok=True)
        paddle.static.save_inference_model(os.path.join(out_dir, "inference"), feeds, fetches, exe,
                                           program=pir_prog)
    _tidy(out_dir)


def export_op_case(paddle, case, out_dir):
    """case: {name, code, specs: [(name, shape, dtype)]}.  The snippet defines `f(*inputs)`
    (returning a tensor or a tuple of tensors) or an nn.Layer subclass `Net`.  It is written
    to OUT_DIR/case_src.py and imported from there: dy2static reads the source of forward."""
    import importlib.util

    args = ", ".join(f"a{i}" for i in range(len(case["specs"])))
    src = ("import numpy as np\nimport paddle\nimport paddle.nn as nn\n"
           "import paddle.nn.functional as F\n\n" + textwrap.dedent(case["code"]).strip() + "\n")
    if "class Net" not in case["code"]:  # dy2static needs named parameters, one per input
        src += f"\n\nclass Net(nn.Layer):\n    def forward(self, {args}):\n        return f({args})\n"
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "case_src.py")
    with open(path, "w") as fh:
        fh.write(src)
    spec_ = importlib.util.spec_from_file_location(f"pir_case_{abs(hash(out_dir))}", path)
    mod = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(mod)
    paddle.seed(0)
    layer = mod.Net()
    layer.eval()
    spec = [paddle.static.InputSpec(list(shape), dtype, n) for n, shape, dtype in case["specs"]]
    paddle.jit.save(layer, os.path.join(out_dir, "inference"), input_spec=spec)
    _tidy(out_dir)


def export_ops(job_file, result_file):
    import traceback

    import paddle

    _require_pir(paddle)
    with open(job_file, "rb") as f:
        jobs = pickle.load(f)
    errors = {}
    for case, out_dir in jobs:
        try:
            export_op_case(paddle, case, out_dir)
        except BaseException as e:  # noqa: BLE001 - per-case error, keep going
            tb = traceback.format_exc(limit=-4)
            errors[case["name"]] = f"{type(e).__name__}: {e}\n{tb}"[-4000:]
    with open(result_file, "wb") as f:
        pickle.dump(errors, f)


def infer(job_file, mode, result_dir):
    """Jobs: [(key, prog_file, params_file, [inputs, ...])]; all input sets of a job run on one
    predictor (BERT: two shapes on the same predictor, like the legacy model test)."""
    with open(job_file, "rb") as f:
        jobs = pickle.load(f)
    import paddle.inference as pi

    for i, (key, prog, params, input_sets) in enumerate(jobs):
        res = {"key": key, "mode": mode}
        try:
            if os.path.getsize(params) == 0:  # no parameters: paddle refuses an empty file
                cfg = pi.Config()
                cfg.set_prog_file(prog)
            else:
                cfg = pi.Config(prog, params)
            cfg.disable_glog_info()
            cfg.set_cpu_math_library_num_threads(1)
            if mode == "no_onednn":
                cfg.disable_mkldnn()
            pred = pi.create_predictor(cfg)
            in_names = list(pred.get_input_names())
            runs = []
            for inputs in input_sets:
                for n in in_names:
                    if n not in inputs:
                        raise KeyError(f"model input {n!r} has no value in {sorted(inputs)}")
                    h = pred.get_input_handle(n)
                    h.reshape(list(inputs[n].shape))
                    h.copy_from_cpu(np.ascontiguousarray(inputs[n]))
                pred.run()
                out_names = list(pred.get_output_names())
                runs.append([np.array(pred.get_output_handle(n).copy_to_cpu()) for n in out_names])
            res.update(input_names=in_names, output_names=out_names, outputs=runs)
        except BaseException as e:  # noqa: BLE001
            res["error"] = f"{type(e).__name__}: {e}".strip()[-3000:]
        tmp = os.path.join(result_dir, f"{i}.pkl.tmp")
        with open(tmp, "wb") as f:
            pickle.dump(res, f)
        os.rename(tmp, os.path.join(result_dir, f"{i}.pkl"))


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) == 3 and args[0] == "model":
        export_model(args[1], args[2])
    elif len(args) == 3 and args[0] == "convert":
        convert_legacy(args[1], args[2])
    elif len(args) == 3 and args[0] == "ops":
        export_ops(args[1], args[2])
    elif len(args) == 4 and args[0] == "infer":
        infer(args[1], args[2], args[3])
    else:
        raise SystemExit(__doc__)
