// pdinfer C++ API: Paddle Inference's deployment interface (namespace paddle_infer).
//
//   #include "paddle_inference_api.h"
//   paddle_infer::Config config("model.pdmodel", "model.pdiparams");
//   config.SetCpuMathLibraryNumThreads(4);
//   auto predictor = paddle_infer::CreatePredictor(config);
//   auto input = predictor->GetInputHandle(predictor->GetInputNames()[0]);
//   input->Reshape({1, 3, 224, 224});
//   input->CopyFromCpu(data.data());
//   predictor->Run();
//   auto output = predictor->GetOutputHandle(predictor->GetOutputNames()[0]);
//   std::vector<float> out(element_count(output->shape()));
//   output->CopyToCpu(out.data());
//
// Build: g++ -std=c++17 app.cc $(python -m pdinfer --cflags --cxx-libs), or CMake
// find_package(pdinfer) and link pdinfer::pdinfer.
//
// Errors: every failing call throws paddle_infer::Exception (a std::runtime_error whose
// code() gives the category and what() a message naming the file, tensor, expected and
// actual values). Nothing aborts the process.
//
// Thread-safety: a Predictor and its Tensor handles are used by one thread at a time.
// Clone() may be called from any thread; clones share the read-only weights and have
// their own inputs, outputs and workspace, so each thread runs its own clone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "paddle_analysis_config.h"  // NOLINT
#include "paddle_infer_declare.h"    // NOLINT
#include "paddle_pass_builder.h"     // NOLINT
#include "paddle_tensor.h"           // NOLINT
#include "pdinfer_exception.h"       // NOLINT

namespace paddle_infer {

class PD_INFER_DECL Predictor {
 public:
  Predictor() = delete;
  // Loads the model; throws paddle_infer::Exception (kNotFound for a missing file,
  // kInvalidModel for malformed bytes, kInvalidArgument for a bad option).
  explicit Predictor(const Config& config);
  ~Predictor();
  Predictor(const Predictor&) = delete;
  Predictor& operator=(const Predictor&) = delete;

  // In the model's feed / fetch order.
  std::vector<std::string> GetInputNames();
  std::vector<std::string> GetOutputNames();
  // A new handle on the named input/output; throws kNotFound for an unknown name.
  std::unique_ptr<Tensor> GetInputHandle(const std::string& name);
  std::unique_ptr<Tensor> GetOutputHandle(const std::string& name);
  // Declared shapes (-1 = dynamic) and element types.
  std::map<std::string, std::vector<int64_t>> GetInputTensorShape();
  std::map<std::string, std::vector<int64_t>> GetOutputTensorShape();
  std::map<std::string, DataType> GetInputTypes();
  std::map<std::string, DataType> GetOutputTypes();

  // Runs the model on the inputs set through the handles. Returns true; failures
  // (an input not set, a wrong shape or dtype, a kernel error) throw.
  bool Run();
  // A predictor sharing this one's weights with its own state. `stream` is ignored (CPU).
  std::unique_ptr<Predictor> Clone(void* stream = nullptr);
  // Releases intermediate buffers (inputs and outputs stay).
  void ClearIntermediateTensor();
  // Releases cached workspace memory; returns the bytes released.
  uint64_t TryShrinkMemory();
  void* GetExecStream() const;

 private:
  Predictor(std::shared_ptr<detail::PredictorState> state);
  std::shared_ptr<detail::PredictorState> state_;
};

// Loads the model described by `config` (copied); throws paddle_infer::Exception.
PD_INFER_DECL std::shared_ptr<Predictor> CreatePredictor(const Config& config);

// Several lines: the pdinfer version first, then the oneDNN version and build options.
PD_INFER_DECL std::string GetVersion();
PD_INFER_DECL int GetNumBytesOfDataType(DataType dtype);
// TensorRT is not part of this build: both return (0, 0, 0).
PD_INFER_DECL std::tuple<int, int, int> GetTrtCompileVersion();
PD_INFER_DECL std::tuple<int, int, int> GetTrtRuntimeVersion();
// Accepted for compatibility; pdinfer has no gflags to set.
PD_INFER_DECL void UpdateDllFlag(const char* name, const char* value);

namespace services {

// `size` predictors sharing one set of weights: element 0 is created from the config,
// the others are its clones. Retrieve one per thread.
class PD_INFER_DECL PredictorPool {
 public:
  PredictorPool() = delete;
  explicit PredictorPool(const Config& config, size_t size = 1);
  ~PredictorPool();
  PredictorPool(const PredictorPool&) = delete;
  PredictorPool& operator=(const PredictorPool&) = delete;
  // Throws kInvalidArgument for idx >= size.
  Predictor* Retrieve(size_t idx);
  Predictor* Retrive(size_t idx);  // the spelling of older Paddle headers

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace services
}  // namespace paddle_infer
