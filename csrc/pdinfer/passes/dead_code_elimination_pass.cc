// Removes ops whose results nothing reads (neither another op nor a graph output).
#include "pdinfer/passes/pass.h"
#include "pdinfer/passes/pattern.h"

namespace pdinfer {
namespace {

class DeadCodeEliminationPass : public Pass {
 public:
  std::string name() const override { return "dead_code_elimination_pass"; }

  int Apply(Graph& g, const PassOptions&) override {
    std::vector<bool> live(g.num_values(), false);
    for (ValueId v : g.outputs()) live[static_cast<size_t>(v)] = true;
    int fired = 0;
    auto& nodes = g.nodes();
    for (size_t i = nodes.size(); i-- > 0;) {
      Node& n = nodes[i];
      if (IsRemoved(n)) continue;
      bool used = false;
      for (const Slot& s : n.outputs)
        for (ValueId v : s.values) used = used || (v != kNoValue && live[static_cast<size_t>(v)]);
      if (!used) {
        RemoveNode(g, static_cast<int>(i));
        ++fired;
        continue;
      }
      for (const Slot& s : n.inputs)
        for (ValueId v : s.values)
          if (v != kNoValue) live[static_cast<size_t>(v)] = true;
    }
    return fired;
  }
};

PDI_REGISTER_PASS(DeadCodeEliminationPass);

}  // namespace
}  // namespace pdinfer
