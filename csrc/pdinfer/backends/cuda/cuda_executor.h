// CudaExecutor: runs an optimized Graph on one GPU, on one stream.
//
// Per run: graph inputs are uploaded (or used in place when they already are device
// memory), every node's shape inference runs on the host, its device kernel is
// enqueued, outputs are downloaded (or written into a bound device buffer).
//
// Memory: the first run of an input-shape signature ("record") gives every intermediate
// its own stream-ordered allocation, freed after its last reader, and records the sizes;
// the memory planner (runtime/memory_planner.h) then assigns offsets in one device arena
// that later runs of that signature use, so a steady-state run allocates nothing.
//
// CUDA Graphs: once a planned run of a signature completed on the device alone (no node
// fell back to the host, no shape needed device data), the next run of that signature is
// captured and later runs replay it. Replay needs the same input/output device addresses,
// which holds for uploaded inputs (own grow-only buffers); zero-copy inputs at a new
// address run eagerly.
//
// Host fallback: a node without a device kernel (or whose kernel declines the run) runs
// its reference kernel on host copies of its inputs; its outputs are uploaded again.
#pragma once

#include <list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pdinfer/backends/cuda/cuda_common.h"
#include "pdinfer/core/thread_pool.h"
#include "pdinfer/runtime/device_backend.h"
#include "pdinfer/runtime/memory_planner.h"

namespace pdinfer {
namespace cuda {

class CudaExecutor : public DeviceExecutor {
 public:
  CudaExecutor(std::shared_ptr<const Graph> graph, const DeviceExecutorOptions& options);
  ~CudaExecutor() override;

  void Run(const DeviceRunIO& io) override;
  void BindOutput(size_t index, void* device_ptr, size_t capacity) override;
  void* BoundOutput(size_t index) const override;
  DeviceMemoryStats memory_stats() const override;
  size_t ShrinkMemory() override;
  std::string Describe() const override;

 private:
  struct Step {
    const Node* node = nullptr;
    const OpDef* def = nullptr;
    std::unique_ptr<OpContext> ctx;
    std::unique_ptr<CudaKernel> kernel;  // null: host reference kernel
  };
  struct OwnBuf {
    void* ptr = nullptr;
    size_t bytes = 0;
  };
  struct Plan {
    std::string signature;
    MemoryPlan memory;
    // CUDA Graph of this signature, with the facts a replay must match.
    cudaGraphExec_t exec = nullptr;
    bool capturable = false;  // the last planned run needed no host round trip
    std::vector<const void*> input_ptrs;
    std::vector<std::pair<DataType, Shape>> output_meta;
    std::vector<const void*> output_ptrs;
  };
  enum class Mode { kRecord, kPlanned };

  void UploadConstants();
  void BindInputs(const DeviceRunIO& io);
  void RunStep(Step& step, size_t index, Mode mode);
  void HostFallback(Step& step);
  bool TrySmallHostStep(Step& step);
  void MirrorToHost(size_t v);
  void AllocateValue(size_t v, DataType dtype, const Shape& shape, Mode mode);
  void FreeOwn(size_t v);
  void DownloadOutputs(const DeviceRunIO& io, const Plan* replayed);
  std::string Signature(const DeviceRunIO& io) const;
  Plan* LookupPlan(const std::string& sig);
  void BuildPlan(const std::string& sig);
  void EnsureArena(size_t bytes);
  void DropGraphs();
  bool CanReplay(const Plan& plan) const;

  DeviceExecutorOptions options_;
  std::shared_ptr<const Graph> graph_;
  std::unique_ptr<ThreadPool> host_pool_;  // reference kernels of host steps
  CudaEnv env_;
  std::vector<Step> steps_;
  std::vector<Tensor> dev_;         // per value: device view (raw_data() is a device pointer)
  std::vector<Tensor> host_;        // per value: host mirror
  std::vector<bool> host_valid_;    // mirror holds this run's data
  std::vector<OwnBuf> own_;         // per value: own device allocation (outside the arena)
  std::vector<bool> keep_;          // graph inputs/outputs
  std::vector<int> def_step_, last_step_;
  std::vector<size_t> recorded_size_;
  std::vector<void*> bound_outputs_;
  std::vector<size_t> bound_capacity_;
  std::vector<OwnBuf> weights_;
  size_t weights_bytes_ = 0;
  std::list<Plan> plans_;  // most recently used first
  Plan* current_ = nullptr;
  OwnBuf arena_;
  bool clean_run_ = true;  // no host round trip in this run
  int64_t plans_built_ = 0, replays_ = 0;
  int device_kernels_ = 0, host_fallbacks_ = 0;
  std::string device_name_;
};

}  // namespace cuda
}  // namespace pdinfer
