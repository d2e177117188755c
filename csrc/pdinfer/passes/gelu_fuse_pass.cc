// GELU written with primitive ops  =>  gelu.
//
//   exact:  0.5 * x * (1 + erf(x / sqrt(2)))                        => gelu(approximate=false)
//   tanh:   0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))    => gelu(approximate=true)
//
// Accepted spellings: a multiplication by a scalar may be `scale`, `elementwise_mul` or
// `elementwise_div` by a one-element constant; "+ 1" may be scale(bias=1) or an
// elementwise_add of 1, and may be combined with the 0.5 (scale 0.5, bias 0.5); the final
// products with x and 0.5 may come in any order, with x possibly pre-scaled
// (`(0.5 * x) * (1 + erf(...))`, what Paddle's legacy export writes); x^3 may be pow,
// elementwise_pow, x * x * x or x * x^2.
#include <cmath>

#include "pdinfer/passes/fusion_util.h"
#include "pdinfer/passes/pass.h"

namespace pdinfer {
namespace {

using fusion::NodeAt;

// out = a * x + b for a scalar node (scale, or elementwise add/sub/mul/div by a scalar).
struct Affine {
  ValueId x = kNoValue;
  double a = 1, b = 0;
};

std::optional<Affine> AsAffine(const Graph& g, const GraphIndex& index, const Node& n) {
  if (n.op == "scale") {
    for (const char* s : {"ScaleTensor", "BiasTensor"})
      if (n.Input(s) != kNoValue) return std::nullopt;
    Affine r;
    r.x = n.Input("X");
    r.a = n.attrs.GetFloat("scale", 1.0);
    const double bias = static_cast<float>(n.attrs.GetFloat("bias", 0.0));
    r.b = n.attrs.GetBool("bias_after_scale", true) ? bias : bias * r.a;
    if (!fusion::IsFloat(g, r.x)) return std::nullopt;
    return r;
  }
  if (auto m = fusion::AsScalarMul(g, index, n)) return Affine{m->x, m->factor, 0.0};
  if (auto s = fusion::AsScalarAdd(g, index, n)) return Affine{s->x, 1.0, s->addend};
  return std::nullopt;
}

bool SingleConsumer(const GraphIndex& index, ValueId v, int* consumer) {
  if (!index.HasSingleUse(v)) return false;
  *consumer = index.Consumers(v)[0];
  return true;
}

// The tail shared by both forms: from e = f(...) follow single-use scalar affine steps
// and one product with x until the value is 0.5 * x * (1 + e). Returns that value and
// collects the nodes to remove.
ValueId MatchTail(const Graph& g, const GraphIndex& index, int act_node, ValueId x,
                  std::vector<int>* removed) {
  ValueId cur = NodeAt(g, act_node).Output("Out");
  double a = 1, b = 0;  // cur = a * e + b, then cur = a * (1 + e) [* x] once b == a
  bool plus_done = false, have_x = false;
  for (int steps = 0; steps < 6; ++steps) {
    if (plus_done && have_x && fusion::Near(a, 0.5)) return cur;
    int ci = -1;
    if (!SingleConsumer(index, cur, &ci)) return kNoValue;
    const Node& c = NodeAt(g, ci);
    if (auto m = AsAffine(g, index, c); m && m->x == cur) {
      if (plus_done && m->b != 0.0) return kNoValue;
      a *= m->a;
      b = b * m->a + m->b;
      if (!plus_done && a != 0.0 && b != 0.0 && fusion::Near(b / a, 1.0)) plus_done = true;
    } else if (c.op == "elementwise_mul" && plus_done && !have_x && fusion::NumpyAligned(g, c)) {
      const ValueId o = fusion::OtherOperand(c, cur);
      if (o != x) {
        // o = k * x (the 0.5 applied to x first), read only here.
        const int pi = index.Producer(o);
        if (pi < 0 || !index.HasSingleUse(o)) return kNoValue;
        auto m2 = fusion::AsScalarMul(g, index, NodeAt(g, pi));
        if (!m2 || m2->x != x) return kNoValue;
        a *= m2->factor;
        removed->push_back(pi);
      }
      have_x = true;
    } else {
      return kNoValue;
    }
    removed->push_back(ci);
    cur = c.Output("Out");
  }
  return plus_done && have_x && fusion::Near(a, 0.5) ? cur : kNoValue;
}

// u = k * x read only by the activation: returns x.
ValueId ScaledInput(const Graph& g, const GraphIndex& index, ValueId u, double k,
                    std::vector<int>* removed) {
  const int pi = index.Producer(u);
  if (pi < 0 || !index.HasSingleUse(u)) return kNoValue;
  auto m = fusion::AsScalarMul(g, index, NodeAt(g, pi));
  if (!m || !fusion::Near(m->factor, k)) return kNoValue;
  removed->push_back(pi);
  return m->x;
}

// v == x^3, read only here (x*x*x, x*x^2, pow(x,3)).
bool IsCube(const Graph& g, const GraphIndex& index, ValueId v, ValueId x,
            std::vector<int>* removed) {
  const int pi = index.Producer(v);
  if (pi < 0 || !index.HasSingleUse(v)) return false;
  const Node& p = NodeAt(g, pi);
  if (auto pw = fusion::AsScalarPow(g, index, p); pw && pw->x == x && pw->exponent == 3.0) {
    removed->push_back(pi);
    return true;
  }
  if (p.op != "elementwise_mul") return false;
  const ValueId sq = fusion::OtherOperand(p, x);
  if (sq == kNoValue || sq == x) return false;
  const int qi = index.Producer(sq);
  if (qi < 0 || !index.HasSingleUse(sq)) return false;
  auto pw = fusion::AsScalarPow(g, index, NodeAt(g, qi));
  if (!pw || pw->x != x || pw->exponent != 2.0) return false;
  removed->push_back(pi);
  removed->push_back(qi);
  return true;
}

// tanh(sqrt(2/pi) * (x + 0.044715 * x^3)): returns x.
ValueId TanhArgument(const Graph& g, const GraphIndex& index, ValueId u,
                     std::vector<int>* removed) {
  const ValueId w = ScaledInput(g, index, u, 0.7978845608028654 /* sqrt(2 / pi) */, removed);
  if (w == kNoValue) return kNoValue;
  const int ai = index.Producer(w);
  if (ai < 0 || !index.HasSingleUse(w)) return kNoValue;
  const Node& add = NodeAt(g, ai);
  if (add.op != "elementwise_add" || !fusion::NumpyAligned(g, add)) return kNoValue;
  for (int side = 0; side < 2; ++side) {
    const ValueId x = side == 0 ? add.Input("X") : add.Input("Y");
    const ValueId c3 = fusion::OtherOperand(add, x);
    std::vector<int> tmp;
    const ValueId cube = ScaledInput(g, index, c3, 0.044715, &tmp);
    if (cube == kNoValue || !IsCube(g, index, cube, x, &tmp)) continue;
    removed->push_back(ai);
    removed->insert(removed->end(), tmp.begin(), tmp.end());
    return x;
  }
  return kNoValue;
}

bool FuseAt(Graph& g, const GraphIndex& index, int ei) {
  const Node& act = NodeAt(g, ei);
  const ValueId u = act.Input("X");
  if (u == kNoValue || !fusion::IsFloat(g, u)) return false;
  std::vector<int> removed = {ei};
  const bool exact = act.op == "erf";
  const ValueId x = exact ? ScaledInput(g, index, u, 1.0 / std::sqrt(2.0), &removed)
                          : TanhArgument(g, index, u, &removed);
  if (x == kNoValue) return false;
  const ValueId out = MatchTail(g, index, ei, x, &removed);
  if (out == kNoValue || g.value(out).dtype != g.value(x).dtype) return false;
  Node gelu;
  gelu.op = "gelu";
  gelu.source_op = "gelu";
  gelu.inputs.push_back(Slot{"X", {x}});
  gelu.outputs.push_back(Slot{"Out", {out}});
  gelu.attrs.Set("approximate", !exact);
  for (int r : removed) RemoveNode(g, r);
  g.AddNode(std::move(gelu));
  return true;
}

class GeluFusePass : public Pass {
 public:
  std::string name() const override { return "gelu_fuse_pass"; }
  int Apply(Graph& graph, const PassOptions&) override {
    return fusion::RunToFixpoint(graph, [](Graph& g, const GraphIndex& index) {
      const size_t count = g.nodes().size();
      for (size_t i = 0; i < count; ++i) {
        const Node& n = g.nodes()[i];
        if ((n.op == "erf" || n.op == "tanh") && FuseAt(g, index, static_cast<int>(i)))
          return 1;  // one rewrite per round: the index is stale after it
      }
      return 0;
    }, 1 << 20);
  }
};

PDI_REGISTER_PASS(GeluFusePass);

}  // namespace
}  // namespace pdinfer
