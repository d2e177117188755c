// matmul_v2 / matmul / fused_matmul (no activation yet) -> elementwise_add  =>  fused_matmul
// with the other operand as
//  - Bias, when it is a constant of N elements along the product's last axis (and the
//    product has no Bias yet), or
//  - ResidualData otherwise (any tensor broadcasting NumPy-style against the product,
//    e.g. an attention mask [B, 1, 1, S] added to Q Kᵀ [B, H, S, S]).
// Runs after fc_fuse_pass, so what is left are batched products and products with
// non-constant or non-2-D weights.
#include "pdinfer/ops/op_utils.h"
#include "pdinfer/passes/fusion_util.h"
#include "pdinfer/passes/pass.h"

namespace pdinfer {
namespace {

using fusion::NodeAt;

bool HasActivation(const Node& m) {
  return m.op == "fused_matmul" && !m.attrs.GetString("fuse_activation", "").empty();
}

// A constant `b` added to `prod` that is a per-column bias: N elements, aligned to the
// last axis, not broadcasting the product up. Returns it as a 1-D value.
std::optional<ValueId> AsBias(Graph& g, const Node& add, ValueId prod, ValueId b) {
  const Tensor* t = ConstantOf(g, b);
  const Value& pv = g.value(prod);
  if (!t || t->dtype() != pv.dtype || !pv.shape_known || pv.shape.empty()) return std::nullopt;
  const int64_t n = pv.shape.back();
  if (n < 0 || t->numel() != n) return std::nullopt;
  Shape xa, ya, out;
  try {
    const bool b_is_x = add.Input("X") == b;
    AlignBroadcastShapes(b_is_x ? t->shape() : pv.shape, b_is_x ? pv.shape : t->shape(),
                         add.attrs.GetInt("axis", -1), "", &xa, &ya, &out);
    const Shape& ba = b_is_x ? xa : ya;
    if (out != pv.shape || ba.back() != n) return std::nullopt;
    for (size_t i = 0; i + 1 < ba.size(); ++i)
      if (ba[i] != 1) return std::nullopt;
  } catch (const Error&) {
    return std::nullopt;
  }
  if (t->rank() == 1) return b;
  Tensor flat;
  flat.ShareFrom(*t);
  flat.Reshape({n});
  return NewConstant(g, g.value(b).name + ".bias", std::move(flat));
}

int Round(Graph& g, const GraphIndex& index) {
  int fired = 0;
  const size_t count = g.nodes().size();
  for (size_t i = 0; i < count; ++i) {
    const Node& m = g.nodes()[i];
    if (!fusion::CanBeFusedMatmul(g, m) || HasActivation(m)) continue;
    const ValueId prod = m.Output("Out");
    if (!index.HasSingleUse(prod)) continue;
    const int ai = index.Consumers(prod)[0];
    const Node& add = NodeAt(g, ai);
    if (add.op != "elementwise_add") continue;
    const ValueId o = fusion::OtherOperand(add, prod);
    const ValueId out = add.Output("Out");
    if (o == kNoValue || o == prod || out == kNoValue ||
        g.value(o).dtype != g.value(prod).dtype || g.value(out).dtype != g.value(prod).dtype)
      continue;
    std::optional<ValueId> bias;
    if (m.Input("Bias") == kNoValue) bias = AsBias(g, add, prod, o);
    if (!bias && (m.Input("ResidualData") != kNoValue || !fusion::NumpyAligned(g, add)))
      continue;
    Node& f = g.nodes()[i];
    fusion::ToFusedMatmul(f);
    fusion::SetInput(f, bias ? "Bias" : "ResidualData", bias ? *bias : o);
    fusion::RedirectOutput(f, "Out", out);
    RemoveNode(g, ai);
    ++fired;
  }
  return fired;
}

class MatmulElementwiseAddFusePass : public Pass {
 public:
  std::string name() const override { return "matmul_elementwise_add_fuse_pass"; }
  int Apply(Graph& graph, const PassOptions&) override {
    // A second add (bias, then residual) needs a fresh index.
    return fusion::RunToFixpoint(graph, Round, 4);
  }
};

PDI_REGISTER_PASS(MatmulElementwiseAddFusePass);

}  // namespace
}  // namespace pdinfer
