"""Memory planner: outputs are identical with planning on and off on every zoo model,
a steady-state run() allocates no tensor buffers, the arena is much smaller than the sum
of the intermediates, and varying input shapes keep memory flat."""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import pdinfer
from models import ZOO, ModelUnavailable, input_sets, model_files

pytestmark = [pytest.mark.model]


def _predictor(name, memory_optim, **kw):
    try:
        prog, params = model_files(name)
    except ModelUnavailable as e:
        pytest.skip(str(e))
    cfg = pdinfer.Config(prog, params)
    cfg.enable_memory_optim(memory_optim)
    for k, v in kw.items():
        getattr(cfg, k)(v)
    return pdinfer.create_predictor(cfg)


def _run(p, feeds):
    for n, a in feeds.items():
        p.get_input_handle(n).copy_from_cpu(a)
    p.run()
    return [p.get_output_handle(n).copy_to_cpu() for n in p.get_output_names()]


@pytest.mark.parametrize("name", sorted(ZOO))
def test_planner_on_off_identical(name):
    feeds = input_sets(name)[0]
    off = _predictor(name, False)
    on = _predictor(name, True)
    want = _run(off, feeds)
    # first run plans, the second runs inside the arena: both must match the unplanned run
    for _ in range(2):
        got = _run(on, feeds)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w)
    stats = on.memory_stats()
    assert stats["memory_optim"] and stats["plans_built"] == 1
    assert 0 < stats["arena_bytes"] < stats["intermediate_bytes_no_reuse"]
    assert stats["weights_bytes"] > 0
    assert off.memory_stats()["arena_bytes"] == 0


@pytest.mark.parametrize("name", ["ppocr_cls", "ppocrv4_rec", "mobilenet_v3_large"])
def test_steady_state_allocates_nothing(name):
    p = _predictor(name, True)
    feeds = input_sets(name)[0]
    _run(p, feeds)  # planning run
    _run(p, feeds)  # arena created
    before = pdinfer.allocation_count()
    for _ in range(3):
        _run(p, feeds)
    assert pdinfer.allocation_count() == before


def test_arena_reuse_is_substantial():
    p = _predictor("ppocrv4_rec", True)
    _run(p, input_sets("ppocrv4_rec")[0])
    s = p.memory_stats()
    # the rec model's intermediates sum to ~150 MB; they never all live at once
    assert s["arena_bytes"] * 10 < s["intermediate_bytes_no_reuse"], s
    assert s["inplace_ops"] > 0


def test_plan_cache_lru_and_shrink():
    p = _predictor("ppocr_cls", True, set_plan_cache_capacity=2)
    base = input_sets("ppocr_cls")[0]
    name = next(iter(base))
    x = base[name]
    widths = [96, 192, 160, 96]
    for w in widths:
        _run(p, {name: np.ascontiguousarray(x[..., :w])})
    s = p.memory_stats()
    assert s["cached_plans"] == 2
    assert s["plans_built"] == 4  # 96 was evicted by the time it came back (capacity 2)
    big_arena = s["arena_bytes"]
    _run(p, {name: np.ascontiguousarray(x[..., :32])})
    p.try_shrink_memory()
    s = p.memory_stats()
    assert s["cached_plans"] == 1
    assert s["arena_bytes"] <= big_arena
    out_small = _run(p, {name: np.ascontiguousarray(x[..., :32])})
    p.clear_intermediate_tensor()
    assert p.memory_stats()["arena_bytes"] == 0
    again = _run(p, {name: np.ascontiguousarray(x[..., :32])})
    for a, b in zip(out_small, again):
        np.testing.assert_array_equal(a, b)


RSS_SCRIPT = textwrap.dedent(r"""
    import json, sys, numpy as np, pdinfer
    kind, prog, params, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    def rss_mb():
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    cfg = pdinfer.Config(prog, params)
    p = pdinfer.create_predictor(cfg)
    rng = np.random.RandomState(0)
    curve = []
    for i in range(n):
        if kind == "rec":
            w = int(rng.randint(32, 1601))
            feeds = {"x": rng.standard_normal((1, 3, 48, w)).astype("float32")}
        else:
            s = int(rng.randint(8, 513))
            ids = rng.randint(1, 1000, size=(1, s)).astype("int64")
            feeds = {p.get_input_names()[0]: ids,
                     p.get_input_names()[1]: np.zeros((1, s), "int64")}
        for k, v in feeds.items():
            p.get_input_handle(k).copy_from_cpu(v)
        p.run()
        p.get_output_handle(p.get_output_names()[0]).copy_to_cpu()
        curve.append(rss_mb())
    print(json.dumps(curve))
""")


@pytest.mark.slow
@pytest.mark.parametrize("name,kind,count", [("ppocrv4_rec", "rec", 200), ("bert_base", "bert", 200)])
def test_rss_flat_over_varying_shapes(tmp_path, name, kind, count):
    try:
        prog, params = model_files(name)
    except ModelUnavailable as e:
        pytest.skip(str(e))
    script = tmp_path / "rss.py"
    script.write_text(RSS_SCRIPT)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    out = subprocess.run([sys.executable, str(script), kind, prog, params, str(count)],
                         capture_output=True, text=True, timeout=3000, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    curve = json.loads(out.stdout.strip().splitlines()[-1])
    after_20 = curve[19]
    peak = max(curve)
    assert peak <= after_20 * 1.10, (
        f"{name}: RSS grew from {after_20:.1f} MB after 20 shapes to a peak of {peak:.1f} MB "
        f"over {count} shapes (curve: {[round(c) for c in curve[::10]]})")


LOAD_SCRIPT = textwrap.dedent("""
    import sys, pdinfer
    def status(key):
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024.0
    base = status("VmRSS")
    p = pdinfer.create_predictor(pdinfer.Config(sys.argv[1], sys.argv[2]))
    print(base, status("VmHWM"), status("VmRSS"))
""")


@pytest.mark.parametrize("name", ["resnet50", "bert_base"])
def test_load_has_no_weight_sized_transient(tmp_path, name):
    """Creating a predictor never holds the weights twice: the params file's pages are given
    back as it is read, and weights replaced by folded / packed copies (BN folding, the
    attention projection packing) are dropped as each copy is made."""
    try:
        prog, params = model_files(name)
    except ModelUnavailable as e:
        pytest.skip(str(e))
    script = tmp_path / "load.py"
    script.write_text(LOAD_SCRIPT)
    out = subprocess.run([sys.executable, str(script), prog, params], capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    base, peak, after = (float(v) for v in out.stdout.split())
    weights_mb = os.path.getsize(params) / 2**20
    assert peak - after <= 0.35 * weights_mb, (
        f"{name}: loading peaked at {peak:.0f} MB, {peak - after:.0f} MB above the "
        f"{after:.0f} MB it settles at ({weights_mb:.0f} MB of weights; {base:.0f} MB before)")
