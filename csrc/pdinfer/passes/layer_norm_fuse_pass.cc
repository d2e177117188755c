// Layer normalization written with primitive ops  =>  layer_norm.
//
//   m  = reduce_mean(x, dim=D, keep_dim)           D = the trailing axes of x
//   d  = x - m                                     (one elementwise_sub, or two identical)
//   q  = d^2                                       (d*d, square, pow 2, elementwise_pow 2)
//   v  = reduce_mean(q, dim=D, keep_dim)
//   ve = v + eps                                   (scale bias=eps, or add a scalar)
//   n  = d / ve^0.5   or   d * ve^-0.5             (sqrt, pow, elementwise_pow, rsqrt)
//   [y = n * gamma] [y = y + beta]                 (constants over the normalized dims)
//
// This is what Paddle's legacy export writes for a hand-written LayerNorm such as
// `(x - x.mean(-1, keepdim=True)) / (var + eps) ** 0.5`. begin_norm_axis = rank - |D|.
// gamma/beta become 1-D Scale/Bias of the normalized size (new constants when they need
// reshaping or broadcasting); they require the normalized dims to be static.
#include <algorithm>
#include <cstring>
#include <set>

#include "pdinfer/ops/op_utils.h"
#include "pdinfer/passes/fusion_util.h"
#include "pdinfer/passes/pass.h"

namespace pdinfer {
namespace {

using fusion::NodeAt;

// The normalized axes of a reduce_mean keeping dims; nullopt when they are not the
// trailing axes of a rank-known input.
std::optional<std::vector<int64_t>> TrailingAxes(const Graph& g, const Node& n) {
  if (n.op != "reduce_mean") return std::nullopt;
  const ValueId x = n.Input("X");
  if (x == kNoValue || !g.value(x).shape_known || !fusion::IsFloat(g, x)) return std::nullopt;
  if (n.attrs.GetBool("reduce_all", false) || !n.attrs.GetBool("keep_dim", false))
    return std::nullopt;
  const int64_t r = static_cast<int64_t>(g.value(x).shape.size());
  std::set<int64_t> axes;
  for (int64_t a : n.attrs.GetInts("dim", {})) {
    if (a < -r || a >= r) return std::nullopt;
    axes.insert(a < 0 ? a + r : a);
  }
  if (axes.empty()) return std::nullopt;
  std::vector<int64_t> out(axes.begin(), axes.end());
  for (size_t i = 0; i < out.size(); ++i)
    if (out[i] != r - static_cast<int64_t>(out.size()) + static_cast<int64_t>(i))
      return std::nullopt;
  return out;
}

bool SingleConsumer(const GraphIndex& index, ValueId v, int* consumer) {
  if (!index.HasSingleUse(v)) return false;
  *consumer = index.Consumers(v)[0];
  return true;
}

// A per-feature constant c applied by `n` (elementwise_mul or _add reading `y`): returns
// it as a 1-D tensor over the normalized dims [begin, rank) of `shape` (which must be
// static there), or nothing when c would broadcast anything outside them.
std::optional<ValueId> FeatureConstant(Graph& g, const Node& n, ValueId y, const Shape& shape,
                                       int begin, const std::string& base) {
  const ValueId c = fusion::OtherOperand(n, y);
  const Tensor* t = ConstantOf(g, c);
  if (!t || t->dtype() != g.value(y).dtype) return std::nullopt;
  const int r = static_cast<int>(shape.size());
  Shape xa, ca, out;
  const bool c_is_x = n.Input("X") == c;
  try {
    if (c_is_x)
      AlignBroadcastShapes(t->shape(), shape, n.attrs.GetInt("axis", -1), "", &ca, &xa, &out);
    else
      AlignBroadcastShapes(shape, t->shape(), n.attrs.GetInt("axis", -1), "", &xa, &ca, &out);
  } catch (const Error&) {
    return std::nullopt;
  }
  if (out != shape || static_cast<int>(ca.size()) != r) return std::nullopt;
  int64_t cols = 1;
  for (int i = 0; i < r; ++i) {
    if (i < begin) {
      if (ca[static_cast<size_t>(i)] != 1) return std::nullopt;
    } else {
      if (shape[static_cast<size_t>(i)] < 0) return std::nullopt;
      cols *= shape[static_cast<size_t>(i)];
    }
  }
  if (t->rank() == 1 && t->numel() == cols) return c;  // already the LN layout
  // Materialize c broadcast over the normalized block.
  const size_t es = SizeOf(t->dtype());
  Tensor data(t->dtype(), {cols});
  std::vector<int64_t> cstride(static_cast<size_t>(r), 0);
  int64_t s = 1;
  for (int i = r - 1; i >= 0; --i) {
    cstride[static_cast<size_t>(i)] = ca[static_cast<size_t>(i)] == 1 ? 0 : s;
    s *= ca[static_cast<size_t>(i)];
  }
  const char* src = static_cast<const char*>(t->raw_data());
  char* dst = static_cast<char*>(data.raw_data());
  std::vector<int64_t> idx(static_cast<size_t>(r), 0);
  for (int64_t k = 0; k < cols; ++k) {
    int64_t off = 0;
    for (int i = begin; i < r; ++i) off += idx[static_cast<size_t>(i)] * cstride[static_cast<size_t>(i)];
    std::memcpy(dst + k * es, src + off * es, es);
    for (int i = r - 1; i >= begin; --i) {
      if (++idx[static_cast<size_t>(i)] < shape[static_cast<size_t>(i)]) break;
      idx[static_cast<size_t>(i)] = 0;
    }
  }
  return NewConstant(g, base, std::move(data));
}

// Tries to match the pattern anchored at reduce_mean node `mi`; rewrites and returns
// true on success.
bool FuseAt(Graph& g, const GraphIndex& index, int mi) {
  const Node& m1 = NodeAt(g, mi);
  const auto axes = TrailingAxes(g, m1);
  if (!axes) return false;
  const ValueId x = m1.Input("X");
  const ValueId mean = m1.Output("Out");
  if (mean == kNoValue || index.IsGraphOutput(mean)) return false;
  const Shape xshape = g.value(x).shape;
  const int rank = static_cast<int>(xshape.size());
  const int begin = rank - static_cast<int>(axes->size());

  // d = x - m (possibly computed twice).
  std::vector<int> subs = index.Consumers(mean);
  if (subs.empty() || subs.size() > 2) return false;
  std::vector<ValueId> diffs;
  for (int s : subs) {
    const Node& n = NodeAt(g, s);
    if (n.op != "elementwise_sub" || n.Input("X") != x || n.Input("Y") != mean ||
        !fusion::NumpyAligned(g, n))
      return false;
    const ValueId d = n.Output("Out");
    if (d == kNoValue || index.IsGraphOutput(d)) return false;
    diffs.push_back(d);
  }

  // q = d^2 -> v = mean(q) -> ve = v + eps -> s = ve^(+-0.5) -> n = d (/|*) s.
  int pi = -1, m2i = -1, ei = -1, si = -1, ni = -1;
  ValueId dsq = kNoValue;
  for (ValueId d : diffs)
    for (int c : index.Consumers(d)) {
      auto p = fusion::AsScalarPow(g, index, NodeAt(g, c));
      if (p && p->x == d && p->exponent == 2.0) {
        pi = c;
        dsq = d;
      }
    }
  if (pi < 0) return false;
  const ValueId q = NodeAt(g, pi).Output("Out");
  if (!SingleConsumer(index, q, &m2i)) return false;
  const Node& m2 = NodeAt(g, m2i);
  const auto axes2 = TrailingAxes(g, m2);
  if (!axes2 || *axes2 != *axes || m2.Input("X") != q) return false;
  const ValueId var = m2.Output("Out");
  if (!SingleConsumer(index, var, &ei)) return false;
  const auto eps = fusion::AsScalarAdd(g, index, NodeAt(g, ei));
  if (!eps || eps->x != var || !(eps->addend >= 0)) return false;
  const ValueId ve = NodeAt(g, ei).Output("Out");
  if (!SingleConsumer(index, ve, &si)) return false;
  const auto root = fusion::AsScalarPow(g, index, NodeAt(g, si));
  if (!root || root->x != ve || (root->exponent != 0.5 && root->exponent != -0.5)) return false;
  const ValueId sv = NodeAt(g, si).Output("Out");
  if (!SingleConsumer(index, sv, &ni)) return false;
  const Node& nn = NodeAt(g, ni);
  ValueId dnorm = kNoValue;
  if (root->exponent == 0.5) {
    if (nn.op != "elementwise_div" || nn.Input("Y") != sv) return false;
    dnorm = nn.Input("X");
  } else {
    if (nn.op != "elementwise_mul") return false;
    dnorm = fusion::OtherOperand(nn, sv);
  }
  if (!fusion::NumpyAligned(g, nn) ||
      std::find(diffs.begin(), diffs.end(), dnorm) == diffs.end())
    return false;
  // Every d is read only inside the pattern.
  for (ValueId d : diffs)
    for (int c : index.Consumers(d))
      if (c != pi && c != ni) return false;
  if (diffs.size() == 2 && dsq == dnorm) return false;  // the other sub would dangle

  // Optional affine part.
  std::vector<int> removed = {mi, pi, m2i, ei, si, ni};
  for (int s : subs) removed.push_back(s);
  ValueId out = nn.Output("Out");
  std::optional<ValueId> scale, bias;
  int c = -1;
  if (SingleConsumer(index, out, &c) && NodeAt(g, c).op == "elementwise_mul") {
    scale = FeatureConstant(g, NodeAt(g, c), out, xshape, begin, "layer_norm_scale");
    if (scale) {
      removed.push_back(c);
      out = NodeAt(g, c).Output("Out");
    }
  }
  if (SingleConsumer(index, out, &c) && NodeAt(g, c).op == "elementwise_add") {
    bias = FeatureConstant(g, NodeAt(g, c), out, xshape, begin, "layer_norm_bias");
    if (bias) {
      removed.push_back(c);
      out = NodeAt(g, c).Output("Out");
    }
  }
  if (g.value(out).dtype != g.value(x).dtype) return false;

  Node ln;
  ln.op = "layer_norm";
  ln.source_op = "layer_norm";
  ln.inputs.push_back(Slot{"X", {x}});
  if (scale) ln.inputs.push_back(Slot{"Scale", {*scale}});
  if (bias) ln.inputs.push_back(Slot{"Bias", {*bias}});
  ln.outputs.push_back(Slot{"Y", {out}});
  ln.attrs.Set("begin_norm_axis", static_cast<int64_t>(begin));
  ln.attrs.Set("epsilon", eps->addend);
  for (int r : removed) RemoveNode(g, r);
  g.AddNode(std::move(ln));
  return true;
}

class LayerNormFusePass : public Pass {
 public:
  std::string name() const override { return "layer_norm_fuse_pass"; }
  int Apply(Graph& graph, const PassOptions&) override {
    return fusion::RunToFixpoint(graph, [](Graph& g, const GraphIndex& index) {
      int fired = 0;
      const size_t count = g.nodes().size();
      for (size_t i = 0; i < count; ++i) {
        // One rewrite per round: the index is stale after it.
        if (!IsRemoved(g.nodes()[i]) && g.nodes()[i].op == "reduce_mean" &&
            FuseAt(g, index, static_cast<int>(i)))
          return ++fired;
      }
      return fired;
    }, 1 << 20);
  }
};

PDI_REGISTER_PASS(LayerNormFusePass);

}  // namespace
}  // namespace pdinfer
