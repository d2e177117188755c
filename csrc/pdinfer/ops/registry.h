// The op registry: for every canonical op, its slots, shape/dtype inference and a
// reference CPU kernel. One file per op family registers its ops with PDI_REGISTER_OP.
//
// Life of a node at run time (see runtime/executor.cc):
//   infer(ctx)   -> output dtypes/shapes from input dtypes/shapes (and values when known)
//   outputs are resized to those shapes
//   compute(ctx) -> fills the outputs
// `infer` is also run at load time with unknown (-1) dims, where InputValue() returns
// data only for constants; it must then leave unknown dims as -1, never guess.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "pdinfer/core/tensor.h"
#include "pdinfer/core/thread_pool.h"
#include "pdinfer/ir/graph.h"

namespace pdinfer {

struct TensorMeta {
  DataType dtype = DataType::kUndefined;
  Shape shape;
};

// What infer and compute see of one node. Slots are looked up by name (Paddle's slot
// names: "X", "Input", "Filter", ...). k indexes the values of a multi-value slot.
class OpContext {
 public:
  OpContext(const Graph& graph, const Node& node) : graph_(graph), node_(node) {}

  const Node& node() const { return node_; }
  const AttributeMap& attrs() const { return node_.attrs; }
  // "op 'conv2d' (producing 'conv2d_0.tmp_0')": prefix for error messages.
  std::string Where() const { return node_.Describe(graph_); }

  // --- inputs (infer and compute) ---
  size_t InputCount(const std::string& slot) const;
  bool HasInput(const std::string& slot, size_t k = 0) const;
  DataType InputDType(const std::string& slot, size_t k = 0) const;
  const Shape& InputShape(const std::string& slot, size_t k = 0) const;
  // The input's data when known: always at run time, only for constants at load time.
  const Tensor* InputValue(const std::string& slot, size_t k = 0) const;
  bool runtime() const { return runtime_; }

  // --- outputs ---
  size_t OutputCount(const std::string& slot) const;
  bool HasOutput(const std::string& slot, size_t k = 0) const;
  // infer: declare an output's dtype and shape (-1 allowed only at load time).
  void SetOutput(const std::string& slot, size_t k, DataType dtype, const Shape& shape);
  void SetOutput(const std::string& slot, DataType dtype, const Shape& shape) {
    SetOutput(slot, 0, dtype, shape);
  }

  // --- compute only ---
  const Tensor& Input(const std::string& slot, size_t k = 0) const;
  Tensor& Output(const std::string& slot, size_t k = 0);
  ThreadPool& pool() const { return *pool_; }

  // --- wiring, used by the executor and the shape-inference driver ---
  struct InputRef {
    TensorMeta meta;
    const Tensor* tensor = nullptr;  // null when data unknown
  };
  struct OutputRef {
    TensorMeta meta;
    bool set = false;
    Tensor* tensor = nullptr;
  };
  void Bind(std::vector<std::vector<InputRef>> inputs, std::vector<std::vector<OutputRef>> outputs,
            ThreadPool* pool, bool runtime);
  std::vector<std::vector<InputRef>>& input_refs() { return inputs_; }
  std::vector<std::vector<OutputRef>>& output_refs() { return outputs_; }
  void set_pool(ThreadPool* pool) { pool_ = pool; }
  void set_runtime(bool runtime) { runtime_ = runtime; }

 private:
  const InputRef* FindInputRef(const std::string& slot, size_t k) const;
  OutputRef* FindOutputRef(const std::string& slot, size_t k);
  const OutputRef* FindOutputRef(const std::string& slot, size_t k) const;

  const Graph& graph_;
  const Node& node_;
  std::vector<std::vector<InputRef>> inputs_;   // parallel to node_.inputs
  std::vector<std::vector<OutputRef>> outputs_; // parallel to node_.outputs
  ThreadPool* pool_ = nullptr;
  bool runtime_ = false;
};

using InferFn = std::function<void(OpContext&)>;
using ComputeFn = std::function<void(OpContext&)>;

// Slot declaration: "X" required single, "Bias?" optional, "X*" any number (>= 0),
// "X+" one or more.
struct OpDef {
  std::string name;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  InferFn infer;
  ComputeFn compute;
};

class OpRegistry {
 public:
  static OpRegistry& Global();
  void Register(OpDef def);
  const OpDef* Find(const std::string& name) const;
  std::vector<std::string> Names() const;

 private:
  std::vector<OpDef> defs_;
};

struct OpRegistrar {
  explicit OpRegistrar(OpDef def) { OpRegistry::Global().Register(std::move(def)); }
};

// Validates a node against its OpDef (required slots present and of the right arity);
// throws InvalidModel naming the node.
void ValidateNodeSlots(const Graph& graph, const Node& node, const OpDef& def);

}  // namespace pdinfer

#define PDI_OP_CONCAT_INNER(a, b) a##b
#define PDI_OP_CONCAT(a, b) PDI_OP_CONCAT_INNER(a, b)
// PDI_REGISTER_OP(OpDef{"relu", {"X"}, {"Out"}, InferSame, ComputeRelu});
#define PDI_REGISTER_OP(...) \
  static ::pdinfer::OpRegistrar PDI_OP_CONCAT(pdi_op_registrar_, __COUNTER__)(__VA_ARGS__)
