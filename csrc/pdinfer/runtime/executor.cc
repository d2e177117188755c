#include "pdinfer/runtime/executor.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "pdinfer/backends/cpu/dnnl_backend.h"

namespace pdinfer {

namespace {

bool EnvFlag(const char* name) {
  const char* v = std::getenv(name);
  return v && *v && std::string(v) != "0";
}

bool VerboseEnabled() { return EnvFlag("PDINFER_VERBOSE"); }

constexpr const char* kBackend = "onednn";

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
      last_step_(graph_->num_values(), -1),
      layouts_(graph_->num_values()),
      layout_ok_(graph_->num_values(), false) {
  for (ValueId v : graph_->inputs()) keep_[static_cast<size_t>(v)] = true;
  for (ValueId v : graph_->outputs()) keep_[static_cast<size_t>(v)] = true;
  const auto& nodes = graph_->nodes();
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& node = nodes[i];
    const OpDef* def = OpRegistry::Global().Find(node.op);
    PDI_CHECK(def, ErrorCode::kUnsupported, node.Describe(*graph_), ": op is not supported");
    Step step;
    step.node = &node;
    step.def = def;
    step.ctx = MakeContext(*graph_, node);
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
  CreateKernels();
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& node = nodes[i];
    if (!RunsInPlace(node.op)) continue;
    ValueId x = node.Input("X");
    ValueId out = node.Output("Out");
    if (x == kNoValue || out == kNoValue) continue;
    if (keep_[static_cast<size_t>(x)] || graph_->value(x).constant) continue;
    if (last_step_[static_cast<size_t>(x)] != static_cast<int>(i)) continue;
    // A kernel that turns a non-plain input into a plain output converts it first: the
    // two may not share storage.
    if (layout_ok_[static_cast<size_t>(x)] && !layout_ok_[static_cast<size_t>(out)]) continue;
    inplace_candidates_.emplace_back(x, out);
  }
}

const Tensor* Executor::ValueData(ValueId id) const {
  const Value& v = graph_->value(id);
  if (v.constant) return v.constant.get();
  const Tensor& t = workspace_.at(static_cast<size_t>(id));
  return t.defined() ? &t : nullptr;
}

void Executor::CreateKernels() {
  const size_t nv = graph_->num_values();
  if (options_.use_onednn && !EnvFlag("PDINFER_DISABLE_ONEDNN")) {
    KernelOptions kopts;
    kopts.bf16 = options_.onednn_bf16;
    kopts.cache_capacity = options_.onednn_cache_capacity;
    // PDINFER_ONEDNN_SKIP=op1,op2: run those ops with the reference kernels (debugging).
    const char* skip_env = std::getenv("PDINFER_ONEDNN_SKIP");
    const std::string skip = skip_env ? StrCat(",", skip_env, ",") : "";
    for (Step& step : steps_) {
      if (!skip.empty() && skip.find("," + step.node->op + ",") != std::string::npos) continue;
      for (const KernelDef* def : KernelRegistry::Global().Find(step.node->op, kBackend)) {
        bool ok = false;
        try {
          ok = def->accepts(*graph_, *step.node, kopts);
        } catch (const Error&) {
          ok = false;  // an attribute the kernel cannot read: the reference decides
        }
        if (!ok) continue;
        step.kernel = def->create(*graph_, *step.node, kopts);
        if (step.kernel) break;
      }
      if (step.kernel) ++backend_kernels_;
    }
  }
  // Which values may stay in a backend layout: see executor.h.
  std::vector<int> producers(nv, 0);
  std::vector<bool> readers_ok(nv, true);
  std::vector<int> readers(nv, 0);
  for (const Step& step : steps_) {
    const Node& node = *step.node;
    for (const Slot& s : node.outputs)
      for (ValueId v : s.values)
        if (v != kNoValue) ++producers[static_cast<size_t>(v)];
    for (const Slot& s : node.inputs)
      for (ValueId v : s.values) {
        if (v == kNoValue) continue;
        ++readers[static_cast<size_t>(v)];
        if (!step.kernel || !step.kernel->AcceptsLayout(s.name))
          readers_ok[static_cast<size_t>(v)] = false;
      }
  }
  const bool allow = !EnvFlag("PDINFER_ONEDNN_PLAIN");
  for (Step& step : steps_) {
    const Node& node = *step.node;
    step.io.in.clear();
    for (const Slot& s : node.inputs) step.io.in.emplace_back(s.values.size());
    step.io.out.clear();
    step.io.out_allowed.clear();
    for (const Slot& s : node.outputs) {
      step.io.out.emplace_back(s.values.size());
      std::vector<bool> allowed(s.values.size(), false);
      for (size_t k = 0; k < s.values.size(); ++k) {
        const ValueId v = s.values[k];
        if (!allow || v == kNoValue || !step.kernel || !step.kernel->ProducesLayout(s.name))
          continue;
        const size_t vi = static_cast<size_t>(v);
        if (keep_[vi] || graph_->value(v).constant || producers[vi] != 1 || readers[vi] == 0 ||
            !readers_ok[vi])
          continue;
        allowed[k] = true;
        layout_ok_[vi] = true;
      }
      step.io.out_allowed.push_back(std::move(allowed));
    }
    step.io.scratch = &scratch_;
  }
}

bool Executor::SamePrepareInputs(const Step& step) const {
  const auto& ins = step.ctx->input_refs();
  size_t j = 0;
  for (size_t i = 0; i < ins.size(); ++i)
    for (size_t k = 0; k < ins[i].size(); ++k, ++j) {
      const bool present = ins[i][k].tensor != nullptr;
      const TensorMeta& m = step.prepared_in[j];
      if (!present) {
        if (m.dtype != DataType::kUndefined) return false;
        continue;
      }
      if (m.dtype != ins[i][k].meta.dtype || m.shape != ins[i][k].meta.shape ||
          step.prepared_layouts[j] != step.io.in[i][k])
        return false;
    }
  return true;
}

void Executor::RememberPrepare(Step& step, bool ok) {
  auto& ins = step.ctx->input_refs();
  step.prepared_in.clear();
  step.prepared_layouts.clear();
  for (size_t i = 0; i < ins.size(); ++i)
    for (size_t k = 0; k < ins[i].size(); ++k) {
      TensorMeta m;
      if (ins[i][k].tensor) m = ins[i][k].meta;
      step.prepared_in.push_back(std::move(m));
      step.prepared_layouts.push_back(step.io.in[i][k]);
    }
  step.prepared_out.clear();
  for (const auto& slot : step.ctx->output_refs())
    for (const auto& ref : slot) step.prepared_out.push_back(ref.meta);
  step.prepared_out_layouts = step.io.out;
  step.prepared_ok = ok;
  step.prepared = true;
}

void Executor::AllocateOutput(Tensor* t, size_t v, DataType dtype, const Shape& shape,
                              size_t bytes, Mode mode) {
  if (mode == Mode::kPlanned && current_plan_->offset[v] >= 0) {
    if (bytes <= current_plan_->size[v]) {
      t->SetExternal(dtype, shape, arena_, static_cast<size_t>(current_plan_->offset[v]));
      return;
    }
    // A size the plan did not foresee (data-dependent shape): fall back to an own
    // buffer for this run and plan again next time.
    plan_stale_ = true;
  }
  const size_t logical = static_cast<size_t>(NumElements(shape)) * SizeOf(dtype);
  if (bytes <= logical ||
      (t->buffer() && t->buffer().use_count() == 1 && t->capacity() >= bytes)) {
    t->Resize(dtype, shape);
    return;
  }
  t->SetExternal(dtype, shape, std::make_shared<Buffer>(bytes), 0);
}

void Executor::RunStep(Step& step, size_t index, Mode mode, bool verbose) {
  const Node& node = *step.node;
  OpContext& ctx = *step.ctx;
  auto& ins = ctx.input_refs();
  bool any_layout = false;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const Slot& slot = node.inputs[i];
    for (size_t k = 0; k < slot.values.size(); ++k) {
      OpContext::InputRef& ref = ins[i][k];
      ValueId v = slot.values[k];
      if (v == kNoValue) {
        ref.tensor = nullptr;
        step.io.in[i][k] = nullptr;
        continue;
      }
      const Tensor* t = ValueData(v);
      PDI_ENFORCE_INTERNAL(t, node.Describe(*graph_), ": input '", graph_->value(v).name,
                           "' has not been computed");
      ref.tensor = t;
      ref.meta.dtype = t->dtype();
      ref.meta.shape = t->shape();
      step.io.in[i][k] = graph_->value(v).constant ? nullptr : layouts_[static_cast<size_t>(v)];
      if (step.io.in[i][k]) any_layout = true;
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
      step.io.out[i][k] = nullptr;
    }
  }
  ctx.set_runtime(true);
  auto t0 = std::chrono::steady_clock::now();
  bool use_kernel = false;
  try {
    if (step.kernel && step.prepared && SamePrepareInputs(step)) {
      // Same input shapes and layouts as last time: same output shapes, same primitive.
      size_t j = 0;
      for (size_t i = 0; i < node.outputs.size(); ++i)
        for (size_t k = 0; k < node.outputs[i].values.size(); ++k, ++j) {
          OpContext::OutputRef& ref = outs[i][k];
          if (!ref.tensor) continue;
          ref.meta = step.prepared_out[j];
          ref.set = true;
        }
      use_kernel = step.prepared_ok;
      if (use_kernel) step.io.out = step.prepared_out_layouts;
    } else {
      step.def->infer(ctx);
      if (step.kernel) {
        use_kernel = step.kernel->Prepare(ctx, step.io);
        RememberPrepare(step, use_kernel);
      }
    }
    if (!use_kernel) {
      for (auto& outs_i : step.io.out)
        for (auto& l : outs_i) l = nullptr;
    }
    auto& bound = ctx.output_refs();
    for (size_t i = 0; i < node.outputs.size(); ++i)
      for (size_t k = 0; k < node.outputs[i].values.size(); ++k) {
        OpContext::OutputRef& ref = bound[i][k];
        if (!ref.tensor) continue;
        PDI_ENFORCE_INTERNAL(ref.set, "shape inference did not set output '",
                             node.outputs[i].name, "'");
        size_t v = static_cast<size_t>(node.outputs[i].values[k]);
        size_t bytes = static_cast<size_t>(NumElements(ref.meta.shape)) * SizeOf(ref.meta.dtype);
        const LayoutPtr& layout = step.io.out[i][k];
        if (layout) bytes = std::max(bytes, layout->nbytes());
        AllocateOutput(ref.tensor, v, ref.meta.dtype, ref.meta.shape, bytes, mode);
      }
    if (use_kernel) {
      step.kernel->Run(ctx, step.io);
    } else {
      if (any_layout) {
        // Backend-layout inputs reaching the reference compute: hand it plain copies.
        size_t count = 0;
        for (auto& l : step.io.in)
          for (auto& p : l)
            if (p) ++count;
        if (step.plain_inputs.size() < count) step.plain_inputs.resize(count);
        size_t used = 0;
        for (size_t i = 0; i < node.inputs.size(); ++i)
          for (size_t k = 0; k < node.inputs[i].values.size(); ++k) {
            const LayoutPtr& l = step.io.in[i][k];
            if (!l) continue;
            const Tensor& src = *ins[i][k].tensor;
            Tensor& tmp = step.plain_inputs[used++];
            tmp.Resize(src.dtype(), src.shape());
            l->ToPlain(src, tmp);
            ins[i][k].tensor = &tmp;
          }
      }
      step.def->compute(ctx);
    }
    for (size_t i = 0; i < node.outputs.size(); ++i)
      for (size_t k = 0; k < node.outputs[i].values.size(); ++k) {
        ValueId v = node.outputs[i].values[k];
        if (v != kNoValue) layouts_[static_cast<size_t>(v)] = step.io.out[i][k];
      }
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
        if (v != kNoValue) {
          shapes += " " + ShapeToString(workspace_[static_cast<size_t>(v)].shape());
          const LayoutPtr& l = layouts_[static_cast<size_t>(v)];
          if (l) shapes += ":" + l->ToString();
        }
    std::string impl = use_kernel ? step.kernel->Describe() : "";
    std::fprintf(stderr, "[pdinfer] %-24s %-6s %8.3f ms  out%s%s%s\n", node.op.c_str(),
                 use_kernel ? kBackend : "ref", ms, shapes.c_str(), impl.empty() ? "" : "  ",
                 impl.c_str());
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
      if (v != kNoValue) {
        const size_t vi = static_cast<size_t>(v);
        size_t bytes = workspace_[vi].nbytes();
        if (layouts_[vi]) bytes = std::max(bytes, layouts_[vi]->nbytes());
        recorded_size_[vi] = bytes;
      }
  auto release = [&](ValueId v) {
    size_t i = static_cast<size_t>(v);
    if (v == kNoValue || keep_[i] || def_step_[i] < 0) return;
    if (last_step_[i] == static_cast<int>(index)) {
      workspace_[i] = Tensor();
      layouts_[i] = nullptr;
    }
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
  // oneDNN threads through OpenMP, whose thread count is per calling thread.
  if (backend_kernels_ > 0) onednn::PrepareCallingThread(pool_->num_threads());
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
#if defined(__GLIBC__)
    // A planning run frees many differently sized buffers (and, with backend kernels,
    // compiles new primitives); hand the freed heap back to the system so the process
    // size follows live memory across many input shapes. Only on new shapes: cheap.
    malloc_trim(0);
#endif
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
  s.backend_kernels = backend_kernels_;
  for (const Step& step : steps_)
    if (step.kernel) s.kernel_cache_entries += step.kernel->CacheEntries();
  s.kernel_scratch_bytes = scratch_.bytes();
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
    layouts_[i] = nullptr;
  }
  released += scratch_.bytes();
  scratch_.Release();
  for (Step& step : steps_) {
    for (const Tensor& t : step.plain_inputs) released += t.capacity();
    step.plain_inputs.clear();
  }
  return released;
}

size_t Executor::WorkspaceBytes() const {
  size_t total = scratch_.bytes();
  for (const Tensor& t : workspace_)
    if (t.buffer()) total += t.buffer()->size();
  return total;
}

std::vector<std::string> BackendOps(const std::string& backend) {
  return KernelRegistry::Global().Ops(backend);
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
