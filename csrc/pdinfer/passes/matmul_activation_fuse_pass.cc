// matmul_v2 / matmul / fused_matmul (no activation yet) whose only reader is a fusable
// activation  =>  fused_matmul with fuse_activation (applied after alpha, Bias and
// ResidualData).
#include "pdinfer/passes/fusion_util.h"
#include "pdinfer/passes/pass.h"

namespace pdinfer {
namespace {

using fusion::NodeAt;

int Round(Graph& g, const GraphIndex& index) {
  int fired = 0;
  const size_t count = g.nodes().size();
  for (size_t i = 0; i < count; ++i) {
    const Node& m = g.nodes()[i];
    if (!fusion::CanBeFusedMatmul(g, m) || !m.attrs.GetString("fuse_activation", "").empty())
      continue;
    const ValueId prod = m.Output("Out");
    if (!index.HasSingleUse(prod)) continue;
    const int ai = index.Consumers(prod)[0];
    const Node& a = NodeAt(g, ai);
    const auto act = fusion::ActivationOf(g, a);
    if (!act || a.Input("X") != prod) continue;
    const ValueId out = a.Output("Out");
    if (g.value(out).dtype != g.value(prod).dtype) continue;
    Node& f = g.nodes()[i];
    fusion::ToFusedMatmul(f);
    act->ToAttrs(f.attrs);
    fusion::RedirectOutput(f, "Out", out);
    RemoveNode(g, ai);
    ++fired;
  }
  return fired;
}

class MatmulActivationFusePass : public Pass {
 public:
  std::string name() const override { return "matmul_activation_fuse_pass"; }
  int Apply(Graph& graph, const PassOptions&) override {
    GraphIndex index(graph);
    return Round(graph, index);
  }
};

PDI_REGISTER_PASS(MatmulActivationFusePass);

}  // namespace
}  // namespace pdinfer
