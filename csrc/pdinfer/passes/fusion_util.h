// Helpers shared by the matmul / fc / elementwise / normalization / shape-chain passes:
// recognizing arithmetic that models spell with primitive ops (a multiplication by a
// scalar may be `scale`, `elementwise_mul` or `elementwise_div` by a one-element
// constant, or a `fill_constant` output), and small rewrite utilities.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pdinfer/ops/fused_activation.h"
#include "pdinfer/passes/pattern.h"

namespace pdinfer {
namespace fusion {

const Node& NodeAt(const Graph& g, int i);
Node& NodeAt(Graph& g, int i);

// True for float32/float64 values.
bool IsFloat(const Graph& g, ValueId v);
// |a - b| <= rel * max(|a|, |b|) (plus a tiny absolute slack for values near zero).
bool Near(double a, double b, double rel = 1e-4);

// The value of a one-element float/int constant, or of a one-element `fill_constant`
// output (only attribute inputs); nullopt otherwise. A constant that is not one element
// but holds a single repeated value is not accepted (it could broadcast the other operand
// up).
std::optional<double> ScalarValue(const Graph& g, const GraphIndex& index, ValueId v);

// For elementwise_* nodes with inputs X, Y: the input that is not `v` (kNoValue when the
// node does not read v through X or Y).
ValueId OtherOperand(const Node& n, ValueId v);

// A node computing out = factor * x exactly up to rounding:
//   scale (scale s, bias 0, no tensor inputs), elementwise_mul by a scalar, or
//   elementwise_div of x by a scalar (factor 1/c).
// `x` must be known not to be broadcast up by the scalar (the scalar's rank <= x's rank).
struct ScalarMul {
  ValueId x = kNoValue;
  double factor = 1;
};
std::optional<ScalarMul> AsScalarMul(const Graph& g, const GraphIndex& index, const Node& n);
// A node computing out = x + c for a scalar c: scale (scale 1, bias c, no tensor inputs) or
// elementwise_add with a scalar constant.
struct ScalarAdd {
  ValueId x = kNoValue;
  double addend = 0;
};
std::optional<ScalarAdd> AsScalarAdd(const Graph& g, const GraphIndex& index, const Node& n);
// A node computing out = x ^ p for a constant exponent p: pow (factor attribute, no
// FactorTensor), elementwise_pow by a scalar, square (p = 2), sqrt (0.5), rsqrt (-0.5),
// or elementwise_mul(x, x) (p = 2).
struct ScalarPow {
  ValueId x = kNoValue;
  double exponent = 1;
};
std::optional<ScalarPow> AsScalarPow(const Graph& g, const GraphIndex& index, const Node& n);

// The activation an op node computes when it can be fused (FusedActivation::FromNode;
// malformed attributes give nullopt: the op itself reports them when it runs).
std::optional<FusedActivation> ActivationOf(const Graph& g, const Node& n);

// Makes `n` write `v` through its output slot `slot` (the first value) instead of what it
// wrote before.
void RedirectOutput(Node& n, const std::string& slot, ValueId v);
// Sets input slot `slot` of `n` to the single value v (adding the slot when absent).
void SetInput(Node& n, const std::string& slot, ValueId v);
// True when the output slots of `n` other than `keep` are absent or unread (no consumers,
// not graph outputs).
bool OtherOutputsUnused(const Node& n, const GraphIndex& index, const std::string& keep);

// Runs `round` (one sweep over a fresh index, returning how many rewrites it made) until
// it makes none, cleaning the graph between rounds; returns the total.
int RunToFixpoint(Graph& g, const std::function<int(Graph&, const GraphIndex&)>& round,
                  int max_rounds = 16);

// The elementwise_add/sub/mul/div `axis` attribute leaves the operands' alignment
// NumPy-style (-1, or equal ranks where it is ignored).
bool NumpyAligned(const Graph& g, const Node& n);

// matmul_v2, fused_matmul, or matmul (v1) with both operands of known rank >= 2 and no
// folded reshape/transpose, on float data: nodes that can become a fused_matmul.
bool CanBeFusedMatmul(const Graph& g, const Node& n);
// Turns such a node into fused_matmul in place (trans_x, trans_y, alpha attributes).
void ToFusedMatmul(Node& n);

}  // namespace fusion
}  // namespace pdinfer
