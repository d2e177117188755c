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
#include <memory>
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

// ---------------------------------------------------------------- backend kernels
//
// A backend (the oneDNN CPU backend in backends/cpu/) may register optimized kernels for
// canonical ops with PDI_REGISTER_KERNEL. Shape inference stays the OpDef's `infer`;
// a backend kernel only replaces `compute`. When the backend is enabled the executor
// asks the op's KernelDefs of that backend whether they `accept` a node (static facts
// only: attributes, declared dtypes, which inputs are constants) and creates one Kernel
// per node and executor from the first that does; the reference compute runs otherwise
// and whenever Prepare() declines the shapes of a particular run.
namespace pdinfer {

// Physical arrangement of a tensor's bytes when a backend keeps it in its own form
// (e.g. oneDNN's channel-blocked nChw16c) between kernels of that backend. The Tensor
// keeps its logical dtype and shape; only the bytes are arranged differently. A null
// layout (LayoutPtr{}) always means plain row-major.
class TensorLayout {
 public:
  virtual ~TensorLayout() = default;
  // Storage bytes the layout needs (more than numel * element size when padded).
  virtual size_t nbytes() const = 0;
  virtual std::string ToString() const = 0;
  // Writes `src` (stored in this layout) into `dst` as plain data; `dst` already has
  // src's dtype and shape and its own storage.
  virtual void ToPlain(const Tensor& src, Tensor& dst) const = 0;
};
using LayoutPtr = std::shared_ptr<const TensorLayout>;

struct KernelOptions {
  bool bf16 = false;       // low-precision compute where the backend and CPU support it
  int cache_capacity = 0;  // per-kernel cache of per-shape primitives; 0 = backend default
};

// Grow-only scratch memory owned by one executor and shared by its kernels (they run
// one at a time). `slot` separates buffers used at the same time within one call.
class KernelScratch {
 public:
  static constexpr int kSlots = 6;
  void* Get(size_t bytes, int slot);
  size_t bytes() const;
  void Release();

 private:
  std::shared_ptr<Buffer> buffers_[kSlots];
};

// What a kernel sees besides the OpContext: layouts of its inputs/outputs (parallel to
// node.inputs / node.outputs) and the executor's scratch.
struct KernelIO {
  std::vector<std::vector<LayoutPtr>> in;
  // Written by Prepare() where out_allowed; the executor allocates at least
  // layout->nbytes() for such outputs.
  std::vector<std::vector<LayoutPtr>> out;
  // Fixed when the executor is built: the output may be given a non-plain layout (all
  // of its readers accept one and it is not a graph output).
  std::vector<std::vector<bool>> out_allowed;
  KernelScratch* scratch = nullptr;
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  // Static capabilities, asked once when the executor is built: may this input slot
  // arrive in a non-plain layout, may this output slot be produced in one.
  virtual bool AcceptsLayout(const std::string& input_slot) const { return false; }
  virtual bool ProducesLayout(const std::string& output_slot) const { return false; }
  // Runs after `infer` (output dtypes/shapes known, storage not yet allocated) on every
  // run: picks the primitive for the current shapes and input layouts and sets the
  // output layouts. Returning false hands this run to the reference compute (the
  // executor converts non-plain inputs to plain first).
  virtual bool Prepare(OpContext& ctx, KernelIO& io) = 0;
  // Outputs are allocated (at least io.out[..]->nbytes() bytes where a layout is set).
  virtual void Run(OpContext& ctx, KernelIO& io) = 0;
  // For diagnostics (PDINFER_VERBOSE): implementation picked by the last Prepare().
  virtual std::string Describe() const { return ""; }
  // Entries held by the kernel's per-shape cache (tests check it stays bounded).
  virtual size_t CacheEntries() const { return 0; }
};

struct KernelDef {
  std::string op;
  std::string backend;  // "onednn"
  std::function<bool(const Graph&, const Node&, const KernelOptions&)> accepts;
  std::function<std::unique_ptr<Kernel>(const Graph&, const Node&, const KernelOptions&)> create;
};

class KernelRegistry {
 public:
  static KernelRegistry& Global();
  void Register(KernelDef def);
  // The kernels registered for (op, backend), in registration order.
  std::vector<const KernelDef*> Find(const std::string& op, const std::string& backend) const;
  std::vector<std::string> Ops(const std::string& backend) const;

 private:
  std::vector<std::unique_ptr<KernelDef>> defs_;
};

struct KernelRegistrar {
  explicit KernelRegistrar(KernelDef def) { KernelRegistry::Global().Register(std::move(def)); }
};

}  // namespace pdinfer

// PDI_REGISTER_KERNEL(KernelDef{"conv2d", "onednn", AcceptsConv, CreateConv});
#define PDI_REGISTER_KERNEL(...) \
  static ::pdinfer::KernelRegistrar PDI_OP_CONCAT(pdi_kernel_registrar_, __COUNTER__)(__VA_ARGS__)
