// fc (no activation yet) whose only reader is a fusable activation (relu, gelu, tanh,
// sigmoid, swish, hard_swish, leaky_relu, ... see fused_activation.h)  =>  fc with
// activation_type = that activation and its parameters in fuse_alpha/beta/gamma.
// The activation is the last step of fc's epilogue (after Bias and ResidualData).
#include "pdinfer/passes/fusion_util.h"
#include "pdinfer/passes/pass.h"

namespace pdinfer {
namespace {

using fusion::NodeAt;

bool HasActivation(const Node& fc) {
  const std::string a = fc.attrs.GetString("activation_type", "");
  return !(a.empty() || a == "identity") || !fc.attrs.GetString("fuse_activation", "").empty();
}

int Round(Graph& g, const GraphIndex& index) {
  int fired = 0;
  const size_t count = g.nodes().size();
  for (size_t i = 0; i < count; ++i) {
    const Node& fc = g.nodes()[i];
    if (fc.op != "fc" || HasActivation(fc)) continue;
    const ValueId out = fc.Output("Out");
    if (out == kNoValue || !index.HasSingleUse(out)) continue;
    const int ai = index.Consumers(out)[0];
    const Node& act_node = NodeAt(g, ai);
    const auto act = fusion::ActivationOf(g, act_node);
    if (!act || act_node.Input("X") != out) continue;
    const ValueId final_out = act_node.Output("Out");
    if (g.value(final_out).dtype != g.value(out).dtype) continue;
    Node& f = g.nodes()[i];
    f.attrs.Set("activation_type", act->name);
    f.attrs.Set("fuse_alpha", act->alpha);
    f.attrs.Set("fuse_beta", act->beta);
    f.attrs.Set("fuse_gamma", act->gamma);
    f.attrs.Erase("fuse_activation");
    fusion::RedirectOutput(f, "Out", final_out);
    RemoveNode(g, ai);
    ++fired;
  }
  return fired;
}

class FcActivationFusePass : public Pass {
 public:
  std::string name() const override { return "fc_activation_fuse_pass"; }
  int Apply(Graph& graph, const PassOptions&) override {
    GraphIndex index(graph);
    return Round(graph, index);
  }
};

PDI_REGISTER_PASS(FcActivationFusePass);

}  // namespace
}  // namespace pdinfer
