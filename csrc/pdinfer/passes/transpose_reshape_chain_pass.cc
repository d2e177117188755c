// Collapses chains of layout-only ops:
//  - transpose(transpose(x, p1), p2)  =>  transpose(x, q) with q[i] = p1[p2[i]]; an
//    identity permutation is then removed (so a transpose followed by its inverse cancels);
//  - reshape(R(x), s)  =>  reshape(x, s') where R is reshape / flatten / squeeze /
//    unsqueeze, when every 0 ("copy the input dim") in s still means the same dim read
//    from x: it is replaced by the intermediate dim when that is static, kept when the
//    intermediate dim provably equals x's dim at the same index, and otherwise the chain
//    is left alone. -1 and literal dims mean the same for x (equal element counts).
//    Dynamic dims are never baked in.
// The first op stays while something else reads its output.
#include <algorithm>

#include "pdinfer/passes/fusion_util.h"
#include "pdinfer/passes/pass.h"

namespace pdinfer {
namespace {

using fusion::NodeAt;

bool IsTranspose(const Node& n) { return n.op == "transpose" || n.op == "transpose2"; }
bool IsReshape(const Node& n) { return n.op == "reshape" || n.op == "reshape2"; }

bool HasValues(const Node& n, const char* slot) {
  const Slot* s = n.FindInput(slot);
  if (!s) return false;
  for (ValueId v : s->values)
    if (v != kNoValue) return true;
  return false;
}

// A permutation attribute that is valid for a value of rank `rank` (-1 = unknown).
std::optional<std::vector<int64_t>> Perm(const Node& n) {
  std::vector<int64_t> p = n.attrs.GetInts("axis", {});
  std::vector<bool> seen(p.size(), false);
  for (int64_t a : p) {
    if (a < 0 || a >= static_cast<int64_t>(p.size()) || seen[static_cast<size_t>(a)])
      return std::nullopt;
    seen[static_cast<size_t>(a)] = true;
  }
  return p;
}

bool IsIdentityPerm(const std::vector<int64_t>& p) {
  for (size_t i = 0; i < p.size(); ++i)
    if (p[i] != static_cast<int64_t>(i)) return false;
  return true;
}

int TransposeRound(Graph& g, const GraphIndex& index) {
  int fired = 0;
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    Node& t2 = g.nodes()[i];
    if (!IsTranspose(t2)) continue;
    const auto p2 = Perm(t2);
    if (!p2) continue;
    const ValueId mid = t2.Input("X");
    const int pi = mid == kNoValue ? -1 : index.Producer(mid);
    if (pi >= 0 && IsTranspose(NodeAt(g, pi))) {
      const Node& t1 = NodeAt(g, pi);
      const auto p1 = Perm(t1);
      if (p1 && p1->size() == p2->size() && t1.Input("X") != kNoValue) {
        std::vector<int64_t> q(p2->size());
        for (size_t k = 0; k < q.size(); ++k) q[k] = (*p1)[static_cast<size_t>((*p2)[k])];
        const ValueId x = t1.Input("X");
        if (index.HasSingleUse(mid) && fusion::OtherOutputsUnused(t1, index, "Out"))
          RemoveNode(g, pi);
        Node& t = g.nodes()[i];
        fusion::SetInput(t, "X", x);
        t.attrs.Set("axis", q);
        return fired + 1;  // the index is stale now
      }
    }
    if (IsIdentityPerm(*p2) && mid != kNoValue) {
      const Value& xv = g.value(mid);
      if (xv.shape_known && xv.shape.size() != p2->size()) continue;
      if (BypassNode(g, index, static_cast<int>(i), mid, t2.Output("Out"))) return fired + 1;
    }
  }
  return fired;
}

// For a shape op R: the index j of x's dim that R's output dim `i` copies unchanged, when
// that holds for every input; -1 otherwise.
int64_t SourceDim(const Graph& g, const Node& r, int64_t i) {
  const ValueId x = r.Input("X");
  if (IsReshape(r)) {
    if (HasValues(r, "Shape") || HasValues(r, "ShapeTensor")) return -1;
    const std::vector<int64_t> s = r.attrs.GetInts("shape", {});
    return i < static_cast<int64_t>(s.size()) && s[static_cast<size_t>(i)] == 0 ? i : -1;
  }
  if (!g.value(x).shape_known) return -1;
  const int64_t rank = static_cast<int64_t>(g.value(x).shape.size());
  if (r.op == "flatten_contiguous_range") {
    int64_t start = r.attrs.GetInt("start_axis", 1), stop = r.attrs.GetInt("stop_axis", -1);
    if (rank == 0) return -1;
    if (start < 0) start += rank;
    if (stop < 0) stop += rank;
    if (start < 0 || stop >= rank || start > stop) return -1;
    if (i < start) return i;
    if (i > start) return i + (stop - start);
    return start == stop ? start : -1;
  }
  if (r.op == "unsqueeze" || r.op == "unsqueeze2") {
    if (HasValues(r, "AxesTensor") || HasValues(r, "AxesTensorList")) return -1;
    // Paddle inserts the axes one after another, each into the shape built so far.
    std::vector<int64_t> src(static_cast<size_t>(rank));
    for (int64_t k = 0; k < rank; ++k) src[static_cast<size_t>(k)] = k;
    for (int64_t a : r.attrs.GetInts("axes", {})) {
      const int64_t cur = static_cast<int64_t>(src.size());
      if (a < 0) a += cur + 1;
      if (a < 0 || a > cur) return -1;
      src.insert(src.begin() + a, -1);
    }
    return i < static_cast<int64_t>(src.size()) ? src[static_cast<size_t>(i)] : -1;
  }
  return -1;  // squeeze / flatten: only static dims are used
}

int ReshapeRound(Graph& g, const GraphIndex& index) {
  static const char* kFirst[] = {"reshape", "reshape2", "flatten_contiguous_range", "flatten",
                                 "flatten2", "squeeze", "squeeze2", "unsqueeze", "unsqueeze2"};
  int fired = 0;
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    const Node& r2 = g.nodes()[i];
    if (!IsReshape(r2) || HasValues(r2, "Shape") || HasValues(r2, "ShapeTensor")) continue;
    const ValueId mid = r2.Input("X");
    const int pi = mid == kNoValue ? -1 : index.Producer(mid);
    if (pi < 0) continue;
    const Node& r1 = NodeAt(g, pi);
    if (std::find(std::begin(kFirst), std::end(kFirst), r1.op) == std::end(kFirst)) continue;
    const ValueId x = r1.Input("X");
    if (x == kNoValue || r1.Output("Out") != mid || !g.value(mid).shape_known) continue;
    const Shape& ms = g.value(mid).shape;
    std::vector<int64_t> s = r2.attrs.GetInts("shape", {});
    bool ok = true;
    for (size_t k = 0; k < s.size() && ok; ++k) {
      if (s[k] != 0) continue;
      if (k < ms.size() && ms[k] > 0) {
        s[k] = ms[k];  // static: the same for every input
      } else {
        ok = SourceDim(g, r1, static_cast<int64_t>(k)) == static_cast<int64_t>(k);
      }
    }
    if (!ok) continue;
    if (index.HasSingleUse(mid) && fusion::OtherOutputsUnused(r1, index, "Out"))
      RemoveNode(g, pi);
    Node& w = g.nodes()[i];
    fusion::SetInput(w, "X", x);
    w.attrs.Set("shape", s);
    return fired + 1;  // the index is stale now
  }
  return fired;
}

class TransposeReshapeChainPass : public Pass {
 public:
  std::string name() const override { return "transpose_reshape_chain_pass"; }
  int Apply(Graph& graph, const PassOptions&) override {
    int fired = fusion::RunToFixpoint(graph, TransposeRound, 1 << 20);
    fired += fusion::RunToFixpoint(graph, ReshapeRound, 1 << 20);
    return fired;
  }
};

PDI_REGISTER_PASS(TransposeReshapeChainPass);

}  // namespace
}  // namespace pdinfer
