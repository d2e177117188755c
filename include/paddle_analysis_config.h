// pdinfer C++ API: paddle::AnalysisConfig (= paddle_infer::Config), the model location
// and run-time options of a Predictor.
//
// A Config is a plain value: copy it freely; CreatePredictor copies what it needs, so one
// Config may create any number of predictors. Not synchronized: don't modify one Config
// from two threads at once.
//
// Hardware this build lacks (GPU, XPU, TensorRT, custom devices, ONNX Runtime, ...): the
// Enable* call is accepted, prints one warning line to stderr and leaves the Config on the
// CPU (use_gpu() etc. stay false), the way Paddle's CPU builds behave. Switches that only
// tune Paddle's internals (feed/fetch ops, glog, optimization caches) are recorded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "paddle_infer_declare.h"  // NOLINT
#include "paddle_pass_builder.h"   // NOLINT
#include "pdinfer_exception.h"     // NOLINT

namespace paddle_infer {
namespace detail {
struct ConfigAccess;  // opaque: how the library reads a Config
}
}  // namespace paddle_infer

namespace paddle {

struct PD_INFER_DECL AnalysisConfig {
  enum class Precision { kFloat32 = 0, kInt8 = 1, kHalf = 2, kBf16 = 3 };

  AnalysisConfig();
  AnalysisConfig(const AnalysisConfig& other);
  AnalysisConfig& operator=(const AnalysisConfig& other);
  ~AnalysisConfig();
  // A model directory (`__model__` or `inference.pdmodel` plus parameters).
  explicit AnalysisConfig(const std::string& model_dir);
  // (program file, params file), or (model dir, model prefix) as in Paddle 2.6+/3.x.
  AnalysisConfig(const std::string& prog_file_or_model_dir,
                 const std::string& params_file_or_model_prefix);

  // ---- model -------------------------------------------------------------------
  void SetModel(const std::string& model_dir);
  void SetModel(const std::string& prog_file_path, const std::string& params_file_path);
  void SetProgFile(const std::string& x);
  void SetParamsFile(const std::string& x);
  // Loads from memory; the bytes are copied into the Config.
  void SetModelBuffer(const char* prog_buffer, size_t prog_buffer_size,
                      const char* params_buffer, size_t params_buffer_size);
  bool model_from_memory() const;
  const std::string& model_dir() const;
  const std::string& prog_file() const;
  const std::string& params_file() const;
  void SetOptimCacheDir(const std::string& opt_cache_dir);
  void EnableSaveOptimModel(bool save_optimized_model);
  void UseOptimizedModel(bool x = true);

  // ---- CPU ---------------------------------------------------------------------
  void DisableGpu();
  // Threads of the predictor's CPU thread pool (>= 1; default 1). Invalid values make
  // CreatePredictor fail with kInvalidArgument.
  void SetCpuMathLibraryNumThreads(int cpu_math_library_num_threads);
  int cpu_math_library_num_threads() const;
  void EnableMKLDNN();
  void DisableMKLDNN();
  bool mkldnn_enabled() const;
  void SetMkldnnCacheCapacity(int capacity);
  // Paddle 3.x spellings of the same switches.
  void EnableONEDNN();
  void DisableONEDNN();
  bool onednn_enabled() const;
  void SetOnednnCacheCapacity(int capacity);
  void DisableOnednnFcPasses();
  bool onednn_fc_passes_disabled() const;
  void SetMKLDNNOp(std::unordered_set<std::string> op_list);
  void EnableMkldnnBfloat16();  // unsupported in this build: warns, stays fp32
  bool mkldnn_bfloat16_enabled() const;
  void SetBfloat16Op(std::unordered_set<std::string> op_list);
  void EnableMkldnnInt8(const std::unordered_set<std::string>& op_list = {});  // warns
  bool mkldnn_int8_enabled() const;
  void EnableMkldnnQuantizer();  // warns
  bool mkldnn_quantizer_enabled() const;
  void DisableMkldnnFcPasses();
  bool mkldnn_fc_passes_disabled() const;
  void DisableFCPadding();
  bool use_fc_padding() const;
  void EnableONNXRuntime();  // warns
  void DisableONNXRuntime();
  bool use_onnxruntime() const;
  void EnableORTOptimization();

  // ---- GPU and other devices (not in this build: warn and stay on the CPU) -----------
  void EnableUseGpu(uint64_t memory_pool_init_size_mb, int device_id = 0,
                    Precision precision_mode = Precision::kFloat32);
  bool use_gpu() const;
  int gpu_device_id() const;
  int memory_pool_init_size_mb() const;
  float fraction_of_gpu_memory_for_pool() const;
  void EnableCUDNN();
  bool cudnn_enabled() const;
  void EnableGpuMultiStream();
  bool thread_local_stream_enabled() const;
  void SetExecStream(void* stream);
  void* GetExecStream() const;
  bool external_stream_enabled() const;
  void EnableXpu(int l3_size = 0xfffc00, bool l3_locked = false, bool conv_autotune = true,
                 const std::string& conv_autotune_file = "",
                 const std::string& transformer_encoder_precision = "int16",
                 bool transformer_encoder_adaptive_seqlen = false,
                 bool enable_multi_stream = false);
  bool use_xpu() const;
  int xpu_device_id() const;
  void EnableCustomDevice(const std::string& device_type, int device_id = 0,
                          Precision precision_mode = Precision::kFloat32);
  bool use_custom_device() const;
  int custom_device_id() const;
  std::string custom_device_type() const;

  void EnableTensorRtEngine(int64_t workspace_size = 1 << 30, int max_batch_size = 1,
                            int min_subgraph_size = 3, Precision precision = Precision::kFloat32,
                            bool use_static = false, bool use_calib_mode = true,
                            bool use_cuda_graph = false);
  bool tensorrt_engine_enabled() const;
  Precision tensorrt_precision_mode() const;
  void SetTRTDynamicShapeInfo(std::map<std::string, std::vector<int>> min_input_shape,
                              std::map<std::string, std::vector<int>> max_input_shape,
                              std::map<std::string, std::vector<int>> optim_input_shape,
                              bool disable_trt_plugin_fp16 = false);
  bool tensorrt_dynamic_shape_enabled() const;
  void CollectShapeRangeInfo(const std::string& shape_range_info_path);
  const std::string& shape_range_info_path() const;
  bool shape_range_info_collected() const;
  void EnableTunedTensorRtDynamicShape(const std::string& shape_range_info_path = "",
                                       bool allow_build_at_runtime = true);
  bool tuned_tensorrt_dynamic_shape() const;
  bool trt_allow_build_at_runtime() const;
  void Exp_DisableTensorRtOPs(const std::vector<std::string>& ops);
  void EnableVarseqlen();
  bool tensorrt_varseqlen_enabled() const;
  void EnableTensorRtOSS();
  bool tensorrt_oss_enabled() const;
  void EnableTensorRtDLA(int dla_core = 0);
  bool tensorrt_dla_enabled() const;
  void EnableLowPrecisionIO(bool x = true);

  // ---- optimization and debugging ---------------------------------------------------
  void SwitchIrOptim(int x = true);
  bool ir_optim() const;
  void SwitchIrDebug(int x = true, const std::vector<std::string>& passes = {});
  bool ir_debug() const;
  void EnableMemoryOptim(bool x = true);
  bool enable_memory_optim() const;
  void EnableProfile();
  bool profile_enabled() const;
  void DisableGlogInfo();
  bool glog_info_disabled() const;
  void SwitchUseFeedFetchOps(int x = true);
  bool use_feed_fetch_ops_enabled() const;
  void SwitchSpecifyInputNames(bool x = true);
  bool specify_input_name() const;
  void EnableNewExecutor(bool x = true);
  void EnableNewIR(bool x = true);
  bool new_ir_enabled() const;
  void SetOptimizationLevel(int opt_level);
  void EnableCustomPasses(const std::vector<std::string>& passes, bool custom_pass_only = false);
  // Disables the pass of that name (same as pass_builder()->DeletePass(name)).
  void DeletePass(const std::string& pass_name);
  // Owned by the Config; valid while the Config lives.
  PassStrategy* pass_builder() const;
  void SetInValid();
  bool is_valid() const;
  void PartiallyRelease();
  // An ASCII table of the options, for logs.
  std::string Summary();

 private:
  friend struct paddle_infer::detail::ConfigAccess;
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace paddle

namespace paddle_infer {
using Config = paddle::AnalysisConfig;
using PrecisionType = paddle::AnalysisConfig::Precision;
}  // namespace paddle_infer
