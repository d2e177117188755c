"""Parity of the unary activation / math ops, pow and prelu."""
import numpy as np
import pytest

from pdtest import OpCase, assert_matches, paddle_reference

RNG = np.random.RandomState(11)


def unary(name, op, attrs=None, shape=(2, 3, 17), dtype="float32", data=None, tol=1e-5, low=-4.0,
          high=4.0):
    code = (f"x = paddle.static.data('x', {list(shape)}, '{dtype}')\n"
            f"out = append_op('{op}', {{'X': x}}, attrs={dict(attrs or {})!r})")
    if data is None:
        if dtype.startswith("int"):
            data = RNG.randint(-20, 21, size=shape).astype(dtype)
        else:
            data = RNG.uniform(low, high, size=shape).astype(dtype)
            # Include exact special points on the ops' branch boundaries.
            flat = data.reshape(-1)
            if flat.size >= 4:
                flat[:4] = [0.0, -0.5, 0.5, 1.0]
    return OpCase(name=name, code=code, inputs={"x": data}, fetch=["out"], rtol=tol, atol=tol)


T = 1e-4  # transcendental functions: libm vs Eigen/oneDNN differ in the last bits
CASES = [
    unary("relu", "relu"),
    unary("relu6", "relu6", low=-3, high=9),
    unary("leaky_relu", "leaky_relu", {"alpha": 0.1}),
    unary("leaky_relu_default", "leaky_relu"),
    unary("elu", "elu", {"alpha": 0.7}, tol=T),
    unary("celu", "celu", {"alpha": 1.5}, tol=T),
    unary("selu", "selu", {"scale": 1.0507009873554805, "alpha": 1.6732632423543772}, tol=T),
    unary("gelu_exact", "gelu", {"approximate": False}, tol=T),
    unary("gelu_tanh", "gelu", {"approximate": True}, tol=T),
    unary("sigmoid", "sigmoid", tol=T),
    unary("logsigmoid", "logsigmoid", tol=T, low=-30, high=30),
    unary("hard_sigmoid", "hard_sigmoid", {"slope": 0.2, "offset": 0.5}),
    unary("hard_sigmoid_custom", "hard_sigmoid", {"slope": 0.1666667, "offset": 0.4}),
    unary("hard_swish", "hard_swish", {"threshold": 6.0, "scale": 6.0, "offset": 3.0}, low=-5, high=5),
    unary("swish", "swish", tol=T),
    unary("silu", "silu", tol=T),
    unary("mish", "mish", {"threshold": 20.0}, tol=T, low=-25, high=25),
    unary("tanh", "tanh", tol=T),
    unary("softplus", "softplus", {"beta": 1.0, "threshold": 20.0}, tol=T, low=-25, high=25),
    unary("softsign", "softsign"),
    unary("exp", "exp", tol=T),
    unary("expm1", "expm1", tol=T),
    unary("log", "log", tol=T, low=0.01, high=10),
    unary("log2", "log2", tol=T, low=0.01, high=10),
    unary("log10", "log10", tol=T, low=0.01, high=10),
    unary("log1p", "log1p", tol=T, low=-0.9, high=10),
    unary("sqrt", "sqrt", tol=T, low=0, high=10),
    unary("rsqrt", "rsqrt", tol=T, low=0.1, high=10),
    unary("square", "square"),
    unary("square_int64", "square", dtype="int64"),
    unary("abs", "abs"),
    unary("abs_int32", "abs", dtype="int32"),
    unary("sign", "sign"),
    unary("reciprocal", "reciprocal", tol=T, low=0.2, high=5),
    unary("floor", "floor"),
    unary("ceil", "ceil"),
    unary("round", "round", data=np.array([0.5, 1.5, 2.5, -0.5, -2.5, 1.25, 1.35, 3.7, -3.7],
                                          "float32"), shape=(9,)),
    unary("round_decimals", "round", {"decimals": 1},
          data=np.array([0.25, 1.35, 2.45, -0.55, 3.14159, 0.125], "float32"), shape=(6,)),
    unary("sin", "sin", tol=T),
    unary("cos", "cos", tol=T),
    unary("tan", "tan", tol=T, low=-1.2, high=1.2),
    unary("atan", "atan", tol=T),
    unary("sinh", "sinh", tol=T),
    unary("cosh", "cosh", tol=T),
    unary("erf", "erf", tol=T),
    unary("tanh_shrink", "tanh_shrink", tol=T),
    unary("hard_shrink", "hard_shrink", {"threshold": 0.5}),
    unary("hard_shrink_edges", "hard_shrink", {"threshold": 0.5}, shape=(7,),
          data=np.array([0.5, -0.5, 0.49999, -0.49999, 0.50001, -0.50001, 0.0], "float32")),
    unary("softshrink", "softshrink", {"lambda": 0.5}),
    unary("thresholded_relu", "thresholded_relu", {"threshold": 1.0}),
    unary("thresholded_relu_value", "thresholded_relu", {"threshold": 0.5, "value": -2.0}),
    unary("brelu", "brelu", {"t_min": -1.0, "t_max": 2.5}),
    unary("stanh", "stanh", {"scale_a": 0.67, "scale_b": 1.7159}, tol=T),
    unary("relu_float64", "relu", dtype="float64"),
    unary("sigmoid_float64", "sigmoid", dtype="float64", tol=1e-6),
    unary("gelu_float64", "gelu", {"approximate": False}, dtype="float64", tol=1e-6),
    unary("gelu_0d", "gelu", shape=(), data=np.array(0.75, "float32"), tol=T),
    unary("relu_empty", "relu", shape=(0, 3), data=np.zeros((0, 3), "float32")),
    unary("sigmoid_big", "sigmoid", shape=(4, 128, 129), tol=T),
    unary("exp_special", "exp", shape=(4,), data=np.array([np.inf, -np.inf, 0, 1], "float32")),
]


def pow_case(name, factor=None, tensor=None, dtype="float32", low=0.1, high=3.0):
    lines = [f"x = paddle.static.data('x', [3, 5], '{dtype}')"]
    inputs = {"x": RNG.uniform(low, high, size=(3, 5)).astype(dtype)}
    if dtype.startswith("int"):
        inputs["x"] = RNG.randint(-5, 6, size=(3, 5)).astype(dtype)
    ins = "{'X': x}"
    if tensor is not None:
        lines.append("f = paddle.static.data('f', [1], 'float32')")
        inputs["f"] = np.array([tensor], "float32")
        ins = "{'X': x, 'FactorTensor': f}"
    attrs = {} if factor is None else {"factor": factor}
    lines.append(f"out = append_op('pow', {ins}, attrs={attrs!r})")
    return OpCase(name=name, code="\n".join(lines), inputs=inputs, fetch=["out"], rtol=T, atol=T)


CASES += [
    pow_case("pow_factor", 2.5),
    pow_case("pow_square", 2.0, low=-3),
    pow_case("pow_neg", -1.5),
    pow_case("pow_tensor", factor=1.0, tensor=0.5),
    pow_case("pow_int32", 3.0, dtype="int32"),
]


def prelu_case(name, shape, alpha_shape, mode, fmt="NCHW"):
    code = (f"x = paddle.static.data('x', {list(shape)}, 'float32')\n"
            f"a = paddle.create_parameter({list(alpha_shape)}, 'float32', "
            f"default_initializer=nn.initializer.Uniform(-0.5, 0.9))\n"
            f"out = append_op('prelu', {{'X': x, 'Alpha': a}}, "
            f"attrs={{'mode': '{mode}', 'data_format': '{fmt}'}})")
    return OpCase(name=name, code=code, inputs={"x": RNG.randn(*shape).astype("float32")},
                  fetch=["out"])


CASES += [
    prelu_case("prelu_all", [2, 3, 4, 5], [1], "all"),
    prelu_case("prelu_channel_nchw", [2, 3, 4, 5], [3], "channel"),
    prelu_case("prelu_channel_nhwc", [2, 4, 5, 3], [3], "channel", "NHWC"),
    prelu_case("prelu_element", [2, 3, 4, 5], [1, 3, 4, 5], "element"),
    prelu_case("prelu_channel_2d", [6, 7], [7], "channel"),
]


# paddle.inference's default (oneDNN) kernels differ from Paddle's own CPU kernels here
# (softplus ignores `threshold`, exp(nan) gives inf): checked against NumPy instead.
def _np_softplus(x, beta, threshold):
    xb = x.astype(np.float64) * beta
    return np.where(xb > threshold, x, np.log1p(np.exp(xb)) / beta)


NUMPY_CASES = [
    (unary("softplus_beta", "softplus", {"beta": 2.0, "threshold": 3.0}),
     lambda x: _np_softplus(x, 2.0, 3.0)),
    (unary("exp_nan", "exp", shape=(3,), data=np.array([np.nan, 1.0, -1.0], "float32")), np.exp),
    (unary("relu_int32", "relu", dtype="int32"), lambda x: np.maximum(x, 0)),
    (unary("abs_int64", "abs", dtype="int64"), np.abs),
]


@pytest.fixture(scope="module")
def refs():
    return paddle_reference(CASES + [c for c, _ in NUMPY_CASES])


@pytest.mark.parametrize("case,fn", NUMPY_CASES, ids=lambda c: getattr(c, "name", ""))
def test_vs_numpy(case, fn, refs):
    from pdtest import run_pdinfer

    _, _, outs = run_pdinfer(refs[case.name].model_dir, case.inputs)
    want = np.asarray(fn(case.inputs["x"])).astype(outs[0].dtype)
    assert outs[0].shape == want.shape and outs[0].dtype == case.inputs["x"].dtype
    np.testing.assert_allclose(outs[0], want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_op(case, refs):
    assert_matches(case, refs[case.name])
