#include "pdinfer/passes/fusion_util.h"

#include <cmath>
#include <cstdlib>

#include "pdinfer/ops/op_utils.h"

namespace pdinfer {
namespace fusion {

const Node& NodeAt(const Graph& g, int i) { return g.nodes().at(static_cast<size_t>(i)); }
Node& NodeAt(Graph& g, int i) { return g.nodes().at(static_cast<size_t>(i)); }

bool IsFloat(const Graph& g, ValueId v) {
  if (v == kNoValue) return false;
  const DataType t = g.value(v).dtype;
  return t == DataType::kFloat32 || t == DataType::kFloat64;
}

bool Near(double a, double b, double rel) {
  return std::fabs(a - b) <= rel * std::max(std::fabs(a), std::fabs(b)) + 1e-30;
}

namespace {

bool HasTensorInput(const Node& n, std::initializer_list<const char*> slots) {
  for (const char* s : slots) {
    const Slot* slot = n.FindInput(s);
    if (!slot) continue;
    for (ValueId v : slot->values)
      if (v != kNoValue) return true;
  }
  return false;
}

// Rank of a value when known (constants always know theirs).
int RankOf(const Graph& g, ValueId v) {
  const Value& val = g.value(v);
  if (val.is_constant()) return val.constant->rank();
  return val.shape_known ? static_cast<int>(val.shape.size()) : -1;
}

// x op c with c a scalar that does not broadcast x up: returns c, and x via *x.
std::optional<double> ScalarOperand(const Graph& g, const GraphIndex& index, const Node& n,
                                    bool scalar_may_be_x, ValueId* x) {
  const ValueId a = n.Input("X"), b = n.Input("Y");
  if (a == kNoValue || b == kNoValue) return std::nullopt;
  for (int side = 0; side < 2; ++side) {
    if (side == 0 && !scalar_may_be_x) continue;
    const ValueId c = side == 0 ? a : b;
    const ValueId other = side == 0 ? b : a;
    std::optional<double> s = ScalarValue(g, index, c);
    if (!s || ScalarValue(g, index, other)) continue;
    const int rc = RankOf(g, c), rx = RankOf(g, other);
    if (rc < 0 || rx < 0 || rc > rx) continue;
    *x = other;
    return s;
  }
  return std::nullopt;
}

}  // namespace

std::optional<double> ScalarValue(const Graph& g, const GraphIndex& index, ValueId v) {
  if (v == kNoValue) return std::nullopt;
  if (const Tensor* t = ConstantOf(g, v)) {
    if (t->numel() != 1) return std::nullopt;
    switch (t->dtype()) {
      case DataType::kFloat32:
      case DataType::kFloat64:
      case DataType::kInt32:
      case DataType::kInt64:
        return TensorScalarAsDouble(*t, "scalar");
      default:
        return std::nullopt;
    }
  }
  const int p = index.Producer(v);
  if (p < 0) return std::nullopt;
  const Node& n = NodeAt(g, p);
  if (n.op != "fill_constant" ||
      HasTensorInput(n, {"ValueTensor", "ShapeTensor", "ShapeTensorList"}))
    return std::nullopt;
  int64_t numel = 1;
  for (int64_t d : n.attrs.GetInts("shape", {})) numel *= d;
  if (numel != 1) return std::nullopt;
  const std::string str = n.attrs.GetString("str_value", "");
  if (!str.empty()) {
    char* end = nullptr;
    const double d = std::strtod(str.c_str(), &end);
    if (end == str.c_str()) return std::nullopt;
    return d;
  }
  return n.attrs.GetFloat("value", 0.0);
}

ValueId OtherOperand(const Node& n, ValueId v) {
  const ValueId a = n.Input("X"), b = n.Input("Y");
  if (a == v) return b;
  if (b == v) return a;
  return kNoValue;
}

std::optional<ScalarMul> AsScalarMul(const Graph& g, const GraphIndex& index, const Node& n) {
  ScalarMul r;
  if (n.op == "scale") {
    if (HasTensorInput(n, {"ScaleTensor", "BiasTensor"})) return std::nullopt;
    if (n.attrs.GetFloat("bias", 0.0) != 0.0) return std::nullopt;
    r.x = n.Input("X");
    r.factor = n.attrs.GetFloat("scale", 1.0);
  } else if (n.op == "elementwise_mul") {
    std::optional<double> c = ScalarOperand(g, index, n, true, &r.x);
    if (!c) return std::nullopt;
    r.factor = *c;
  } else if (n.op == "elementwise_div") {
    std::optional<double> c = ScalarOperand(g, index, n, false, &r.x);
    if (!c || *c == 0.0) return std::nullopt;
    r.factor = 1.0 / *c;
  } else {
    return std::nullopt;
  }
  if (!IsFloat(g, r.x)) return std::nullopt;
  return r;
}

std::optional<ScalarAdd> AsScalarAdd(const Graph& g, const GraphIndex& index, const Node& n) {
  ScalarAdd r;
  if (n.op == "scale") {
    if (HasTensorInput(n, {"ScaleTensor", "BiasTensor"})) return std::nullopt;
    if (n.attrs.GetFloat("scale", 1.0) != 1.0) return std::nullopt;
    r.x = n.Input("X");
    r.addend = n.attrs.GetFloat("bias", 0.0);
  } else if (n.op == "elementwise_add" || n.op == "elementwise_sub") {
    const bool sub = n.op == "elementwise_sub";
    std::optional<double> c = ScalarOperand(g, index, n, !sub, &r.x);
    if (!c) return std::nullopt;
    r.addend = sub ? -*c : *c;
  } else {
    return std::nullopt;
  }
  if (!IsFloat(g, r.x)) return std::nullopt;
  return r;
}

std::optional<ScalarPow> AsScalarPow(const Graph& g, const GraphIndex& index, const Node& n) {
  ScalarPow r;
  r.x = n.Input("X");
  if (n.op == "square") {
    r.exponent = 2;
  } else if (n.op == "sqrt") {
    r.exponent = 0.5;
  } else if (n.op == "rsqrt") {
    r.exponent = -0.5;
  } else if (n.op == "pow") {
    if (HasTensorInput(n, {"FactorTensor"})) return std::nullopt;
    r.exponent = n.attrs.GetFloat("factor", 1.0);
  } else if (n.op == "elementwise_pow") {
    std::optional<double> c = ScalarOperand(g, index, n, false, &r.x);
    if (!c) return std::nullopt;
    r.exponent = *c;
  } else if (n.op == "elementwise_mul") {
    if (n.Input("Y") != r.x) return std::nullopt;
    r.exponent = 2;
  } else {
    return std::nullopt;
  }
  if (!IsFloat(g, r.x)) return std::nullopt;
  return r;
}

std::optional<FusedActivation> ActivationOf(const Graph& g, const Node& n) {
  try {
    return FusedActivation::FromNode(g, n);
  } catch (const Error&) {
    return std::nullopt;
  }
}

void RedirectOutput(Node& n, const std::string& slot, ValueId v) {
  for (Slot& s : n.outputs)
    if (s.name == slot) {
      if (s.values.empty()) s.values.push_back(v);
      else s.values[0] = v;
      return;
    }
  n.outputs.push_back(Slot{slot, {v}});
}

void SetInput(Node& n, const std::string& slot, ValueId v) {
  for (Slot& s : n.inputs)
    if (s.name == slot) {
      s.values = {v};
      return;
    }
  n.inputs.push_back(Slot{slot, {v}});
}

bool OtherOutputsUnused(const Node& n, const GraphIndex& index, const std::string& keep) {
  for (const Slot& s : n.outputs) {
    if (s.name == keep) continue;
    for (ValueId v : s.values)
      if (v != kNoValue && (!index.Consumers(v).empty() || index.IsGraphOutput(v))) return false;
  }
  return true;
}

int RunToFixpoint(Graph& g, const std::function<int(Graph&, const GraphIndex&)>& round,
                  int max_rounds) {
  int total = 0;
  for (int r = 0; r < max_rounds; ++r) {
    GraphIndex index(g);
    const int fired = round(g, index);
    if (fired == 0) break;
    total += fired;
    CleanupGraph(g);
  }
  return total;
}

bool NumpyAligned(const Graph& g, const Node& n) {
  if (n.attrs.GetInt("axis", -1) == -1) return true;
  const int rx = RankOf(g, n.Input("X")), ry = RankOf(g, n.Input("Y"));
  return rx >= 0 && rx == ry;
}

bool CanBeFusedMatmul(const Graph& g, const Node& n) {
  if (n.op != "matmul" && n.op != "matmul_v2" && n.op != "fused_matmul") return false;
  const ValueId x = n.Input("X"), y = n.Input("Y");
  if (!IsFloat(g, x) || y == kNoValue || n.Output("Out") == kNoValue) return false;
  for (const char* a : {"fused_reshape_X", "fused_transpose_X", "fused_reshape_Y",
                        "fused_transpose_Y", "fused_reshape_Out", "fused_transpose_Out"})
    if (!n.attrs.GetInts(a, {}).empty()) return false;
  if (n.op == "matmul") {
    if (n.attrs.GetInt("head_number", 1) > 1) return false;
    return RankOf(g, x) >= 2 && RankOf(g, y) >= 2;
  }
  return true;
}

void ToFusedMatmul(Node& n) {
  if (n.op == "fused_matmul") return;
  const bool legacy = n.op == "matmul";
  const bool tx = n.attrs.GetBool(legacy ? "transpose_X" : "trans_x", false);
  const bool ty = n.attrs.GetBool(legacy ? "transpose_Y" : "trans_y", false);
  const double alpha = legacy ? n.attrs.GetFloat("alpha", 1.0) : 1.0;
  n.attrs = AttributeMap();
  n.attrs.Set("trans_x", tx);
  n.attrs.Set("trans_y", ty);
  n.attrs.Set("alpha", alpha);
  n.op = "fused_matmul";
}

}  // namespace fusion
}  // namespace pdinfer
