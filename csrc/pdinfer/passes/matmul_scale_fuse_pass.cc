// Folds a multiplication by a scalar into a matrix product:
//   matmul(scale(x, s), y) / matmul(x, scale(y, s))  and  scale(matmul(x, y), s)
// where the scale has no bias (a `scale` op, or elementwise_mul/div by a scalar).
//  - When the other operand is a constant weight the factor goes into a NEW constant
//    (s * W) and the op stays a matmul_v2 / matmul, so fc_fuse_pass can still take it.
//  - Otherwise matmul (v1) gets alpha *= s; matmul_v2 becomes fused_matmul with alpha = s;
//    a fused_matmul multiplies its alpha (for a scale after it: only when it has no
//    Bias, ResidualData or activation, which the scale would also multiply).
#include "pdinfer/passes/fusion_util.h"
#include "pdinfer/passes/pass.h"

namespace pdinfer {
namespace {

using fusion::NodeAt;

bool IsMatmul(const Node& n) {
  return n.op == "matmul" || n.op == "matmul_v2" || n.op == "fused_matmul";
}

bool HasEpilogue(const Node& n) {
  return n.Input("Bias") != kNoValue || n.Input("ResidualData") != kNoValue ||
         !n.attrs.GetString("fuse_activation", "").empty();
}

// A new constant factor * c (float32/float64 only).
ValueId ScaledConstant(Graph& g, ValueId c, double factor) {
  const Tensor* t = ConstantOf(g, c);
  Tensor out(t->dtype(), t->shape());
  const int64_t n = t->numel();
  if (t->dtype() == DataType::kFloat32) {
    const float* s = t->data<float>();
    float* d = out.data<float>();
    const float f = static_cast<float>(factor);
    for (int64_t i = 0; i < n; ++i) d[i] = s[i] * f;
  } else {
    const double* s = t->data<double>();
    double* d = out.data<double>();
    for (int64_t i = 0; i < n; ++i) d[i] = s[i] * factor;
  }
  return NewConstant(g, g.value(c).name + ".scaled", std::move(out));
}

// Applies `factor` to matmul node `mi`: into the constant operand in `weight_slot` when
// one is given, else into alpha.
void ApplyFactor(Graph& g, int mi, double factor, const std::string& weight_slot) {
  Node& m = NodeAt(g, mi);
  if (!weight_slot.empty()) {
    const ValueId w = m.Input(weight_slot);
    const ValueId scaled = ScaledConstant(g, w, factor);
    fusion::SetInput(NodeAt(g, mi), weight_slot, scaled);
    return;
  }
  if (m.op == "matmul") {
    m.attrs.Set("alpha", m.attrs.GetFloat("alpha", 1.0) * factor);
  } else if (m.op == "matmul_v2") {
    fusion::ToFusedMatmul(m);
    m.attrs.Set("alpha", factor);
  } else {
    const double a = m.attrs.Has("alpha") ? m.attrs.GetFloat("alpha", 1.0)
                                          : m.attrs.GetFloat("matmul_alpha", 1.0);
    m.attrs.Erase("matmul_alpha");
    m.attrs.Set("alpha", a * factor);
  }
}

// The slot holding a float constant weight that can absorb a factor, or "".
std::string WeightSlot(const Graph& g, const Node& m, const std::string& not_slot) {
  if (m.op == "fused_matmul") return "";
  for (const char* s : {"X", "Y"}) {
    if (not_slot == s) continue;
    const ValueId v = m.Input(s);
    if (ConstantOf(g, v) && fusion::IsFloat(g, v)) return s;
  }
  return "";
}

int Round(Graph& g, const GraphIndex& index) {
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    const Node& m = g.nodes()[i];
    if (!IsMatmul(m) || !fusion::IsFloat(g, m.Input("X"))) continue;
    const int mi = static_cast<int>(i);
    // scale before the product
    for (const char* slot : {"X", "Y"}) {
      const ValueId v = m.Input(slot);
      if (v == kNoValue || m.Input("X") == m.Input("Y")) break;
      const int si = index.Producer(v);
      if (si < 0 || !index.HasSingleUse(v)) continue;
      auto s = fusion::AsScalarMul(g, index, NodeAt(g, si));
      if (!s || IsConstant(g, s->x) || g.value(s->x).dtype != g.value(v).dtype) continue;
      const ValueId x = s->x;
      const std::string ws = WeightSlot(g, m, slot);
      RemoveNode(g, si);
      fusion::SetInput(NodeAt(g, mi), slot, x);
      ApplyFactor(g, mi, s->factor, ws);
      return 1;
    }
    // scale after the product
    const ValueId out = m.Output("Out");
    if (out == kNoValue || !index.HasSingleUse(out) || HasEpilogue(m)) continue;
    const int si = index.Consumers(out)[0];
    auto s = fusion::AsScalarMul(g, index, NodeAt(g, si));
    if (!s || s->x != out) continue;
    const ValueId final_out = NodeAt(g, si).Output("Out");
    if (g.value(final_out).dtype != g.value(out).dtype) continue;
    const std::string ws = WeightSlot(g, m, "");
    RemoveNode(g, si);
    fusion::RedirectOutput(NodeAt(g, mi), "Out", final_out);
    ApplyFactor(g, mi, s->factor, ws);
    return 1;
  }
  return 0;
}

class MatmulScaleFusePass : public Pass {
 public:
  std::string name() const override { return "matmul_scale_fuse_pass"; }
  int Apply(Graph& graph, const PassOptions&) override {
    return fusion::RunToFixpoint(graph, Round, 1 << 20);
  }
};

PDI_REGISTER_PASS(MatmulScaleFusePass);

}  // namespace
}  // namespace pdinfer
