// fc (no activation, no residual yet) -> elementwise_add(fc_out, r) with r a non-constant
// tensor (a residual connection)  =>  fc with ResidualData = r, added after Bias and
// before any activation. r broadcasts NumPy-style as the add did (usually it has
// exactly Out's shape).
//
// An add whose only reader is a layer_norm is left for skip_layernorm_fuse_pass (post-LN
// transformers): fusing the residual there costs the same memory traffic and keeps the
// sum next to the normalization that reads it.
#include "pdinfer/passes/fusion_util.h"
#include "pdinfer/passes/pass.h"

namespace pdinfer {
namespace {

using fusion::NodeAt;

bool HasActivation(const Node& fc) {
  const std::string a = fc.attrs.GetString("activation_type", "");
  return !(a.empty() || a == "identity") || !fc.attrs.GetString("fuse_activation", "").empty();
}

// The add feeds a layer_norm that skip_layernorm_fuse_pass will take.
bool FeedsLayerNorm(const Graph& g, const GraphIndex& index, const Node& add) {
  const ValueId out = add.Output("Out");
  if (!index.HasSingleUse(out)) return false;
  const Node& ln = NodeAt(g, index.Consumers(out)[0]);
  return ln.op == "layer_norm" && ln.Input("X") == out &&
         fusion::OtherOutputsUnused(ln, index, "Y");
}

int Round(Graph& g, const GraphIndex& index) {
  int fired = 0;
  const size_t count = g.nodes().size();
  for (size_t i = 0; i < count; ++i) {
    const Node& fc = g.nodes()[i];
    if (fc.op != "fc" || HasActivation(fc) || fc.Input("ResidualData") != kNoValue) continue;
    const ValueId out = fc.Output("Out");
    if (out == kNoValue || !index.HasSingleUse(out) || !fusion::IsFloat(g, out)) continue;
    const int ai = index.Consumers(out)[0];
    const Node& add = NodeAt(g, ai);
    if (add.op != "elementwise_add" || !fusion::NumpyAligned(g, add)) continue;
    const ValueId r = fusion::OtherOperand(add, out);
    if (r == kNoValue || r == out || IsConstant(g, r) || g.value(r).dtype != g.value(out).dtype)
      continue;
    if (FeedsLayerNorm(g, index, add)) continue;
    const ValueId final_out = add.Output("Out");
    if (final_out == kNoValue) continue;
    Node& f = g.nodes()[i];
    fusion::SetInput(f, "ResidualData", r);
    fusion::RedirectOutput(f, "Out", final_out);
    RemoveNode(g, ai);
    ++fired;
  }
  return fired;
}

class FcElementwiseAddFusePass : public Pass {
 public:
  std::string name() const override { return "fc_elementwise_add_fuse_pass"; }
  int Apply(Graph& graph, const PassOptions&) override {
    GraphIndex index(graph);
    return Round(graph, index);
  }
};

PDI_REGISTER_PASS(FcElementwiseAddFusePass);

}  // namespace
}  // namespace pdinfer
