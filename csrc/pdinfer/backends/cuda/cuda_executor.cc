#include "pdinfer/backends/cuda/cuda_executor.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace pdinfer {
namespace cuda {

namespace {

bool EnvFlag(const char* name) {
  const char* v = std::getenv(name);
  return v && *v && std::string(v) != "0";
}

// Shape inference of these inputs may read their data (shape/index/size tensors): keep
// a host copy of small integer tensors before running `infer`.
bool NeedsHostValue(const Tensor& t) {
  const DataType d = t.dtype();
  return (d == DataType::kInt32 || d == DataType::kInt64 || d == DataType::kBool) &&
         t.numel() <= 64;
}

void SetDeviceView(Tensor* t, DataType dtype, const Shape& shape, void* ptr, size_t bytes) {
  t->SetExternal(dtype, shape, std::make_shared<Buffer>(ptr, bytes, nullptr), 0);
}

size_t Align(size_t n) { return (n + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment; }

}  // namespace

CudaExecutor::CudaExecutor(std::shared_ptr<const Graph> graph, const DeviceExecutorOptions& options)
    : options_(options), graph_(std::move(graph)), host_pool_(std::make_unique<ThreadPool>(1)) {
  PDI_CHECK(options_.precision == DevicePrecision::kFloat32, ErrorCode::kUnsupported,
            "enable_use_gpu(): fp16 (PrecisionType.Half) execution is not implemented by the "
            "CUDA backend yet; use PrecisionType.Float32");
  if (EnvFlag("PDINFER_CUDA_NO_GRAPH")) options_.cuda_graph = false;
  env_.device = options_.device_id;
  env_.allow_tf32 = options_.allow_tf32;
  PDI_CUDA_CHECK(cudaSetDevice(env_.device));
  PDI_CUDA_CHECK(cudaStreamCreateWithFlags(&env_.stream, cudaStreamNonBlocking));
#if PDINFER_CUDA_HAVE_CUBLAS
  PDI_CHECK(cublasLtCreate(&env_.lt) == CUBLAS_STATUS_SUCCESS, ErrorCode::kInternal,
            "cublasLtCreate failed");
#endif
#if PDINFER_CUDA_HAVE_CUDNN
  PDI_CHECK(cudnnCreate(&env_.dnn) == CUDNN_STATUS_SUCCESS, ErrorCode::kInternal,
            "cudnnCreate failed");
  cudnnSetStream(env_.dnn, env_.stream);
#endif
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, env_.device) == cudaSuccess) device_name_ = prop.name;

  const size_t nv = graph_->num_values();
  dev_.resize(nv);
  host_.resize(nv);
  host_valid_.assign(nv, false);
  own_.resize(nv);
  keep_.assign(nv, false);
  def_step_.assign(nv, -1);
  last_step_.assign(nv, -1);
  recorded_size_.assign(nv, 0);
  bound_outputs_.assign(graph_->outputs().size(), nullptr);
  bound_capacity_.assign(graph_->outputs().size(), 0);
  for (ValueId v : graph_->inputs()) keep_[static_cast<size_t>(v)] = true;
  for (ValueId v : graph_->outputs()) keep_[static_cast<size_t>(v)] = true;

  const bool host_only = EnvFlag("PDINFER_CUDA_HOST_ONLY");  // debugging: every node on host
  const auto& nodes = graph_->nodes();
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& node = nodes[i];
    Step step;
    step.node = &node;
    step.def = OpRegistry::Global().Find(node.op);
    PDI_CHECK(step.def, ErrorCode::kUnsupported, node.Describe(*graph_), ": op is not supported");
    step.ctx = std::make_unique<OpContext>(*graph_, node);
    std::vector<std::vector<OpContext::InputRef>> ins;
    for (const Slot& s : node.inputs) ins.emplace_back(s.values.size());
    std::vector<std::vector<OpContext::OutputRef>> outs;
    for (const Slot& s : node.outputs) outs.emplace_back(s.values.size());
    step.ctx->Bind(std::move(ins), std::move(outs), nullptr, true);
    if (!host_only)
      if (const CudaKernelDef* kd = CudaKernelRegistry::Global().Find(node.op, *graph_, node))
        step.kernel = kd->create(*graph_, node);
    if (step.kernel) ++device_kernels_;
    else ++host_fallbacks_;
    const int si = static_cast<int>(i);
    for (const Slot& s : node.inputs)
      for (ValueId v : s.values)
        if (v != kNoValue) last_step_[static_cast<size_t>(v)] = si;
    for (const Slot& s : node.outputs)
      for (ValueId v : s.values)
        if (v != kNoValue && def_step_[static_cast<size_t>(v)] < 0)
          def_step_[static_cast<size_t>(v)] = si;
    steps_.push_back(std::move(step));
  }
  for (size_t v = 0; v < nv; ++v)
    if (def_step_[v] >= 0) last_step_[v] = std::max(last_step_[v], def_step_[v]);
  UploadConstants();
  if (options_.memory_pool_mb > 0) EnsureArena(options_.memory_pool_mb << 20);
}

CudaExecutor::~CudaExecutor() {
  cudaSetDevice(env_.device);
  if (env_.stream) cudaStreamSynchronize(env_.stream);
  DropGraphs();
  for (OwnBuf& b : own_)
    if (b.ptr) cudaFree(b.ptr);
  for (OwnBuf& b : weights_)
    if (b.ptr) cudaFree(b.ptr);
  if (arena_.ptr) cudaFree(arena_.ptr);
  env_.ReleaseScratch();
#if PDINFER_CUDA_HAVE_CUBLAS
  if (env_.lt) cublasLtDestroy(env_.lt);
#endif
#if PDINFER_CUDA_HAVE_CUDNN
  if (env_.dnn) cudnnDestroy(env_.dnn);
#endif
  if (env_.stream) cudaStreamDestroy(env_.stream);
}

void CudaExecutor::UploadConstants() {
  // Weights are uploaded once per executor. (Clones re-upload: sharing them between
  // predictors of one graph is a listed follow-up.)
  weights_.resize(graph_->num_values());
  for (size_t v = 0; v < graph_->num_values(); ++v) {
    const Value& val = graph_->value(static_cast<ValueId>(v));
    if (!val.constant) continue;
    const Tensor& c = *val.constant;
    host_[v].ShareFrom(c);
    host_valid_[v] = true;
    const size_t bytes = std::max<size_t>(c.nbytes(), 1);
    PDI_CUDA_CHECK(cudaMalloc(&weights_[v].ptr, bytes));
    weights_[v].bytes = bytes;
    if (c.nbytes())
      PDI_CUDA_CHECK(cudaMemcpy(weights_[v].ptr, c.raw_data(), c.nbytes(), cudaMemcpyHostToDevice));
    SetDeviceView(&dev_[v], c.dtype(), c.shape(), weights_[v].ptr, bytes);
    weights_bytes_ += c.nbytes();
  }
}

std::string CudaExecutor::Signature(const DeviceRunIO& io) const {
  std::string sig;
  for (const Tensor* t : io.inputs) {
    sig += std::to_string(static_cast<int>(t->dtype()));
    for (int64_t d : t->shape()) sig += "," + std::to_string(d);
    sig += ';';
  }
  return sig;
}

CudaExecutor::Plan* CudaExecutor::LookupPlan(const std::string& sig) {
  for (auto it = plans_.begin(); it != plans_.end(); ++it)
    if (it->signature == sig) {
      plans_.splice(plans_.begin(), plans_, it);
      return &plans_.front();
    }
  return nullptr;
}

void CudaExecutor::BuildPlan(const std::string& sig) {
  PlanRequest req;
  const size_t nv = graph_->num_values();
  req.size.assign(nv, 0);
  req.def = def_step_;
  req.last = last_step_;
  for (size_t v = 0; v < nv; ++v)
    if (!keep_[v] && !graph_->value(static_cast<ValueId>(v)).constant && def_step_[v] >= 0)
      req.size[v] = recorded_size_[v];
  Plan plan;
  plan.signature = sig;
  plan.memory = PlanArena(req);
  plans_.push_front(std::move(plan));
  ++plans_built_;
  while (plans_.size() > std::max<size_t>(options_.plan_cache_capacity, 1)) {
    if (plans_.back().exec) cudaGraphExecDestroy(plans_.back().exec);
    plans_.pop_back();
  }
}

void CudaExecutor::EnsureArena(size_t bytes) {
  if (arena_.bytes >= bytes) return;
  PDI_CUDA_CHECK(cudaStreamSynchronize(env_.stream));
  DropGraphs();  // captured graphs point into the old arena
  if (arena_.ptr) PDI_CUDA_CHECK(cudaFree(arena_.ptr));
  arena_ = OwnBuf{};
  PDI_CUDA_CHECK(cudaMalloc(&arena_.ptr, bytes));
  arena_.bytes = bytes;
}

void CudaExecutor::DropGraphs() {
  for (Plan& p : plans_)
    if (p.exec) {
      cudaGraphExecDestroy(p.exec);
      p.exec = nullptr;
    }
}

void CudaExecutor::FreeOwn(size_t v) {
  if (!own_[v].ptr) return;
  PDI_CUDA_CHECK(cudaFreeAsync(own_[v].ptr, env_.stream));
  own_[v] = OwnBuf{};
}

void CudaExecutor::AllocateValue(size_t v, DataType dtype, const Shape& shape, Mode mode) {
  const size_t bytes = static_cast<size_t>(NumElements(shape)) * SizeOf(dtype);
  if (mode == Mode::kPlanned && current_ && current_->memory.offset[v] >= 0 &&
      bytes <= current_->memory.size[v]) {
    SetDeviceView(&dev_[v], dtype, shape,
                  static_cast<char*>(arena_.ptr) + current_->memory.offset[v], bytes);
    return;
  }
  if (mode == Mode::kPlanned && current_ && current_->memory.offset[v] >= 0) {
    clean_run_ = false;  // a data-dependent size the plan did not foresee
    current_->capturable = false;
  }
  recorded_size_[v] = std::max(recorded_size_[v], Align(std::max<size_t>(bytes, 1)));
  if (own_[v].bytes < bytes || !own_[v].ptr) {
    if (keep_[v] && own_[v].ptr) {  // captured graphs may write this output buffer
      PDI_CUDA_CHECK(cudaStreamSynchronize(env_.stream));
      DropGraphs();
    }
    FreeOwn(v);
    const size_t want = Align(std::max<size_t>(bytes, 1));
    PDI_CUDA_CHECK(cudaMallocAsync(&own_[v].ptr, want, env_.stream));
    own_[v].bytes = want;
  }
  SetDeviceView(&dev_[v], dtype, shape, own_[v].ptr, bytes);
}

void CudaExecutor::BindInputs(const DeviceRunIO& io) {
  const auto& inputs = graph_->inputs();
  PDI_ENFORCE_INTERNAL(io.inputs.size() == inputs.size(), "input count mismatch");
  DeviceBackend& backend = GetDeviceBackend("cuda");
  for (size_t i = 0; i < inputs.size(); ++i) {
    const size_t v = static_cast<size_t>(inputs[i]);
    const Tensor& t = *io.inputs[i];
    const size_t bytes = t.nbytes();
    void* p = const_cast<void*>(t.raw_data());
    if (bytes && p && backend.IsDevicePointer(p)) {  // zero-copy device input
      SetDeviceView(&dev_[v], t.dtype(), t.shape(), p, bytes);
      host_valid_[v] = false;
      continue;
    }
    if (own_[v].bytes < bytes || !own_[v].ptr) {
      if (own_[v].ptr) {
        PDI_CUDA_CHECK(cudaStreamSynchronize(env_.stream));
        DropGraphs();
        PDI_CUDA_CHECK(cudaFree(own_[v].ptr));
      }
      own_[v] = OwnBuf{};
      const size_t want = Align(std::max<size_t>(bytes, 1));
      PDI_CUDA_CHECK(cudaMalloc(&own_[v].ptr, want));
      own_[v].bytes = want;
    }
    if (bytes)
      PDI_CUDA_CHECK(cudaMemcpyAsync(own_[v].ptr, p, bytes, cudaMemcpyHostToDevice, env_.stream));
    SetDeviceView(&dev_[v], t.dtype(), t.shape(), own_[v].ptr, bytes);
    host_[v].ShareFrom(t);
    host_valid_[v] = true;
  }
}

void CudaExecutor::MirrorToHost(size_t v) {
  if (host_valid_[v]) return;
  const Tensor& d = dev_[v];
  host_[v].Resize(d.dtype(), d.shape());
  if (d.nbytes()) {
    PDI_CUDA_CHECK(cudaMemcpyAsync(host_[v].raw_data(), d.raw_data(), d.nbytes(),
                                   cudaMemcpyDeviceToHost, env_.stream));
    PDI_CUDA_CHECK(cudaStreamSynchronize(env_.stream));
  }
  host_valid_[v] = true;
  clean_run_ = false;
}

void CudaExecutor::HostFallback(Step& step) {
  const Node& node = *step.node;
  OpContext& ctx = *step.ctx;
  auto& ins = ctx.input_refs();
  for (size_t i = 0; i < node.inputs.size(); ++i)
    for (size_t k = 0; k < node.inputs[i].values.size(); ++k) {
      const ValueId v = node.inputs[i].values[k];
      if (v == kNoValue) continue;
      MirrorToHost(static_cast<size_t>(v));
      ins[i][k].tensor = &host_[static_cast<size_t>(v)];
    }
  auto& outs = ctx.output_refs();
  for (size_t i = 0; i < node.outputs.size(); ++i)
    for (size_t k = 0; k < node.outputs[i].values.size(); ++k) {
      const ValueId v = node.outputs[i].values[k];
      if (v == kNoValue) continue;
      Tensor& h = host_[static_cast<size_t>(v)];
      h.Resize(outs[i][k].meta.dtype, outs[i][k].meta.shape);
      outs[i][k].tensor = &h;
    }
  ctx.set_pool(host_pool_.get());
  step.def->compute(ctx);
  for (size_t i = 0; i < node.outputs.size(); ++i)
    for (size_t k = 0; k < node.outputs[i].values.size(); ++k) {
      const ValueId v = node.outputs[i].values[k];
      if (v == kNoValue) continue;
      const size_t vi = static_cast<size_t>(v);
      host_valid_[vi] = true;
      if (host_[vi].nbytes())
        PDI_CUDA_CHECK(cudaMemcpyAsync(dev_[vi].raw_data(), host_[vi].raw_data(),
                                       host_[vi].nbytes(), cudaMemcpyHostToDevice, env_.stream));
      outs[i][k].tensor = &dev_[vi];
    }
  // Pageable host memory: the copies above complete before cudaMemcpyAsync returns for
  // small sizes only; synchronize so the host buffers may be reused.
  PDI_CUDA_CHECK(cudaStreamSynchronize(env_.stream));
  clean_run_ = false;
}

void CudaExecutor::RunStep(Step& step, size_t index, Mode mode) {
  const Node& node = *step.node;
  OpContext& ctx = *step.ctx;
  auto& ins = ctx.input_refs();
  try {
    // 1. shape inference on the host, with host copies of values it may read.
    for (size_t i = 0; i < node.inputs.size(); ++i)
      for (size_t k = 0; k < node.inputs[i].values.size(); ++k) {
        OpContext::InputRef& ref = ins[i][k];
        const ValueId v = node.inputs[i].values[k];
        if (v == kNoValue) {
          ref.tensor = nullptr;
          continue;
        }
        const size_t vi = static_cast<size_t>(v);
        const Tensor& d = dev_[vi];
        PDI_ENFORCE_INTERNAL(d.defined(), "input '", graph_->value(v).name, "' has not been computed");
        ref.meta.dtype = d.dtype();
        ref.meta.shape = d.shape();
        if (!host_valid_[vi] && NeedsHostValue(d)) MirrorToHost(vi);
        ref.tensor = host_valid_[vi] ? &host_[vi] : nullptr;
      }
    auto& outs = ctx.output_refs();
    for (size_t i = 0; i < node.outputs.size(); ++i)
      for (size_t k = 0; k < node.outputs[i].values.size(); ++k) {
        const ValueId v = node.outputs[i].values[k];
        outs[i][k].set = false;
        outs[i][k].tensor = v == kNoValue ? nullptr : &dev_[static_cast<size_t>(v)];
      }
    try {
      step.def->infer(ctx);
    } catch (const Error&) {
      // It may have needed the data of a bigger or float input: retry with every input
      // on the host.
      for (size_t i = 0; i < node.inputs.size(); ++i)
        for (size_t k = 0; k < node.inputs[i].values.size(); ++k) {
          const ValueId v = node.inputs[i].values[k];
          if (v == kNoValue) continue;
          MirrorToHost(static_cast<size_t>(v));
          ins[i][k].tensor = &host_[static_cast<size_t>(v)];
        }
      for (auto& o : outs)
        for (auto& r : o) r.set = false;
      step.def->infer(ctx);
    }
    // Small results computable on the host (shape tensors, index arithmetic): compute
    // there and upload as kernel parameters, so later shape inference reads them
    // without a device round trip and the step stays capturable.
    if (TrySmallHostStep(step)) return;
    // 2. device storage for the outputs.
    for (size_t i = 0; i < node.outputs.size(); ++i)
      for (size_t k = 0; k < node.outputs[i].values.size(); ++k) {
        const ValueId v = node.outputs[i].values[k];
        if (v == kNoValue) continue;
        PDI_ENFORCE_INTERNAL(outs[i][k].set, "shape inference did not set output '",
                             node.outputs[i].name, "'");
        const size_t vi = static_cast<size_t>(v);
        AllocateValue(vi, outs[i][k].meta.dtype, outs[i][k].meta.shape, mode);
        host_valid_[vi] = false;
      }
    // 3. the kernel.
    bool done = false;
    if (step.kernel) {
      for (size_t i = 0; i < node.inputs.size(); ++i)
        for (size_t k = 0; k < node.inputs[i].values.size(); ++k) {
          const ValueId v = node.inputs[i].values[k];
          ins[i][k].tensor = v == kNoValue ? nullptr : &dev_[static_cast<size_t>(v)];
        }
      done = step.kernel->Run(ctx, env_);
      if (done) PDI_CUDA_CHECK(cudaGetLastError());
    }
    if (!done) HostFallback(step);
  } catch (const Error& e) {
    const std::string where = node.Describe(*graph_);
    if (e.message().find(where) != std::string::npos) throw;
    throw Error(e.code(), where + " [cuda]: " + e.message());
  }
  if (mode == Mode::kRecord) {
    // Free what no later step reads, so the recording run's peak stays close to the plan's.
    for (const Slot& s : node.inputs)
      for (ValueId v : s.values) {
        if (v == kNoValue) continue;
        const size_t vi = static_cast<size_t>(v);
        if (!keep_[vi] && !graph_->value(v).constant && last_step_[vi] == static_cast<int>(index))
          FreeOwn(vi);
      }
  }
}

bool CudaExecutor::TrySmallHostStep(Step& step) {
  const Node& node = *step.node;
  OpContext& ctx = *step.ctx;
  const bool meta_only = node.op == "shape" || node.op == "shape64" || node.op == "size";
  auto& ins = ctx.input_refs();
  auto& outs = ctx.output_refs();
  for (size_t i = 0; i < node.outputs.size(); ++i)
    for (size_t k = 0; k < node.outputs[i].values.size(); ++k) {
      if (node.outputs[i].values[k] == kNoValue) continue;
      const TensorMeta& m = outs[i][k].meta;
      if (!outs[i][k].set || m.dtype == DataType::kFloat32 || m.dtype == DataType::kFloat16 ||
          static_cast<size_t>(NumElements(m.shape)) * SizeOf(m.dtype) > kSmallUploadBytes)
        return false;
    }
  for (size_t i = 0; i < node.inputs.size(); ++i)
    for (size_t k = 0; k < node.inputs[i].values.size(); ++k) {
      const ValueId v = node.inputs[i].values[k];
      if (v == kNoValue) continue;
      const size_t vi = static_cast<size_t>(v);
      if (meta_only) {
        ins[i][k].tensor = &dev_[vi];  // only its shape is read
      } else if (host_valid_[vi]) {
        ins[i][k].tensor = &host_[vi];
      } else {
        return false;
      }
    }
  for (size_t i = 0; i < node.outputs.size(); ++i)
    for (size_t k = 0; k < node.outputs[i].values.size(); ++k) {
      const ValueId v = node.outputs[i].values[k];
      if (v == kNoValue) continue;
      Tensor& h = host_[static_cast<size_t>(v)];
      h.Resize(outs[i][k].meta.dtype, outs[i][k].meta.shape);
      outs[i][k].tensor = &h;
    }
  ctx.set_pool(host_pool_.get());
  step.def->compute(ctx);
  for (size_t i = 0; i < node.outputs.size(); ++i)
    for (size_t k = 0; k < node.outputs[i].values.size(); ++k) {
      const ValueId v = node.outputs[i].values[k];
      if (v == kNoValue) continue;
      const size_t vi = static_cast<size_t>(v);
      AllocateValue(vi, host_[vi].dtype(), host_[vi].shape(), current_ ? Mode::kPlanned : Mode::kRecord);
      UploadSmall(dev_[vi].raw_data(), host_[vi].raw_data(), host_[vi].nbytes(), env_.stream);
      host_valid_[vi] = true;
      outs[i][k].tensor = &dev_[vi];
    }
  return true;
}

bool CudaExecutor::CanReplay(const Plan& plan) const {
  if (!plan.exec) return false;
  for (size_t i = 0; i < graph_->inputs().size(); ++i)
    if (dev_[static_cast<size_t>(graph_->inputs()[i])].raw_data() != plan.input_ptrs[i]) return false;
  return true;
}

void CudaExecutor::DownloadOutputs(const DeviceRunIO& io, const Plan* replayed) {
  const auto& outputs = graph_->outputs();
  for (size_t i = 0; i < outputs.size(); ++i) {
    const size_t v = static_cast<size_t>(outputs[i]);
    DataType dtype;
    Shape shape;
    const void* src;
    if (replayed) {
      dtype = replayed->output_meta[i].first;
      shape = replayed->output_meta[i].second;
      src = replayed->output_ptrs[i];
    } else {
      dtype = dev_[v].dtype();
      shape = dev_[v].shape();
      src = dev_[v].raw_data();
    }
    const size_t bytes = static_cast<size_t>(NumElements(shape)) * SizeOf(dtype);
    if (bound_outputs_[i]) {
      PDI_ENFORCE_ARG(bytes <= bound_capacity_[i], "output '", graph_->value(outputs[i]).name,
                      "' needs ", bytes, " bytes but the bound device buffer holds ",
                      bound_capacity_[i]);
      if (bytes)
        PDI_CUDA_CHECK(cudaMemcpyAsync(bound_outputs_[i], src, bytes, cudaMemcpyDeviceToDevice,
                                       env_.stream));
      // The host tensor carries the shape (no data) so output shape queries still work.
      SetDeviceView(io.outputs[i], dtype, shape, bound_outputs_[i], bytes);
      continue;
    }
    Tensor* out = io.outputs[i];
    out->Resize(dtype, shape);
    if (bytes)
      PDI_CUDA_CHECK(cudaMemcpyAsync(out->raw_data(), src, bytes, cudaMemcpyDeviceToHost, env_.stream));
  }
  PDI_CUDA_CHECK(cudaStreamSynchronize(env_.stream));
}

void CudaExecutor::Run(const DeviceRunIO& io) {
  PDI_CUDA_CHECK(cudaSetDevice(env_.device));
  BindInputs(io);
  const std::string sig = Signature(io);
  Plan* plan = LookupPlan(sig);
  if (plan && options_.memory_optim) {
    EnsureArena(plan->memory.arena_bytes);
    if (options_.cuda_graph && CanReplay(*plan)) {
      PDI_CUDA_CHECK(cudaGraphLaunch(plan->exec, env_.stream));
      ++replays_;
      DownloadOutputs(io, plan);
      return;
    }
  }
  const Mode mode = plan && options_.memory_optim ? Mode::kPlanned : Mode::kRecord;
  current_ = mode == Mode::kPlanned ? plan : nullptr;
  clean_run_ = true;
  const bool capture = mode == Mode::kPlanned && options_.cuda_graph && plan->capturable;
  if (capture) {
    PDI_CUDA_CHECK(cudaStreamBeginCapture(env_.stream, cudaStreamCaptureModeThreadLocal));
    cudaGraph_t g = nullptr;
    bool captured = true;
    try {
      for (size_t i = 0; i < steps_.size(); ++i) RunStep(steps_[i], i, mode);
    } catch (const Error&) {
      captured = false;  // something needed the host mid-capture: run eagerly below
    }
    cudaError_t end = cudaStreamEndCapture(env_.stream, &g);
    if (end != cudaSuccess) {
      cudaGetLastError();
      captured = false;
    }
    if (captured && clean_run_) {
      cudaGraphExec_t exec = nullptr;
      if (cudaGraphInstantiate(&exec, g, 0) == cudaSuccess) {
        plan->exec = exec;
        plan->input_ptrs.clear();
        for (ValueId v : graph_->inputs()) plan->input_ptrs.push_back(dev_[static_cast<size_t>(v)].raw_data());
        plan->output_meta.clear();
        plan->output_ptrs.clear();
        for (ValueId v : graph_->outputs()) {
          const Tensor& d = dev_[static_cast<size_t>(v)];
          plan->output_meta.emplace_back(d.dtype(), d.shape());
          plan->output_ptrs.push_back(d.raw_data());
        }
      } else {
        cudaGetLastError();
      }
    }
    if (g) cudaGraphDestroy(g);
    // Capture only recorded the work: launch it (or, when capture was abandoned, the
    // next run executes eagerly).
    if (plan->exec) {
      PDI_CUDA_CHECK(cudaGraphLaunch(plan->exec, env_.stream));
      ++replays_;
      DownloadOutputs(io, plan);
      return;
    }
    plan->capturable = false;
    clean_run_ = true;
    for (size_t i = 0; i < steps_.size(); ++i) RunStep(steps_[i], i, mode);
  } else {
    for (size_t i = 0; i < steps_.size(); ++i) RunStep(steps_[i], i, mode);
  }
  DownloadOutputs(io, nullptr);
  if (mode == Mode::kRecord && options_.memory_optim) {
    BuildPlan(sig);
    // Intermediates move into the arena from the next run on.
    for (size_t v = 0; v < own_.size(); ++v)
      if (!keep_[v]) FreeOwn(v);
    PDI_CUDA_CHECK(cudaStreamSynchronize(env_.stream));
  } else if (mode == Mode::kPlanned) {
    plan->capturable = clean_run_;
  }
}

void CudaExecutor::BindOutput(size_t index, void* device_ptr, size_t capacity) {
  PDI_ENFORCE_ARG(index < bound_outputs_.size(), "output index ", index, " out of range");
  bound_outputs_[index] = device_ptr;
  bound_capacity_[index] = device_ptr ? capacity : 0;
}

void* CudaExecutor::BoundOutput(size_t index) const {
  return index < bound_outputs_.size() ? bound_outputs_[index] : nullptr;
}

DeviceMemoryStats CudaExecutor::memory_stats() const {
  DeviceMemoryStats s;
  s.arena_bytes = arena_.bytes;
  s.weights_bytes = weights_bytes_;
  s.cached_plans = plans_.size();
  s.plans_built = plans_built_;
  s.graph_replays = replays_;
  s.device_kernels = device_kernels_;
  s.host_fallbacks = host_fallbacks_;
  return s;
}

size_t CudaExecutor::ShrinkMemory() {
  PDI_CUDA_CHECK(cudaStreamSynchronize(env_.stream));
  size_t freed = arena_.bytes + env_.scratch_bytes();
  DropGraphs();
  plans_.clear();
  current_ = nullptr;
  if (arena_.ptr) PDI_CUDA_CHECK(cudaFree(arena_.ptr));
  arena_ = OwnBuf{};
  env_.ReleaseScratch();
  return freed;
}

std::string CudaExecutor::Describe() const {
  return StrCat("cuda:", env_.device, " ", device_name_, " fp32, ", device_kernels_,
                " device kernels, ", host_fallbacks_, " host fallbacks");
}

}  // namespace cuda
}  // namespace pdinfer
