// Evaluates at load time every op whose inputs are all constants (weight transposes,
// casts, reshapes, fill_constant chains, ...) and replaces its outputs by constants.
// Shape computations are folded where the shape is known for every possible input:
// `shape` of a fully static value, and slices/gathers of a `shape` that only pick dims
// which are static. Dynamic (-1) dims are never baked in.
#include <algorithm>
#include <optional>

#include "pdinfer/core/thread_pool.h"
#include "pdinfer/ops/registry.h"
#include "pdinfer/passes/pass.h"
#include "pdinfer/passes/pattern.h"
#include "pdinfer/runtime/executor.h"

namespace pdinfer {

std::vector<Tensor> EvaluateConstantNode(const Graph& g, const Node& n) {
  const OpDef* def = OpRegistry::Global().Find(n.op);
  PDI_ENFORCE_INTERNAL(def, "EvaluateConstantNode: unknown op '", n.op, "'");
  thread_local ThreadPool pool(1);
  OpContext ctx(g, n);
  std::vector<std::vector<OpContext::InputRef>> ins;
  for (const Slot& s : n.inputs) {
    ins.emplace_back(s.values.size());
    for (size_t k = 0; k < s.values.size(); ++k) {
      ValueId v = s.values[k];
      if (v == kNoValue) continue;
      const Tensor* t = ConstantOf(g, v);
      PDI_ENFORCE_INTERNAL(t, "EvaluateConstantNode: input '", g.value(v).name,
                           "' is not a constant");
      ins.back()[k].tensor = t;
      ins.back()[k].meta = {t->dtype(), t->shape()};
    }
  }
  size_t count = 0;
  for (const Slot& s : n.outputs) count += s.values.size();
  std::vector<Tensor> results(count);
  std::vector<std::vector<OpContext::OutputRef>> outs;
  size_t j = 0;
  for (const Slot& s : n.outputs) {
    outs.emplace_back(s.values.size());
    for (size_t k = 0; k < s.values.size(); ++k, ++j)
      outs.back()[k].tensor = s.values[k] == kNoValue ? nullptr : &results[j];
  }
  ctx.Bind(std::move(ins), std::move(outs), &pool, true);
  def->infer(ctx);
  for (auto& slot : ctx.output_refs())
    for (auto& ref : slot)
      if (ref.tensor) {
        PDI_ENFORCE_INTERNAL(ref.set, "shape inference did not set an output of ", n.op);
        ref.tensor->Resize(ref.meta.dtype, ref.meta.shape);
      }
  def->compute(ctx);
  return results;
}

namespace {

constexpr size_t kMaxFoldedBytes = size_t(64) << 20;

bool AllInputsConstant(const Graph& g, const Node& n) {
  for (const Slot& s : n.inputs)
    for (ValueId v : s.values)
      if (v != kNoValue && !IsConstant(g, v)) return false;
  return true;
}

bool OutputsFit(const Graph& g, const Node& n) {
  size_t total = 0;
  for (const Slot& s : n.outputs)
    for (ValueId v : s.values) {
      if (v == kNoValue) continue;
      const Value& val = g.value(v);
      // Outputs whose size inference could not bound are evaluated anyway (their
      // inputs are constants); the check after evaluation catches big ones.
      if (val.shape_known && IsStatic(val.shape))
        total += static_cast<size_t>(NumElements(val.shape)) * SizeOf(val.dtype);
    }
  return total <= kMaxFoldedBytes;
}

// Ops that must run at inference time even with constant inputs.
bool Foldable(const std::string& op) {
  static const char* kNever[] = {"feed", "fetch", "uniform_random", "gaussian_random",
                                 "randint", "randperm", "seed"};
  for (const char* k : kNever)
    if (op == k) return false;
  return OpRegistry::Global().Find(op) != nullptr;
}

// The static dims picked by slice/gather from a `shape` of a partly dynamic value, or
// nothing when any picked dim is dynamic or the indexing is not attribute-only.
std::optional<std::vector<int64_t>> PickedStaticDims(const Graph& g, const GraphIndex& index,
                                                     const Node& n) {
  ValueId in = n.op == "slice" ? n.Input("Input") : n.Input("X");
  if (in == kNoValue) return std::nullopt;
  int p = index.Producer(in);
  if (p < 0) return std::nullopt;
  const Node& shape_node = g.nodes()[static_cast<size_t>(p)];
  if (shape_node.op != "shape" && shape_node.op != "shape64") return std::nullopt;
  const Value& src = g.value(shape_node.Input("Input"));
  if (!src.shape_known) return std::nullopt;
  const int64_t rank = static_cast<int64_t>(src.shape.size());
  std::vector<int64_t> picked;
  if (n.op == "slice") {
    for (const Slot& s : n.inputs)
      if (s.name != "Input" && !s.values.empty()) return std::nullopt;  // tensor starts/ends
    std::vector<int64_t> axes = n.attrs.GetInts("axes", {});
    std::vector<int64_t> starts = n.attrs.GetInts("starts", {});
    std::vector<int64_t> ends = n.attrs.GetInts("ends", {});
    if (axes != std::vector<int64_t>{0} || starts.size() != 1 || ends.size() != 1)
      return std::nullopt;
    int64_t b = starts[0] < 0 ? starts[0] + rank : starts[0];
    int64_t e = ends[0] < 0 ? ends[0] + rank : ends[0];
    b = std::clamp<int64_t>(b, 0, rank);
    e = std::clamp<int64_t>(e, 0, rank);
    for (int64_t i = b; i < e; ++i) picked.push_back(i);
  } else {  // gather with a constant index
    const Tensor* idx = ConstantOf(g, n.Input("Index"));
    if (!idx || n.Input("Axis") != kNoValue || n.attrs.GetInt("axis", 0) != 0) return std::nullopt;
    if (idx->dtype() != DataType::kInt32 && idx->dtype() != DataType::kInt64) return std::nullopt;
    for (int64_t i = 0; i < idx->numel(); ++i) {
      int64_t k = idx->dtype() == DataType::kInt32 ? idx->data<int32_t>()[i] : idx->data<int64_t>()[i];
      if (k < 0) k += rank;
      if (k < 0 || k >= rank) return std::nullopt;
      picked.push_back(k);
    }
  }
  std::vector<int64_t> dims;
  for (int64_t i : picked) {
    if (src.shape[static_cast<size_t>(i)] < 0) return std::nullopt;
    dims.push_back(src.shape[static_cast<size_t>(i)]);
  }
  return dims;
}

Tensor IntTensor(DataType dtype, const std::vector<int64_t>& vals, const Shape& shape) {
  Tensor t(dtype, shape);
  for (size_t i = 0; i < vals.size(); ++i) {
    if (dtype == DataType::kInt32)
      t.data<int32_t>()[i] = static_cast<int32_t>(vals[i]);
    else
      t.data<int64_t>()[i] = vals[i];
  }
  return t;
}

class ConstantFoldingPass : public Pass {
 public:
  std::string name() const override { return "constant_folding_pass"; }

  int Apply(Graph& g, const PassOptions&) override {
    int fired = 0;
    // Folding makes more values constant and shapes more static: sweep to a fixpoint.
    for (int round = 0; round < 16; ++round) {
      int before = fired;
      GraphIndex index(g);
      for (size_t i = 0; i < g.nodes().size(); ++i) {
        Node& n = g.nodes()[i];
        if (IsRemoved(n) || !Foldable(n.op)) continue;
        if (TryFoldShape(g, n) || TryFoldPickedShape(g, index, n) || TryFold(g, n)) {
          RemoveNode(g, static_cast<int>(i));
          ++fired;
        }
      }
      if (fired == before) break;
      CleanupGraph(g);
      InferGraphShapes(g);
    }
    return fired;
  }

 private:
  static void SetConstant(Graph& g, ValueId v, Tensor t) {
    Value& val = g.value(v);
    val.dtype = t.dtype();
    val.shape = t.shape();
    val.shape_known = true;
    val.constant = std::make_shared<const Tensor>(std::move(t));
  }

  bool TryFold(Graph& g, const Node& n) {
    if (!AllInputsConstant(g, n) || !OutputsFit(g, n)) return false;
    std::vector<Tensor> results;
    try {
      results = EvaluateConstantNode(g, n);
    } catch (const Error&) {
      return false;  // leave the error to run time, where it names the input shapes
    }
    size_t total = 0;
    for (const Tensor& t : results) total += t.defined() ? t.nbytes() : 0;
    if (total > kMaxFoldedBytes) return false;
    size_t j = 0;
    for (const Slot& s : n.outputs)
      for (ValueId v : s.values) {
        if (v != kNoValue) SetConstant(g, v, std::move(results[j]));
        ++j;
      }
    return true;
  }

  bool TryFoldShape(Graph& g, const Node& n) {
    if (n.op != "shape" && n.op != "shape64") return false;
    ValueId in = n.Input("Input"), out = n.Output("Out");
    if (in == kNoValue || out == kNoValue || IsConstant(g, in)) return false;
    const Value& src = g.value(in);
    if (!src.shape_known || !IsStatic(src.shape)) return false;
    DataType t = n.op == "shape" ? DataType::kInt32 : DataType::kInt64;
    SetConstant(g, out, IntTensor(t, src.shape, {static_cast<int64_t>(src.shape.size())}));
    return true;
  }

  bool TryFoldPickedShape(Graph& g, const GraphIndex& index, const Node& n) {
    if (n.op != "slice" && n.op != "gather") return false;
    ValueId out = n.Output("Out");
    if (out == kNoValue) return false;
    auto dims = PickedStaticDims(g, index, n);
    if (!dims) return false;
    ValueId in = n.op == "slice" ? n.Input("Input") : n.Input("X");
    DataType t = g.value(in).dtype;
    if (t != DataType::kInt32 && t != DataType::kInt64) return false;
    Shape shape = {static_cast<int64_t>(dims->size())};
    if (n.op == "slice") {
      // decrease_axis turns a one-element slice into a 0-D tensor.
      if (!n.attrs.GetInts("decrease_axis", {}).empty()) {
        if (dims->size() != 1) return false;
        shape = {};
      }
    } else {
      const Tensor* idx = ConstantOf(g, n.Input("Index"));
      shape = idx->shape();
    }
    SetConstant(g, out, IntTensor(t, *dims, shape));
    return true;
  }
};

PDI_REGISTER_PASS(ConstantFoldingPass);

}  // namespace
}  // namespace pdinfer
