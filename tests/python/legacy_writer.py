"""Builders for legacy Paddle model files written byte by byte: a tiny proto2 wire-format
writer for ProgramDesc, tensor records for .pdiparams, and a small valid model (with
helpers to load and check it) that the bad-model tests corrupt one field at a time."""
import os
import struct

import numpy as np
import pytest

import pdinfer
from pdinfer import InvalidModelError, NotFoundError, PdinferError, UnsupportedError  # noqa: F401

FP32, INT64, FP64 = 5, 3, 6
LOD_TENSOR, FEED_MINIBATCH, FETCH_LIST = 7, 9, 10
A_INT, A_FLOAT, A_STRING, A_INTS, A_BOOLEAN, A_BLOCK, A_LONG, A_SCALAR = 0, 1, 2, 3, 6, 8, 9, 16

# ---------------------------------------------------------------------------------------
# protobuf writer (proto2 wire format)


def varint(n):
    n &= (1 << 64) - 1  # negative int32/int64 -> 10-byte two's complement
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def tag(num, wire):
    return varint(num << 3 | wire)


def f_varint(num, v):
    return tag(num, 0) + varint(int(v))


def f_bytes(num, b):
    if isinstance(b, str):
        b = b.encode()
    return tag(num, 2) + varint(len(b)) + b


def f_float(num, v):
    return tag(num, 5) + struct.pack("<f", v)


def f_double(num, v):
    return tag(num, 1) + struct.pack("<d", v)


def f_packed(num, values):
    return f_bytes(num, b"".join(varint(v) for v in values))


def f_repeated(num, values, packed):
    if packed:
        return f_packed(num, values)
    return b"".join(f_varint(num, v) for v in values)


def unknown_fields():
    """Fields no Paddle schema uses: one of each wire type, including a group."""
    return (f_varint(99, 7) + f_bytes(98, b"\x01\x02junk") + tag(97, 5) + b"\0\0\0\0" +
            tag(96, 1) + b"\0" * 8 + tag(95, 3) + f_varint(1, 5) + tag(95, 4))


# ---------------------------------------------------------------------------------------
# ProgramDesc builders (field numbers: spec/PADDLE_FORMATS.md §1.2)


def tensor_desc(dtype, dims, packed=False):
    return f_varint(1, dtype) + f_repeated(2, dims, packed)


def var(name, dtype=FP32, dims=(), persistable=False, kind=LOD_TENSOR, no_type=False,
        extra=b""):
    vt = f_varint(1, kind)
    if kind == LOD_TENSOR:
        vt += f_bytes(3, f_bytes(1, tensor_desc(dtype, dims)))
    body = f_bytes(1, name)
    if not no_type:
        body += f_bytes(2, vt)
    return body + f_varint(3, persistable) + extra


def attr(name, atype, value, omit_type=False, packed=False):
    body = f_bytes(1, name)
    if not omit_type:
        body += f_varint(2, atype)
    if atype == A_INT:
        body += f_varint(3, value)
    elif atype == A_FLOAT:
        body += f_float(4, value)
    elif atype == A_STRING:
        body += f_bytes(5, value)
    elif atype == A_INTS:
        body += f_repeated(6, value, packed)
    elif atype == A_BOOLEAN:
        body += f_varint(10, value)
    elif atype == A_BLOCK:
        body += f_varint(12, value)
    elif atype == A_LONG:
        body += f_varint(13, value)
    elif atype == A_SCALAR:  # value: float -> FLOAT64 scalar
        body += f_bytes(20, f_varint(1, 3) + f_double(4, value))
    return body


def slot(name, args):
    return f_bytes(1, name) + b"".join(f_bytes(2, a) for a in args)


def op(optype, inputs, outputs, attrs=(), extra=b""):
    body = b"".join(f_bytes(1, slot(k, v)) for k, v in inputs.items())
    body += b"".join(f_bytes(2, slot(k, v)) for k, v in outputs.items())
    body += f_bytes(3, optype)
    body += b"".join(f_bytes(4, a) for a in attrs)
    return body + extra


def feed(name, col):
    return op("feed", {"X": ["feed"]}, {"Out": [name]}, [attr("col", A_INT, col)])


def fetch(name, col):
    return op("fetch", {"X": [name]}, {"Out": ["fetch"]}, [attr("col", A_INT, col)])


def block(vars_, ops, idx=0, parent=-1, extra=b""):
    return (f_varint(1, idx) + f_varint(2, parent) + b"".join(f_bytes(3, v) for v in vars_) +
            b"".join(f_bytes(4, o) for o in ops) + extra)


def program(blocks, extra=b""):
    return b"".join(f_bytes(1, b) for b in blocks) + f_bytes(4, f_varint(1, 3003001)) + extra


def holders():
    return [var("feed", kind=FEED_MINIBATCH, persistable=True),
            var("fetch", kind=FETCH_LIST, persistable=True)]


# ---------------------------------------------------------------------------------------
# parameter records (spec §2.1)


def record(arr, dtype=FP32, dims=None, version=0, tversion=0, lod=(), desc=None,
           desc_size=None):
    arr = np.ascontiguousarray(arr)
    dims = list(arr.shape) if dims is None else dims
    desc = tensor_desc(dtype, dims) if desc is None else desc
    out = struct.pack("<I", version) + struct.pack("<Q", len(lod))
    for level in lod:
        out += struct.pack("<Q", len(level)) + level
    out += struct.pack("<I", tversion)
    out += struct.pack("<i", len(desc) if desc_size is None else desc_size) + desc
    return out + arr.tobytes()


W = np.array([1.0, -2.0, 3.0, 0.5], "float32")
B = np.array([0.25, 0.5, -1.0, 2.0], "float32")


def basic_program(w_dims=(4,), w_dtype=FP32, ops_override=None, extra_vars=()):
    """out = relu(x + w) * b ; params b, w (records in sorted order: b, w)."""
    vars_ = holders() + [
        var("x", dims=[-1, 4]),
        var("w", dtype=w_dtype, dims=list(w_dims), persistable=True),
        var("b", dims=[4], persistable=True),
        var("t0", dims=[-1, 4]), var("t1", dims=[-1, 4]), var("out", dims=[-1, 4]),
    ] + list(extra_vars)
    ops = ops_override or [
        feed("x", 0),
        op("elementwise_add", {"X": ["x"], "Y": ["w"]}, {"Out": ["t0"]}, [attr("axis", A_INT, -1)]),
        op("relu", {"X": ["t0"]}, {"Out": ["t1"]}),
        op("elementwise_mul", {"X": ["t1"], "Y": ["b"]}, {"Out": ["out"]}, [attr("axis", A_INT, -1)]),
        fetch("out", 0),
    ]
    return program([block(vars_, ops)])


def basic_params():
    return record(B) + record(W)


def expected(x):
    return np.maximum(x + W, 0) * B


def write_model(d, prog, params=None):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "inference.pdmodel"), "wb") as f:
        f.write(prog)
    if params is not None:
        with open(os.path.join(d, "inference.pdiparams"), "wb") as f:
            f.write(params)
    return str(d)


def load_buffers(prog, params=b""):
    cfg = pdinfer.Config()
    cfg.set_model_buffer(prog, len(prog), params, len(params))
    return pdinfer.create_predictor(cfg)


def run_basic(pred):
    x = np.array([[1, 2, -3, 4], [-1, 0, 5, -6]], "float32")
    (out,) = pred.run([x])
    np.testing.assert_allclose(out, expected(x), rtol=0, atol=0)


@pytest.fixture(autouse=True)
def still_works_afterwards():
    """After every test (most of which end in an error) a good model still loads and runs."""
    yield
    run_basic(load_buffers(basic_program(), basic_params()))


def assert_error(cls, fn, *needles):
    with pytest.raises(cls) as info:
        fn()
    msg = str(info.value)
    for n in needles:
        assert n in msg, f"{n!r} not in error message: {msg}"
    return msg


