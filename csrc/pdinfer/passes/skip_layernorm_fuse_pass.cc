// elementwise_add(x, y) with two non-constant operands whose only reader is layer_norm
// (whose Mean/Variance nobody reads)  =>  skip_layernorm(x, y) with the layer_norm's
// Scale, Bias, epsilon and begin_norm_axis. The residual connection of post-LN
// transformers: the sum is formed row by row inside the normalization.
#include "pdinfer/passes/fusion_util.h"
#include "pdinfer/passes/pass.h"

namespace pdinfer {
namespace {

using fusion::NodeAt;

int Round(Graph& g, const GraphIndex& index) {
  int fired = 0;
  const size_t count = g.nodes().size();
  for (size_t i = 0; i < count; ++i) {
    const Node& add = g.nodes()[i];
    if (add.op != "elementwise_add" || !fusion::NumpyAligned(g, add)) continue;
    const ValueId x = add.Input("X"), y = add.Input("Y"), sum = add.Output("Out");
    if (x == kNoValue || y == kNoValue || sum == kNoValue || IsConstant(g, x) ||
        IsConstant(g, y) || !fusion::IsFloat(g, x) || g.value(y).dtype != g.value(x).dtype ||
        !index.HasSingleUse(sum))
      continue;
    const int li = index.Consumers(sum)[0];
    const Node& ln = NodeAt(g, li);
    if (ln.op != "layer_norm" || ln.Input("X") != sum || ln.Output("Y") == kNoValue ||
        !fusion::OtherOutputsUnused(ln, index, "Y"))
      continue;
    Node s;
    s.op = "skip_layernorm";
    s.source_op = "skip_layernorm";
    s.inputs = {Slot{"X", {x}}, Slot{"Y", {y}}};
    if (ln.Input("Scale") != kNoValue) s.inputs.push_back(Slot{"Scale", {ln.Input("Scale")}});
    if (ln.Input("Bias") != kNoValue) s.inputs.push_back(Slot{"Bias", {ln.Input("Bias")}});
    s.outputs = {Slot{"Out", {ln.Output("Y")}}};
    s.attrs.Set("epsilon", ln.attrs.GetFloat("epsilon", 1e-5));
    s.attrs.Set("begin_norm_axis", ln.attrs.GetInt("begin_norm_axis", 1));
    // Rewrite the layer_norm node in place (keeps its position), drop the add.
    g.nodes()[static_cast<size_t>(li)] = std::move(s);
    RemoveNode(g, static_cast<int>(i));
    ++fired;
  }
  return fired;
}

class SkipLayerNormFusePass : public Pass {
 public:
  std::string name() const override { return "skip_layernorm_fuse_pass"; }
  int Apply(Graph& graph, const PassOptions&) override {
    GraphIndex index(graph);
    return Round(graph, index);
  }
};

PDI_REGISTER_PASS(SkipLayerNormFusePass);

}  // namespace
}  // namespace pdinfer
