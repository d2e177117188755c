// paddle::AnalysisConfig (paddle_infer::Config) and the pass builder.
#include <algorithm>
#include <filesystem>
#include <sstream>

#include "pdinfer/api/api_internal.h"

namespace paddle {

// ---------------------------------------------------------------------------------
// pass builder
// ---------------------------------------------------------------------------------
struct PaddlePassBuilder::Data {
  std::vector<std::string> passes;
  std::vector<std::string> analysis_passes;
  std::vector<std::string> deleted;
  bool debug = false;
};

PaddlePassBuilder::PaddlePassBuilder() : d_(new Data) {}
PaddlePassBuilder::PaddlePassBuilder(const std::vector<std::string>& passes) : d_(new Data) {
  d_->passes = passes;
}
PaddlePassBuilder::PaddlePassBuilder(const PaddlePassBuilder& other) : d_(new Data(*other.d_)) {}
PaddlePassBuilder& PaddlePassBuilder::operator=(const PaddlePassBuilder& other) {
  if (this != &other) *d_ = *other.d_;
  return *this;
}
PaddlePassBuilder::~PaddlePassBuilder() = default;

void PaddlePassBuilder::SetPasses(std::initializer_list<std::string> passes) {
  d_->passes = passes;
}
void PaddlePassBuilder::AppendPass(const std::string& pass_type) {
  d_->passes.push_back(pass_type);
}
void PaddlePassBuilder::InsertPass(size_t idx, const std::string& pass_type) {
  idx = std::min(idx, d_->passes.size());
  d_->passes.insert(d_->passes.begin() + static_cast<std::ptrdiff_t>(idx), pass_type);
}
void PaddlePassBuilder::DeletePass(size_t idx) {
  if (idx >= d_->passes.size())
    paddle_infer::detail::Throw(paddle_infer::ErrorCode::kInvalidArgument,
                                "DeletePass(" + std::to_string(idx) + "): the list has " +
                                    std::to_string(d_->passes.size()) + " passes");
  d_->passes.erase(d_->passes.begin() + static_cast<std::ptrdiff_t>(idx));
}
void PaddlePassBuilder::DeletePass(const std::string& pass_type) {
  d_->passes.erase(std::remove(d_->passes.begin(), d_->passes.end(), pass_type),
                   d_->passes.end());
  if (std::find(d_->deleted.begin(), d_->deleted.end(), pass_type) == d_->deleted.end())
    d_->deleted.push_back(pass_type);
}
void PaddlePassBuilder::ClearPasses() { d_->passes.clear(); }
size_t PaddlePassBuilder::GetPassIndex(const std::string& pass_type) {
  auto it = std::find(d_->passes.begin(), d_->passes.end(), pass_type);
  return it == d_->passes.end() ? static_cast<size_t>(-1)
                                : static_cast<size_t>(it - d_->passes.begin());
}
void PaddlePassBuilder::AppendAnalysisPass(const std::string& pass) {
  d_->analysis_passes.push_back(pass);
}
void PaddlePassBuilder::TurnOnDebug() { d_->debug = true; }
std::string PaddlePassBuilder::DebugString() {
  std::string out;
  for (const auto& p : d_->passes) out += "  - " + p + "\n";
  return out;
}
const std::vector<std::string>& PaddlePassBuilder::AllPasses() const { return d_->passes; }
std::vector<std::string> PaddlePassBuilder::AnalysisPasses() const {
  return d_->analysis_passes;
}
const std::vector<std::string>& PaddlePassBuilder::DeletedPasses() const { return d_->deleted; }

PassStrategy::PassStrategy() = default;
PassStrategy::PassStrategy(const std::vector<std::string>& passes) : PaddlePassBuilder(passes) {}
PassStrategy::~PassStrategy() = default;
void PassStrategy::EnableCUDNN() {}
void PassStrategy::EnableMKLDNN() {}
void PassStrategy::EnableONEDNN() {}
void PassStrategy::DisableONEDNN() {}
void PassStrategy::DisableOnednnFcPasses() {}
void PassStrategy::EnableMkldnnBfloat16() {}
void PassStrategy::EnableMkldnnInt8() {}
void PassStrategy::DisableMkldnnFcPasses() {}
bool PassStrategy::use_gpu() const { return false; }
bool PassStrategy::use_mkldnn() const { return true; }
CpuPassStrategy::CpuPassStrategy() = default;
CpuPassStrategy::~CpuPassStrategy() = default;

// ---------------------------------------------------------------------------------
// config
// ---------------------------------------------------------------------------------
struct AnalysisConfig::State {
  std::string model_dir, prog_file, params_file;
  bool from_memory = false;
  std::string prog_buffer, params_buffer;
  std::string opt_cache_dir;
  int threads = 1;
  bool mkldnn = true;
  int mkldnn_cache_capacity = 10;
  bool mkldnn_fc_passes_disabled = false;
  bool fc_padding = true;
  bool ir_optim = true;
  bool ir_debug = false;
  bool memory_optim = false;
  bool profile = false;
  bool glog_disabled = false;
  bool feed_fetch_ops = false;
  bool specify_input_names = true;
  bool valid = true;
  std::string shape_range_info_path;
  void* exec_stream = nullptr;
  // EnableUseGpu() where the CUDA backend module finds a usable device.
  struct Gpu {
    bool on = false;
    int device = 0;
    uint64_t pool_mb = 0;
    int precision = 0;
  } gpu;
  std::unique_ptr<PassStrategy> passes{new CpuPassStrategy};

  State() = default;
  State(const State& o)
      : model_dir(o.model_dir), prog_file(o.prog_file), params_file(o.params_file),
        from_memory(o.from_memory), prog_buffer(o.prog_buffer), params_buffer(o.params_buffer),
        opt_cache_dir(o.opt_cache_dir), threads(o.threads), mkldnn(o.mkldnn),
        mkldnn_cache_capacity(o.mkldnn_cache_capacity),
        mkldnn_fc_passes_disabled(o.mkldnn_fc_passes_disabled), fc_padding(o.fc_padding),
        ir_optim(o.ir_optim), ir_debug(o.ir_debug), memory_optim(o.memory_optim),
        profile(o.profile), glog_disabled(o.glog_disabled), feed_fetch_ops(o.feed_fetch_ops),
        specify_input_names(o.specify_input_names), valid(o.valid),
        shape_range_info_path(o.shape_range_info_path), exec_stream(o.exec_stream),
        gpu(o.gpu), passes(new CpuPassStrategy) {
    static_cast<PaddlePassBuilder&>(*passes) = *o.passes;
  }
  void ClearModel() {
    model_dir.clear();
    prog_file.clear();
    params_file.clear();
    from_memory = false;
    prog_buffer.clear();
    params_buffer.clear();
  }
};

namespace {
void Unavailable(const std::string& call, const std::string& what) {
  paddle_infer::detail::WarnOnce(call, call + ": " + what +
                                           " is not available in this build of pdinfer; "
                                           "running on the CPU");
}
}  // namespace

AnalysisConfig::AnalysisConfig() : state_(new State) {}
AnalysisConfig::AnalysisConfig(const AnalysisConfig& other) : state_(new State(*other.state_)) {}
AnalysisConfig& AnalysisConfig::operator=(const AnalysisConfig& other) {
  if (this != &other) state_.reset(new State(*other.state_));
  return *this;
}
AnalysisConfig::~AnalysisConfig() = default;
AnalysisConfig::AnalysisConfig(const std::string& model_dir) : state_(new State) {
  SetModel(model_dir);
}
AnalysisConfig::AnalysisConfig(const std::string& prog_file_or_model_dir,
                               const std::string& params_file_or_model_prefix)
    : state_(new State) {
  SetModel(prog_file_or_model_dir, params_file_or_model_prefix);
}

void AnalysisConfig::SetModel(const std::string& model_dir) {
  state_->ClearModel();
  state_->model_dir = model_dir;
}

void AnalysisConfig::SetModel(const std::string& prog_file_path,
                              const std::string& params_file_path) {
  namespace fs = std::filesystem;
  state_->ClearModel();
  std::error_code ec;
  // (model_dir, model_prefix): "<dir>/<prefix>.json|.pdmodel" + "<dir>/<prefix>.pdiparams".
  if (fs::is_directory(prog_file_path, ec) && !fs::is_regular_file(params_file_path, ec) &&
      params_file_path.find('/') == std::string::npos && !params_file_path.empty()) {
    std::string prefix = (fs::path(prog_file_path) / params_file_path).string();
    state_->prog_file = prefix + ".pdmodel";
    for (const char* ext : {".json", ".pdmodel"}) {
      if (fs::is_regular_file(prefix + ext, ec)) {
        state_->prog_file = prefix + ext;
        break;
      }
    }
    state_->params_file = prefix + ".pdiparams";
    return;
  }
  state_->prog_file = prog_file_path;
  state_->params_file = params_file_path;
}

void AnalysisConfig::SetProgFile(const std::string& x) {
  state_->from_memory = false;
  state_->prog_file = x;
}
void AnalysisConfig::SetParamsFile(const std::string& x) {
  state_->from_memory = false;
  state_->params_file = x;
}
void AnalysisConfig::SetModelBuffer(const char* prog_buffer, size_t prog_buffer_size,
                                    const char* params_buffer, size_t params_buffer_size) {
  if ((!prog_buffer && prog_buffer_size) || (!params_buffer && params_buffer_size))
    paddle_infer::detail::Throw(paddle_infer::ErrorCode::kInvalidArgument,
                                "SetModelBuffer(): a buffer is null but its size is not 0");
  state_->ClearModel();
  state_->from_memory = true;
  state_->prog_buffer.assign(prog_buffer ? prog_buffer : "", prog_buffer_size);
  state_->params_buffer.assign(params_buffer ? params_buffer : "", params_buffer_size);
}
bool AnalysisConfig::model_from_memory() const { return state_->from_memory; }
const std::string& AnalysisConfig::model_dir() const { return state_->model_dir; }
const std::string& AnalysisConfig::prog_file() const { return state_->prog_file; }
const std::string& AnalysisConfig::params_file() const { return state_->params_file; }
void AnalysisConfig::SetOptimCacheDir(const std::string& dir) { state_->opt_cache_dir = dir; }
void AnalysisConfig::EnableSaveOptimModel(bool) {}
void AnalysisConfig::UseOptimizedModel(bool) {}

// ---- CPU ---------------------------------------------------------------------------
void AnalysisConfig::DisableGpu() { state_->gpu.on = false; }
void AnalysisConfig::SetCpuMathLibraryNumThreads(int n) { state_->threads = n; }
int AnalysisConfig::cpu_math_library_num_threads() const { return state_->threads; }
void AnalysisConfig::EnableMKLDNN() { state_->mkldnn = true; }
void AnalysisConfig::DisableMKLDNN() { state_->mkldnn = false; }
bool AnalysisConfig::mkldnn_enabled() const { return state_->mkldnn; }
void AnalysisConfig::SetMkldnnCacheCapacity(int capacity) {
  state_->mkldnn_cache_capacity = capacity;
}
void AnalysisConfig::EnableONEDNN() { EnableMKLDNN(); }
void AnalysisConfig::DisableONEDNN() { DisableMKLDNN(); }
bool AnalysisConfig::onednn_enabled() const { return mkldnn_enabled(); }
void AnalysisConfig::SetOnednnCacheCapacity(int capacity) { SetMkldnnCacheCapacity(capacity); }
void AnalysisConfig::DisableOnednnFcPasses() { DisableMkldnnFcPasses(); }
bool AnalysisConfig::onednn_fc_passes_disabled() const { return mkldnn_fc_passes_disabled(); }
void AnalysisConfig::SetMKLDNNOp(std::unordered_set<std::string>) {}
void AnalysisConfig::EnableMkldnnBfloat16() {
  Unavailable("EnableMkldnnBfloat16()", "bfloat16 execution");
}
bool AnalysisConfig::mkldnn_bfloat16_enabled() const { return false; }
void AnalysisConfig::SetBfloat16Op(std::unordered_set<std::string>) {}
void AnalysisConfig::EnableMkldnnInt8(const std::unordered_set<std::string>&) {
  Unavailable("EnableMkldnnInt8()", "int8 execution");
}
bool AnalysisConfig::mkldnn_int8_enabled() const { return false; }
void AnalysisConfig::EnableMkldnnQuantizer() {
  Unavailable("EnableMkldnnQuantizer()", "int8 quantization");
}
bool AnalysisConfig::mkldnn_quantizer_enabled() const { return false; }
void AnalysisConfig::DisableMkldnnFcPasses() { state_->mkldnn_fc_passes_disabled = true; }
bool AnalysisConfig::mkldnn_fc_passes_disabled() const {
  return state_->mkldnn_fc_passes_disabled;
}
void AnalysisConfig::DisableFCPadding() { state_->fc_padding = false; }
bool AnalysisConfig::use_fc_padding() const { return state_->fc_padding; }
void AnalysisConfig::EnableONNXRuntime() {
  Unavailable("EnableONNXRuntime()", "the ONNX Runtime backend");
}
void AnalysisConfig::DisableONNXRuntime() {}
bool AnalysisConfig::use_onnxruntime() const { return false; }
void AnalysisConfig::EnableORTOptimization() {}

// ---- devices -------------------------------------------------------------------------
// GPU: loads the CUDA backend module (runtime/device_backend.h) only here. Without a
// usable device the call warns with the reason and the config stays on the CPU, as
// Paddle's CPU builds do.
void AnalysisConfig::EnableUseGpu(uint64_t memory_pool_init_size_mb, int device_id,
                                  Precision precision) {
  const std::string reason = pdinfer::DeviceUnavailableReason("cuda");
  if (!reason.empty()) {
    paddle_infer::detail::WarnOnce("EnableUseGpu()", "EnableUseGpu(): " + reason +
                                                         "; running on the CPU");
    return;
  }
  state_->gpu = State::Gpu{true, device_id, memory_pool_init_size_mb,
                           static_cast<int>(precision)};
}
bool AnalysisConfig::use_gpu() const { return state_->gpu.on; }
int AnalysisConfig::gpu_device_id() const { return state_->gpu.on ? state_->gpu.device : -1; }
int AnalysisConfig::memory_pool_init_size_mb() const {
  return state_->gpu.on ? static_cast<int>(state_->gpu.pool_mb) : 0;
}
float AnalysisConfig::fraction_of_gpu_memory_for_pool() const { return 0.f; }
void AnalysisConfig::EnableCUDNN() { Unavailable("EnableCUDNN()", "cuDNN"); }
bool AnalysisConfig::cudnn_enabled() const { return false; }
void AnalysisConfig::EnableGpuMultiStream() {}
bool AnalysisConfig::thread_local_stream_enabled() const { return false; }
void AnalysisConfig::SetExecStream(void* stream) { state_->exec_stream = stream; }
void* AnalysisConfig::GetExecStream() const { return state_->exec_stream; }
bool AnalysisConfig::external_stream_enabled() const { return false; }
void AnalysisConfig::EnableXpu(int, bool, bool, const std::string&, const std::string&, bool,
                               bool) {
  Unavailable("EnableXpu()", "XPU");
}
bool AnalysisConfig::use_xpu() const { return false; }
int AnalysisConfig::xpu_device_id() const { return -1; }
void AnalysisConfig::EnableCustomDevice(const std::string& type, int, Precision) {
  Unavailable("EnableCustomDevice(\"" + type + "\")", "custom device support");
}
bool AnalysisConfig::use_custom_device() const { return false; }
int AnalysisConfig::custom_device_id() const { return -1; }
std::string AnalysisConfig::custom_device_type() const { return ""; }

void AnalysisConfig::EnableTensorRtEngine(int64_t, int, int, Precision, bool, bool, bool) {
  Unavailable("EnableTensorRtEngine()", "TensorRT");
}
bool AnalysisConfig::tensorrt_engine_enabled() const { return false; }
AnalysisConfig::Precision AnalysisConfig::tensorrt_precision_mode() const {
  return Precision::kFloat32;
}
void AnalysisConfig::SetTRTDynamicShapeInfo(std::map<std::string, std::vector<int>>,
                                            std::map<std::string, std::vector<int>>,
                                            std::map<std::string, std::vector<int>>, bool) {}
bool AnalysisConfig::tensorrt_dynamic_shape_enabled() const { return false; }
void AnalysisConfig::CollectShapeRangeInfo(const std::string& path) {
  state_->shape_range_info_path = path;
}
const std::string& AnalysisConfig::shape_range_info_path() const {
  return state_->shape_range_info_path;
}
bool AnalysisConfig::shape_range_info_collected() const { return false; }
void AnalysisConfig::EnableTunedTensorRtDynamicShape(const std::string&, bool) {}
bool AnalysisConfig::tuned_tensorrt_dynamic_shape() const { return false; }
bool AnalysisConfig::trt_allow_build_at_runtime() const { return false; }
void AnalysisConfig::Exp_DisableTensorRtOPs(const std::vector<std::string>&) {}
void AnalysisConfig::EnableVarseqlen() {}
bool AnalysisConfig::tensorrt_varseqlen_enabled() const { return false; }
void AnalysisConfig::EnableTensorRtOSS() {}
bool AnalysisConfig::tensorrt_oss_enabled() const { return false; }
void AnalysisConfig::EnableTensorRtDLA(int) {}
bool AnalysisConfig::tensorrt_dla_enabled() const { return false; }
void AnalysisConfig::EnableLowPrecisionIO(bool) {}

// ---- optimization ----------------------------------------------------------------------
void AnalysisConfig::SwitchIrOptim(int x) { state_->ir_optim = x != 0; }
bool AnalysisConfig::ir_optim() const { return state_->ir_optim; }
void AnalysisConfig::SwitchIrDebug(int x, const std::vector<std::string>&) {
  state_->ir_debug = x != 0;
}
bool AnalysisConfig::ir_debug() const { return state_->ir_debug; }
void AnalysisConfig::EnableMemoryOptim(bool x) { state_->memory_optim = x; }
bool AnalysisConfig::enable_memory_optim() const { return state_->memory_optim; }
void AnalysisConfig::EnableProfile() { state_->profile = true; }
bool AnalysisConfig::profile_enabled() const { return state_->profile; }
void AnalysisConfig::DisableGlogInfo() { state_->glog_disabled = true; }
bool AnalysisConfig::glog_info_disabled() const { return state_->glog_disabled; }
void AnalysisConfig::SwitchUseFeedFetchOps(int x) { state_->feed_fetch_ops = x != 0; }
bool AnalysisConfig::use_feed_fetch_ops_enabled() const { return state_->feed_fetch_ops; }
void AnalysisConfig::SwitchSpecifyInputNames(bool x) { state_->specify_input_names = x; }
bool AnalysisConfig::specify_input_name() const { return state_->specify_input_names; }
void AnalysisConfig::EnableNewExecutor(bool) {}
void AnalysisConfig::EnableNewIR(bool) {}
bool AnalysisConfig::new_ir_enabled() const { return false; }
void AnalysisConfig::SetOptimizationLevel(int) {}
void AnalysisConfig::EnableCustomPasses(const std::vector<std::string>& passes, bool) {
  for (const auto& p : passes) state_->passes->AppendPass(p);
}
void AnalysisConfig::DeletePass(const std::string& pass_name) {
  state_->passes->DeletePass(pass_name);
}
PassStrategy* AnalysisConfig::pass_builder() const { return state_->passes.get(); }
void AnalysisConfig::SetInValid() { state_->valid = false; }
bool AnalysisConfig::is_valid() const { return state_->valid; }
void AnalysisConfig::PartiallyRelease() {
  state_->prog_buffer.clear();
  state_->prog_buffer.shrink_to_fit();
  state_->params_buffer.clear();
  state_->params_buffer.shrink_to_fit();
}

std::string AnalysisConfig::Summary() {
  const State& s = *state_;
  auto b = [](bool v) { return std::string(v ? "true" : "false"); };
  std::string deleted;
  for (const auto& p : s.passes->DeletedPasses()) deleted += (deleted.empty() ? "" : ", ") + p;
  std::vector<std::pair<std::string, std::string>> rows = {
      {"model_dir", s.model_dir},
      {"model_file", s.prog_file},
      {"params_file", s.params_file},
      {"model_from_memory", b(s.from_memory)},
      {"cpu_math_thread", std::to_string(s.threads)},
      {"enable_mkldnn", b(s.mkldnn)},
      {"use_gpu", "false"},
      {"ir_optim", b(s.ir_optim)},
      {"memory_optim", b(s.memory_optim)},
      {"deleted_passes", deleted},
      {"runtime", std::string("pdinfer ") + pdinfer::Version() + " (oneDNN " +
                      pdinfer::DnnlVersion() + ")"},
  };
  size_t kw = 6, vw = 5;
  for (const auto& r : rows) {
    kw = std::max(kw, r.first.size());
    vw = std::max(vw, r.second.size());
  }
  auto pad = [](const std::string& t, size_t w) { return t + std::string(w - t.size(), ' '); };
  std::string line = "+" + std::string(kw + 2, '-') + "+" + std::string(vw + 2, '-') + "+";
  std::ostringstream os;
  os << line << "\n| " << pad("Option", kw) << " | " << pad("Value", vw) << " |\n" << line << "\n";
  for (const auto& r : rows) os << "| " << pad(r.first, kw) << " | " << pad(r.second, vw) << " |\n";
  os << line;
  return os.str();
}

}  // namespace paddle

namespace paddle_infer {
namespace detail {

pdinfer::PredictorOptions ConfigAccess::Options(const Config& config) {
  const Config::State& s = *config.state_;
  pdinfer::PredictorOptions o;
  if (s.from_memory) {
    o.model.from_memory = true;
    o.model.prog_buffer = s.prog_buffer;
    o.model.params_buffer = s.params_buffer;
  } else {
    if (s.model_dir.empty() && s.prog_file.empty())
      Throw(ErrorCode::kInvalidArgument,
            "Config has no model: call SetModel() or SetModelBuffer() first");
    o.model.model_dir = s.model_dir;
    o.model.prog_file = s.prog_file;
    o.model.params_file = s.params_file;
  }
  o.num_threads = s.threads;
  o.ir_optim = s.ir_optim;
  o.memory_optim = s.memory_optim;
  o.deleted_passes = s.passes->DeletedPasses();
  o.use_gpu = s.gpu.on;
  o.gpu_device_id = s.gpu.device;
  o.gpu_memory_pool_mb = static_cast<size_t>(s.gpu.pool_mb);
  o.gpu_precision = s.gpu.precision;
  return o;
}

}  // namespace detail
}  // namespace paddle_infer
