"""Parity tests: matmul_v2, matmul (v1), mul, fc, bmm, layer_norm, group_norm,
instance_norm, softmax, log_softmax, lookup_table(_v2).

Ops are built with the legacy op types through append_op (paddle.matmul & co. do not
work in legacy static mode). Tolerances are rtol=atol=1e-4: products reduce over up to
~260 terms of unit-variance values, so outputs are O(10) and float32 rounding of two
different summation orders stays well below that.
"""
import numpy as np
import pytest

import pdinfer
from pdtest import OpCase, assert_matches, paddle_reference, run_pdinfer

pytestmark = pytest.mark.paddle

RTOL = ATOL = 1e-4
_rng = np.random.RandomState(1234)


def _rand(shape, dtype="float32"):
    if np.dtype(dtype).kind in "iu":
        return _rng.randint(-5, 6, size=shape).astype(dtype)
    return np.asarray(_rng.standard_normal(size=list(shape))).astype(dtype)


def _decl(shape, dynamic):
    return [-1] * len(shape) if dynamic else list(shape)


def mm(name, op, xs, ys, attrs=None, dtype="float32", dynamic=False, expect_error=None,
       rtol=RTOL, atol=ATOL):
    """X, Y fed as inputs; `dynamic` declares every dim unknown (-1) so Paddle's build-time
    shape check does not reject a deliberately bad pair."""
    code = (f"x = paddle.static.data('x', {_decl(xs, dynamic)}, '{dtype}')\n"
            f"y = paddle.static.data('y', {_decl(ys, dynamic)}, '{dtype}')\n"
            f"out = append_op('{op}', {{'X': x, 'Y': y}}, attrs={attrs or {}!r})")
    return OpCase(name=name, code=code, inputs={"x": _rand(xs, dtype), "y": _rand(ys, dtype)},
                  fetch=["out"], rtol=rtol, atol=atol, expect_error=expect_error)


def v2(name, xs, ys, tx=False, ty=False, **kw):
    return mm("matmul_v2_" + name, "matmul_v2", xs, ys, {"trans_x": tx, "trans_y": ty}, **kw)


def v1(name, xs, ys, tx=False, ty=False, alpha=1.0, **kw):
    return mm("matmul_v1_" + name, "matmul", xs, ys,
              {"transpose_X": tx, "transpose_Y": ty, "alpha": alpha}, **kw)


CASES = [
    # matmul_v2: 2-D with every transpose combination, odd sizes
    v2("2d", [7, 13], [13, 5]),
    v2("2d_tx", [13, 7], [13, 5], tx=True),
    v2("2d_ty", [7, 13], [5, 13], ty=True),
    v2("2d_txty", [13, 7], [5, 13], tx=True, ty=True),
    # sizes crossing the GEMM's register/cache blocks (6x16 tiles, KC=256)
    v2("2d_big_tails", [97, 263], [263, 131]),
    v2("2d_big_txty", [263, 97], [131, 263], tx=True, ty=True),
    # 1-D operands (their transpose flags are ignored)
    v2("vec_mat", [13], [13, 5]),
    v2("vec_mat_tx_ignored", [13], [13, 5], tx=True),
    v2("mat_vec", [7, 13], [13]),
    v2("mat_vec_ty_ignored", [7, 13], [13], ty=True),
    v2("vec_vec", [17], [17]),
    v2("batch_vec", [3, 7, 13], [13]),
    v2("vec_batch", [13], [3, 13, 5]),
    v2("vec_batch_ty", [13], [3, 5, 13], ty=True),
    # batched, with broadcasting of the batch dims
    v2("3d", [4, 7, 13], [4, 13, 5]),
    v2("3d_shared_y", [3, 65, 131], [131, 67]),  # folded into one tall GEMM
    v2("3d_shared_y_tx", [3, 13, 7], [13, 5], tx=True),
    v2("3d_shared_x", [7, 13], [3, 13, 5]),
    v2("3d_bcast1", [1, 7, 13], [4, 13, 5]),
    v2("4d_bcast", [2, 1, 7, 13], [3, 13, 5]),
    v2("4d_bcast_both", [2, 1, 7, 13], [1, 3, 13, 5], tx=False, ty=False),
    v2("4d_txty", [2, 3, 13, 7], [1, 3, 5, 13], tx=True, ty=True),
    v2("4d_many_small", [8, 12, 5, 16], [8, 12, 16, 5]),
    v2("float64", [5, 9], [9, 4], dtype="float64"),
    # empty tensors
    v2("empty_m", [0, 13], [13, 5]),
    v2("empty_batch", [0, 3, 4], [4, 2]),
    # bad inner dims (declared dynamic so Paddle's build-time check lets the model through)
    v2("bad_inner", [3, 4], [5, 6], dynamic=True, expect_error=pdinfer.InvalidArgumentError),
    v2("bad_batch", [2, 3, 4], [3, 4, 5], dynamic=True,
       expect_error=pdinfer.InvalidArgumentError),
    # matmul (v1)
    v1("2d", [7, 13], [13, 5]),
    v1("2d_txty_alpha", [13, 7], [5, 13], tx=True, ty=True, alpha=0.5),
    v1("3d", [4, 7, 13], [4, 13, 5], alpha=2.0),
    v1("3d_shared_y", [3, 7, 13], [13, 5]),
    v1("3d_shared_x", [7, 13], [3, 13, 5], ty=False),
    v1("4d_tx", [2, 3, 13, 7], [2, 3, 13, 5], tx=True),
    # v1 batches: equal batch sizes (products) that also broadcast dim by dim
    v1("4d_vs_3d_bcast", [1, 3, 7, 13], [3, 13, 5], alpha=-1.5),
    v1("4d_vs_4d_bcast", [2, 1, 7, 13], [1, 2, 5, 13], ty=True),
    # equal batch products but unbroadcastable dims, or broadcastable dims with unequal
    # products: Paddle 3.x rejects both
    v1("4d_vs_3d_same_batch", [2, 3, 7, 13], [6, 13, 5], dynamic=True,
       expect_error=pdinfer.InvalidArgumentError),
    v1("3d_bcast1", [1, 7, 13], [4, 13, 5], dynamic=True,
       expect_error=pdinfer.InvalidArgumentError),
    v1("vec_mat", [13], [13, 5]),
    v1("mat_vec", [7, 13], [13]),
    v1("vec_vec", [13], [13]),
    v1("vec_tx_outer", [7], [1, 5], tx=True),  # a 1-D X transposed is a column
    v1("bad_inner", [3, 4], [5, 6], dynamic=True, expect_error=pdinfer.InvalidArgumentError),
    # mul
    mm("mul_2d", "mul", [6, 11], [11, 4]),
    mm("mul_flatten", "mul", [2, 3, 4, 5], [20, 7], {"x_num_col_dims": 2, "y_num_col_dims": 1}),
    mm("mul_flatten_y", "mul", [6, 20], [4, 5, 3, 2], {"x_num_col_dims": 1, "y_num_col_dims": 2}),
    mm("mul_bad", "mul", [6, 11], [12, 4], dynamic=True,
       expect_error=pdinfer.InvalidArgumentError),
    # bmm
    mm("bmm", "bmm", [3, 7, 13], [3, 13, 5]),
    mm("bmm_bad_batch", "bmm", [3, 7, 13], [2, 13, 5], dynamic=True,
       expect_error=pdinfer.InvalidArgumentError),
]


def fc(name, in_shape, w_shape, bias_shape, attrs, expect_error=None):
    bias = ("b = paddle.static.data('b', %r, 'float32')\n" % list(bias_shape)) if bias_shape else ""
    ins = "{'Input': x, 'W': w" + (", 'Bias': b}" if bias_shape else "}")
    code = (f"x = paddle.static.data('x', {list(in_shape)}, 'float32')\n"
            f"w = paddle.static.data('w', {list(w_shape)}, 'float32')\n" + bias +
            f"out = append_op('fc', {ins}, {{'Out': 'float32'}}, {attrs!r})['Out']")
    inputs = {"x": _rand(in_shape), "w": _rand(w_shape)}
    if bias_shape:
        inputs["b"] = _rand(bias_shape)
    return OpCase(name="fc_" + name, code=code, inputs=inputs, fetch=["out"], rtol=RTOL,
                  atol=ATOL, expect_error=expect_error)


CASES += [
    fc("2d_bias", [5, 9], [9, 7], [7], {"in_num_col_dims": 1}),
    fc("relu", [5, 9], [9, 7], [1, 7], {"in_num_col_dims": 1, "activation_type": "relu"}),
    fc("3d_ncd2", [2, 5, 9], [9, 7], [7], {"in_num_col_dims": 2}),
    fc("4d_ncd1", [2, 3, 2, 4], [24, 6], [6], {"in_num_col_dims": 1}),
    fc("no_bias", [4, 8], [8, 3], None, {"in_num_col_dims": 1}),
    fc("padding_weights", [4, 8], [12, 7], [3], {"in_num_col_dims": 1, "padding_weights": True}),
]


def norm_case(name, op, xs, params, outs, attrs, param_shape=None, rtol=RTOL, atol=ATOL,
              fetch_outs=None):
    """params: list of (slot, var) fed as inputs with shape param_shape; outs: output slots
    (all created), fetch_outs: the ones fetched (default: all)."""
    lines = [f"x = paddle.static.data('x', {list(xs)}, 'float32')"]
    inputs = {"x": _rand(xs)}
    ins = ["'X': x"]
    for slot, var in params:
        lines.append(f"{var} = paddle.static.data('{var}', {list(param_shape)}, 'float32')")
        inputs[var] = _rand(param_shape) + (1.0 if slot == "Scale" else 0.0)
        ins.append(f"'{slot}': {var}")
    out_spec = "{" + ", ".join(f"'{o}': 'float32'" for o in outs) + "}"
    lines.append(f"r = append_op('{op}', {{{', '.join(ins)}}}, {out_spec}, {attrs!r})")
    lines.append("out = [r[k] for k in %r]" % list(fetch_outs or outs))
    return OpCase(name=name, code="\n".join(lines), inputs=inputs, fetch=["out"], rtol=rtol,
                  atol=atol)


LN_OUT = ["Y", "Mean", "Variance"]
CASES += [
    norm_case("layer_norm_2d", "layer_norm", [6, 37], [("Scale", "s"), ("Bias", "b")], LN_OUT,
              {"epsilon": 1e-5, "begin_norm_axis": 1}, param_shape=[37]),
    norm_case("layer_norm_3d_axis2", "layer_norm", [2, 5, 33], [("Scale", "s"), ("Bias", "b")],
              LN_OUT, {"epsilon": 1e-5, "begin_norm_axis": 2}, param_shape=[33]),
    norm_case("layer_norm_4d_axis1", "layer_norm", [2, 3, 4, 5], [("Scale", "s"), ("Bias", "b")],
              LN_OUT, {"epsilon": 1e-6, "begin_norm_axis": 1}, param_shape=[60]),
    norm_case("layer_norm_no_affine", "layer_norm", [4, 3, 10], [], LN_OUT,
              {"epsilon": 1e-5, "begin_norm_axis": 2}),
    norm_case("layer_norm_scale_only", "layer_norm", [4, 10], [("Scale", "s")], LN_OUT,
              {"epsilon": 1e-5, "begin_norm_axis": 1}, param_shape=[10]),
    norm_case("layer_norm_long_row", "layer_norm", [3, 4099], [("Scale", "s"), ("Bias", "b")],
              LN_OUT, {"epsilon": 1e-5, "begin_norm_axis": 1}, param_shape=[4099]),
]

GN_OUT = ["Y", "Mean", "Variance"]
CASES += [
    norm_case("group_norm_nchw", "group_norm", [2, 6, 5, 7], [("Scale", "s"), ("Bias", "b")],
              GN_OUT, {"epsilon": 1e-5, "groups": 3, "data_layout": "NCHW"}, param_shape=[6]),
    norm_case("group_norm_groups1", "group_norm", [2, 4, 3, 3], [("Scale", "s"), ("Bias", "b")],
              GN_OUT, {"epsilon": 1e-5, "groups": 1, "data_layout": "NCHW"}, param_shape=[4]),
    norm_case("group_norm_per_channel", "group_norm", [2, 4, 9], [], GN_OUT,
              {"epsilon": 1e-5, "groups": 4, "data_layout": "NCHW"}),
    norm_case("group_norm_nhwc", "group_norm", [2, 5, 7, 6], [("Scale", "s"), ("Bias", "b")],
              GN_OUT, {"epsilon": 1e-5, "groups": 2, "data_layout": "NHWC"}, param_shape=[6]),
]

# Paddle's inference export strips SavedMean/SavedVariance from instance_norm, so only Y
# can be compared.
IN_OUT = ["Y", "SavedMean", "SavedVariance"]
CASES += [
    norm_case("instance_norm_4d", "instance_norm", [2, 3, 5, 7], [("Scale", "s"), ("Bias", "b")],
              IN_OUT, {"epsilon": 1e-5}, param_shape=[3], fetch_outs=["Y"]),
    norm_case("instance_norm_no_affine", "instance_norm", [2, 3, 11], [], IN_OUT,
              {"epsilon": 1e-5}, fetch_outs=["Y"]),
]


def softmax_case(name, op, xs, axis, scale=1.0):
    code = (f"x = paddle.static.data('x', {list(xs)}, 'float32')\n"
            f"out = append_op('{op}', {{'X': x}}, attrs={{'axis': {axis}}})")
    return OpCase(name=name, code=code, inputs={"x": (_rand(xs) * scale).astype("float32")},
                  fetch=["out"], rtol=RTOL, atol=ATOL)


for _op in ("softmax", "log_softmax"):
    CASES += [
        softmax_case(f"{_op}_last", _op, [4, 37], -1),
        softmax_case(f"{_op}_axis0", _op, [5, 3], 0),
        softmax_case(f"{_op}_mid_axis", _op, [2, 7, 300], 1),  # inner > 256: two lane blocks
        softmax_case(f"{_op}_neg_axis", _op, [2, 3, 4, 5], -3),
        softmax_case(f"{_op}_1d", _op, [11], 0),
        softmax_case(f"{_op}_large_values", _op, [3, 8], -1, scale=80.0),
        softmax_case(f"{_op}_empty", _op, [0, 5], -1),
    ]


# 0-D tensors made inside the graph (a reduced [3] vector)
CASES += [
    OpCase(name="softmax_log_softmax_0d",
           code="x = paddle.static.data('x', [3], 'float32')\n"
                "s = append_op('reduce_sum', {'X': x}, attrs={'dim': [0], 'keep_dim': False})\n"
                "out = append_op('softmax', {'X': s}, attrs={'axis': -1})\n"
                "out2 = append_op('log_softmax', {'X': s}, attrs={'axis': 0})",
           inputs={"x": _rand([3])}, fetch=["out", "out2"], rtol=RTOL, atol=ATOL),
]


def lookup(name, op, vocab, width, ids, padding_idx=-1, ids_dtype="int64", expect_error=None):
    ids = np.asarray(ids, dtype=ids_dtype)
    code = (f"w = paddle.static.data('w', [{vocab}, {width}], 'float32')\n"
            f"ids = paddle.static.data('ids', {list(ids.shape)}, '{ids_dtype}')\n"
            f"out = append_op('{op}', {{'Ids': ids, 'W': w}}, {{'Out': 'float32'}}, "
            f"{{'padding_idx': {padding_idx}}})['Out']")
    return OpCase(name=name, code=code, inputs={"w": _rand([vocab, width]), "ids": ids},
                  fetch=["out"], rtol=0, atol=0, expect_error=expect_error)


CASES += [
    lookup("lookup_v2_basic", "lookup_table_v2", 10, 7, [[1, 3, 9], [0, 0, 4]]),
    lookup("lookup_v2_int32", "lookup_table_v2", 10, 7, [[1, 3, 9], [0, 2, 4]], ids_dtype="int32"),
    lookup("lookup_v2_padding", "lookup_table_v2", 10, 5, [1, 3, 3, 0, 9], padding_idx=3),
    lookup("lookup_v2_padding_0", "lookup_table_v2", 10, 5, [[0, 1], [2, 0]], padding_idx=0),
    lookup("lookup_v2_1d", "lookup_table_v2", 6, 3, [5, 4, 3]),
    lookup("lookup_v2_3d_ids", "lookup_table_v2", 6, 3, [[[5, 4], [3, 0]], [[1, 1], [2, 2]]]),
    lookup("lookup_v2_empty", "lookup_table_v2", 6, 3, np.zeros([0, 2])),
    OpCase(name="lookup_v2_negative_padding_api",  # F.embedding turns -2 into vocab - 2
           code="w = paddle.static.data('w', [10, 4], 'float32')\n"
                "ids = paddle.static.data('ids', [2, 3], 'int64')\n"
                "out = F.embedding(ids, w, padding_idx=-2)",
           inputs={"w": _rand([10, 4]), "ids": np.array([[8, 1, 2], [8, 9, 0]], "int64")},
           fetch=["out"], rtol=0, atol=0),
    lookup("lookup_v1_basic", "lookup_table", 10, 4, [[1], [3], [9]]),
    lookup("lookup_v1_3d", "lookup_table", 10, 4, [[[1], [3]], [[9], [0]]], padding_idx=9),
    lookup("lookup_v2_out_of_range", "lookup_table_v2", 10, 7, [[1, 10]],
           expect_error=(pdinfer.InvalidArgumentError, r"id 10\b.*10 rows")),
    lookup("lookup_v2_negative_id", "lookup_table_v2", 10, 7, [[1, -2]],
           expect_error=(pdinfer.InvalidArgumentError, r"id -2\b")),
    lookup("lookup_v2_out_of_range_with_padding", "lookup_table_v2", 10, 7, [[1, 12]],
           padding_idx=1, expect_error=(pdinfer.InvalidArgumentError, r"id 12\b")),
]


# Cases whose Paddle Inference reference run fails although the semantics are clear; the
# exported model is run on pdinfer and checked against NumPy instead.
NP_CASES = [
    # K == 0: an empty sum (paddle.inference rewrites it into a matmul that rejects K == 0)
    (v2("empty_k", [3, 0], [0, 5]), lambda i: [np.zeros([3, 5], "float32")]),
    (v1("empty_k", [3, 0], [0, 5], alpha=2.0), lambda i: [np.zeros([3, 5], "float32")]),
    # integer products (Paddle registers no integer matmul kernels)
    (v2("int32_bcast", [2, 1, 3, 4], [3, 4, 5], ty=False, dtype="int32"),
     lambda i: [np.matmul(i["x"], i["y"]).astype("int32")]),
    (v2("int64_txty", [4, 3], [5, 4], tx=True, ty=True, dtype="int64"),
     lambda i: [np.matmul(i["x"].T, i["y"].T)]),
    (mm("mul_int64", "mul", [2, 3, 4], [12, 5], {"x_num_col_dims": 1}, dtype="int64"),
     lambda i: [i["x"].reshape(2, 12) @ i["y"]]),
    (mm("bmm_int32", "bmm", [2, 3, 4], [2, 4, 5], dtype="int32"),
     lambda i: [np.matmul(i["x"], i["y"]).astype("int32")]),
]


# rms_norm has no CPU kernel in Paddle, so a CPU build cannot even append it to a program.
# Its test model is a layer_norm model whose op is rewritten into rms_norm.
RMS_SRC = OpCase(
    name="rms_norm_source_layer_norm",
    code="x = paddle.static.data('x', [3, 4, 5], 'float32')\n"
         "s = paddle.static.data('s', [20], 'float32')\n"
         "r = append_op('layer_norm', {'X': x, 'Scale': s}, {'Y': 'float32', 'Mean': 'float32',"
         " 'Variance': 'float32'}, {'epsilon': 1e-5, 'begin_norm_axis': 1})\n"
         "out = [r['Y'], r['Variance']]",
    inputs={"x": _rand([3, 4, 5]), "s": _rand([20])}, fetch=["out"], rtol=RTOL, atol=ATOL)


@pytest.fixture(scope="module")
def refs():
    return paddle_reference(CASES + [c for c, _ in NP_CASES] + [RMS_SRC])


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_op(case, refs):
    assert_matches(case, refs[case.name])


@pytest.mark.parametrize("case,expected", NP_CASES, ids=lambda c: getattr(c, "name", ""))
def test_op_numpy(case, expected, refs):
    ref = refs[case.name]
    assert not (ref.error or "").startswith("export failed"), ref.error
    _, _, outs = run_pdinfer(ref.model_dir, case.inputs)
    want = expected(case.inputs)
    assert len(outs) == len(want)
    for got, w in zip(outs, want):
        assert got.shape == w.shape and got.dtype == w.dtype, (got.shape, got.dtype, w.shape, w.dtype)
        np.testing.assert_allclose(got, w, rtol=case.rtol, atol=case.atol)


def _framework_pb2():
    import importlib.util
    import os

    spec = importlib.util.find_spec("paddle")
    path = os.path.join(os.path.dirname(spec.origin), "base", "proto", "framework_pb2.py")
    mod_spec = importlib.util.spec_from_file_location("_pd_framework_pb2", path)
    mod = importlib.util.module_from_spec(mod_spec)
    mod_spec.loader.exec_module(mod)
    return mod


def test_rms_norm(refs, tmp_path):
    import shutil

    ref = refs[RMS_SRC.name]
    assert not ref.error, ref.error
    fw = _framework_pb2()
    prog = fw.ProgramDesc()
    with open(f"{ref.model_dir}/inference.pdmodel", "rb") as f:
        prog.ParseFromString(f.read())
    (op,) = [o for o in prog.blocks[0].ops if o.type == "layer_norm"]
    op.type = "rms_norm"
    rename_in, rename_out = {"X": "x", "Scale": "scale"}, {"Y": "y", "Variance": "invvar"}
    ins = [(rename_in[v.parameter], list(v.arguments)) for v in op.inputs if v.parameter in rename_in]
    outs = [(rename_out[v.parameter], list(v.arguments)) for v in op.outputs
            if v.parameter in rename_out]
    del op.inputs[:]
    del op.outputs[:]
    for slot, args in ins:
        op.inputs.add(parameter=slot, arguments=args)
    for slot, args in outs:
        op.outputs.add(parameter=slot, arguments=args)
    del op.attrs[:]
    op.attrs.add(name="normalized_shape", type=fw.LONGS, longs=[4, 5])
    op.attrs.add(name="epsilon", type=fw.FLOAT64, float64=1e-5)
    shutil.copy(f"{ref.model_dir}/inference.pdiparams", tmp_path / "inference.pdiparams")
    (tmp_path / "inference.pdmodel").write_bytes(prog.SerializeToString())
    _, _, (y, invvar) = run_pdinfer(str(tmp_path), RMS_SRC.inputs)
    x = RMS_SRC.inputs["x"].astype(np.float64)
    inv = 1.0 / np.sqrt((x ** 2).mean(axis=(1, 2)) + 1e-5)
    want_y = x * inv[:, None, None] * RMS_SRC.inputs["s"].reshape(4, 5)
    np.testing.assert_allclose(y, want_y.astype("float32"), rtol=RTOL, atol=ATOL)
    assert invvar.shape == (3,) and invvar.dtype == np.float32
    np.testing.assert_allclose(invvar, inv.astype("float32"), rtol=RTOL, atol=ATOL)
