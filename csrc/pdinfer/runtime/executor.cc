#include "pdinfer/runtime/executor.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace pdinfer {

namespace {

bool VerboseEnabled() {
  const char* v = std::getenv("PDINFER_VERBOSE");
  return v && *v && std::string(v) != "0";
}

// Errors raised inside a kernel without naming the node get the node prefixed.
[[noreturn]] void RethrowWithNode(const Error& e, const std::string& where) {
  if (e.message().find(where) != std::string::npos) throw e;
  throw Error(e.code(), where + ": " + e.message());
}

std::unique_ptr<OpContext> MakeContext(const Graph& graph, const Node& node) {
  auto ctx = std::make_unique<OpContext>(graph, node);
  std::vector<std::vector<OpContext::InputRef>> ins;
  for (const Slot& s : node.inputs) ins.emplace_back(s.values.size());
  std::vector<std::vector<OpContext::OutputRef>> outs;
  for (const Slot& s : node.outputs) outs.emplace_back(s.values.size());
  ctx->Bind(std::move(ins), std::move(outs), nullptr, false);
  return ctx;
}

}  // namespace

Executor::Executor(std::shared_ptr<const Graph> graph, int num_threads)
    : graph_(std::move(graph)),
      pool_(std::make_unique<ThreadPool>(num_threads)),
      workspace_(graph_->num_values()),
      keep_(graph_->num_values(), false) {
  for (ValueId v : graph_->inputs()) keep_[static_cast<size_t>(v)] = true;
  for (ValueId v : graph_->outputs()) keep_[static_cast<size_t>(v)] = true;
  for (const Node& node : graph_->nodes()) {
    const OpDef* def = OpRegistry::Global().Find(node.op);
    PDI_CHECK(def, ErrorCode::kUnsupported, node.Describe(*graph_), ": op is not supported");
    Step step{&node, def, MakeContext(*graph_, node)};
    step.ctx->set_pool(pool_.get());
    steps_.push_back(std::move(step));
  }
}

const Tensor* Executor::ValueData(ValueId id) const {
  const Value& v = graph_->value(id);
  if (v.constant) return v.constant.get();
  const Tensor& t = workspace_.at(static_cast<size_t>(id));
  return t.defined() ? &t : nullptr;
}

void Executor::RunStep(Step& step, bool verbose) {
  const Node& node = *step.node;
  OpContext& ctx = *step.ctx;
  auto& ins = ctx.input_refs();
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const Slot& slot = node.inputs[i];
    for (size_t k = 0; k < slot.values.size(); ++k) {
      OpContext::InputRef& ref = ins[i][k];
      ValueId v = slot.values[k];
      if (v == kNoValue) {
        ref.tensor = nullptr;
        continue;
      }
      const Tensor* t = ValueData(v);
      PDI_ENFORCE_INTERNAL(t, node.Describe(*graph_), ": input '", graph_->value(v).name,
                           "' has not been computed");
      ref.tensor = t;
      ref.meta.dtype = t->dtype();
      ref.meta.shape = t->shape();
    }
  }
  auto& outs = ctx.output_refs();
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    const Slot& slot = node.outputs[i];
    for (size_t k = 0; k < slot.values.size(); ++k) {
      OpContext::OutputRef& ref = outs[i][k];
      ValueId v = slot.values[k];
      ref.set = false;
      ref.tensor = v == kNoValue ? nullptr : &workspace_[static_cast<size_t>(v)];
    }
  }
  ctx.set_runtime(true);
  auto t0 = std::chrono::steady_clock::now();
  try {
    step.def->infer(ctx);
    auto& bound = ctx.output_refs();
    for (size_t i = 0; i < node.outputs.size(); ++i)
      for (size_t k = 0; k < node.outputs[i].values.size(); ++k) {
        OpContext::OutputRef& ref = bound[i][k];
        if (!ref.tensor) continue;
        PDI_ENFORCE_INTERNAL(ref.set, "shape inference did not set output '",
                             node.outputs[i].name, "'");
        ref.tensor->Resize(ref.meta.dtype, ref.meta.shape);
      }
    step.def->compute(ctx);
  } catch (const Error& e) {
    RethrowWithNode(e, node.Describe(*graph_));
  } catch (const std::bad_alloc&) {
    ThrowError(ErrorCode::kOutOfMemory, node.Describe(*graph_), ": out of memory");
  } catch (const std::exception& e) {
    ThrowError(ErrorCode::kInternal, node.Describe(*graph_), ": ", e.what());
  }
  if (verbose) {
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                    .count();
    std::string shapes;
    for (const Slot& s : node.outputs)
      for (ValueId v : s.values)
        if (v != kNoValue) shapes += " " + ShapeToString(workspace_[static_cast<size_t>(v)].shape());
    std::fprintf(stderr, "[pdinfer] %-24s ref  %8.3f ms  out%s\n", node.op.c_str(), ms,
                 shapes.c_str());
  }
}

void Executor::Run() {
  bool verbose = VerboseEnabled();
  for (ValueId v : graph_->inputs())
    PDI_ENFORCE_ARG(workspace_[static_cast<size_t>(v)].defined() &&
                        workspace_[static_cast<size_t>(v)].has_data(),
                    "input '", graph_->value(v).name,
                    "' has not been set: call copy_from_cpu() on its handle before run()");
  for (Step& step : steps_) RunStep(step, verbose);
}

size_t Executor::ReleaseIntermediates() {
  size_t released = 0;
  for (size_t i = 0; i < workspace_.size(); ++i) {
    if (keep_[i] || !workspace_[i].buffer()) continue;
    released += workspace_[i].buffer()->size();
    workspace_[i] = Tensor();
  }
  return released;
}

size_t Executor::WorkspaceBytes() const {
  size_t total = 0;
  for (const Tensor& t : workspace_)
    if (t.buffer()) total += t.buffer()->size();
  return total;
}

void InferGraphShapes(Graph& graph) {
  for (const Node& node : graph.nodes()) {
    const OpDef* def = OpRegistry::Global().Find(node.op);
    if (!def) continue;
    auto ctx = MakeContext(graph, node);
    auto& ins = ctx->input_refs();
    bool all_known = true;
    for (size_t i = 0; i < node.inputs.size(); ++i)
      for (size_t k = 0; k < node.inputs[i].values.size(); ++k) {
        ValueId v = node.inputs[i].values[k];
        if (v == kNoValue) continue;
        const Value& val = graph.value(v);
        ins[i][k].meta.dtype = val.dtype;
        ins[i][k].meta.shape = val.shape;
        ins[i][k].tensor = val.constant.get();
        if (!val.shape_known || !IsStatic(val.shape) || val.dtype == DataType::kUndefined)
          all_known = false;
      }
    try {
      def->infer(*ctx);
    } catch (const Error& e) {
      // With unknown dims an op may legitimately be unable to infer; with every input
      // known the model itself is inconsistent.
      if (all_known) RethrowWithNode(Error(ErrorCode::kInvalidModel, e.message()), node.Describe(graph));
      continue;
    }
    auto& bound = ctx->output_refs();
    for (size_t i = 0; i < node.outputs.size(); ++i)
      for (size_t k = 0; k < node.outputs[i].values.size(); ++k) {
        ValueId v = node.outputs[i].values[k];
        if (v == kNoValue || !bound[i][k].set) continue;
        Value& val = graph.value(v);
        val.dtype = bound[i][k].meta.dtype;
        val.shape = bound[i][k].meta.shape;
        val.shape_known = true;
      }
  }
}

}  // namespace pdinfer
