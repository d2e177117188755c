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

namespace {

// Ops whose kernels read each input element before writing the output element at the
// same index (single pass), so the output may overwrite a dying first input.
bool RunsInPlace(const std::string& op) {
  static const char* kOps[] = {
      "relu", "relu6", "sigmoid", "tanh", "hard_swish", "hard_sigmoid", "swish", "silu",
      "gelu", "leaky_relu", "elu", "exp", "sqrt", "abs", "scale", "elementwise_add",
      "elementwise_sub", "elementwise_mul", "elementwise_div", "elementwise_max",
      "elementwise_min"};
  for (const char* k : kOps)
    if (op == k) return true;
  return false;
}

}  // namespace

Executor::Executor(std::shared_ptr<const Graph> graph, const ExecutorOptions& options)
    : options_(options),
      graph_(std::move(graph)),
      pool_(std::make_unique<ThreadPool>(options.num_threads)),
      workspace_(graph_->num_values()),
      keep_(graph_->num_values(), false),
      def_step_(graph_->num_values(), -1),
      last_step_(graph_->num_values(), -1) {
  for (ValueId v : graph_->inputs()) keep_[static_cast<size_t>(v)] = true;
  for (ValueId v : graph_->outputs()) keep_[static_cast<size_t>(v)] = true;
  const auto& nodes = graph_->nodes();
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& node = nodes[i];
    const OpDef* def = OpRegistry::Global().Find(node.op);
    PDI_CHECK(def, ErrorCode::kUnsupported, node.Describe(*graph_), ": op is not supported");
    Step step{&node, def, MakeContext(*graph_, node)};
    step.ctx->set_pool(pool_.get());
    steps_.push_back(std::move(step));
    int si = static_cast<int>(i);
    for (const Slot& s : node.inputs)
      for (ValueId v : s.values)
        if (v != kNoValue) last_step_[static_cast<size_t>(v)] = si;
    for (const Slot& s : node.outputs)
      for (ValueId v : s.values)
        if (v != kNoValue && def_step_[static_cast<size_t>(v)] < 0) {
          def_step_[static_cast<size_t>(v)] = si;
          last_step_[static_cast<size_t>(v)] = std::max(last_step_[static_cast<size_t>(v)], si);
        }
  }
  for (size_t v = 0; v < def_step_.size(); ++v)
    if (def_step_[v] >= 0) last_step_[v] = std::max(last_step_[v], def_step_[v]);
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& node = nodes[i];
    if (!RunsInPlace(node.op)) continue;
    ValueId x = node.Input("X");
    ValueId out = node.Output("Out");
    if (x == kNoValue || out == kNoValue) continue;
    if (keep_[static_cast<size_t>(x)] || graph_->value(x).constant) continue;
    if (last_step_[static_cast<size_t>(x)] != static_cast<int>(i)) continue;
    inplace_candidates_.emplace_back(x, out);
  }
}

const Tensor* Executor::ValueData(ValueId id) const {
  const Value& v = graph_->value(id);
  if (v.constant) return v.constant.get();
  const Tensor& t = workspace_.at(static_cast<size_t>(id));
  return t.defined() ? &t : nullptr;
}

void Executor::RunStep(Step& step, size_t index, Mode mode, bool verbose) {
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
        size_t v = static_cast<size_t>(node.outputs[i].values[k]);
        if (mode == Mode::kPlanned && current_plan_->offset[v] >= 0) {
          size_t need = static_cast<size_t>(NumElements(ref.meta.shape)) * SizeOf(ref.meta.dtype);
          if (need <= current_plan_->size[v]) {
            ref.tensor->SetExternal(ref.meta.dtype, ref.meta.shape, arena_,
                                    static_cast<size_t>(current_plan_->offset[v]));
            continue;
          }
          // A size the plan did not foresee (data-dependent shape): fall back to an own
          // buffer for this run and plan again next time.
          plan_stale_ = true;
        }
        ref.tensor->Resize(ref.meta.dtype, ref.meta.shape);
      }
    step.def->compute(ctx);
    if (mode == Mode::kRecord) ReleaseDeadAfterRecording(node, index);
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

std::string Executor::InputSignature() const {
  std::string sig;
  for (ValueId v : graph_->inputs()) {
    const Tensor& t = workspace_[static_cast<size_t>(v)];
    sig += std::to_string(static_cast<int>(t.dtype()));
    for (int64_t d : t.shape()) {
      sig += ',';
      sig += std::to_string(d);
    }
    sig += ';';
  }
  return sig;
}

std::shared_ptr<MemoryPlan> Executor::LookupPlan(const std::string& sig) {
  for (auto it = plans_.begin(); it != plans_.end(); ++it)
    if (it->first == sig) {
      plans_.splice(plans_.begin(), plans_, it);  // most recently used first
      return it->second;
    }
  return nullptr;
}

void Executor::ReleaseDeadAfterRecording(const Node& node, size_t index) {
  // Sizes are all the plan needs; buffers whose last reader has run go back at once so
  // the planning run's peak is the live set, not the sum of every intermediate.
  for (const Slot& s : node.outputs)
    for (ValueId v : s.values)
      if (v != kNoValue) recorded_size_[static_cast<size_t>(v)] = workspace_[static_cast<size_t>(v)].nbytes();
  auto release = [&](ValueId v) {
    size_t i = static_cast<size_t>(v);
    if (v == kNoValue || keep_[i] || def_step_[i] < 0) return;
    if (last_step_[i] == static_cast<int>(index)) workspace_[i] = Tensor();
  };
  for (const Slot& s : node.inputs)
    for (ValueId v : s.values) release(v);
  for (const Slot& s : node.outputs)
    for (ValueId v : s.values) release(v);
}

std::shared_ptr<MemoryPlan> Executor::BuildPlan() const {
  PlanRequest req;
  size_t n = workspace_.size();
  req.size.assign(n, 0);
  req.def = def_step_;
  req.last = last_step_;
  for (size_t v = 0; v < n; ++v) {
    if (keep_[v] || def_step_[v] < 0) continue;
    req.size[v] = recorded_size_[v];
  }
  req.inplace = inplace_candidates_;
  return std::make_shared<MemoryPlan>(PlanArena(req));
}

void Executor::Run() {
  bool verbose = VerboseEnabled();
  for (ValueId v : graph_->inputs())
    PDI_ENFORCE_ARG(workspace_[static_cast<size_t>(v)].defined() &&
                        workspace_[static_cast<size_t>(v)].has_data(),
                    "input '", graph_->value(v).name,
                    "' has not been set: copy data into it (copy_from_cpu / CopyFromCpu) before run()");
  if (!options_.memory_optim) {
    for (size_t i = 0; i < steps_.size(); ++i) RunStep(steps_[i], i, Mode::kDynamic, verbose);
    return;
  }
  std::string sig = InputSignature();
  std::shared_ptr<MemoryPlan> plan = LookupPlan(sig);
  if (!plan) {
    // Planning step: run with own buffers, measure every intermediate, plan the arena,
    // then give the buffers back (the next run of this shape lives in the arena).
    current_plan_.reset();
    recorded_size_.assign(workspace_.size(), 0);
    for (size_t i = 0; i < steps_.size(); ++i) RunStep(steps_[i], i, Mode::kRecord, verbose);
    plan = BuildPlan();
    ++plans_built_;
    plans_.emplace_front(sig, plan);
    while (plans_.size() > std::max<size_t>(1, options_.plan_cache_capacity)) plans_.pop_back();
    current_plan_ = plan;
    for (size_t v = 0; v < workspace_.size(); ++v)
      if (plan->offset[v] >= 0) workspace_[v] = Tensor();
    return;
  }
  current_plan_ = plan;
  if (!arena_ || arena_->size() < plan->arena_bytes) {
    // Drop every view of the old arena first so it is freed before the new one exists.
    for (size_t v = 0; v < workspace_.size(); ++v)
      if (!keep_[v] && arena_ && workspace_[v].buffer() == arena_) workspace_[v] = Tensor();
    arena_.reset();
    arena_ = std::make_shared<Buffer>(plan->arena_bytes);
  }
  plan_stale_ = false;
  for (size_t i = 0; i < steps_.size(); ++i) RunStep(steps_[i], i, Mode::kPlanned, verbose);
  if (plan_stale_) {
    for (auto it = plans_.begin(); it != plans_.end(); ++it)
      if (it->second == plan) {
        plans_.erase(it);
        break;
      }
  }
}

void Executor::DropOtherPlans() {
  std::list<std::pair<std::string, std::shared_ptr<MemoryPlan>>> keep;
  for (auto& p : plans_)
    if (p.second == current_plan_) keep.push_back(p);
  plans_.swap(keep);
}

size_t Executor::ShrinkMemory() {
  size_t released = 0;
  DropOtherPlans();
  size_t need = current_plan_ ? current_plan_->arena_bytes : 0;
  if (arena_ && arena_->size() > need) {
    released += arena_->size() - need;
    for (size_t v = 0; v < workspace_.size(); ++v)
      if (!keep_[v] && workspace_[v].buffer() == arena_) workspace_[v] = Tensor();
    arena_ = need ? std::make_shared<Buffer>(need) : nullptr;
  }
  return released;
}

MemoryStats Executor::memory_stats() const {
  MemoryStats s;
  s.arena_bytes = arena_ ? arena_->size() : 0;
  if (current_plan_) {
    s.plan_arena_bytes = current_plan_->arena_bytes;
    s.unshared_bytes = current_plan_->unshared_bytes;
    s.inplace_ops = current_plan_->inplace_pairs;
  }
  for (const Tensor& t : workspace_)
    if (t.buffer() && t.buffer() != arena_) s.own_buffer_bytes += t.buffer()->size();
  s.cached_plans = plans_.size();
  s.plans_built = plans_built_;
  return s;
}

size_t Executor::ReleaseIntermediates() {
  size_t released = 0;
  DropOtherPlans();
  std::shared_ptr<Buffer> old_arena = std::move(arena_);
  if (old_arena) released += old_arena->size();
  for (size_t i = 0; i < workspace_.size(); ++i) {
    if (keep_[i] || !workspace_[i].buffer()) continue;
    if (workspace_[i].buffer() != old_arena) released += workspace_[i].buffer()->size();
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
