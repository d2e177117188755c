"""The pass manager and the clean-up passes: dropout simplification, identity removal,
constant folding (with shape chains), dead-code elimination, and the user controls
(switch_ir_optim, delete_pass, pass_builder, switch_ir_debug)."""
import glob
import os

import numpy as np
import pytest

import pdinfer
from pdtest import OpCase, paddle_reference, run_pdinfer

pytestmark = pytest.mark.paddle

R = np.random.RandomState(7)
X46 = R.randn(2, 4, 6).astype("float32")


def fired(pred, name):
    return sum(s["fired"] for s in pred._pass_stats() if s["name"] == name)


def predictor(model_dir, ir_optim=True, deleted=(), passes=None, **cfg_kw):
    cfg = pdinfer.Config(os.path.join(model_dir, "inference.pdmodel"),
                         os.path.join(model_dir, "inference.pdiparams"))
    cfg.switch_ir_optim(ir_optim)
    for d in deleted:
        cfg.delete_pass(d)
    if passes is not None:
        cfg.pass_builder().set_passes(passes)
    if cfg_kw.get("debug_dir"):
        cfg.set_optim_cache_dir(cfg_kw["debug_dir"])
        cfg.switch_ir_debug(True)
    return pdinfer.create_predictor(cfg)


def run(pred, inputs):
    return dict(zip(pred.get_output_names(), pred.run([inputs[n] for n in pred.get_input_names()])))


def check(case, ref, pass_name, min_fired=1, inputs=None):
    """The pass fires, and outputs match paddle.inference and the unoptimized graph."""
    assert ref.error is None, ref.error
    inputs = inputs or case.inputs
    on = predictor(ref.model_dir)
    off = predictor(ref.model_dir, ir_optim=False)
    assert fired(on, pass_name) >= min_fired, on._pass_stats()
    assert off._pass_stats() == []
    got_on, got_off = run(on, inputs), run(off, inputs)
    # Outputs keep the names the model file gives them whatever the passes remove.
    assert list(got_on) == list(got_off) == off.get_output_names()
    for name, want in zip(got_on, ref.outputs):
        np.testing.assert_allclose(got_on[name], want, rtol=1e-4, atol=1e-4, err_msg=name)
        np.testing.assert_allclose(got_on[name], got_off[name], rtol=1e-5, atol=1e-6, err_msg=name)
    return on


def dropout(impl, last=False, p=0.3):
    tail = "out = d" if last else "out = F.relu(d)"
    return (
        "x = paddle.static.data('x', [-1, 4, 6], 'float32')\n"
        "t = append_op('sigmoid', {'X': x})\n"
        "r = append_op('dropout', {'X': t}, {'Out': 'float32', 'Mask': 'uint8'},\n"
        f"              {{'dropout_prob': {p}, 'is_test': True, 'dropout_implementation': '{impl}'}})\n"
        f"d = r['Out']\n{tail}\n")


CASES = {
    "dropout_upscale": OpCase("dropout_upscale", dropout("upscale_in_train"), {"x": X46}, ["out"]),
    "dropout_upscale_last": OpCase("dropout_upscale_last", dropout("upscale_in_train", last=True),
                                   {"x": X46}, ["out"]),
    "dropout_downgrade": OpCase("dropout_downgrade", dropout("downgrade_in_infer"), {"x": X46}, ["out"]),
    "identity_chain": OpCase("identity_chain", (
        "x = paddle.static.data('x', [2, 4, 6], 'float32')\n"
        "a = paddle.scale(F.relu(x), scale=1.0, bias=0.0)\n"
        "b = paddle.assign(a)\n"
        "c = paddle.cast(b, 'float32')\n"
        "d = paddle.reshape(c, [2, 4, 6])\n"
        "e = paddle.transpose(d, [0, 1, 2])\n"
        "out = append_op('sigmoid', {'X': e})\n"), {"x": X46}, ["out"]),
    "identity_last": OpCase("identity_last", (
        "x = paddle.static.data('x', [2, 4, 6], 'float32')\n"
        "out = append_op('scale', {'X': F.relu(x)}, attrs={'scale': 1.0, 'bias': 0.0})\n"),
        {"x": X46}, ["out"]),
    "fold_weights": OpCase("fold_weights", (
        "x = paddle.static.data('x', [-1, 4], 'float32')\n"
        "w = paddle.create_parameter([3, 4], 'float32')\n"
        "wt = paddle.transpose(w, [1, 0])\n"
        "ws = paddle.scale(wt, scale=0.5, bias=0.1)\n"
        "c = paddle.full([3], 2.0, 'float32')\n"
        "out = append_op('matmul_v2', {'X': x, 'Y': ws}, attrs={'trans_x': False, 'trans_y': False})\n"
        "out = paddle.add(out, c)\n"), {"x": R.randn(5, 4).astype("float32")}, ["out"]),
    "fold_static_dim": OpCase("fold_static_dim", (
        "x = paddle.static.data('x', [-1, 6], 'float32')\n"
        "s = paddle.shape(x)\n"
        "n = paddle.cast(s[1], 'float32')\n"
        "b = paddle.cast(s[0], 'float32')\n"
        "out = x * n + b\n"), {"x": R.randn(3, 6).astype("float32")}, ["out"]),
}


@pytest.fixture(scope="module")
def refs():
    return paddle_reference(list(CASES.values()))


def test_dropout_upscale_removed(refs):
    on = check(CASES["dropout_upscale"], refs["dropout_upscale"], "simplify_with_basic_ops_pass")
    assert "dropout" not in on._op_counts()


def test_dropout_as_graph_output_keeps_its_name(refs):
    ref = refs["dropout_upscale_last"]
    on = check(CASES["dropout_upscale_last"], ref, "simplify_with_basic_ops_pass")
    assert "dropout" not in on._op_counts()
    assert on.get_output_names() == ["dropout_0.tmp_0"]


def test_dropout_downgrade_becomes_scale(refs):
    on = check(CASES["dropout_downgrade"], refs["dropout_downgrade"], "simplify_with_basic_ops_pass")
    counts = on._op_counts()
    assert "dropout" not in counts and counts.get("scale") == 1


def test_identity_ops_removed(refs):
    on = check(CASES["identity_chain"], refs["identity_chain"], "identity_op_clean_pass", min_fired=5)
    assert sorted(on._op_counts()) == ["relu", "sigmoid"]


def test_identity_at_output_keeps_name(refs):
    ref = refs["identity_last"]
    on = check(CASES["identity_last"], ref, "identity_op_clean_pass")
    assert on._op_counts() == {"relu": 1}
    assert on.get_output_names() == ["scale_0.tmp_0"]


def test_constant_weight_chain_folded(refs):
    on = check(CASES["fold_weights"], refs["fold_weights"], "constant_folding_pass", min_fired=3)
    counts = on._op_counts()
    for op in ("transpose2", "scale", "fill_constant"):
        assert op not in counts, counts


def test_static_dim_folded_dynamic_dim_kept(refs):
    case, ref = CASES["fold_static_dim"], refs["fold_static_dim"]
    on = check(case, ref, "constant_folding_pass")
    # the batch dim stays a run-time value: other batch sizes still give right answers
    for rows in (1, 7):
        x = R.randn(rows, 6).astype("float32")
        (got,) = on.run([x])
        np.testing.assert_allclose(got, x * 6 + rows, rtol=1e-6)
    assert "shape" in on._op_counts()


def test_dead_code_removed(tmp_path):
    from legacy_writer import block, feed, fetch, holders, load_buffers, op, program, var
    vars_ = holders() + [var("x", dims=[-1, 4]), var("t", dims=[-1, 4]), var("u", dims=[-1, 4]),
                         var("out", dims=[-1, 4])]
    ops = [feed("x", 0),
           op("relu", {"X": ["x"]}, {"Out": ["t"]}),
           op("sigmoid", {"X": ["x"]}, {"Out": ["u"]}),  # nothing reads u
           op("scale", {"X": ["t"]}, {"Out": ["out"]}, []),
           fetch("out", 0)]
    pred = load_buffers(program([block(vars_, ops)]), b"")
    assert fired(pred, "dead_code_elimination_pass") == 1
    assert "sigmoid" not in pred._op_counts()
    x = R.randn(3, 4).astype("float32")
    np.testing.assert_allclose(pred.run([x])[0], np.maximum(x, 0))


def test_switch_ir_optim_off_runs_graph_as_loaded(refs):
    ref = refs["identity_chain"]
    off = predictor(ref.model_dir, ir_optim=False)
    assert off._pass_stats() == []
    report = off.optimization_report()
    assert report["nodes_loaded"] == report["nodes_optimized"] == 7


def test_delete_pass_keeps_it_from_running(refs):
    ref = refs["identity_chain"]
    pred = predictor(ref.model_dir, deleted=["identity_op_clean_pass"])
    assert "identity_op_clean_pass" not in [s["name"] for s in pred._pass_stats()]
    assert "assign" in pred._op_counts()
    np.testing.assert_allclose(run(pred, CASES["identity_chain"].inputs)["sigmoid_0.tmp_0"]
                               if "sigmoid_0.tmp_0" in ref.output_names else
                               pred.run([X46])[0], ref.outputs[0], rtol=1e-5)


def test_pass_builder_lists_and_edits():
    cfg = pdinfer.Config()
    passes = cfg.pass_builder().all_passes()
    assert passes == pdinfer.default_passes()
    assert passes[0] == "simplify_with_basic_ops_pass" and passes[-1] == "dead_code_elimination_pass"
    registered = set(pdinfer.registered_passes())
    assert set(passes) <= registered, set(passes) - registered
    cfg.delete_pass("constant_folding_pass")
    assert "constant_folding_pass" not in cfg.pass_builder().all_passes()
    # Paddle's oneDNN spelling of a pass we implement under the shared name
    cfg.delete_pass("conv_activation_mkldnn_fuse_pass")
    assert "conv_activation_fuse_pass" not in cfg.pass_builder().all_passes()
    cfg.delete_pass("no_such_pass")  # unknown names are ignored, as in Paddle
    cfg.pass_builder().set_passes(["identity_op_clean_pass"])
    assert cfg.pass_builder().all_passes() == ["identity_op_clean_pass"]


def test_explicit_pass_list(refs):
    ref = refs["identity_chain"]
    pred = predictor(ref.model_dir, passes=["identity_op_clean_pass"])
    assert [s["name"] for s in pred._pass_stats()] == ["identity_op_clean_pass"]
    assert sorted(pred._op_counts()) == ["relu", "sigmoid"]


def test_ir_debug_writes_graph_per_pass(refs, tmp_path):
    ref = refs["identity_chain"]
    pred = predictor(ref.model_dir, debug_dir=str(tmp_path))
    files = sorted(glob.glob(str(tmp_path / "pdinfer_ir_*.dot")))
    assert os.path.basename(files[0]) == "pdinfer_ir_00_loaded.dot"
    assert len(files) == len(pred._pass_stats()) + 1
    after = [f for f in files if f.endswith("identity_op_clean_pass.dot")]
    assert after and "assign" not in open(after[0]).read()
    assert "assign" in open(files[0]).read()


def test_clone_shares_optimized_graph(refs):
    ref = refs["identity_chain"]
    pred = predictor(ref.model_dir)
    clone = pred.clone()
    assert clone._op_counts() == pred._op_counts()
    np.testing.assert_allclose(clone.run([X46])[0], pred.run([X46])[0])
