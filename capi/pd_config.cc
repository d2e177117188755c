// C API: PD_Config over paddle_infer::Config.
#include <map>

#include "capi_internal.h"

using pdcapi::Guard;
using pdcapi::GuardVoid;

namespace {

paddle_infer::Config& Cfg(PD_Config* c) {
  if (!c) pdcapi::NullHandle("config");
  return c->config;
}

// The C++ call already fell back to the CPU (and warned); make it visible to C callers.
void Unsupported(const char* func, const char* what) {
  pdcapi::SetError(PD_ERROR_UNSUPPORTED, func,
                   std::string(what) +
                       " is not available in this build of pdinfer; the predictor runs on the CPU");
}

paddle_infer::PrecisionType Precision(PD_PrecisionType p) {
  switch (p) {
    case PD_PRECISION_INT8: return paddle_infer::PrecisionType::kInt8;
    case PD_PRECISION_HALF: return paddle_infer::PrecisionType::kHalf;
    case PD_PRECISION_BF16: return paddle_infer::PrecisionType::kBf16;
    default: return paddle_infer::PrecisionType::kFloat32;
  }
}

std::unordered_set<std::string> StrSet(size_t n, const char** list) {
  auto v = pdcapi::StrList(n, list, "op list");
  return std::unordered_set<std::string>(v.begin(), v.end());
}

}  // namespace

// Getter returning PD_Bool / number: FALSE / 0 when the handle is NULL.
#define PD_CFG_GET(Ret, Name, fallback, expr)                                       \
  Ret Name(PD_Config* pd_config) {                                                  \
    return Guard(__func__, static_cast<Ret>(fallback),                              \
                 [&]() { return static_cast<Ret>(Cfg(pd_config).expr); });          \
  }
#define PD_CFG_DO(Name, expr) \
  void Name(PD_Config* pd_config) { GuardVoid(__func__, [&]() { Cfg(pd_config).expr; }); }
#define PD_CFG_UNSUPPORTED(Name, expr, what)              \
  void Name(PD_Config* pd_config) {                       \
    const char* fn = __func__;                            \
    GuardVoid(fn, [&]() {                                 \
      Cfg(pd_config).expr;                                \
      Unsupported(fn, what);                              \
    });                                                   \
  }

extern "C" {

PD_Config* PD_ConfigCreate(void) {
  return Guard(__func__, static_cast<PD_Config*>(nullptr), [] { return new PD_Config(); });
}

void PD_ConfigDestroy(PD_Config* pd_config) {
  GuardVoid(__func__, [&] { delete pd_config; });
}

PD_Config* PD_ConfigClone(PD_Config* pd_config) {
  return Guard(__func__, static_cast<PD_Config*>(nullptr),
               [&] { return new PD_Config{Cfg(pd_config)}; });
}

// ---- model ---------------------------------------------------------------------------
void PD_ConfigSetModel(PD_Config* pd_config, const char* prog, const char* params) {
  GuardVoid(__func__, [&] {
    Cfg(pd_config).SetModel(pdcapi::Str(prog, "prog_file_path"),
                            pdcapi::Str(params, "params_file_path"));
  });
}
void PD_ConfigSetProgFile(PD_Config* pd_config, const char* path) {
  GuardVoid(__func__, [&] { Cfg(pd_config).SetProgFile(pdcapi::Str(path, "prog_file_path")); });
}
void PD_ConfigSetParamsFile(PD_Config* pd_config, const char* path) {
  GuardVoid(__func__,
            [&] { Cfg(pd_config).SetParamsFile(pdcapi::Str(path, "params_file_path")); });
}
void PD_ConfigSetOptimCacheDir(PD_Config* pd_config, const char* dir) {
  GuardVoid(__func__, [&] { Cfg(pd_config).SetOptimCacheDir(pdcapi::Str(dir, "opt_cache_dir")); });
}
void PD_ConfigSetModelDir(PD_Config* pd_config, const char* dir) {
  GuardVoid(__func__, [&] { Cfg(pd_config).SetModel(pdcapi::Str(dir, "model_dir")); });
}
const char* PD_ConfigGetModelDir(PD_Config* pd_config) {
  return Guard(__func__, static_cast<const char*>(nullptr),
               [&] { return Cfg(pd_config).model_dir().c_str(); });
}
const char* PD_ConfigGetProgFile(PD_Config* pd_config) {
  return Guard(__func__, static_cast<const char*>(nullptr),
               [&] { return Cfg(pd_config).prog_file().c_str(); });
}
const char* PD_ConfigGetParamsFile(PD_Config* pd_config) {
  return Guard(__func__, static_cast<const char*>(nullptr),
               [&] { return Cfg(pd_config).params_file().c_str(); });
}
void PD_ConfigSetModelBuffer(PD_Config* pd_config, const char* prog, size_t prog_size,
                             const char* params, size_t params_size) {
  GuardVoid(__func__,
            [&] { Cfg(pd_config).SetModelBuffer(prog, prog_size, params, params_size); });
}
PD_CFG_GET(PD_Bool, PD_ConfigModelFromMemory, FALSE, model_from_memory())

// ---- CPU -------------------------------------------------------------------------------
PD_CFG_DO(PD_ConfigDisableFCPadding, DisableFCPadding())
PD_CFG_GET(PD_Bool, PD_ConfigUseFcPadding, FALSE, use_fc_padding())
PD_CFG_DO(PD_ConfigEnableMKLDNN, EnableMKLDNN())
void PD_ConfigSetMkldnnCacheCapacity(PD_Config* pd_config, int32_t capacity) {
  GuardVoid(__func__, [&] { Cfg(pd_config).SetMkldnnCacheCapacity(capacity); });
}
PD_CFG_GET(PD_Bool, PD_ConfigMkldnnEnabled, FALSE, mkldnn_enabled())
void PD_ConfigSetCpuMathLibraryNumThreads(PD_Config* pd_config, int32_t n) {
  GuardVoid(__func__, [&] { Cfg(pd_config).SetCpuMathLibraryNumThreads(n); });
}
PD_CFG_GET(int32_t, PD_ConfigGetCpuMathLibraryNumThreads, 0, cpu_math_library_num_threads())
void PD_ConfigSetMkldnnOp(PD_Config* pd_config, size_t n, const char** ops) {
  GuardVoid(__func__, [&] { Cfg(pd_config).SetMKLDNNOp(StrSet(n, ops)); });
}
PD_CFG_UNSUPPORTED(PD_ConfigEnableMkldnnQuantizer, EnableMkldnnQuantizer(), "int8 quantization")
PD_CFG_GET(PD_Bool, PD_ConfigMkldnnQuantizerEnabled, FALSE, mkldnn_quantizer_enabled())
PD_CFG_UNSUPPORTED(PD_ConfigEnableMkldnnBfloat16, EnableMkldnnBfloat16(), "bfloat16 execution")
PD_CFG_GET(PD_Bool, PD_ConfigMkldnnBfloat16Enabled, FALSE, mkldnn_bfloat16_enabled())
void PD_ConfigSetBfloat16Op(PD_Config* pd_config, size_t n, const char** ops) {
  GuardVoid(__func__, [&] { Cfg(pd_config).SetBfloat16Op(StrSet(n, ops)); });
}
PD_CFG_UNSUPPORTED(PD_ConfigEnableMkldnnInt8, EnableMkldnnInt8(), "int8 execution")
PD_CFG_GET(PD_Bool, PD_ConfigMkldnnInt8Enabled, FALSE, mkldnn_int8_enabled())
PD_CFG_UNSUPPORTED(PD_ConfigEnableONNXRuntime, EnableONNXRuntime(), "ONNX Runtime")
PD_CFG_DO(PD_ConfigDisableONNXRuntime, DisableONNXRuntime())
PD_CFG_GET(PD_Bool, PD_ConfigONNXRuntimeEnabled, FALSE, use_onnxruntime())
PD_CFG_DO(PD_ConfigEnableORTOptimization, EnableORTOptimization())

// ---- devices ---------------------------------------------------------------------------
void PD_ConfigEnableUseGpu(PD_Config* pd_config, uint64_t mem_mb, int32_t device_id,
                           PD_PrecisionType precision) {
  const char* fn = __func__;
  GuardVoid(fn, [&] {
    Cfg(pd_config).EnableUseGpu(mem_mb, device_id, Precision(precision));
    // Stays on the CPU when the CUDA backend has no usable device (the reason was logged).
    if (!Cfg(pd_config).use_gpu()) Unsupported(fn, "CUDA");
  });
}
PD_CFG_DO(PD_ConfigDisableGpu, DisableGpu())
PD_CFG_GET(PD_Bool, PD_ConfigUseGpu, FALSE, use_gpu())
PD_CFG_GET(int32_t, PD_ConfigGpuDeviceId, -1, gpu_device_id())
PD_CFG_GET(int32_t, PD_ConfigMemoryPoolInitSizeMb, 0, memory_pool_init_size_mb())
PD_CFG_GET(float, PD_ConfigFractionOfGpuMemoryForPool, 0, fraction_of_gpu_memory_for_pool())
PD_CFG_UNSUPPORTED(PD_ConfigEnableCudnn, EnableCUDNN(), "cuDNN")
PD_CFG_GET(PD_Bool, PD_ConfigCudnnEnabled, FALSE, cudnn_enabled())
PD_CFG_DO(PD_ConfigEnableGpuMultiStream, EnableGpuMultiStream())
PD_CFG_GET(PD_Bool, PD_ConfigThreadLocalStreamEnabled, FALSE, thread_local_stream_enabled())
void PD_ConfigSetExecStream(PD_Config* pd_config, void* stream) {
  GuardVoid(__func__, [&] { Cfg(pd_config).SetExecStream(stream); });
}
void PD_ConfigEnableXpu(PD_Config* pd_config, int32_t l3, PD_Bool locked, PD_Bool autotune,
                        const char* autotune_file, const char* precision, PD_Bool adaptive,
                        PD_Bool multi_stream) {
  const char* fn = __func__;
  GuardVoid(fn, [&] {
    Cfg(pd_config).EnableXpu(l3, locked, autotune, autotune_file ? autotune_file : "",
                             precision ? precision : "int16", adaptive, multi_stream);
    Unsupported(fn, "XPU");
  });
}
PD_CFG_GET(PD_Bool, PD_ConfigUseXpu, FALSE, use_xpu())
PD_CFG_GET(int32_t, PD_ConfigXpuDeviceId, -1, xpu_device_id())
void PD_ConfigEnableNpu(PD_Config* pd_config, int32_t) {
  const char* fn = __func__;
  GuardVoid(fn, [&] {
    Cfg(pd_config);
    Unsupported(fn, "NPU");
  });
}
PD_Bool PD_ConfigUseNpu(PD_Config* pd_config) {
  return Guard(__func__, static_cast<PD_Bool>(FALSE), [&] {
    Cfg(pd_config);
    return static_cast<PD_Bool>(FALSE);
  });
}
int32_t PD_ConfigNpuDeviceId(PD_Config* pd_config) {
  return Guard(__func__, -1, [&] {
    Cfg(pd_config);
    return -1;
  });
}
void PD_ConfigEnableCustomDevice(PD_Config* pd_config, char* type, int32_t id,
                                 PD_PrecisionType precision) {
  const char* fn = __func__;
  GuardVoid(fn, [&] {
    Cfg(pd_config).EnableCustomDevice(type ? type : "", id, Precision(precision));
    Unsupported(fn, "custom device support");
  });
}
PD_CFG_GET(PD_Bool, PD_ConfigUseCustomDevice, FALSE, use_custom_device())
PD_CFG_GET(int32_t, PD_ConfigCustomDeviceId, -1, custom_device_id())
char* PD_ConfigCustomDeviceType(PD_Config* pd_config) {
  return Guard(__func__, static_cast<char*>(nullptr),
               [&] { return pdcapi::MallocCopy(Cfg(pd_config).custom_device_type()); });
}

// ---- TensorRT / Lite -------------------------------------------------------------------
void PD_ConfigEnableTensorRtEngine(PD_Config* pd_config, int64_t workspace, int32_t max_batch,
                                   int32_t min_subgraph, PD_PrecisionType precision,
                                   PD_Bool use_static, PD_Bool use_calib_mode) {
  const char* fn = __func__;
  GuardVoid(fn, [&] {
    Cfg(pd_config).EnableTensorRtEngine(workspace, max_batch, min_subgraph, Precision(precision),
                                        use_static, use_calib_mode);
    Unsupported(fn, "TensorRT");
  });
}
PD_CFG_GET(PD_Bool, PD_ConfigTensorRtEngineEnabled, FALSE, tensorrt_engine_enabled())
void PD_ConfigSetTrtDynamicShapeInfo(PD_Config* pd_config, size_t tensor_num,
                                     const char** names, size_t* shapes_num, int32_t** min_shape,
                                     int32_t** max_shape, int32_t** optim_shape,
                                     PD_Bool disable_plugin_fp16) {
  GuardVoid(__func__, [&] {
    auto& cfg = Cfg(pd_config);
    std::map<std::string, std::vector<int>> mins, maxs, opts;
    if (tensor_num && !(names && shapes_num && min_shape && max_shape && optim_shape))
      pdcapi::NullHandle("a shape-info array");
    for (size_t i = 0; i < tensor_num; ++i) {
      std::string n = pdcapi::Str(names[i], "tensor name");
      size_t k = shapes_num[i];
      if (k && !(min_shape[i] && max_shape[i] && optim_shape[i])) pdcapi::NullHandle("a shape");
      mins[n].assign(min_shape[i], min_shape[i] + k);
      maxs[n].assign(max_shape[i], max_shape[i] + k);
      opts[n].assign(optim_shape[i], optim_shape[i] + k);
    }
    cfg.SetTRTDynamicShapeInfo(mins, maxs, opts, disable_plugin_fp16);
  });
}
PD_CFG_GET(PD_Bool, PD_ConfigTensorRtDynamicShapeEnabled, FALSE, tensorrt_dynamic_shape_enabled())
void PD_ConfigEnableTunedTensorRtDynamicShape(PD_Config* pd_config, const char* path,
                                              PD_Bool allow_build_at_runtime) {
  GuardVoid(__func__, [&] {
    Cfg(pd_config).EnableTunedTensorRtDynamicShape(path ? path : "", allow_build_at_runtime);
  });
}
PD_CFG_GET(PD_Bool, PD_ConfigTunedTensorRtDynamicShape, FALSE, tuned_tensorrt_dynamic_shape())
PD_CFG_GET(PD_Bool, PD_ConfigTrtAllowBuildAtRuntime, FALSE, trt_allow_build_at_runtime())
void PD_ConfigCollectShapeRangeInfo(PD_Config* pd_config, const char* path) {
  GuardVoid(__func__, [&] {
    Cfg(pd_config).CollectShapeRangeInfo(pdcapi::Str(path, "shape_range_info_path"));
  });
}
const char* PD_ConfigShapeRangeInfoPath(PD_Config* pd_config) {
  return Guard(__func__, static_cast<const char*>(nullptr), [&]() -> const char* {
    return pdcapi::MallocCopy(Cfg(pd_config).shape_range_info_path());
  });
}
PD_CFG_GET(PD_Bool, PD_ConfigShapeRangeInfoCollected, FALSE, shape_range_info_collected())
void PD_ConfigDisableTensorRtOPs(PD_Config* pd_config, size_t n, const char** ops) {
  GuardVoid(__func__,
            [&] { Cfg(pd_config).Exp_DisableTensorRtOPs(pdcapi::StrList(n, ops, "op list")); });
}
PD_CFG_DO(PD_ConfigEnableVarseqlen, EnableVarseqlen())
PD_CFG_DO(PD_ConfigEnableTensorRtOSS, EnableTensorRtOSS())
PD_CFG_GET(PD_Bool, PD_ConfigTensorRtOssEnabled, FALSE, tensorrt_oss_enabled())
void PD_ConfigEnableTensorRtDla(PD_Config* pd_config, int32_t dla_core) {
  GuardVoid(__func__, [&] { Cfg(pd_config).EnableTensorRtDLA(dla_core); });
}
PD_CFG_GET(PD_Bool, PD_ConfigTensorRtDlaEnabled, FALSE, tensorrt_dla_enabled())
void PD_ConfigEnableLiteEngine(PD_Config* pd_config, PD_PrecisionType, PD_Bool, size_t,
                               const char**, size_t, const char**) {
  const char* fn = __func__;
  GuardVoid(fn, [&] {
    Cfg(pd_config);
    Unsupported(fn, "the Paddle Lite engine");
  });
}
PD_Bool PD_ConfigLiteEngineEnabled(PD_Config* pd_config) {
  return Guard(__func__, static_cast<PD_Bool>(FALSE), [&] {
    Cfg(pd_config);
    return static_cast<PD_Bool>(FALSE);
  });
}

// ---- optimization, misc ----------------------------------------------------------------
void PD_ConfigSwitchIrOptim(PD_Config* pd_config, PD_Bool x) {
  GuardVoid(__func__, [&] { Cfg(pd_config).SwitchIrOptim(x); });
}
PD_CFG_GET(PD_Bool, PD_ConfigIrOptim, FALSE, ir_optim())
void PD_ConfigSwitchIrDebug(PD_Config* pd_config, PD_Bool x) {
  GuardVoid(__func__, [&] { Cfg(pd_config).SwitchIrDebug(x); });
}
void PD_ConfigEnableMemoryOptim(PD_Config* pd_config, PD_Bool x) {
  GuardVoid(__func__, [&] { Cfg(pd_config).EnableMemoryOptim(x != 0); });
}
PD_CFG_GET(PD_Bool, PD_ConfigMemoryOptimEnabled, FALSE, enable_memory_optim())
PD_CFG_DO(PD_ConfigEnableProfile, EnableProfile())
PD_CFG_GET(PD_Bool, PD_ConfigProfileEnabled, FALSE, profile_enabled())
PD_CFG_DO(PD_ConfigDisableGlogInfo, DisableGlogInfo())
PD_CFG_GET(PD_Bool, PD_ConfigGlogInfoDisabled, FALSE, glog_info_disabled())
PD_CFG_DO(PD_ConfigSetInvalid, SetInValid())
PD_CFG_GET(PD_Bool, PD_ConfigIsValid, FALSE, is_valid())
PD_CFG_DO(PD_ConfigPartiallyRelease, PartiallyRelease())
void PD_ConfigDeletePass(PD_Config* pd_config, const char* pass) {
  GuardVoid(__func__, [&] { Cfg(pd_config).DeletePass(pdcapi::Str(pass, "pass")); });
}
void PD_ConfigInsertPass(PD_Config* pd_config, size_t idx, const char* pass) {
  GuardVoid(__func__,
            [&] { Cfg(pd_config).pass_builder()->InsertPass(idx, pdcapi::Str(pass, "pass")); });
}
void PD_ConfigAppendPass(PD_Config* pd_config, const char* pass) {
  GuardVoid(__func__,
            [&] { Cfg(pd_config).pass_builder()->AppendPass(pdcapi::Str(pass, "pass")); });
}
PD_OneDimArrayCstr* PD_ConfigAllPasses(PD_Config* pd_config) {
  return Guard(__func__, static_cast<PD_OneDimArrayCstr*>(nullptr),
               [&] { return pdcapi::ToCstrArray(Cfg(pd_config).pass_builder()->AllPasses()); });
}
PD_Cstr* PD_ConfigSummary(PD_Config* pd_config) {
  return Guard(__func__, static_cast<PD_Cstr*>(nullptr),
               [&] { return pdcapi::ToCstr(Cfg(pd_config).Summary()); });
}

}  // extern "C"
