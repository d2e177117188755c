// x * sigmoid(x)  =>  silu(x)   (elementwise_mul with either operand order; the sigmoid
// output must be read only by the product).
#include "pdinfer/passes/fusion_util.h"
#include "pdinfer/passes/pass.h"

namespace pdinfer {
namespace {

using fusion::NodeAt;

int Round(Graph& g, const GraphIndex& index) {
  int fired = 0;
  const size_t count = g.nodes().size();
  for (size_t i = 0; i < count; ++i) {
    const Node& mul = g.nodes()[i];
    if (mul.op != "elementwise_mul") continue;
    const ValueId a = mul.Input("X"), b = mul.Input("Y"), out = mul.Output("Out");
    if (a == kNoValue || b == kNoValue || out == kNoValue) continue;
    for (int side = 0; side < 2; ++side) {
      const ValueId s = side == 0 ? b : a;
      const ValueId x = side == 0 ? a : b;
      const int si = index.Producer(s);
      if (si < 0 || !index.HasSingleUse(s)) continue;
      const Node& sig = NodeAt(g, si);
      if (sig.op != "sigmoid" || sig.Input("X") != x || !fusion::IsFloat(g, x)) continue;
      if (g.value(out).dtype != g.value(x).dtype) continue;
      Node& m = g.nodes()[i];
      m.op = "silu";
      m.source_op = "silu";
      m.inputs = {Slot{"X", {x}}};
      m.outputs = {Slot{"Out", {out}}};
      m.attrs = AttributeMap();
      RemoveNode(g, si);
      ++fired;
      break;
    }
  }
  return fired;
}

class SiluFusePass : public Pass {
 public:
  std::string name() const override { return "silu_fuse_pass"; }
  int Apply(Graph& graph, const PassOptions&) override {
    GraphIndex index(graph);
    return Round(graph, index);
  }
};

PDI_REGISTER_PASS(SiluFusePass);

}  // namespace
}  // namespace pdinfer
