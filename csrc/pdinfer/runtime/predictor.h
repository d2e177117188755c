// Predictor: a loaded model plus the state of one execution stream. Not thread-safe:
// use one predictor per thread (Clone() shares the weights).
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "pdinfer/frontend/model_loader.h"
#include "pdinfer/ops/registry.h"
#include "pdinfer/passes/pass.h"
#include "pdinfer/runtime/device_backend.h"
#include "pdinfer/runtime/executor.h"

namespace pdinfer {

struct PredictorOptions {
  ModelSource model;
  int num_threads = 1;
  bool ir_optim = true;
  // Arena memory planning (on by default; Config.enable_memory_optim(False) turns it off).
  bool memory_optim = true;
  size_t plan_cache_capacity = 16;
  std::vector<std::string> deleted_passes;
  // Explicit pass list (PaddlePassBuilder.set_passes etc.); empty with
  // use_default_passes = the device's default list.
  bool use_default_passes = true;
  std::vector<std::string> passes;
  // switch_ir_debug: dump the graph before/after every pass into ir_debug_dir.
  bool ir_debug = false;
  std::string ir_debug_dir;
  bool use_onednn = true;
  bool onednn_bf16 = false;
  int onednn_cache_capacity = 0;
  // ---- GPU (Config.enable_use_gpu): run on the CUDA backend module (device_backend.h).
  bool use_gpu = false;
  int gpu_device_id = 0;
  size_t gpu_memory_pool_mb = 0;
  int gpu_precision = 0;  // PrecisionType: 0 = fp32, 2 = fp16
};

class Predictor {
 public:
  explicit Predictor(const PredictorOptions& options);

  const std::vector<std::string>& input_names() const { return input_names_; }
  const std::vector<std::string>& output_names() const { return output_names_; }
  // Declared dtype/shape (-1 = dynamic) of an input or output; throws NotFound.
  TensorMeta InputMeta(const std::string& name) const;
  TensorMeta OutputMeta(const std::string& name) const;

  // Copies user data into the input (validated against the declaration at Run()).
  void SetInput(const std::string& name, DataType dtype, const Shape& shape, const void* data,
                LoD lod = {});
  // The tensor currently bound to an input (undefined before SetInput).
  const Tensor& input(const std::string& name) const;
  void SetInputLoD(const std::string& name, LoD lod);

  void Run();
  bool has_run() const { return has_run_; }
  // Output of the last Run(); throws InvalidArgument before the first run.
  const Tensor& output(const std::string& name) const;

  std::unique_ptr<Predictor> Clone() const;
  size_t ClearIntermediateTensor();
  size_t TryShrinkMemory();

  const Graph& graph() const { return *graph_; }
  const std::string& model_format() const { return format_; }
  // What the optimizer did at load (empty with ir_optim off).
  const std::vector<PassRunStats>& pass_stats() const { return *pass_stats_; }
  // Nodes in the graph as loaded, before any pass.
  int loaded_node_count() const { return loaded_nodes_; }
  // The passes this predictor's options select, in order (defaults minus deleted ones).
  static std::vector<std::string> SelectedPasses(const PredictorOptions& options);
  const PredictorOptions& options() const { return options_; }
  int num_threads() const { return executor_->num_threads(); }
  size_t WorkspaceBytes() const { return executor_->WorkspaceBytes(); }
  MemoryStats memory_stats() const { return executor_->memory_stats(); }

  // ---- GPU: null unless options.use_gpu. The CPU executor then only holds the host
  // input/output tensors; the device executor runs the graph.
  DeviceExecutor* device_executor() const { return device_executor_.get(); }
  // Binds input `name` to caller-owned memory without copying (host memory, or device
  // memory for a GPU predictor); valid until the next SetInput/ShareInput of the input.
  void ShareInput(const std::string& name, DataType dtype, const Shape& shape, void* data);

 private:
  Predictor(const Predictor& other);  // for Clone
  ValueId FindInput(const std::string& name) const;
  ValueId FindOutput(const std::string& name) const;
  void ValidateInputs() const;

  PredictorOptions options_;
  std::shared_ptr<const Graph> graph_;
  std::string format_;
  std::unique_ptr<Executor> executor_;
  std::shared_ptr<const std::vector<PassRunStats>> pass_stats_;
  int loaded_nodes_ = 0;
  std::vector<std::string> input_names_;
  std::vector<std::string> output_names_;
  bool has_run_ = false;
  std::unique_ptr<DeviceExecutor> device_executor_;  // GPU predictors only
  void CreateDeviceExecutor();
};

// Version string of the library ("0.1.0").
const char* Version();
// Version of the oneDNN library linked in ("3.2.0").
std::string DnnlVersion();
// Names of the canonical ops this build can run.
std::vector<std::string> SupportedOps();

}  // namespace pdinfer
