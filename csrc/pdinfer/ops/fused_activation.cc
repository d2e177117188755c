#include "pdinfer/ops/fused_activation.h"

#include "pdinfer/core/error.h"

namespace pdinfer {

namespace {

bool IsFloatValue(const Graph& g, ValueId v) {
  if (v == kNoValue) return false;
  DataType t = g.value(v).dtype;
  return t == DataType::kFloat32 || t == DataType::kFloat64;
}

// The standalone op (and its attributes) that computes `act`.
void ToOp(const FusedActivation& act, std::string* op, AttributeMap* a) {
  const std::string& n = act.name;
  *op = n;
  if (n == "relu6") {
    a->Set("threshold", act.alpha);
  } else if (n == "leaky_relu" || n == "elu") {
    a->Set("alpha", act.alpha);
  } else if (n == "hard_sigmoid") {
    a->Set("slope", act.alpha);
    a->Set("offset", act.beta);
  } else if (n == "hard_swish") {
    a->Set("threshold", act.alpha);
    a->Set("scale", act.beta);
    a->Set("offset", act.gamma);
  } else if (n == "swish") {
    a->Set("beta", act.alpha);
  } else if (n == "gelu") {
    a->Set("approximate", act.alpha != 0);
  } else if (n == "mish") {
    a->Set("threshold", act.alpha);
  } else if (n == "softplus") {
    a->Set("beta", act.alpha);
    a->Set("threshold", act.beta);
  } else if (n == "clip") {
    *op = "brelu";
    a->Set("t_min", act.alpha);
    a->Set("t_max", act.beta);
  }
}

bool KnownName(const std::string& n) {
  static const char* kNames[] = {"relu", "relu6", "leaky_relu", "elu", "hard_sigmoid",
                                 "hard_swish", "swish", "silu", "sigmoid", "tanh", "gelu",
                                 "mish", "softplus", "clip", "abs", "sqrt", "exp", "square"};
  for (const char* k : kNames)
    if (n == k) return true;
  return false;
}

}  // namespace

std::optional<FusedActivation> FusedActivation::FromNode(const Graph& g, const Node& node) {
  ValueId x = node.Input("X");
  if (x == kNoValue || node.Output("Out") == kNoValue || !IsFloatValue(g, x)) return std::nullopt;
  const AttributeMap& a = node.attrs;
  FusedActivation f;
  const std::string& op = node.op;
  if (op == "relu" || op == "silu" || op == "sigmoid" || op == "tanh" || op == "abs" ||
      op == "sqrt" || op == "exp" || op == "square") {
    f.name = op;
  } else if (op == "relu6") {
    f.name = op;
    f.alpha = a.GetFloat("threshold", 6.0);
  } else if (op == "leaky_relu") {
    f.name = op;
    f.alpha = a.GetFloat("alpha", 0.02);
  } else if (op == "elu") {
    f.name = op;
    f.alpha = a.GetFloat("alpha", 1.0);
  } else if (op == "hard_sigmoid") {
    f.name = op;
    f.alpha = a.GetFloat("slope", 0.2);
    f.beta = a.GetFloat("offset", 0.5);
  } else if (op == "hard_swish") {
    f.name = op;
    f.alpha = a.GetFloat("threshold", 6.0);
    f.beta = a.GetFloat("scale", 6.0);
    f.gamma = a.GetFloat("offset", 3.0);
  } else if (op == "swish") {
    f.name = op;
    f.alpha = a.GetFloat("beta", 1.0);
  } else if (op == "gelu") {
    f.name = op;
    f.alpha = a.GetBool("approximate", false) ? 1.0 : 0.0;
  } else if (op == "mish") {
    f.name = op;
    f.alpha = a.GetFloat("threshold", 20.0);
  } else if (op == "softplus") {
    f.name = op;
    f.alpha = a.GetFloat("beta", 1.0);
    f.beta = a.GetFloat("threshold", 20.0);
  } else if (op == "brelu") {
    f.name = "clip";
    f.alpha = a.GetFloat("t_min", 0.0);
    f.beta = a.GetFloat("t_max", 24.0);
  } else if (op == "clip") {
    // Bounds given as tensors are run-time values: not fusable.
    if (node.Input("Min") != kNoValue || node.Input("Max") != kNoValue) return std::nullopt;
    f.name = "clip";
    f.alpha = a.GetFloat("min", 0.0);
    f.beta = a.GetFloat("max", 0.0);
    if (!(f.alpha <= f.beta)) return std::nullopt;
  } else {
    return std::nullopt;
  }
  return f;
}

FusedActivation FusedActivation::FromAttrs(const AttributeMap& attrs, const std::string& where) {
  FusedActivation f;
  f.name = attrs.GetString("fuse_activation", "");
  if (f.name == "identity") f.name.clear();
  f.alpha = attrs.GetFloat("fuse_alpha", 0.0);
  f.beta = attrs.GetFloat("fuse_beta", 0.0);
  f.gamma = attrs.GetFloat("fuse_gamma", 0.0);
  // Models saved after Paddle's own oneDNN passes carry fused ops with Paddle's
  // conventions (no fuse_gamma): gelu_tanh/gelu_erf names, hard_swish and mish with
  // their standard parameters, relu6's bound in fuse_beta.
  if (f.name == "gelu_tanh" || f.name == "gelu_erf") {
    f.alpha = f.name == "gelu_tanh" ? 1.0 : 0.0;
    f.name = "gelu";
  } else if (!attrs.Has("fuse_gamma")) {
    if (f.name == "hard_swish") {
      f.alpha = 6.0;
      f.beta = 6.0;
      f.gamma = 3.0;
    } else if (f.name == "mish") {
      f.alpha = 20.0;
    } else if (f.name == "relu6" && f.alpha == 0.0) {
      f.alpha = f.beta > 0 ? f.beta : 6.0;
    }
  }
  if (!f.name.empty() && !KnownName(f.name))
    ThrowError(ErrorCode::kInvalidArgument, where, ": fuse_activation '", f.name,
               "' is not supported");
  return f;
}

void FusedActivation::ToAttrs(AttributeMap& attrs) const {
  attrs.Set("fuse_activation", name);
  attrs.Set("fuse_alpha", alpha);
  attrs.Set("fuse_beta", beta);
  attrs.Set("fuse_gamma", gamma);
}

void FusedActivation::Apply(float* data, int64_t n, ThreadPool* pool) const {
  if (identity() || n <= 0) return;
  std::string op;
  AttributeMap a;
  ToOp(*this, &op, &a);
  ApplyActivationOp(op, a, data, n, pool);
}

void FusedActivation::Apply(double* data, int64_t n, ThreadPool* pool) const {
  if (identity() || n <= 0) return;
  std::string op;
  AttributeMap a;
  ToOp(*this, &op, &a);
  ApplyActivationOp(op, a, data, n, pool);
}

}  // namespace pdinfer
