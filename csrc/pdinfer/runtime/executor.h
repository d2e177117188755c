// Runs a Graph: for every node, infer output shapes from the actual inputs, resize
// the outputs, run the reference kernel. Owns the per-predictor workspace (one
// tensor per value) so repeated runs with unchanged shapes reuse every buffer.
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
  bool use_onednn = true;
  bool onednn_bf16 = false;
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
    const Node* node;
    const OpDef* def;
    std::unique_ptr<OpContext> ctx;
  };
  enum class Mode { kDynamic, kRecord, kPlanned };
  void RunStep(Step& step, size_t index, Mode mode, bool verbose);
  std::string InputSignature() const;
  std::shared_ptr<MemoryPlan> LookupPlan(const std::string& sig);
  std::shared_ptr<MemoryPlan> BuildPlan() const;
  void ReleaseDeadAfterRecording(const Node& node, size_t index);
  void DropOtherPlans();

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
};

// Load-time shape/dtype inference over the whole graph with unknown dims. Fills
// Value::dtype/shape where the model left them unknown. Errors on nodes whose input
// shapes are fully known are real model errors and are thrown as InvalidModel.
void InferGraphShapes(Graph& graph);

}  // namespace pdinfer
