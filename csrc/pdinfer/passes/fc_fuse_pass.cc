// mul / matmul_v2 / matmul with a constant 2-D weight [-> elementwise_add(1-D constant
// bias along the last axis)]  =>  fc.
//
//  - mul: x_num_col_dims becomes in_num_col_dims (y_num_col_dims must be 1).
//  - matmul_v2 / matmul: X of known rank >= 2, not transposed; in_num_col_dims =
//    rank(X) - 1. A transposed weight (trans_y / transpose_Y) and matmul's alpha go into
//    a NEW constant.
//  - The bias may be [N], [1, N] or any all-ones shape ending in N that does not
//    broadcast the product up; it becomes a 1-D Bias (sharing the constant's data).
// Products without a bias add also become fc (no Bias), so every dense layer runs the
// same kernel (and the one oneDNN backends specialize).
#include <cstring>

#include "pdinfer/ops/op_utils.h"
#include "pdinfer/passes/fusion_util.h"
#include "pdinfer/passes/pass.h"

namespace pdinfer {
namespace {

using fusion::NodeAt;

struct FcPlan {
  ValueId input = kNoValue;
  ValueId weight = kNoValue;
  int64_t in_num_col_dims = 1;
  bool transpose_w = false;
  double alpha = 1;
};

bool NoLayoutFusion(const Node& n) {
  for (const char* a : {"fused_reshape_X", "fused_transpose_X", "fused_reshape_Y",
                        "fused_transpose_Y", "fused_reshape_Out", "fused_transpose_Out"})
    if (!n.attrs.GetInts(a, {}).empty()) return false;
  return n.attrs.GetInt("head_number", 1) <= 1;
}

std::optional<FcPlan> PlanFc(const Graph& g, const Node& n) {
  if (n.op != "mul" && n.op != "matmul" && n.op != "matmul_v2") return std::nullopt;
  FcPlan p;
  p.input = n.Input("X");
  p.weight = n.Input("Y");
  const Tensor* w = ConstantOf(g, p.weight);
  if (p.input == kNoValue || !w || w->rank() != 2 || IsConstant(g, p.input)) return std::nullopt;
  const Value& x = g.value(p.input);
  if (!fusion::IsFloat(g, p.input) || w->dtype() != x.dtype || !x.shape_known)
    return std::nullopt;
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  if (n.op == "mul") {
    p.in_num_col_dims = n.attrs.GetInt("x_num_col_dims", 1);
    if (n.attrs.GetInt("y_num_col_dims", 1) != 1 || p.in_num_col_dims < 1 ||
        p.in_num_col_dims >= rank)
      return std::nullopt;
  } else {
    const bool legacy = n.op == "matmul";
    if (rank < 2 || n.attrs.GetBool(legacy ? "transpose_X" : "trans_x", false)) return std::nullopt;
    if (legacy && !NoLayoutFusion(n)) return std::nullopt;
    p.transpose_w = n.attrs.GetBool(legacy ? "transpose_Y" : "trans_y", false);
    p.alpha = legacy ? n.attrs.GetFloat("alpha", 1.0) : 1.0;
    p.in_num_col_dims = rank - 1;
  }
  // K must agree (it does in a valid model; a broken one keeps its own error).
  const int64_t k = p.transpose_w ? w->dim(1) : w->dim(0);
  int64_t tail = 1;
  for (int64_t i = p.in_num_col_dims; i < rank; ++i) {
    if (x.shape[static_cast<size_t>(i)] < 0) {
      tail = -1;
      break;
    }
    tail *= x.shape[static_cast<size_t>(i)];
  }
  if (tail >= 0 && tail != k) return std::nullopt;
  return p;
}

int64_t OutputCols(const Graph& g, const FcPlan& p) {
  const Tensor* w = ConstantOf(g, p.weight);
  return p.transpose_w ? w->dim(0) : w->dim(1);
}

// The weight as fc wants it: [K, N], alpha folded in (a new constant when changed).
ValueId FcWeight(Graph& g, const FcPlan& p) {
  if (!p.transpose_w && p.alpha == 1.0) return p.weight;
  const Tensor* w = ConstantOf(g, p.weight);
  const int64_t r = w->dim(0), c = w->dim(1);
  Tensor out(w->dtype(), p.transpose_w ? Shape{c, r} : Shape{r, c});
  auto copy = [&](auto tag) {
    using T = decltype(tag);
    const T* s = w->data<T>();
    T* d = out.data<T>();
    const T a = static_cast<T>(p.alpha);
    if (p.transpose_w) {
      for (int64_t i = 0; i < r; ++i)
        for (int64_t j = 0; j < c; ++j) d[j * r + i] = s[i * c + j] * a;
    } else {
      for (int64_t i = 0; i < r * c; ++i) d[i] = s[i] * a;
    }
  };
  if (w->dtype() == DataType::kFloat32) copy(float{});
  else copy(double{});
  return NewConstant(g, g.value(p.weight).name + (p.transpose_w ? ".fc_t" : ".fc_scaled"),
                     std::move(out));
}

// The bias constant of `add` (which reads the product `prod`), as a 1-D value of n
// elements; nullopt when it is not a per-output-column constant.
std::optional<ValueId> BiasOf(Graph& g, const Node& add, ValueId prod, int64_t n) {
  const ValueId b = fusion::OtherOperand(add, prod);
  const Tensor* t = ConstantOf(g, b);
  if (!t || t->dtype() != g.value(prod).dtype || t->numel() != n || b == prod) return std::nullopt;
  const Value& pv = g.value(prod);
  if (!pv.shape_known || pv.shape.empty()) return std::nullopt;
  Shape xa, ya, out;
  try {
    const bool b_is_x = add.Input("X") == b;
    AlignBroadcastShapes(b_is_x ? t->shape() : pv.shape, b_is_x ? pv.shape : t->shape(),
                         add.attrs.GetInt("axis", -1), "", &xa, &ya, &out);
    const Shape& ba = b_is_x ? xa : ya;
    if (out != pv.shape) return std::nullopt;
    for (size_t i = 0; i + 1 < ba.size(); ++i)
      if (ba[i] != 1) return std::nullopt;
    if (ba.back() != n || pv.shape.back() != n) return std::nullopt;
  } catch (const Error&) {
    return std::nullopt;
  }
  if (t->rank() == 1) return b;
  Tensor flat;
  flat.ShareFrom(*t);
  flat.Reshape({n});
  return NewConstant(g, g.value(b).name + ".fc_bias", std::move(flat));
}

void MakeFc(Graph& g, int mi, const FcPlan& p, std::optional<ValueId> bias, ValueId out) {
  const ValueId w = FcWeight(g, p);
  Node& n = NodeAt(g, mi);
  n.op = "fc";
  n.inputs = {Slot{"Input", {p.input}}, Slot{"W", {w}}};
  if (bias) n.inputs.push_back(Slot{"Bias", {*bias}});
  n.outputs = {Slot{"Out", {out}}};
  n.attrs = AttributeMap();
  n.attrs.Set("in_num_col_dims", p.in_num_col_dims);
  n.attrs.Set("activation_type", std::string());
}

int Round(Graph& g, const GraphIndex& index, bool with_bias) {
  int fired = 0;
  const size_t count = g.nodes().size();
  for (size_t i = 0; i < count; ++i) {
    const auto p = PlanFc(g, g.nodes()[i]);
    if (!p) continue;
    const ValueId prod = g.nodes()[i].Output("Out");
    if (prod == kNoValue) continue;
    if (!with_bias) {
      MakeFc(g, static_cast<int>(i), *p, std::nullopt, prod);
      ++fired;
      continue;
    }
    if (!index.HasSingleUse(prod)) continue;
    const int ai = index.Consumers(prod)[0];
    const Node& add = NodeAt(g, ai);
    if (add.op != "elementwise_add") continue;
    const auto bias = BiasOf(g, add, prod, OutputCols(g, *p));
    if (!bias) continue;
    const ValueId out = add.Output("Out");
    if (out == kNoValue || g.value(out).dtype != g.value(prod).dtype) continue;
    RemoveNode(g, ai);
    MakeFc(g, static_cast<int>(i), *p, bias, out);
    ++fired;
  }
  return fired;
}

class FcFusePass : public Pass {
 public:
  std::string name() const override { return "fc_fuse_pass"; }
  int Apply(Graph& graph, const PassOptions&) override {
    // Each rewrite touches only its own product and add, so one sweep per form suffices.
    int fired = 0;
    {
      GraphIndex index(graph);
      fired += Round(graph, index, true);
    }
    GraphIndex index(graph);
    fired += Round(graph, index, false);
    return fired;
  }
};

PDI_REGISTER_PASS(FcFusePass);

}  // namespace
}  // namespace pdinfer
