// elementwise_add / _sub / _mul / _div whose only reader is a fusable activation
// =>  fused_elementwise_add / _sub / _mul / _div with fuse_activation (same axis).
#include "pdinfer/passes/fusion_util.h"
#include "pdinfer/passes/pass.h"

namespace pdinfer {
namespace {

using fusion::NodeAt;

int Round(Graph& g, const GraphIndex& index) {
  static const char* kOps[] = {"elementwise_add", "elementwise_sub", "elementwise_mul",
                               "elementwise_div"};
  int fired = 0;
  const size_t count = g.nodes().size();
  for (size_t i = 0; i < count; ++i) {
    const Node& e = g.nodes()[i];
    const char* op = nullptr;
    for (const char* k : kOps)
      if (e.op == k) op = k;
    if (!op) continue;
    const ValueId out = e.Output("Out");
    if (out == kNoValue || !fusion::IsFloat(g, out) || !index.HasSingleUse(out)) continue;
    const int ai = index.Consumers(out)[0];
    const Node& a = NodeAt(g, ai);
    const auto act = fusion::ActivationOf(g, a);
    if (!act || a.Input("X") != out) continue;
    const ValueId final_out = a.Output("Out");
    if (g.value(final_out).dtype != g.value(out).dtype) continue;
    Node& f = g.nodes()[i];
    f.op = std::string("fused_") + op;
    act->ToAttrs(f.attrs);
    fusion::RedirectOutput(f, "Out", final_out);
    RemoveNode(g, ai);
    ++fired;
  }
  return fired;
}

class ElementwiseActFusePass : public Pass {
 public:
  std::string name() const override { return "elementwise_act_fuse_pass"; }
  int Apply(Graph& graph, const PassOptions&) override {
    GraphIndex index(graph);
    return Round(graph, index);
  }
};

PDI_REGISTER_PASS(ElementwiseActFusePass);

}  // namespace
}  // namespace pdinfer
