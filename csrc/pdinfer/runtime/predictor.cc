#include "pdinfer/runtime/predictor.h"

#include <cstring>

#include "dnnl.hpp"

#ifndef PDINFER_VERSION
#define PDINFER_VERSION "0.0.0"
#endif

namespace pdinfer {

const char* Version() { return PDINFER_VERSION; }

std::string DnnlVersion() {
  const dnnl_version_t* v = dnnl_version();
  return StrCat(v->major, ".", v->minor, ".", v->patch);
}

std::vector<std::string> SupportedOps() { return OpRegistry::Global().Names(); }

namespace {
ExecutorOptions MakeExecutorOptions(const PredictorOptions& o) {
  ExecutorOptions e;
  e.num_threads = o.num_threads;
  e.memory_optim = o.memory_optim;
  e.plan_cache_capacity = o.plan_cache_capacity;
  e.use_onednn = o.use_onednn && !o.use_gpu;  // GPU: the CPU executor only holds host I/O
  e.onednn_bf16 = o.onednn_bf16;
  e.onednn_cache_capacity = o.onednn_cache_capacity;
  return e;
}
}  // namespace

Predictor::Predictor(const PredictorOptions& options) : options_(options) {
  PDI_ENFORCE_ARG(options.num_threads >= 1 && options.num_threads <= 1024,
                  "cpu math library thread count must be in [1, 1024], got ",
                  options.num_threads);
  LoadedModel model = LoadModel(options.model);
  InferGraphShapes(*model.graph);
  loaded_nodes_ = static_cast<int>(model.graph->nodes().size());
  std::vector<PassRunStats> stats;
  if (options.ir_optim) {
    PassOptions po;
    po.num_threads = options.num_threads;
    po.debug = options.ir_debug;
    po.debug_dir = options.ir_debug_dir;
    stats = RunPasses(*model.graph, SelectedPasses(options), po);
  }
  pass_stats_ = std::make_shared<const std::vector<PassRunStats>>(std::move(stats));
  graph_ = model.graph;
  format_ = model.format;
  // Loading and the passes have read the weights and keep no pointers into them: from
  // here on, only the kernels' readers count (a constant that only packing kernels read
  // gives its plain bytes back, Buffer::Evict).
  for (size_t v = 0; v < graph_->num_values(); ++v) {
    const auto& c = graph_->value(static_cast<ValueId>(v)).constant;
    if (c && c->buffer()) c->buffer()->Unpin();
  }
  for (ValueId v : graph_->inputs()) input_names_.push_back(graph_->value(v).name);
  for (ValueId v : graph_->outputs()) output_names_.push_back(graph_->value(v).name);
  executor_ = std::make_unique<Executor>(graph_, MakeExecutorOptions(options));
  CreateDeviceExecutor();
}

Predictor::Predictor(const Predictor& other)
    : options_(other.options_),
      graph_(other.graph_),
      format_(other.format_),
      executor_(std::make_unique<Executor>(other.graph_, other.executor_->options())),
      pass_stats_(other.pass_stats_),
      loaded_nodes_(other.loaded_nodes_),
      input_names_(other.input_names_),
      output_names_(other.output_names_) {
  CreateDeviceExecutor();
}

std::vector<std::string> Predictor::SelectedPasses(const PredictorOptions& options) {
  std::vector<std::string> out;
  const std::vector<std::string>& base =
      options.use_default_passes ? DefaultCpuPasses() : options.passes;
  for (const std::string& p : base) {
    std::string name = CanonicalPassName(p);
    bool deleted = false;
    for (const std::string& d : options.deleted_passes)
      deleted = deleted || d == p || CanonicalPassName(d) == name;
    if (!deleted) out.push_back(name);
  }
  return out;
}

std::unique_ptr<Predictor> Predictor::Clone() const {
  return std::unique_ptr<Predictor>(new Predictor(*this));
}

ValueId Predictor::FindInput(const std::string& name) const {
  for (ValueId v : graph_->inputs())
    if (graph_->value(v).name == name) return v;
  std::string names;
  for (const auto& n : input_names_) names += (names.empty() ? "" : ", ") + n;
  ThrowError(ErrorCode::kNotFound, "no input named '", name, "'; inputs are: ", names);
}

ValueId Predictor::FindOutput(const std::string& name) const {
  for (ValueId v : graph_->outputs())
    if (graph_->value(v).name == name) return v;
  std::string names;
  for (const auto& n : output_names_) names += (names.empty() ? "" : ", ") + n;
  ThrowError(ErrorCode::kNotFound, "no output named '", name, "'; outputs are: ", names);
}

TensorMeta Predictor::InputMeta(const std::string& name) const {
  const Value& v = graph_->value(FindInput(name));
  return {v.dtype, v.shape};
}

TensorMeta Predictor::OutputMeta(const std::string& name) const {
  const Value& v = graph_->value(FindOutput(name));
  return {v.dtype, v.shape};
}

void Predictor::SetInput(const std::string& name, DataType dtype, const Shape& shape,
                         const void* data, LoD lod) {
  ValueId id = FindInput(name);
  PDI_ENFORCE_ARG(SizeOf(dtype) > 0, "input '", name, "': unsupported dtype");
  Tensor& t = executor_->value_tensor(id);
  NumElements(shape, "input '" + name + "'");  // validate before touching the old input
  PDI_ENFORCE_ARG(static_cast<int>(shape.size()) <= kMaxRank, "input '", name, "': rank ",
                  shape.size(), " exceeds ", kMaxRank);
  t.Resize(dtype, shape);
  if (t.nbytes()) {
    PDI_ENFORCE_ARG(data != nullptr, "input '", name, "': data pointer is null");
    std::memcpy(t.raw_data(), data, t.nbytes());
  }
  t.set_lod(std::move(lod));
}

const Tensor& Predictor::input(const std::string& name) const {
  const Tensor* t = executor_->ValueData(FindInput(name));
  static const Tensor empty;
  return t ? *t : empty;
}

void Predictor::SetInputLoD(const std::string& name, LoD lod) {
  executor_->value_tensor(FindInput(name)).set_lod(std::move(lod));
}

void Predictor::ValidateInputs() const {
  for (ValueId id : graph_->inputs()) {
    const Value& decl = graph_->value(id);
    const Tensor* t = executor_->ValueData(id);
    PDI_ENFORCE_ARG(t && t->defined(), "input '", decl.name,
                    "' has not been set: copy data into it (copy_from_cpu / CopyFromCpu) before run()");
    if (decl.dtype != DataType::kUndefined)
      PDI_ENFORCE_ARG(t->dtype() == decl.dtype, "input '", decl.name, "' expects dtype ",
                      DataTypeName(decl.dtype), ", got ", DataTypeName(t->dtype()));
    if (!decl.shape_known) continue;
    PDI_ENFORCE_ARG(t->rank() == static_cast<int>(decl.shape.size()), "input '", decl.name,
                    "' expects rank ", decl.shape.size(), " (shape ", ShapeToString(decl.shape),
                    "), got shape ", ShapeToString(t->shape()));
    for (size_t i = 0; i < decl.shape.size(); ++i)
      PDI_ENFORCE_ARG(decl.shape[i] < 0 || decl.shape[i] == t->shape()[i], "input '", decl.name,
                      "' dim ", i, " must be ", decl.shape[i], " (declared shape ",
                      ShapeToString(decl.shape), "), got shape ", ShapeToString(t->shape()));
  }
}

void Predictor::Run() {
  ValidateInputs();
  if (device_executor_) {  // GPU
    has_run_ = false;
    DeviceRunIO io;
    for (ValueId v : graph_->inputs()) io.inputs.push_back(&executor_->value_tensor(v));
    for (ValueId v : graph_->outputs()) io.outputs.push_back(&executor_->value_tensor(v));
    device_executor_->Run(io);
    has_run_ = true;
    return;
  }
  has_run_ = false;
  executor_->Run();
  has_run_ = true;
}

const Tensor& Predictor::output(const std::string& name) const {
  ValueId id = FindOutput(name);
  PDI_ENFORCE_ARG(has_run_, "output '", name, "' is not available: call run() first");
  const Tensor* t = executor_->ValueData(id);
  PDI_ENFORCE_INTERNAL(t, "output '", name, "' was not computed");
  return *t;
}

size_t Predictor::ClearIntermediateTensor() { return executor_->ReleaseIntermediates(); }

size_t Predictor::TryShrinkMemory() { return executor_->ShrinkMemory(); }

// ---- GPU -----------------------------------------------------------------------

void Predictor::CreateDeviceExecutor() {
  if (!options_.use_gpu) return;
  DeviceBackend& backend = GetDeviceBackend("cuda");  // throws Unsupported with the reason
  const int count = backend.DeviceCount();
  PDI_CHECK(count > 0, ErrorCode::kUnsupported, "enable_use_gpu(): no CUDA device is visible");
  PDI_ENFORCE_ARG(options_.gpu_device_id >= 0 && options_.gpu_device_id < count,
                  "enable_use_gpu(): device_id ", options_.gpu_device_id, " is out of range: ",
                  count, " CUDA device(s) visible");
  PDI_CHECK(options_.gpu_precision == 0 || options_.gpu_precision == 2, ErrorCode::kUnsupported,
            "enable_use_gpu(): precision ", options_.gpu_precision,
            " is not supported on the GPU (Float32 = 0, Half = 2)");
  DeviceExecutorOptions o;
  o.device_id = options_.gpu_device_id;
  o.memory_pool_mb = options_.gpu_memory_pool_mb;
  o.precision = static_cast<DevicePrecision>(options_.gpu_precision);
  o.memory_optim = options_.memory_optim;
  o.plan_cache_capacity = options_.plan_cache_capacity;
  device_executor_ = backend.CreateExecutor(graph_, o);
}

void Predictor::ShareInput(const std::string& name, DataType dtype, const Shape& shape,
                           void* data) {
  ValueId id = FindInput(name);
  PDI_ENFORCE_ARG(SizeOf(dtype) > 0, "input '", name, "': unsupported dtype");
  PDI_ENFORCE_ARG(static_cast<int>(shape.size()) <= kMaxRank, "input '", name, "': rank ",
                  shape.size(), " exceeds ", kMaxRank);
  const size_t bytes = static_cast<size_t>(NumElements(shape, "input '" + name + "'")) * SizeOf(dtype);
  PDI_ENFORCE_ARG(data != nullptr || bytes == 0, "input '", name, "': data pointer is null");
  if (!device_executor_ && data && bytes)
    PDI_ENFORCE_ARG(!DeviceModuleLoaded("cuda") || !GetDeviceBackend("cuda").IsDevicePointer(data),
                    "input '", name, "': device memory given to a CPU predictor (enable_use_gpu())");
  executor_->value_tensor(id).SetExternal(dtype, shape,
                                          std::make_shared<Buffer>(data, bytes, nullptr), 0);
}

}  // namespace pdinfer
