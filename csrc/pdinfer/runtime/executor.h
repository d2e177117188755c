// Runs a Graph: for every node, infer output shapes from the actual inputs, resize
// the outputs, run the reference kernel. Owns the per-predictor workspace (one
// tensor per value) so repeated runs with unchanged shapes reuse every buffer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pdinfer/core/thread_pool.h"
#include "pdinfer/ir/graph.h"
#include "pdinfer/ops/registry.h"

namespace pdinfer {

class Executor {
 public:
  Executor(std::shared_ptr<const Graph> graph, int num_threads);

  // Tensor slot for a graph value (inputs are written here by the predictor).
  Tensor& value_tensor(ValueId id) { return workspace_.at(static_cast<size_t>(id)); }
  const Tensor* ValueData(ValueId id) const;

  void Run();
  // Drops intermediate buffers (inputs and outputs stay). Returns bytes released.
  size_t ReleaseIntermediates();
  size_t WorkspaceBytes() const;
  int num_threads() const { return pool_->num_threads(); }

 private:
  struct Step {
    const Node* node;
    const OpDef* def;
    std::unique_ptr<OpContext> ctx;
  };
  void RunStep(Step& step, bool verbose);

  std::shared_ptr<const Graph> graph_;
  std::unique_ptr<ThreadPool> pool_;
  std::vector<Tensor> workspace_;
  std::vector<Step> steps_;
  std::vector<bool> keep_;  // graph inputs and outputs: not released as intermediates
};

// Load-time shape/dtype inference over the whole graph with unknown dims. Fills
// Value::dtype/shape where the model left them unknown. Errors on nodes whose input
// shapes are fully known are real model errors and are thrown as InvalidModel.
void InferGraphShapes(Graph& graph);

}  // namespace pdinfer
