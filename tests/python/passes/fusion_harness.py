"""Parity + "did it fire" checks for graph-optimizer passes on tiny legacy Paddle models.

    from passes.fusion_harness import FuseCase, references, check_case

    CASES = [FuseCase(name="fc_relu", code="...", inputs={...}, fetch=["out"],
                      fired={"fc_fuse_pass": 1}, ops={"fc": 1, "relu": 0})]

    @pytest.fixture(scope="module")
    def refs(): return references(CASES)

    @pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
    def test_case(case, refs): check_case(case, refs[case.name])

Each case is exported and run with paddle.inference through tests/python/pdtest.py (cached).
check_case then runs pdinfer with the default passes and checks
  * every pass in `fired` fired exactly that many times (0 = must not fire; a pass that
    did not run at all counts as 0),
  * the optimized graph has exactly the op counts in `ops` (ops not named are not checked),
  * outputs equal paddle.inference's and those of pdinfer with switch_ir_optim(False)
    within rtol/atol (default 1e-4), both with the default config (oneDNN kernels where
    they exist) and with disable_mkldnn() (the reference kernels of the fused ops).
`delete` names passes removed with Config.delete_pass before the run.
"""
import dataclasses
import os

import numpy as np

from pdtest import MODEL_FILE, PARAMS_FILE, OpCase, compare_outputs, paddle_reference


@dataclasses.dataclass
class FuseCase:
    name: str
    code: str
    inputs: dict
    fetch: list
    fired: dict = dataclasses.field(default_factory=dict)
    ops: dict = dataclasses.field(default_factory=dict)
    delete: tuple = ()
    rtol: float = 1e-4
    atol: float = 1e-4

    def __repr__(self):
        return f"FuseCase({self.name!r})"


def references(cases):
    return paddle_reference([OpCase(name=c.name, code=c.code, inputs=c.inputs, fetch=c.fetch)
                             for c in cases])


def op_counts(predictor):
    fn = getattr(predictor, "_op_counts", None)
    return dict(fn() if fn else predictor._core.op_counts())


def pass_stats(predictor):
    return list(predictor._pass_stats())


def run(model_dir, inputs, ir_optim=True, delete=(), onednn=True):
    """-> (outputs, output names, predictor)"""
    import pdinfer

    cfg = pdinfer.Config(os.path.join(model_dir, MODEL_FILE), os.path.join(model_dir, PARAMS_FILE))
    cfg.switch_ir_optim(ir_optim)
    if not onednn:
        cfg.disable_mkldnn()
    for d in delete:
        cfg.delete_pass(d)
    p = pdinfer.create_predictor(cfg)
    for n in p.get_input_names():
        p.get_input_handle(n).copy_from_cpu(np.ascontiguousarray(inputs[n]))
    p.run()
    names = list(p.get_output_names())
    outs = [np.asarray(p.get_output_handle(n).copy_to_cpu()) for n in names]
    return outs, names, p


def fired_counts(predictor):
    out = {}
    for s in pass_stats(predictor):
        out[s["name"]] = out.get(s["name"], 0) + int(s["fired"])
    return out


def check_case(case, ref):
    label = f"[{case.name}]"
    if ref.error:
        raise AssertionError(f"{label}: {ref.error}")
    outs, names, p = run(ref.model_dir, case.inputs, delete=case.delete)
    fired = fired_counts(p)
    counts = op_counts(p)
    info = f"fired={ {k: v for k, v in fired.items() if v} } ops={counts}"
    for name, want in case.fired.items():
        got = fired.get(name, 0)
        assert got == want, f"{label}: {name} fired {got} times, expected {want}; {info}"
    for op, want in case.ops.items():
        got = counts.get(op, 0)
        assert got == want, f"{label}: {got} '{op}' ops after optimization, expected {want}; {info}"
    compare_outputs(label + " vs paddle", ref.output_names, ref.outputs, names, outs,
                    case.rtol, case.atol)
    plain, plain_names, _ = run(ref.model_dir, case.inputs, ir_optim=False)
    compare_outputs(label + " vs ir_optim=False", plain_names, plain, names, outs,
                    case.rtol, case.atol)
    # The reference kernels of the fused ops (oneDNN off).
    ref_outs, ref_names, p2 = run(ref.model_dir, case.inputs, delete=case.delete, onednn=False)
    assert op_counts(p2) == counts, f"{label}: oneDNN off gives another graph: {op_counts(p2)}"
    compare_outputs(label + " (oneDNN off) vs paddle", ref.output_names, ref.outputs, ref_names,
                    ref_outs, case.rtol, case.atol)
    return fired, counts
