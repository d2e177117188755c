// Internals of the C API (never installed). The C API is a thin layer over the public
// C++ API (paddle_infer::), and the only place that turns exceptions into the per-thread
// last error: nothing thrown below may cross an extern "C" function.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "paddle_inference_api.h"
#include "pd_inference_api.h"

struct PD_Config {
  paddle_infer::Config config;
};

struct PD_Predictor {
  std::shared_ptr<paddle_infer::Predictor> predictor;
};

struct PD_Tensor {
  std::unique_ptr<paddle_infer::Tensor> tensor;
};

namespace pdcapi {

void ResetError() noexcept;
void SetError(PD_ErrorCode code, const char* func, const std::string& message) noexcept;
// Records the exception in flight; call only inside a catch block.
void RecordCurrentException(const char* func) noexcept;

// Throws paddle_infer::Exception(kInvalidArgument) naming `what` when s is NULL.
std::string Str(const char* s, const char* what);
std::vector<std::string> StrList(size_t n, const char** list, const char* what);

__pd_give PD_OneDimArrayCstr* ToCstrArray(const std::vector<std::string>& v);
__pd_give PD_Cstr* ToCstr(const std::string& s);
__pd_give PD_OneDimArrayInt32* ToInt32Array(const std::vector<int>& v);
__pd_give PD_OneDimArrayInt64* ToInt64Array(const std::vector<int64_t>& v);
__pd_give PD_OneDimArraySize* ToSizeArray(const std::vector<size_t>& v);
char* MallocCopy(const std::string& s);
PD_DataType ToC(paddle_infer::DataType t);

// Runs f with the thread's error cleared; a throw becomes the last error and `fallback`
// is returned.
template <typename R, typename F>
R Guard(const char* func, R fallback, F&& f) noexcept {
  ResetError();
  try {
    return f();
  } catch (...) {
    RecordCurrentException(func);
    return fallback;
  }
}

template <typename F>
void GuardVoid(const char* func, F&& f) noexcept {
  ResetError();
  try {
    f();
  } catch (...) {
    RecordCurrentException(func);
  }
}

[[noreturn]] inline void NullHandle(const char* what) {
  throw paddle_infer::Exception(paddle_infer::ErrorCode::kInvalidArgument,
                                std::string(what) + " is NULL");
}

}  // namespace pdcapi
