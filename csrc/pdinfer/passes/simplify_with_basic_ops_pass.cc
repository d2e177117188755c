// Inference-time dropout: `upscale_in_train` is the identity and is removed;
// `downgrade_in_infer` multiplies by (1 - p) and becomes a `scale` op.
#include "pdinfer/passes/pass.h"
#include "pdinfer/passes/pattern.h"

namespace pdinfer {
namespace {

class SimplifyWithBasicOpsPass : public Pass {
 public:
  std::string name() const override { return "simplify_with_basic_ops_pass"; }

  int Apply(Graph& g, const PassOptions&) override {
    GraphIndex index(g);
    int fired = 0;
    for (size_t i = 0; i < g.nodes().size(); ++i) {
      Node& n = g.nodes()[i];
      if (n.op != "dropout") continue;
      ValueId mask = n.Output("Mask");
      if (mask != kNoValue && (!index.Consumers(mask).empty() || index.IsGraphOutput(mask)))
        continue;
      ValueId x = n.Input("X"), out = n.Output("Out");
      const std::string impl = n.attrs.GetString("dropout_implementation", "downgrade_in_infer");
      const double p = n.attrs.GetFloat("dropout_prob", 0.5);
      if (!(p >= 0 && p <= 1)) continue;  // left for the kernel to report
      if (impl == "upscale_in_train" || p == 0) {
        if (BypassNode(g, index, static_cast<int>(i), x, out)) ++fired;
      } else if (impl == "downgrade_in_infer") {
        Node s;
        s.op = "scale";
        s.source_op = n.source_op.empty() ? n.op : n.source_op;
        s.inputs = {{"X", {x}}};
        s.outputs = {{"Out", {out}}};
        // Same rounding as the dropout kernel: (1 - p) in float.
        s.attrs.Set("scale", static_cast<double>(1.0f - static_cast<float>(p)));
        s.attrs.Set("bias", 0.0);
        s.attrs.Set("bias_after_scale", true);
        n = std::move(s);
        ++fired;
      }
    }
    return fired;
  }
};

PDI_REGISTER_PASS(SimplifyWithBasicOpsPass);

}  // namespace
}  // namespace pdinfer
