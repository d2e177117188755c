"""Malformed and hostile PIR JSON programs (Paddle 3.x `inference.json`): each must give a
typed pdinfer exception, never a crash, and the process must still load and run a good
model afterwards.

The good model is written here by hand (no paddle needed): x[-1, 4] -> add w -> relu ->
multiply b -> fetch, with a params file of two records (sorted names: b, w).  Crash-prone
cases (truncation at every few bytes, deep nesting, random corruption) run in a child
process so a crash fails the test instead of killing pytest.
"""
import json
import os
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pdinfer = pytest.importorskip("pdinfer")

from pdinfer import InvalidModelError, PdinferError, UnsupportedError  # noqa: E402

W = np.array([1.0, -2.0, 3.0, 0.5], "float32")
B = np.array([0.25, 0.5, -1.0, 2.0], "float32")


# ---------------------------------------------------------------------------------------
# writers


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def record(arr, dtype=5):
    """One params record (spec/PADDLE_FORMATS.md §2.1): versions, no LoD, TensorDesc, data."""
    arr = np.ascontiguousarray(arr)
    desc = b"\x08" + varint(dtype) + b"".join(b"\x10" + varint(d) for d in arr.shape)
    return (struct.pack("<I", 0) + struct.pack("<Q", 0) + struct.pack("<I", 0) +
            struct.pack("<i", len(desc)) + desc + arr.tobytes())


def params_bytes():
    return record(B) + record(W)


def ttype(dims, dt="0.t_f32"):
    return {"#": "0.t_dtensor", "D": [{"#": dt}, list(dims), "NCHW", [], 0]}


def a(name, kind, data):
    return {"N": name, "AT": {"#": kind, "D": data}}


def program(version=4, relu_name="1.relu"):
    """The good model as a PIR JSON document (dict)."""
    ops = [
        {"#": "p", "A": [0, 1, 0, "b"], "O": {"%": 1, "TT": ttype([4])}, "OA": [1, 0, 1]},
        {"#": "p", "A": [0, 1, 0, "w"], "O": {"%": 2, "TT": ttype([4])}, "OA": [1, 0, 1]},
        {"#": "1.data", "I": [], "O": [{"%": 3, "TT": ttype([-1, 4])}],
         "A": [a("name", "0.a_str", "x"), a("shape", "1.a_intarray", [-1, 4]),
               a("dtype", "1.a_dtype", "float32"), a("place", "1.a_place", [0, 0, ""])]},
        {"#": "1.add", "I": [{"%": 3}, {"%": 2}], "O": [{"%": 4, "TT": ttype([-1, 4])}], "A": []},
        {"#": relu_name, "I": [{"%": 4}], "O": [{"%": 5, "TT": ttype([-1, 4])}], "A": []},
        {"#": "1.multiply", "I": [{"%": 5}, {"%": 1}], "O": [{"%": 6, "TT": ttype([-1, 4])}], "A": []},
        {"#": "1.fetch", "I": [{"%": 6}], "O": [{"%": 7, "TT": ttype([-1, 4])}],
         "A": [a("name", "0.a_str", "fetch_name_0"), a("col", "0.a_i32", 0)]},
    ]
    return {"base_code": {"magic": "pir", "trainable": True, "version": version},
            "program": {"regions": [{"#": "region_0", "blocks": [{"#": "block_0", "args": [], "ops": ops}]}]}}


def dump(doc):
    return json.dumps(doc, separators=(",", ":")).encode()


GOOD = dump(program())
X = np.array([[1.0, 2.0, -3.0, 0.0], [-5.0, 0.5, 0.25, 4.0]], "float32")


def expected(x):
    return np.maximum(x + W, 0) * B


def load(prog, params=None):
    cfg = pdinfer.Config()
    params = params_bytes() if params is None else params
    cfg.set_model_buffer(prog, len(prog), params, len(params))
    return pdinfer.create_predictor(cfg)


def check_good():
    p = load(GOOD)
    assert p.get_output_names() == ["fetch_name_0"]
    np.testing.assert_allclose(p.run([X])[0], expected(X), rtol=1e-6)


def assert_error(cls, fn, *needles):
    with pytest.raises(cls) as ei:
        fn()
    msg = str(ei.value)
    for n in needles:
        assert n in msg, f"{n!r} not in error message: {msg}"
    return msg


# ---------------------------------------------------------------------------------------
# the good model


def test_good_model_from_buffers_and_files(tmp_path):
    check_good()
    d = tmp_path / "m"
    d.mkdir()
    (d / "inference.json").write_bytes(GOOD)
    (d / "inference.pdiparams").write_bytes(params_bytes())
    p = pdinfer.create_predictor(pdinfer.Config(str(d)))
    np.testing.assert_allclose(p.run([X])[0], expected(X), rtol=1e-6)


def test_readable_indented_json_and_key_order():
    # Paddle can write indent-4 "readable" JSON; object member order must not matter.
    doc = program()
    for op in doc["program"]["regions"][0]["blocks"][0]["ops"]:
        items = list(op.items())
        op.clear()
        op.update(reversed(items))
    text = json.dumps(doc, indent=4).encode()
    np.testing.assert_allclose(load(text).run([X])[0], expected(X), rtol=1e-6)


def test_distributed_tensor_types_are_unwrapped():
    # auto-parallel exports type values as dist tensors wrapping the dense type
    doc = program()
    for op in _ops(doc)[2:6]:
        dense = op["O"][0]["TT"]
        op["O"][0]["TT"] = {"#": "4.t_dist_dtensor", "D": [dense, {"#": "4.a_tensor_dist", "D": []}, [2, 4]]}
    np.testing.assert_allclose(load(dump(doc)).run([X])[0], expected(X), rtol=1e-6)


# ---------------------------------------------------------------------------------------
# malformed JSON


@pytest.mark.parametrize("frac", [0.0, 0.1, 0.33, 0.5, 0.77, 0.9, 0.99])
def test_truncated(frac):
    cut = max(1, int(len(GOOD) * frac))
    assert_error(InvalidModelError, lambda: load(GOOD[:cut]))
    check_good()


def test_truncated_every_offset_in_child(tmp_path):
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(r"""
        import sys, pdinfer
        prog, params = open(sys.argv[1], 'rb').read(), open(sys.argv[2], 'rb').read()
        counts = {}
        for cut in range(1, len(prog)):
            p = prog[:cut]
            cfg = pdinfer.Config()
            cfg.set_model_buffer(p, len(p), params, len(params))
            try:
                pdinfer.create_predictor(cfg)
                r = 'ok'
            except pdinfer.PdinferError as e:
                r = type(e).__name__
            counts[r] = counts.get(r, 0) + 1
        print(counts)
    """))
    (tmp_path / "p.json").write_bytes(GOOD)
    (tmp_path / "q.bin").write_bytes(params_bytes())
    r = subprocess.run([sys.executable, str(script), str(tmp_path / "p.json"), str(tmp_path / "q.bin")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"child crashed (rc={r.returncode}):\n{r.stderr[-3000:]}"
    counts = eval(r.stdout.strip().splitlines()[-1])
    assert counts == {"InvalidModelError": len(GOOD) - 1}, counts


@pytest.mark.parametrize("magic", ["PIR", "", "pirx", 1, None])
def test_wrong_magic(magic):
    doc = program()
    doc["base_code"]["magic"] = magic
    assert_error(InvalidModelError, lambda: load(dump(doc)), "magic")


def test_missing_base_code_or_program():
    doc = program()
    del doc["base_code"]
    assert_error(InvalidModelError, lambda: load(dump(doc)), "base_code")
    doc = program()
    del doc["program"]
    assert_error(InvalidModelError, lambda: load(dump(doc)), "program")


@pytest.mark.parametrize("version", [99, -1, 1 << 40])
def test_unknown_version(version):
    assert_error(UnsupportedError, lambda: load(dump(program(version=version))), "version",
                 str(version))
    check_good()


@pytest.mark.parametrize("version", ["4", 4.5, None, [4]])
def test_version_of_wrong_type(version):
    doc = program()
    doc["base_code"]["version"] = version
    assert_error(InvalidModelError, lambda: load(dump(doc)), "version")


def test_not_json_at_all():
    for junk in [b"{", b"{]", b"{\"a\":}", b"{'base_code': 1}", b"{\"a\":1}garbage",
                 b"{\"a\":\"\\x\"}", b"{\"a\":\"\x01\"}", b"{\"a\":tru}", b"{\"a\":01x}",
                 b"{\"a\":\"\\ud800\"}", b"{\"a\": -}", b"{\"a\":1.}", b"{\"a\":1e}"]:
        with pytest.raises(InvalidModelError):
            load(junk)
    check_good()


@pytest.mark.parametrize("raw", [b"\xff\xfe", b"\xc3", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80",
                                 b"\\udc00", b"\\ud800x"])
def test_invalid_utf8_in_strings(raw):
    # JSON text is UTF-8 (Paddle's reader rejects anything else); a name reaching Python
    # undecodable would fail far from the cause.
    bad = GOOD.replace(b'"fetch_name_0"', b'"fetch' + raw + b'_0"')
    assert_error(InvalidModelError, lambda: load(bad), "UTF-8" if b"\\" not in raw else "surrogate")


def test_valid_utf8_names_and_nul_bytes():
    text = GOOD.replace(b'"fetch_name_0"', '"sortie_\u00e9\u6587_\U0001f600"'.encode())
    text = text.replace(b'"0.a_str","D":"x"', b'"0.a_str","D":"\\u00e9x"')
    p = load(text)
    assert p.get_output_names() == ["sortie_\u00e9\u6587_\U0001f600"]
    assert p.get_input_names() == ["\u00e9x"]
    with pytest.raises(InvalidModelError):
        load(GOOD[:100] + b"\x00" + GOOD[100:])


DEEP_CHILD = textwrap.dedent(r"""
    import sys, pdinfer
    depth, kind = int(sys.argv[1]), sys.argv[2]
    if kind == 'array':
        nested = '[' * depth + ']' * depth
    elif kind == 'object':
        nested = '{"a":' * depth + '1' + '}' * depth
    else:  # unterminated
        nested = '[' * depth
    prog = ('{"base_code":{"magic":"pir","version":4},"program":' + nested + '}').encode()
    cfg = pdinfer.Config()
    cfg.set_model_buffer(prog, len(prog), b'', 0)
    try:
        pdinfer.create_predictor(cfg)
        print('ok')
    except pdinfer.PdinferError as e:
        print(type(e).__name__, str(e)[:200])
""")


@pytest.mark.parametrize("kind", ["array", "object", "unterminated"])
@pytest.mark.parametrize("depth", [10000, 1000000])
def test_deeply_nested(tmp_path, kind, depth):
    script = tmp_path / "deep.py"
    script.write_text(DEEP_CHILD)
    r = subprocess.run([sys.executable, str(script), str(depth), kind], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, f"child crashed (rc={r.returncode}):\n{r.stderr[-3000:]}"
    assert r.stdout.startswith("InvalidModelError"), r.stdout


@pytest.mark.parametrize("number", ["1e999", "-1e999", "123456789012345678901234567890",
                                    "-99999999999999999999999", "1.5", "3e2"])
def test_huge_or_fractional_numbers(number):
    """Numbers where integers are expected (a dim, a value id, an attr): typed errors."""
    for target in ("dim", "id", "attr", "version"):
        text = GOOD.decode()
        if target == "dim":
            text = text.replace('"D":[{"#":"0.t_f32"},[4]', f'"D":[{{"#":"0.t_f32"}},[{number}]', 1)
        elif target == "id":
            text = text.replace('"I":[{"%":3},', f'"I":[{{"%":{number}}},', 1)
        elif target == "attr":
            text = text.replace('"D":0}}]}', f'"D":{number}}}}}]}}', 1)  # the fetch col
        else:
            text = text.replace('"version":4', f'"version":{number}', 1)
        assert text != GOOD.decode(), target
        try:
            p = load(text.encode())
        except PdinferError:
            continue
        # the only legal reading: "3e2"/"1.5" are not integers; a col of 300 is odd but harmless
        assert target == "attr", (target, number)
        assert len(p.get_output_names()) == 1


def test_huge_dims_in_types():
    text = GOOD.decode().replace('"1.a_intarray","D":[-1,4]', '"1.a_intarray","D":[-1,9223372036854775807]')
    with pytest.raises(PdinferError):
        load(text.encode()).run([X])
    for dims in ([-2, 4], [1] * 100):
        doc = program()
        doc["program"]["regions"][0]["blocks"][0]["ops"][2]["O"][0]["TT"] = ttype(dims)
        doc["program"]["regions"][0]["blocks"][0]["ops"][2]["A"][1] = a("shape", "1.a_intarray", dims)
        with pytest.raises(InvalidModelError):
            load(dump(doc))
    check_good()


def _ops(doc):
    return doc["program"]["regions"][0]["blocks"][0]["ops"]


WRONG_TYPES = {
    "program_not_object": lambda d: d.__setitem__("program", []),
    "regions_not_list": lambda d: d["program"].__setitem__("regions", {"a": 1}),
    "regions_empty": lambda d: d["program"].__setitem__("regions", []),
    "blocks_not_list": lambda d: d["program"]["regions"][0].__setitem__("blocks", "x"),
    "blocks_empty": lambda d: d["program"]["regions"][0].__setitem__("blocks", []),
    "ops_not_list": lambda d: d["program"]["regions"][0]["blocks"][0].__setitem__("ops", 3),
    "op_not_object": lambda d: _ops(d).__setitem__(3, [1, 2]),
    "op_name_number": lambda d: _ops(d)[3].__setitem__("#", 17),
    "op_name_missing": lambda d: _ops(d)[3].pop("#"),
    "operands_not_list": lambda d: _ops(d)[3].__setitem__("I", {"%": 3}),
    "operand_not_object": lambda d: _ops(d)[3]["I"].__setitem__(0, 3),
    "operand_id_string": lambda d: _ops(d)[3]["I"].__setitem__(0, {"%": "3"}),
    "operand_undefined": lambda d: _ops(d)[3]["I"].__setitem__(0, {"%": 42}),
    "operand_missing": lambda d: _ops(d)[3].__setitem__("I", [{"%": 3}]),
    "results_not_list": lambda d: _ops(d)[3].__setitem__("O", 5),
    "result_id_string": lambda d: _ops(d)[3]["O"][0].__setitem__("%", "4"),
    "result_redefined": lambda d: _ops(d)[3]["O"][0].__setitem__("%", 3),
    "type_not_object": lambda d: _ops(d)[2]["O"][0].__setitem__("TT", "f32"),
    "type_dims_not_list": lambda d: _ops(d)[2]["O"][0]["TT"]["D"].__setitem__(1, 4),
    "type_dims_strings": lambda d: _ops(d)[2]["O"][0]["TT"]["D"].__setitem__(1, ["a"]),
    "attrs_not_list": lambda d: _ops(d)[2].__setitem__("A", {"name": "x"}),
    "attr_value_wrong_type": lambda d: _ops(d)[2]["A"].__setitem__(0, a("name", "0.a_str", 5)),
    "attr_shape_strings": lambda d: _ops(d)[2]["A"].__setitem__(1, a("shape", "1.a_intarray", ["x"])),
    "attr_bool_is_string": lambda d: _ops(d)[6]["A"].__setitem__(1, a("col", "0.a_i32", "zero")),
    "attr_no_data": lambda d: _ops(d)[2]["A"].__setitem__(0, {"N": "name", "AT": {"#": "0.a_str"}}),
    "param_attrs_short": lambda d: _ops(d)[0].__setitem__("A", [0, 1, "b"]),
    "param_name_number": lambda d: _ops(d)[0]["A"].__setitem__(3, 7),
    "param_result_list": lambda d: _ops(d)[0].__setitem__("O", 1),
    "param_duplicate": lambda d: _ops(d)[1]["A"].__setitem__(3, "b"),
    "input_without_name": lambda d: _ops(d)[2].__setitem__("A", _ops(d)[2]["A"][1:]),
    "input_dtype_unknown": lambda d: (_ops(d)[2]["A"].__setitem__(2, a("dtype", "1.a_dtype", "float7")),
                                      _ops(d)[2]["O"][0]["TT"]["D"].__setitem__(0, {"#": "0.t_f7"})),
    "type_dtype_not_object": lambda d: _ops(d)[3]["O"][0]["TT"]["D"].__setitem__(0, "0.t_f32"),
    "fetch_of_vector": lambda d: _ops(d).insert(6, {"#": "0.combine", "I": [{"%": 6}], "O": [
        {"%": 8, "TT": {"#": "0.t_vec", "D": [ttype([-1, 4])]}}]}) or _ops(d)[7].__setitem__("I", [{"%": 8}]),
    "split_of_tensor": lambda d: _ops(d).insert(6, {"#": "0.split", "I": [{"%": 6}], "O": [
        {"%": 8, "TT": ttype([-1, 4])}]}),
    "unknown_dialect": lambda d: _ops(d)[4].__setitem__("#", "9.relu"),
    "no_dialect": lambda d: _ops(d)[4].__setitem__("#", "relu"),
}


@pytest.mark.parametrize("what", sorted(WRONG_TYPES))
def test_wrong_types_in_fields(what):
    doc = program()
    WRONG_TYPES[what](doc)
    with pytest.raises((InvalidModelError, UnsupportedError)) as ei:
        load(dump(doc))
    assert str(ei.value)
    check_good()


# ---------------------------------------------------------------------------------------
# unsupported ops


def test_unknown_op_names_the_op():
    msg = assert_error(UnsupportedError, lambda: load(dump(program(relu_name="1.my_fancy_op"))),
                       "my_fancy_op")
    assert "pd_op.my_fancy_op" in msg, msg
    check_good()


def test_unknown_op_by_editing_the_json_text():
    text = GOOD.replace(b'"1.relu"', b'"1.my_fancy_op"')
    assert text != GOOD
    assert_error(UnsupportedError, lambda: load(text), "my_fancy_op")


@pytest.mark.parametrize("name", ["0.my_builtin", "2.while", "3.custom_relu", "1.if"])
def test_unsupported_other_dialects(name):
    assert_error(UnsupportedError, lambda: load(dump(program(relu_name=name))), name.split(".")[1])


# ---------------------------------------------------------------------------------------
# parameters


def test_params_too_short():
    p = params_bytes()
    assert_error(InvalidModelError, lambda: load(GOOD, p[:-1]), "'w'")
    assert_error(InvalidModelError, lambda: load(GOOD, p[:10]), "'b'")
    assert_error(InvalidModelError, lambda: load(GOOD, record(B)), "'w'")
    assert_error(InvalidModelError, lambda: load(GOOD, b""))
    check_good()


def test_params_too_long():
    assert_error(InvalidModelError, lambda: load(GOOD, params_bytes() + b"x" * 7), "trailing")
    assert_error(InvalidModelError, lambda: load(GOOD, params_bytes() + record(B)))
    check_good()


def test_params_shape_mismatch():
    assert_error(InvalidModelError, lambda: load(GOOD, record(B) + record(np.zeros(5, "float32"))), "'w'")


def test_params_files_on_disk(tmp_path):
    d = tmp_path / "m"
    d.mkdir()
    (d / "inference.json").write_bytes(GOOD)
    for params in (params_bytes()[:-3], params_bytes() + b"\0"):
        (d / "inference.pdiparams").write_bytes(params)
        with pytest.raises(InvalidModelError):
            pdinfer.create_predictor(pdinfer.Config(str(d)))
    (d / "inference.pdiparams").write_bytes(params_bytes())
    pdinfer.create_predictor(pdinfer.Config(str(d)))


def test_non_persistable_parameter_is_not_loaded():
    # OA[0] = persistable 0: Paddle does not read a record for it; neither do we (and then
    # the value has no data, which must be a typed error at load or run time, not a crash).
    doc = program()
    _ops(doc)[0]["OA"] = [0, 0, 1]
    try:
        p = load(dump(doc), record(W))
        p.run([X])
    except PdinferError:
        pass


# ---------------------------------------------------------------------------------------
# random corruption (child process)

CORRUPT_CHILD = textwrap.dedent(r"""
    import sys, random, pdinfer, numpy as np
    prog, params = open(sys.argv[1], 'rb').read(), open(sys.argv[2], 'rb').read()
    n, seed = int(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(seed)
    alphabet = b'{}[],:"0123456789-.eE \\tnulltruefalse#%ADIO'
    counts = {}
    x = np.ones((2, 4), np.float32)
    for i in range(n):
        p = bytearray(prog)
        for _ in range(rng.randint(1, 4)):
            k = rng.randrange(len(p))
            r = rng.random()
            if r < 0.4:
                p[k] = rng.choice(alphabet)
            elif r < 0.7:
                del p[k:k + rng.randint(1, 20)]
            else:
                j = rng.randrange(len(p))
                p[k:k] = p[j:j + rng.randint(1, 30)]
        p = bytes(p)
        cfg = pdinfer.Config()
        cfg.set_model_buffer(p, len(p), params, len(params))
        try:
            pred = pdinfer.create_predictor(cfg)
            try:
                pred.run([x] * len(pred.get_input_names()))
            except pdinfer.PdinferError:
                pass
            res = 'ok'
        except pdinfer.PdinferError as e:
            res = type(e).__name__
        counts[res] = counts.get(res, 0) + 1
    print(counts)
""")


def test_random_corruption_in_child(tmp_path):
    (tmp_path / "p.json").write_bytes(GOOD)
    (tmp_path / "q.bin").write_bytes(params_bytes())
    script = tmp_path / "child.py"
    script.write_text(CORRUPT_CHILD)
    r = subprocess.run([sys.executable, str(script), str(tmp_path / "p.json"), str(tmp_path / "q.bin"),
                        "400", "3"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"child crashed (rc={r.returncode}):\n{r.stderr[-3000:]}"
    counts = eval(r.stdout.strip().splitlines()[-1])
    assert sum(counts.values()) == 400
    assert set(counts) <= {"ok", "InvalidModelError", "UnsupportedError", "InvalidArgumentError",
                           "NotFoundError"}, counts


# ---------------------------------------------------------------------------------------
# a real PIR program (the PP-OCR cls model converted by paddle; skipped without paddle)


@pytest.fixture(scope="module")
def real_pir():
    import importlib.util

    if importlib.util.find_spec("paddle") is None:
        pytest.skip("paddlepaddle is not installed: no real PIR model")
    import models

    try:
        d = models.pir_model_dir("ppocr_cls")
    except models.ModelUnavailable as e:
        pytest.skip(str(e))
    with open(os.path.join(d, "inference.json"), "rb") as f:
        prog = f.read()
    with open(os.path.join(d, "inference.pdiparams"), "rb") as f:
        params = f.read()
    return prog, params


def test_real_model_unknown_op(real_pir):
    prog, params = real_pir
    assert prog.count(b'"1.relu"') > 1
    bad = prog.replace(b'"1.relu"', b'"1.my_fancy_op"', 1)
    assert_error(UnsupportedError, lambda: load(bad, params), "pd_op.my_fancy_op")
    load(prog, params)  # still fine


def test_real_model_params_too_short_or_long(real_pir):
    prog, params = real_pir
    assert_error(InvalidModelError, lambda: load(prog, params[:-4]))
    assert_error(InvalidModelError, lambda: load(prog, params[: len(params) // 2]))
    assert_error(InvalidModelError, lambda: load(prog, params + b"\0" * 16), "trailing")
    load(prog, params)


def test_real_model_truncated_and_corrupted_in_child(real_pir, tmp_path):
    prog, params = real_pir
    (tmp_path / "p.json").write_bytes(prog)
    (tmp_path / "q.bin").write_bytes(params)
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(r"""
        import sys, random, pdinfer
        prog, params = open(sys.argv[1], 'rb').read(), open(sys.argv[2], 'rb').read()
        rng = random.Random(5)
        counts = {}
        def attempt(p):
            cfg = pdinfer.Config()
            cfg.set_model_buffer(p, len(p), params, len(params))
            try:
                pdinfer.create_predictor(cfg)
                return 'ok'
            except pdinfer.PdinferError as e:
                return type(e).__name__
        for i in range(120):
            p = bytearray(prog)
            if i % 2:
                p = p[:rng.randrange(len(p))]
            else:
                for _ in range(rng.randint(1, 3)):
                    p[rng.randrange(len(p))] = rng.choice(b'{}[],:"0123456789-.ex')
            r = attempt(bytes(p))
            counts[r] = counts.get(r, 0) + 1
        assert attempt(prog) == 'ok'
        print(counts)
    """))
    r = subprocess.run([sys.executable, str(script), str(tmp_path / "p.json"), str(tmp_path / "q.bin")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"child crashed (rc={r.returncode}):\n{r.stderr[-3000:]}"
    counts = eval(r.stdout.strip().splitlines()[-1])
    assert sum(counts.values()) == 120
    assert set(counts) <= {"ok", "InvalidModelError", "UnsupportedError", "InvalidArgumentError"}, counts
    assert counts.get("InvalidModelError", 0) >= 60  # every truncation at least
