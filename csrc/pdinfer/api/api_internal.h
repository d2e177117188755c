// Internals shared by the C++ API implementation files (never installed).
#pragma once

#include <map>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "paddle_inference_api.h"
#include "pdinfer/core/error.h"
#include "pdinfer/runtime/predictor.h"

namespace paddle_infer {
namespace detail {

// What a Predictor and all its Tensor handles share. Handles hold a shared_ptr, so a
// handle outlives the Predictor object safely (the Go and C bindings rely on that:
// finalizers run in any order).
class PredictorState {
 public:
  explicit PredictorState(std::unique_ptr<pdinfer::Predictor> p) : core(std::move(p)) {}
  std::unique_ptr<pdinfer::Predictor> core;
  // Shapes set by Tensor::Reshape, per input name, used by the next feed.
  std::map<std::string, pdinfer::Shape> pending_shape;
  // LoD set by Tensor::SetLoD on an input, kept across feeds.
  std::map<std::string, pdinfer::LoD> input_lod;

  const pdinfer::Value& Declared(const std::string& name, bool is_input) const;
};

// Reads the private state of a Config.
struct ConfigAccess {
  static pdinfer::PredictorOptions Options(const Config& config);
};

ErrorCode ToPublic(pdinfer::ErrorCode code);
DataType ToPublic(pdinfer::DataType t);
const char* PublicName(DataType t);

[[noreturn]] void Throw(ErrorCode code, const std::string& message);
// Rethrows the exception in flight as paddle_infer::Exception.
[[noreturn]] void Translate();

// Prints "pdinfer: <what>" once per process per distinct `key`.
void WarnOnce(const std::string& key, const std::string& what);

}  // namespace detail
}  // namespace paddle_infer

// Wraps a public method body: any failure leaves as paddle_infer::Exception.
#define PDI_API_TRY try {
#define PDI_API_CATCH        \
  }                          \
  catch (...) {              \
    ::paddle_infer::detail::Translate(); \
  }
