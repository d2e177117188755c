// multihead_matmul_fuse_pass: a transformer encoder's self-attention block -> one
// `multihead_matmul` (see FUSED_OPS.md and ops/multihead_matmul.cc).
//
// Matched, anchored at the softmax and traced backwards from it (every value inside the
// block must be read by the next op of the block only and must not be a graph output):
//
//   x ─┬─ proj_q ─ [scale] ─ reshape [0,0,N,hd] ─ [scale] ─ transpose [0,2,1,3] ─ [scale] ─┐
//      ├─ proj_k ─ ...                              transpose [0,2,1,3] (with trans_y)      │
//      │                                         or transpose [0,2,3,1] (without)         ─┤
//      │           Q·Kᵀ (matmul_v2 / matmul with alpha) ─ [scale] ─ [+ mask] ─ softmax(-1) ─┘
//      │           ─ [dropout | scale] ─ P·V ─ transpose [0,2,1,3] ─ reshape [0,0,H] ─ out
//      └─ proj_v ─ [scale] ─ reshape ─ transpose [0,2,1,3] ─ [scale] ──────────┘ (V)
//
// proj = matmul_v2 / matmul / mul with a constant 2-D weight, then an optional
// elementwise_add of a constant bias; or an `fc` without activation or residual.
// The same value x must feed all three projections (self-attention), all reshapes must
// agree on the head count and head size, and every weight must be a constant.
//
// Produced: multihead_matmul(Input=x, W=[Hin,3,H] packed Q|K|V, Bias=[3,H], BiasQK=mask)
// writing the final reshape's value (its name is kept). Scales on Q, K, the product and
// matmul (v1) alphas on Q·Kᵀ multiply `alpha`; a projection matmul's alpha, scales on V
// or between softmax and P·V (dropout downgrade_in_infer) are folded into the packed
// weights (they commute with the attention's linear parts). Packed tensors are new
// constants; the original weights are left alone.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "pdinfer/passes/pass.h"
#include "pdinfer/passes/pattern.h"

namespace pdinfer {
namespace {

bool IsOneOf(const std::string& op, std::initializer_list<const char*> ops) {
  for (const char* o : ops)
    if (op == o) return true;
  return false;
}

// The node's `main` output slot holds exactly one value and no other output is read.
bool OnlyMainOutput(const Graph& g, const GraphIndex& idx, const Node& n, const char* main) {
  for (const Slot& s : n.outputs) {
    if (s.name == main) {
      if (s.values.size() != 1 || s.values[0] == kNoValue) return false;
      continue;
    }
    for (ValueId v : s.values)
      if (v != kNoValue && (!idx.Consumers(v).empty() || idx.IsGraphOutput(v))) return false;
  }
  return n.Output(main) != kNoValue;
}

// Index of the node producing v when v is read by exactly one node, is not a graph output,
// and that producer has no other live output; -1 otherwise.
int SoleProducer(const Graph& g, const GraphIndex& idx, ValueId v, const char* slot = "Out") {
  if (v == kNoValue || !idx.HasSingleUse(v)) return -1;
  const int p = idx.Producer(v);
  if (p < 0) return -1;
  const Node& n = g.nodes()[static_cast<size_t>(p)];
  if (IsRemoved(n) || n.Output(slot) != v || !OnlyMainOutput(g, idx, n, slot)) return -1;
  return p;
}

bool HasTensorInput(const Node& n, const char* slot) {
  const Slot* s = n.FindInput(slot);
  if (!s) return false;
  for (ValueId v : s->values)
    if (v != kNoValue) return true;
  return false;
}

// y = factor * x for a `scale` op without tensor operands and with a zero bias.
std::optional<double> PureScale(const Node& n) {
  if (n.op != "scale" || HasTensorInput(n, "ScaleTensor") || HasTensorInput(n, "BiasTensor"))
    return std::nullopt;
  if (n.attrs.GetFloat("bias", 0.0) != 0.0) return std::nullopt;
  const double s = n.attrs.GetFloat("scale", 1.0);
  if (!std::isfinite(s)) return std::nullopt;
  return s;
}

// Every input slot other than `allowed` is empty.
bool OnlyInputs(const Node& n, std::initializer_list<const char*> allowed) {
  for (const Slot& s : n.inputs) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || s.name == a;
    if (ok) continue;
    for (ValueId v : s.values)
      if (v != kNoValue) return false;
  }
  return true;
}

// Attributes that make a matmul something other than a plain product (oneDNN-fused
// reshapes/transposes, the MKL multi-head split).
bool PlainMatmul(const Node& n) {
  for (const char* a : {"fused_reshape_X", "fused_transpose_X", "fused_reshape_Y",
                        "fused_transpose_Y", "fused_reshape_Out", "fused_transpose_Out"})
    if (!n.attrs.GetInts(a, {}).empty()) return false;
  if (n.attrs.GetInt("head_number", 1) > 1) return false;
  for (const char* a : {"fuse_activation", "activation_type"})
    if (!n.attrs.GetString(a, "").empty()) return false;
  return !HasTensorInput(n, "ResidualData") && !HasTensorInput(n, "Bias");
}

// Float32 constant tensor with data, or nullptr.
const Tensor* FloatConstant(const Graph& g, ValueId v) {
  const Tensor* t = ConstantOf(g, v);
  if (!t || t->dtype() != DataType::kFloat32 || !t->has_data()) return nullptr;
  return t;
}

// A bias: all dims but the last are 1.
bool IsRowVector(const Tensor& t) {
  if (t.rank() < 1) return false;
  for (int i = 0; i + 1 < t.rank(); ++i)
    if (t.dim(i) != 1) return false;
  return true;
}

// Paddle's elementwise axis for a `small`-rank operand added to a `big`-rank one: only
// the right-aligned (NumPy) placement is accepted.
bool RightAligned(const Node& add, int64_t big, int64_t small) {
  const int64_t axis = add.attrs.GetInt("axis", -1);
  return axis == -1 || axis == big - small;
}

// ---------------------------------------------------------------- one Q/K/V branch

struct Projection {
  ValueId x = kNoValue;
  const Tensor* w = nullptr;
  bool w_trans = false;       // w stored [H, Hin]
  double w_scale = 1.0;       // matmul (v1) alpha
  std::vector<const Tensor*> biases;
  int64_t in_dim() const { return w->dim(w_trans ? 1 : 0); }
  int64_t out_dim() const { return w->dim(w_trans ? 0 : 1); }
};

struct Branch {
  Projection proj;
  std::vector<int> nodes;
  double scale = 1.0;              // product of the scale ops on the branch
  std::vector<int64_t> reshape;    // target shape attr (4 entries)
  std::vector<int64_t> perm;
};

// The projection writing v (v itself already checked to be single-use): optional bias
// add over matmul_v2 / matmul / mul / fc.
bool ParseProjection(const Graph& g, const GraphIndex& idx, ValueId v, Branch* br) {
  int p = SoleProducer(g, idx, v);
  if (p < 0) return false;
  Projection& pr = br->proj;
  const Node* n = &g.nodes()[static_cast<size_t>(p)];
  if (n->op == "elementwise_add") {
    const ValueId a = n->Input("X"), b = n->Input("Y");
    const Tensor* ta = FloatConstant(g, a);
    const Tensor* tb = FloatConstant(g, b);
    if ((ta == nullptr) == (tb == nullptr)) return false;  // exactly one constant operand
    const Tensor* bias = ta ? ta : tb;
    if (!IsRowVector(*bias) || bias->rank() > 3 || !RightAligned(*n, 3, bias->rank()))
      return false;
    pr.biases.push_back(bias);
    br->nodes.push_back(p);
    p = SoleProducer(g, idx, ta ? b : a);
    if (p < 0) return false;
    n = &g.nodes()[static_cast<size_t>(p)];
  }
  const ValueId x = n->op == "fc" ? n->Input("Input") : n->Input("X");
  const ValueId wv = n->op == "fc" ? n->Input("W") : n->Input("Y");
  const Tensor* w = FloatConstant(g, wv);
  if (!w || w->rank() != 2 || x == kNoValue) return false;
  if (n->op == "matmul_v2") {
    if (!PlainMatmul(*n) || n->attrs.GetBool("trans_x", false)) return false;
    pr.w_trans = n->attrs.GetBool("trans_y", false);
  } else if (n->op == "matmul") {
    if (!PlainMatmul(*n) || n->attrs.GetBool("transpose_X", false)) return false;
    pr.w_trans = n->attrs.GetBool("transpose_Y", false);
    pr.w_scale = n->attrs.GetFloat("alpha", 1.0);
    if (!std::isfinite(pr.w_scale)) return false;
  } else if (n->op == "mul") {
    if (n->attrs.GetInt("x_num_col_dims", 1) != 2 || n->attrs.GetInt("y_num_col_dims", 1) != 1)
      return false;
  } else if (n->op == "fc") {
    if (n->attrs.GetInt("in_num_col_dims", 1) != 2 || n->attrs.GetBool("padding_weights", false))
      return false;
    const std::string act = n->attrs.GetString("activation_type", "");
    if (!(act.empty() || act == "identity") || !n->attrs.GetString("fuse_activation", "").empty() ||
        HasTensorInput(*n, "ResidualData"))
      return false;
    const ValueId bv = n->Input("Bias");
    if (bv != kNoValue) {
      const Tensor* bias = FloatConstant(g, bv);
      if (!bias || !IsRowVector(*bias) || bias->rank() > 2) return false;
      pr.biases.push_back(bias);
    }
  } else {
    return false;
  }
  if (!OnlyInputs(*n, {"X", "Y", "Input", "W", "Bias"})) return false;
  pr.x = x;
  pr.w = w;
  br->nodes.push_back(p);
  return true;
}

// Traces the operand `v` of Q·Kᵀ or P·V back to its projection:
// [scale]* -> transpose -> [scale]* -> reshape -> [scale]* -> projection (read backwards).
bool TraceBranch(const Graph& g, const GraphIndex& idx, ValueId v, Branch* br) {
  bool seen_transpose = false;
  while (true) {
    const int p = SoleProducer(g, idx, v);
    if (p < 0) return false;
    const Node& n = g.nodes()[static_cast<size_t>(p)];
    if (auto s = PureScale(n)) {
      br->scale *= *s;
    } else if (IsOneOf(n.op, {"transpose2", "transpose"})) {
      if (seen_transpose) return false;
      seen_transpose = true;
      br->perm = n.attrs.GetInts("axis", {});
    } else if (IsOneOf(n.op, {"reshape2", "reshape"})) {
      if (!seen_transpose || HasTensorInput(n, "Shape") || HasTensorInput(n, "ShapeTensor"))
        return false;
      br->reshape = n.attrs.GetInts("shape", {});
      if (br->reshape.size() != 4) return false;
      br->nodes.push_back(p);
      v = n.Input("X");
      // Scales between the projection and the reshape.
      while (true) {
        const int q = SoleProducer(g, idx, v);
        if (q < 0) return false;
        const Node& m = g.nodes()[static_cast<size_t>(q)];
        auto s = PureScale(m);
        if (!s) break;
        br->scale *= *s;
        br->nodes.push_back(q);
        v = m.Input("X");
      }
      return ParseProjection(g, idx, v, br);
    } else {
      return false;
    }
    br->nodes.push_back(p);
    v = n.Input("X");
  }
}

// Heads and head size from a branch reshape [d0, d1, heads, hd] of a [B, S, H] value, where
// d0/d1 copy (0), infer (-1) or repeat a known dim of x; nullopt when it is not exactly
// that split.
std::optional<std::pair<int64_t, int64_t>> HeadSplit(const std::vector<int64_t>& t,
                                                     const Shape& x, int64_t H) {
  int minus = 0;
  for (int64_t d : t) minus += d == -1 ? 1 : 0;
  if (minus > 1) return std::nullopt;
  for (int i = 0; i < 2; ++i)
    if (!(t[i] == 0 || t[i] == -1 || (t[i] > 0 && x[i] == t[i]))) return std::nullopt;
  int64_t heads = t[2], hd = t[3];
  if (heads == -1 && hd > 0 && H % hd == 0) heads = H / hd;
  if (hd == -1 && heads > 0 && H % heads == 0) hd = H / heads;
  if (heads <= 0 || hd <= 0 || heads * hd != H) return std::nullopt;
  return std::make_pair(heads, hd);
}

// The final reshape [d0, d1, H] of the [B, S, heads, hd] context.
bool MergesHeads(const std::vector<int64_t>& t, const Shape& x, int64_t H) {
  if (t.size() != 3) return false;
  int minus = 0;
  for (int64_t d : t) minus += d == -1 ? 1 : 0;
  if (minus > 1) return false;
  for (int i = 0; i < 2; ++i)
    if (!(t[i] == 0 || t[i] == -1 || (t[i] > 0 && x[i] == t[i]))) return false;
  if (t[2] == -1) return t[0] != -1 && t[1] != -1;
  return t[2] == H;
}

const std::vector<int64_t> kPermBSHD = {0, 2, 1, 3};
const std::vector<int64_t> kPermKt = {0, 2, 3, 1};

// ---------------------------------------------------------------- the whole block

struct Attention {
  Branch q, k, v;
  std::vector<int> nodes;  // everything but the branches
  ValueId mask = kNoValue;
  ValueId out = kNoValue;
  double alpha = 1.0;
  double v_scale = 1.0;  // folded into V's weights and bias
  int64_t heads = 0;
};

// Q·Kᵀ matmul at node p: fills q/k branches and the product's alpha.
bool ParseScores(const Graph& g, const GraphIndex& idx, int p, Attention* at) {
  const Node& n = g.nodes()[static_cast<size_t>(p)];
  bool trans_y;
  if (n.op == "matmul_v2") {
    if (!PlainMatmul(n) || n.attrs.GetBool("trans_x", false)) return false;
    trans_y = n.attrs.GetBool("trans_y", false);
  } else if (n.op == "matmul") {
    if (!PlainMatmul(n) || n.attrs.GetBool("transpose_X", false)) return false;
    trans_y = n.attrs.GetBool("transpose_Y", false);
    const double a = n.attrs.GetFloat("alpha", 1.0);
    if (!std::isfinite(a)) return false;
    at->alpha *= a;
  } else {
    return false;
  }
  const ValueId qv = n.Input("X"), kv = n.Input("Y");
  if (qv == kv || !OnlyInputs(n, {"X", "Y"})) return false;
  if (!TraceBranch(g, idx, qv, &at->q) || !TraceBranch(g, idx, kv, &at->k)) return false;
  if (at->q.perm != kPermBSHD) return false;
  if (at->k.perm != (trans_y ? kPermBSHD : kPermKt)) return false;
  at->nodes.push_back(p);
  return true;
}

// Everything before the softmax: [+ mask] over [scale]* over Q·Kᵀ.
bool ParseBeforeSoftmax(const Graph& g, const GraphIndex& idx, ValueId s, Attention* at) {
  int p = SoleProducer(g, idx, s);
  if (p < 0) return false;
  const Node* n = &g.nodes()[static_cast<size_t>(p)];
  // Scales over the product, then the product itself.
  auto scores_from = [&](ValueId v, Attention* cand) {
    while (true) {
      const int q = SoleProducer(g, idx, v);
      if (q < 0) return false;
      const Node& m = g.nodes()[static_cast<size_t>(q)];
      if (auto f = PureScale(m)) {
        cand->alpha *= *f;
        cand->nodes.push_back(q);
        v = m.Input("X");
        continue;
      }
      return ParseScores(g, idx, q, cand);
    }
  };
  if (n->op == "elementwise_add") {
    for (const char* side : {"X", "Y"}) {
      Attention cand = *at;
      const ValueId sv = n->Input(side);
      const ValueId mv = n->Input(side[0] == 'X' ? "Y" : "X");
      if (mv == kNoValue || sv == kNoValue || mv == sv) continue;
      const Value& m = g.value(mv);
      if (m.dtype != DataType::kFloat32 || !m.shape_known || m.shape.size() > 4) continue;
      if (!RightAligned(*n, 4, static_cast<int64_t>(m.shape.size()))) continue;
      // The mask must not widen the scores (the fused op broadcasts it to their shape).
      const Shape& ss = g.value(sv).shape;
      if (!g.value(sv).shape_known || ss.size() != 4) continue;
      bool widens = false;
      for (size_t d = 0; d < m.shape.size(); ++d) {
        const int64_t md = m.shape[d], sd = ss[4 - m.shape.size() + d];
        widens = widens || (md > 1 && sd >= 0 && md != sd);
      }
      if (widens) continue;
      if (!scores_from(sv, &cand)) continue;
      cand.mask = mv;
      cand.nodes.push_back(p);
      *at = std::move(cand);
      return true;
    }
    return false;
  }
  return scores_from(s, at);
}

// The block around the softmax node `sm`; nullopt when anything does not fit.
std::optional<Attention> ParseAttention(const Graph& g, const GraphIndex& idx, int sm) {
  const Node& softmax = g.nodes()[static_cast<size_t>(sm)];
  if (softmax.op != "softmax" || !OnlyMainOutput(g, idx, softmax, "Out")) return std::nullopt;
  const int64_t axis = softmax.attrs.GetInt("axis", -1);
  if (axis != -1 && axis != 3) return std::nullopt;
  Attention at;
  at.nodes.push_back(sm);

  // Forward: [dropout | scale]* -> P·V -> transpose -> reshape.
  ValueId v = softmax.Output("Out");
  int pv = -1;
  while (true) {
    if (!idx.HasSingleUse(v)) return std::nullopt;
    const int c = idx.Consumers(v)[0];
    const Node& n = g.nodes()[static_cast<size_t>(c)];
    if (IsRemoved(n)) return std::nullopt;
    if (n.op == "dropout") {
      if (n.Input("X") != v || !OnlyMainOutput(g, idx, n, "Out") || HasTensorInput(n, "Seed"))
        return std::nullopt;
      const std::string impl = n.attrs.GetString("dropout_implementation", "downgrade_in_infer");
      const double pr = n.attrs.GetFloat("dropout_prob", 0.5);
      if (!(pr >= 0 && pr <= 1)) return std::nullopt;
      if (impl == "downgrade_in_infer")
        at.v_scale *= static_cast<double>(1.0f - static_cast<float>(pr));
      else if (impl != "upscale_in_train")
        return std::nullopt;
    } else if (auto s = PureScale(n)) {
      if (n.Input("X") != v || !OnlyMainOutput(g, idx, n, "Out")) return std::nullopt;
      at.v_scale *= *s;
    } else {
      pv = c;
      break;
    }
    at.nodes.push_back(c);
    v = n.Output("Out");
  }
  const Node& pvn = g.nodes()[static_cast<size_t>(pv)];
  if (pvn.Input("X") != v || !OnlyInputs(pvn, {"X", "Y"}) || !OnlyMainOutput(g, idx, pvn, "Out"))
    return std::nullopt;
  if (pvn.op == "matmul_v2") {
    if (!PlainMatmul(pvn) || pvn.attrs.GetBool("trans_x", false) ||
        pvn.attrs.GetBool("trans_y", false))
      return std::nullopt;
  } else if (pvn.op == "matmul") {
    if (!PlainMatmul(pvn) || pvn.attrs.GetBool("transpose_X", false) ||
        pvn.attrs.GetBool("transpose_Y", false))
      return std::nullopt;
    const double a = pvn.attrs.GetFloat("alpha", 1.0);
    if (!std::isfinite(a)) return std::nullopt;
    at.v_scale *= a;
  } else {
    return std::nullopt;
  }
  const ValueId vv = pvn.Input("Y");
  if (vv == v || !TraceBranch(g, idx, vv, &at.v) || at.v.perm != kPermBSHD) return std::nullopt;
  at.nodes.push_back(pv);

  v = pvn.Output("Out");
  if (!idx.HasSingleUse(v)) return std::nullopt;
  const int tr = idx.Consumers(v)[0];
  const Node& trn = g.nodes()[static_cast<size_t>(tr)];
  if (IsRemoved(trn) || !IsOneOf(trn.op, {"transpose2", "transpose"}) || trn.Input("X") != v ||
      !OnlyMainOutput(g, idx, trn, "Out") || trn.attrs.GetInts("axis", {}) != kPermBSHD)
    return std::nullopt;
  at.nodes.push_back(tr);
  v = trn.Output("Out");
  if (!idx.HasSingleUse(v)) return std::nullopt;
  const int rs = idx.Consumers(v)[0];
  const Node& rsn = g.nodes()[static_cast<size_t>(rs)];
  if (IsRemoved(rsn) || !IsOneOf(rsn.op, {"reshape2", "reshape"}) || rsn.Input("X") != v ||
      !OnlyMainOutput(g, idx, rsn, "Out") || HasTensorInput(rsn, "Shape") ||
      HasTensorInput(rsn, "ShapeTensor"))
    return std::nullopt;
  at.nodes.push_back(rs);
  at.out = rsn.Output("Out");

  // Backward: scores.
  if (!ParseBeforeSoftmax(g, idx, softmax.Input("X"), &at)) return std::nullopt;

  // Self-attention over one [B, S, Hin] float input with identical weight shapes.
  const ValueId x = at.q.proj.x;
  if (x == kNoValue || at.k.proj.x != x || at.v.proj.x != x) return std::nullopt;
  const Value& xv = g.value(x);
  if (xv.dtype != DataType::kFloat32 || !xv.shape_known || xv.shape.size() != 3)
    return std::nullopt;
  const int64_t hin = at.q.proj.in_dim(), H = at.q.proj.out_dim();
  if (H <= 0 || hin <= 0 || (xv.shape[2] >= 0 && xv.shape[2] != hin)) return std::nullopt;
  for (const Branch* b : {&at.q, &at.k, &at.v}) {
    if (b->proj.in_dim() != hin || b->proj.out_dim() != H) return std::nullopt;
    for (const Tensor* bias : b->proj.biases)
      if (bias->numel() != H) return std::nullopt;
    auto split = HeadSplit(b->reshape, xv.shape, H);
    if (!split) return std::nullopt;
    if (at.heads == 0) at.heads = split->first;
    if (split->first != at.heads) return std::nullopt;
  }
  if (!MergesHeads(rsn.attrs.GetInts("shape", {}), xv.shape, H)) return std::nullopt;
  if (at.mask != kNoValue && at.mask == x) return std::nullopt;

  // No node may appear twice (e.g. one projection feeding two branches).
  std::vector<int> all = at.nodes;
  for (const Branch* b : {&at.q, &at.k, &at.v}) all.insert(all.end(), b->nodes.begin(), b->nodes.end());
  std::sort(all.begin(), all.end());
  if (std::adjacent_find(all.begin(), all.end()) != all.end()) return std::nullopt;
  return at;
}

// Packs W [Hin, 3, H] and Bias [3, H], folding per-branch factors.
void Pack(const Attention& at, Tensor* w, Tensor* bias) {
  const int64_t hin = at.q.proj.in_dim(), H = at.q.proj.out_dim();
  *w = Tensor(DataType::kFloat32, {hin, 3, H});
  *bias = Tensor(DataType::kFloat32, {3, H});
  float* wd = w->data<float>();
  float* bd = bias->data<float>();
  const Branch* branches[3] = {&at.q, &at.k, &at.v};
  for (int i = 0; i < 3; ++i) {
    const Projection& pr = branches[i]->proj;
    // Q and K scales went into alpha; V's factors commute with softmax and P·V.
    const double post = i == 2 ? branches[i]->scale * at.v_scale : 1.0;
    const float wf = static_cast<float>(pr.w_scale * post);
    const float* src = pr.w->data<float>();
    for (int64_t r = 0; r < hin; ++r) {
      float* dst = wd + (r * 3 + i) * H;
      if (pr.w_trans) {
        for (int64_t c = 0; c < H; ++c) dst[c] = src[c * hin + r];
      } else {
        std::memcpy(dst, src + r * H, sizeof(float) * static_cast<size_t>(H));
      }
      if (wf != 1.0f)
        for (int64_t c = 0; c < H; ++c) dst[c] *= wf;
    }
    float* bdst = bd + i * H;
    for (int64_t c = 0; c < H; ++c) {
      double sum = 0.0;
      for (const Tensor* b : pr.biases) sum += b->data<float>()[c];
      bdst[c] = static_cast<float>(sum) * static_cast<float>(post);
    }
  }
}

class MultiheadMatmulFusePass : public Pass {
 public:
  std::string name() const override { return "multihead_matmul_fuse_pass"; }

  int Apply(Graph& g, const PassOptions&) override {
    GraphIndex idx(g);
    int fired = 0;
    const size_t count = g.nodes().size();
    for (size_t i = 0; i < count; ++i) {
      if (IsRemoved(g.nodes()[i]) || g.nodes()[i].op != "softmax") continue;
      std::optional<Attention> at = ParseAttention(g, idx, static_cast<int>(i));
      if (!at) continue;
      bool stale = false;  // a node rewritten by an earlier match in this run
      for (const Branch* b : {&at->q, &at->k, &at->v})
        for (int n : b->nodes) stale = stale || IsRemoved(g.nodes()[static_cast<size_t>(n)]);
      for (int n : at->nodes) stale = stale || IsRemoved(g.nodes()[static_cast<size_t>(n)]);
      if (stale) continue;

      Tensor w, bias;
      Pack(*at, &w, &bias);
      const std::string base = g.value(at->out).name;
      const ValueId wv = NewConstant(g, base + ".mha_w", std::move(w));
      const ValueId bv = NewConstant(g, base + ".mha_bias", std::move(bias));
      const double alpha = at->alpha * at->q.scale * at->k.scale;

      std::vector<ValueId> replaced;  // the separate projection weights and biases
      for (const Branch* b : {&at->q, &at->k, &at->v})
        for (int n : b->nodes)
          for (const Slot& s : g.nodes()[static_cast<size_t>(n)].inputs)
            for (ValueId v : s.values)
              if (v != kNoValue && g.value(v).is_constant()) replaced.push_back(v);
      for (const Branch* b : {&at->q, &at->k, &at->v})
        for (int n : b->nodes) RemoveNode(g, n);
      for (int n : at->nodes) RemoveNode(g, n);

      Node mha;
      mha.op = "multihead_matmul";
      mha.source_op = "multihead_matmul";
      mha.inputs = {{"Input", {at->q.proj.x}}, {"W", {wv}}, {"Bias", {bv}}};
      if (at->mask != kNoValue) mha.inputs.push_back({"BiasQK", {at->mask}});
      mha.outputs = {{"Out", {at->out}}};
      mha.attrs.Set("head_number", at->heads);
      mha.attrs.Set("alpha", alpha);
      g.AddNode(std::move(mha));
      for (ValueId v : replaced) ReleaseIfUnread(g, v);
      ++fired;
    }
    return fired;
  }
};

}  // namespace

PDI_REGISTER_PASS(MultiheadMatmulFusePass);

}  // namespace pdinfer
