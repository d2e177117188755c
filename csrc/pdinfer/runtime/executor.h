// Runs a Graph: for every node, infer output shapes from the actual inputs, resize
// the outputs, run the node's kernel: a backend kernel (oneDNN, see ops/registry.h
// "backend kernels") where one accepts the node, else the reference compute. Owns the
// per-predictor workspace (one tensor per value) so repeated runs with unchanged shapes
// reuse every buffer.
//
// Layouts: a value may be kept in a backend's own layout (e.g. oneDNN nChw16c) between
// backend kernels. Which values may is decided once here: its producer's kernel can
// produce one, every reader's kernel accepts one, and it is not a graph input or output.
// The layout actually used is recorded per value on every run (null = plain), and its
// storage size (padding included) is what the memory planner sees. Whenever an input in
// a non-plain layout reaches a reference compute (a kernel declined a run), it is
// converted to plain first.
#pragma once

#include <list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pdinfer/core/thread_pool.h"
#include "pdinfer/ir/graph.h"
#include "pdinfer/ops/registry.h"
#include "pdinfer/runtime/memory_planner.h"

namespace pdinfer {

struct ExecutorOptions {
  int num_threads = 1;
  // Plan intermediates into one arena by lifetime (see memory_planner.h). Off: every
  // intermediate keeps its own buffer (still reused across runs of equal shapes).
  bool memory_optim = true;
  // Arena plans kept per input-shape signature (least recently used evicted).
  size_t plan_cache_capacity = 16;
  // Run ops through oneDNN kernels where one is registered (Config.enable_mkldnn()).
  bool use_onednn = true;
  // Config.enable_mkldnn_bfloat16(): conv/matmul in bf16 with fp32 accumulation.
  bool onednn_bf16 = false;
  // oneDNN primitives kept per node (Config.set_mkldnn_cache_capacity; 0 = default).
  int onednn_cache_capacity = 0;
};

struct MemoryStats {
  size_t arena_bytes = 0;          // arena currently held
  size_t plan_arena_bytes = 0;     // arena the current shape's plan needs
  size_t unshared_bytes = 0;       // sum of the current shape's intermediates, no reuse
  size_t own_buffer_bytes = 0;     // buffers outside the arena (inputs, outputs, unplanned)
  size_t cached_plans = 0;
  int inplace_ops = 0;             // ops of the current plan that run in place
  int64_t plans_built = 0;         // planning steps so far (one per new shape signature)
  int backend_kernels = 0;         // nodes run by a backend (oneDNN) kernel
  size_t kernel_cache_entries = 0; // per-shape primitives cached by those kernels
  size_t kernel_scratch_bytes = 0; // scratch shared by the kernels (reorders, scratchpads)
};

class Executor {
 public:
  Executor(std::shared_ptr<const Graph> graph, const ExecutorOptions& options);

  // Tensor slot for a graph value (inputs are written here by the predictor).
  Tensor& value_tensor(ValueId id) { return workspace_.at(static_cast<size_t>(id)); }
  const Tensor* ValueData(ValueId id) const;

  void Run();
  // Drops intermediate buffers and the arena (inputs and outputs stay) and keeps only
  // the plan of the last-run shape. Returns bytes released.
  size_t ReleaseIntermediates();
  // Keeps only the plan of the last-run shape and shrinks the arena to what it needs.
  size_t ShrinkMemory();
  size_t WorkspaceBytes() const;
  MemoryStats memory_stats() const;
  int num_threads() const { return pool_->num_threads(); }
  const ExecutorOptions& options() const { return options_; }

 private:
  struct Step {
    const Node* node = nullptr;
    const OpDef* def = nullptr;
    std::unique_ptr<OpContext> ctx;
    std::unique_ptr<Kernel> kernel;  // null: reference compute
    KernelIO io;
    // Plain copies of non-plain inputs for a reference compute (kept: reused next run).
    std::vector<Tensor> plain_inputs;
    // Backend-kernel steps: what infer + Prepare concluded for the last input metas and
    // layouts (their output shapes depend on nothing else), reused while those repeat.
    bool prepared = false;
    bool prepared_ok = false;
    std::vector<TensorMeta> prepared_in;
    std::vector<LayoutPtr> prepared_layouts;  // held: compared by identity
    std::vector<TensorMeta> prepared_out;
    std::vector<std::vector<LayoutPtr>> prepared_out_layouts;
  };
  enum class Mode { kDynamic, kRecord, kPlanned };
  void RunStep(Step& step, size_t index, Mode mode, bool verbose);
  std::string InputSignature() const;
  std::shared_ptr<MemoryPlan> LookupPlan(const std::string& sig);
  std::shared_ptr<MemoryPlan> BuildPlan() const;
  void ReleaseDeadAfterRecording(const Node& node, size_t index);
  void DropOtherPlans();
  void CreateKernels();
  bool SamePrepareInputs(const Step& step) const;
  void RememberPrepare(Step& step, bool ok);
  void AllocateOutput(Tensor* t, size_t v, DataType dtype, const Shape& shape, size_t bytes,
                      Mode mode);

  ExecutorOptions options_;
  std::shared_ptr<const Graph> graph_;
  std::unique_ptr<ThreadPool> pool_;
  std::vector<Tensor> workspace_;
  std::vector<Step> steps_;
  std::vector<bool> keep_;  // graph inputs and outputs: not released as intermediates
  std::vector<int> def_step_;   // per value: producing step, -1 for inputs/constants
  std::vector<int> last_step_;  // per value: last reading step
  std::vector<std::pair<int, int>> inplace_candidates_;
  std::vector<size_t> recorded_size_;  // bytes per value seen by the last planning run
  // Plans by input-shape signature, most recently used first.
  std::list<std::pair<std::string, std::shared_ptr<MemoryPlan>>> plans_;
  std::shared_ptr<MemoryPlan> current_plan_;
  bool plan_stale_ = false;
  std::shared_ptr<Buffer> arena_;
  int64_t plans_built_ = 0;
  std::vector<LayoutPtr> layouts_;   // per value: layout of its current data (null = plain)
  std::vector<bool> layout_ok_;      // per value: may be kept in a non-plain layout
  KernelScratch scratch_;
  int backend_kernels_ = 0;
};

// Names of the ops that have a kernel registered for `backend` ("onednn").
std::vector<std::string> BackendOps(const std::string& backend);

// Load-time shape/dtype inference over the whole graph with unknown dims. Fills
// Value::dtype/shape where the model left them unknown. Errors on nodes whose input
// shapes are fully known are real model errors and are thrown as InvalidModel.
void InferGraphShapes(Graph& graph);

}  // namespace pdinfer
