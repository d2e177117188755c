// conv (conv2d, depthwise_conv2d, fused_conv2d and the conv-transpose family) whose only
// reader is an activation FusedActivation can express (relu, relu6, hard_swish, swish,
// sigmoid, gelu, leaky_relu, clip ...)  =>  fused_conv2d / fused_conv2d_transpose with
// fuse_activation set; the activation runs last in the conv's epilogue, after bias and
// residual, so a conv with an activation already takes no second one.
#include "pdinfer/ops/fused_activation.h"
#include "pdinfer/passes/conv_fuse_common.h"
#include "pdinfer/passes/pass.h"

namespace pdinfer {
namespace {

std::optional<FusedActivation> Activation(const Graph& g, const Node& n) {
  try {
    return FusedActivation::FromNode(g, n);
  } catch (const Error&) {  // malformed attributes: the op reports them when it runs
    return std::nullopt;
  }
}

int FuseActivation(Graph& g) {
  Pattern p;
  const int conv = p.AddNode(convfuse::AllConvOps(), [](const Graph& gr, const Node& n) {
    auto info = convfuse::ReadConv(gr, n);
    return info && !info->has_activation;
  });
  // Any op: the predicate decides (every activation FusedActivation knows).
  const int act = p.AddNode({}, [](const Graph& gr, const Node& n) {
    return Activation(gr, n).has_value();
  });
  p.AddEdge(conv, "Output", act, "X");
  return convfuse::RunToFixpoint(g, [&](Graph& gr, const GraphIndex& index) {
    int fired = 0;
    for (const Match& m : FindMatches(gr, index, p)) {
      Node& c = gr.nodes()[static_cast<size_t>(m.nodes[static_cast<size_t>(conv)])];
      const Node& a = gr.nodes()[static_cast<size_t>(m.nodes[static_cast<size_t>(act)])];
      auto info = convfuse::ReadConv(gr, c);
      auto f = Activation(gr, a);
      if (!info || !f) continue;
      const ValueId out = a.Output("Out");
      if (gr.value(out).dtype != info->dtype) continue;
      convfuse::MakeFused(c);
      f->ToAttrs(c.attrs);
      convfuse::RedirectOutput(c, out);
      RemoveNode(gr, m.nodes[static_cast<size_t>(act)]);
      ++fired;
    }
    return fired;
  });
}

class ConvActivationFusePass : public Pass {
 public:
  std::string name() const override { return "conv_activation_fuse_pass"; }
  int Apply(Graph& graph, const PassOptions&) override { return FuseActivation(graph); }
};

PDI_REGISTER_PASS(ConvActivationFusePass);

}  // namespace
}  // namespace pdinfer
