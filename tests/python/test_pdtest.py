"""Self-tests of the op-parity harness (pdtest.py).  They use Paddle only, not pdinfer."""
import numpy as np
import pytest

from pdtest import OpCase, compare_outputs, paddle_reference

NEEDS_PADDLE = True
RS = np.random.RandomState(0)

CASES = [
    OpCase("relu", "x = paddle.static.data('x', [2, 3], 'float32')\nout = F.relu(x)",
           {"x": RS.randn(2, 3).astype("float32")}, ["out"]),
    OpCase("append_op_two_outputs",
           "x = paddle.static.data('x', [3, 6], 'float32')\n"
           "r = append_op('top_k_v2', {'X': x}, {'Out': 'float32', 'Indices': 'int64'}, {'k': 2, 'axis': -1})\n"
           "v, i = r['Out'], r['Indices']",
           {"x": RS.randn(3, 6).astype("float32")}, ["v", "i"]),
    OpCase("conv_with_params",
           "x = paddle.static.data('x', [1, 3, 8, 8], 'float32')\n"
           "y = nn.Conv2D(3, 4, 3, padding=1)(x)\nout = [y, paddle.shape(y)]",
           {"x": RS.randn(1, 3, 8, 8).astype("float32")}, ["out"]),
    OpCase("broken_snippet", "x = paddle.static.data('x', [2, 3], 'float32')\nout = no_such_fn(x)",
           {"x": RS.randn(2, 3).astype("float32")}, ["out"]),
    # paddle's oneDNN path crashes on a full-rank constant pad: must fall back, not break others
    OpCase("onednn_crash_fallback",
           "x = paddle.static.data('x', [2, 3, 4, 5], 'float32')\n"
           "out = F.pad(x, [1, 1, 1, 1, 0, 0, 1, 1], mode='constant', value=0.5)",
           {"x": RS.randn(2, 3, 4, 5).astype("float32")}, ["out"]),
]


@pytest.fixture(scope="module")
def refs():
    return paddle_reference(CASES)


def test_reference_values(refs):
    x = CASES[0].inputs["x"]
    r = refs["relu"]
    assert r.error is None and r.input_names == ["x"] and len(r.output_names) == 1
    np.testing.assert_array_equal(r.outputs[0], np.maximum(x, 0))
    v, i = refs["append_op_two_outputs"].outputs
    xs = CASES[1].inputs["x"]
    np.testing.assert_array_equal(i, np.argsort(-xs, axis=1)[:, :2])
    np.testing.assert_array_equal(v, np.take_along_axis(xs, i, 1))
    conv, shape = refs["conv_with_params"].outputs
    assert conv.shape == (1, 4, 8, 8) and list(shape) == [1, 4, 8, 8]
    assert np.abs(conv).max() > 0  # parameters were initialised


def test_export_error_is_per_case(refs):
    r = refs["broken_snippet"]
    assert r.error and "no_such_fn" in r.error
    assert refs["relu"].error is None


def test_onednn_fallback(refs):
    r = refs["onednn_crash_fallback"]
    assert r.error is None, r.error
    x = CASES[4].inputs["x"]
    # full-rank pad lists (before, after) from the FIRST dim on
    want = np.pad(x, [(1, 1), (1, 1), (0, 0), (1, 1)], constant_values=0.5)
    np.testing.assert_allclose(r.outputs[0], want)


def test_cache_hit_is_fast(refs):
    import time

    t = time.time()
    again = paddle_reference(CASES[:3])
    assert time.time() - t < 2.0
    np.testing.assert_array_equal(again["relu"].outputs[0], refs["relu"].outputs[0])


def test_compare_outputs_messages():
    a = np.array([1.0, 2.0, np.nan, np.inf], np.float32)
    compare_outputs("c", ["o"], [a], ["o"], [a.copy()], 1e-5, 1e-5)
    b = a.copy()
    b[1] = 2.5
    with pytest.raises(AssertionError, match=r"\[?c.*'o'.*max abs diff 0.5"):
        compare_outputs("c", ["o"], [a], ["o"], [b], 1e-5, 1e-5)
    with pytest.raises(AssertionError, match="dtype"):
        compare_outputs("c", ["o"], [a], ["o"], [a.astype(np.float64)], 1e-5, 1e-5)
    with pytest.raises(AssertionError, match="shape"):
        compare_outputs("c", ["o"], [a], ["o"], [a[:2]], 1e-5, 1e-5)
    with pytest.raises(AssertionError, match="names"):
        compare_outputs("c", ["o"], [a], ["p"], [a], 1e-5, 1e-5)
    i = np.arange(4)
    with pytest.raises(AssertionError, match="exact"):
        compare_outputs("c", ["o"], [i], ["o"], [i + (i == 3)], 1e-5, 1e-5)
