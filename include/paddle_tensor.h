// pdinfer C++ API: paddle_infer::Tensor, the input/output handle of a Predictor, and the
// element-type / place / layout enums.
//
// Ownership: a Tensor handle (from Predictor::GetInputHandle / GetOutputHandle) keeps the
// predictor's state alive, so it stays valid even after the Predictor object is
// destroyed. Handles for the same name share that name's data and pending shape.
// Thread-safety: like its Predictor, a handle must not be used from two threads at once.
// Errors: failing calls throw paddle_infer::Exception (see pdinfer_exception.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "paddle_infer_declare.h"  // NOLINT
#include "pdinfer_exception.h"     // NOLINT

namespace paddle_infer {

using Strings = std::vector<std::string>;
typedef void (*CallbackFunc)(void*);

// Element types; the values are fixed (they follow Paddle's numbering).
enum DataType {
  FLOAT32 = 0,
  INT64 = 1,
  INT32 = 2,
  UINT8 = 3,
  INT8 = 4,
  FLOAT16 = 5,
  BOOL = 6,
  FLOAT64 = 7,
  BFLOAT16 = 8,
};

enum class PlaceType { kUNK = -1, kCPU = 0, kGPU = 1, kXPU = 2, kNPU = 3, kIPU = 4, kCUSTOM = 5 };

enum class DataLayout { kUNK = -1, kAny = 0, kNHWC = 1, kNCHW = 2 };

class Predictor;
namespace detail {
class PredictorState;  // opaque
}

class PD_INFER_DECL Tensor {
 public:
  ~Tensor();
  Tensor(const Tensor&) = delete;
  Tensor& operator=(const Tensor&) = delete;

  // Sets the shape the next CopyFromCpu / mutable_data uses (inputs only). Needed when
  // the model declares dynamic dims; otherwise the declared (or last fed) shape is used.
  void Reshape(const std::vector<int>& shape);
  void ReshapeStrings(const std::size_t& shape);  // string tensors: throws kUnsupported

  // Supported T: float, double, int64_t, int32_t, uint8_t, int8_t, bool.
  // Copies numel(shape) elements from `data` into the input (the element type is T).
  template <typename T>
  void CopyFromCpu(const T* data);
  void CopyStringsFromCpu(const Strings* data);  // throws kUnsupported
  // Copies the whole tensor into `data` (which must hold numel(shape()) elements).
  // T must match type(); there is no implicit conversion.
  template <typename T>
  void CopyToCpu(T* data) const;
  // CPU execution finishes inside Run(), so these copy synchronously and then call cb.
  template <typename T>
  void CopyToCpuAsync(T* data, void* exec_stream) const;
  template <typename T>
  void CopyToCpuAsync(T* data, CallbackFunc cb, void* cb_params) const;
  // Binds the data to the input. pdinfer copies it (one memcpy); the caller's buffer is
  // not referenced afterwards. Only PlaceType::kCPU is accepted.
  template <typename T>
  void ShareExternalData(const T* data, const std::vector<int>& shape, PlaceType place,
                         DataLayout layout = DataLayout::kNCHW);
  // Input: allocates (shape from Reshape) and returns the writable buffer the next Run()
  // reads. Valid until the next Reshape/CopyFromCpu/mutable_data on this name.
  template <typename T>
  T* mutable_data(PlaceType place);
  // Pointer to the current data (an output after Run(), or a fed input); `size` receives
  // the element count. Valid until the next Run() or feed. T must match type().
  template <typename T>
  T* data(PlaceType* place, int* size) const;

  // Current shape: for an output after Run() the computed one; before, the declared one
  // (-1 = dynamic). For an input the last Reshape, else the fed shape, else the declared.
  std::vector<int> shape() const;
  void SetLoD(const std::vector<std::vector<size_t>>& x);
  std::vector<std::vector<size_t>> lod() const;
  const std::string& name() const;
  DataType type() const;
  PlaceType place() const;

 private:
  friend class Predictor;
  Tensor(std::shared_ptr<detail::PredictorState> state, const std::string& name, bool is_input);
  std::shared_ptr<detail::PredictorState> state_;
  std::string name_;
  bool is_input_;
};

}  // namespace paddle_infer
