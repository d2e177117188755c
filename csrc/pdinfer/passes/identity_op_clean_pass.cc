// Removes ops that return their input unchanged: scale(1, 0), assign/share_data/memcpy,
// cast to the type the value already has, reshape/flatten/squeeze/unsqueeze to the
// shape it already has, transpose by the identity permutation.
#include "pdinfer/passes/pass.h"
#include "pdinfer/passes/pattern.h"

namespace pdinfer {
namespace {

bool SameStaticShape(const Graph& g, ValueId a, ValueId b) {
  const Value& x = g.value(a);
  const Value& y = g.value(b);
  return x.shape_known && y.shape_known && IsStatic(x.shape) && x.shape == y.shape;
}

bool IsIdentity(const Graph& g, const Node& n) {
  ValueId x = n.Input("X"), out = n.Output("Out");
  if (x == kNoValue || out == kNoValue) return false;
  const std::string& op = n.op;
  if (op == "assign" || op == "share_data" || op == "memcpy" || op == "memcpy_d2h" ||
      op == "memcpy_h2d")
    return n.inputs.size() == 1;
  if (op == "scale") {
    if (n.Input("ScaleTensor") != kNoValue || n.Input("BiasTensor") != kNoValue) return false;
    return n.attrs.GetFloat("scale", 1.0) == 1.0 && n.attrs.GetFloat("bias", 0.0) == 0.0;
  }
  if (op == "cast") {
    DataType in = g.value(x).dtype;
    return in != DataType::kUndefined && in == g.value(out).dtype;
  }
  if (op == "reshape" || op == "reshape2" || op == "flatten" || op == "flatten2" ||
      op == "flatten_contiguous_range" || op == "squeeze" || op == "squeeze2" ||
      op == "unsqueeze" || op == "unsqueeze2")
    return SameStaticShape(g, x, out) && g.value(x).dtype == g.value(out).dtype;
  if (op == "transpose" || op == "transpose2") {
    std::vector<int64_t> perm = n.attrs.GetInts("axis", {});
    for (size_t i = 0; i < perm.size(); ++i)
      if (perm[i] != static_cast<int64_t>(i)) return false;
    const Value& xv = g.value(x);
    return xv.shape_known && xv.shape.size() == perm.size();
  }
  return false;
}

class IdentityOpCleanPass : public Pass {
 public:
  std::string name() const override { return "identity_op_clean_pass"; }

  int Apply(Graph& g, const PassOptions&) override {
    int fired = 0;
    // Removing one identity can expose the next in a chain: repeat until stable.
    for (int round = 0; round < 8; ++round) {
      GraphIndex index(g);
      int before = fired;
      for (size_t i = 0; i < g.nodes().size(); ++i) {
        const Node& n = g.nodes()[i];
        if (IsRemoved(n) || !IsIdentity(g, n)) continue;
        if (BypassNode(g, index, static_cast<int>(i), n.Input("X"), n.Output("Out"))) {
          ++fired;
          index = GraphIndex(g);
        }
      }
      if (fired == before) break;
      CleanupGraph(g);
    }
    return fired;
  }
};

PDI_REGISTER_PASS(IdentityOpCleanPass);

}  // namespace
}  // namespace pdinfer
