// Shared plumbing of the oneDNN CPU backend: the engine and per-thread stream, memory
// descriptors for pdinfer tensors, the layout object that carries a oneDNN memory
// descriptor between kernels, a bounded per-shape primitive cache, weights packed once
// and shared between kernels of cloned predictors, and activation -> post-op mapping.
//
// Conventions of every kernel in this directory:
//  - A tensor's logical shape is oneDNN's logical dims in the same order (so kernels
//    that accept blocked inputs are NCHW-ordered ops: a 4-D tensor [N, C, H, W]).
//  - A DnnlLayout is attached only to non-plain tensors; null means plain row-major.
//  - Primitives run with a user scratchpad taken from the executor's KernelScratch.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dnnl.hpp"
#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace onednn {

using dnnl::memory;
using Dims = memory::dims;

// Scratch slots (KernelScratch::kSlots of them).
enum ScratchSlot : int {
  kScratchpad = 0,  // the primitive's own scratchpad
  kSrcSlot = 1,     // first input converted to the primitive's layout
  kDstSlot = 2,     // output staged before a reorder to plain
  kAuxSlot = 3,     // a second input converted (residual, binary operand)
  kAux2Slot = 4,
  kAux3Slot = 5,
};

const dnnl::engine& Engine();
// One stream per calling thread (streams are not thread-safe; the engine is).
dnnl::stream& Stream();

// True when the CPU has native bf16 (avx512_bf16 or AMX), i.e. bf16 helps.
bool CpuHasBf16();
// Whether kernels created with `options` compute conv/matmul in bf16: asked for and the
// CPU has it. (PDINFER_ONEDNN_FORCE_BF16=1 skips the CPU check; with
// PDINFER_ONEDNN_ALLOW_REF=1 that exercises the bf16 paths on any CPU, slowly.)
bool UseBf16(const KernelOptions& options);
// PDINFER_ONEDNN_ALLOW_REF=1: accept oneDNN's reference implementations (testing).
bool AllowRefImpls();

Dims ToDims(const Shape& shape);
// Plain row-major descriptor of `shape` (rank 0 is treated as [1]).
memory::desc PlainDesc(const Shape& shape, memory::data_type dt = memory::data_type::f32);
// Row-major descriptor with explicit strides (for transposed/broadcast views).
memory::desc StridedDesc(const Dims& dims, const Dims& strides,
                         memory::data_type dt = memory::data_type::f32);
// nchw-ordered dims of a 4-D NHWC tensor stored channel-last.
memory::desc NhwcDesc(const Dims& nchw_dims, memory::data_type dt = memory::data_type::f32);
bool IsPlain(const memory::desc& md);
std::string DescToString(const memory::desc& md);

// The layout attached to a tensor whose data is in a non-plain oneDNN format.
class DnnlLayout : public TensorLayout {
 public:
  explicit DnnlLayout(memory::desc md) : md_(std::move(md)) {}
  const memory::desc& desc() const { return md_; }
  size_t nbytes() const override { return md_.get_size(); }
  std::string ToString() const override;
  void ToPlain(const Tensor& src, Tensor& dst) const override;

 private:
  memory::desc md_;
};

// The layout to set on an output stored as `md`: null when md is plain.
LayoutPtr MakeLayout(const memory::desc& md);
// The descriptor of a tensor as stored: its layout's, or plain.
memory::desc StoredDesc(const Tensor& t, const LayoutPtr& layout);

// Wraps tensor data (no copy). `data` may be const: oneDNN never writes inputs.
memory Wrap(const memory::desc& md, const void* data);

// Memory of `t` in descriptor `want`: wraps t's data when it is already stored that
// way, else reorders it into scratch `slot`.
memory InputAs(const Tensor& t, const LayoutPtr& layout, const memory::desc& want,
               KernelScratch& scratch, int slot);
// Same with the stored descriptor given (e.g. channel-last data seen as NCHW dims).
memory InputAs(const void* data, const memory::desc& stored, const memory::desc& want,
               KernelScratch& scratch, int slot);
// Runs a reorder src -> dst (any descriptors of the same logical dims).
void Reorder(const memory& src, const memory& dst);

// A memory object made once with a cached primitive and pointed at new data on every
// run: creating oneDNN memory objects allocates, re-pointing them does not.
class Mem {
 public:
  Mem() = default;
  explicit Mem(const memory::desc& md)
      : m_(md, Engine(), nullptr), bytes_(std::max<size_t>(md.get_size(), 64)) {}
  bool empty() const { return !m_; }
  const memory::desc& desc() const { return md_cache(); }
  // Storage the descriptor needs (at least 64 bytes, so scratch is never null).
  size_t bytes() const { return bytes_; }
  memory& At(const void* data) {
    if (data != data_) {
      m_.set_data_handle(const_cast<void*>(data));
      data_ = data;
    }
    return m_;
  }
  memory& get() { return m_; }

 private:
  const memory::desc& md_cache() const {
    if (!desc_ready_) {
      desc_ = m_.get_desc();
      desc_ready_ = true;
    }
    return desc_;
  }
  memory m_;
  size_t bytes_ = 0;
  const void* data_ = nullptr;
  mutable memory::desc desc_;
  mutable bool desc_ready_ = false;
};

// Data stored as `stored` handed to a primitive that wants `want`: a view when they
// agree, else a cached reorder into scratch.
class Conversion {
 public:
  Conversion() = default;
  Conversion(const memory::desc& stored, const memory::desc& want);
  bool needed() const { return needed_; }
  // The data at `data` as `want` (converted into scratch `slot` if needed).
  memory& Apply(const void* data, KernelScratch& scratch, int slot);

 private:
  bool needed_ = false;
  Mem src_, dst_;
  dnnl::reorder prim_;
};

// Executes `prim` on the calling thread's stream without building a std::unordered_map
// of arguments (what dnnl::primitive::execute takes). Null memories are skipped.
struct ExecArg {
  int arg;
  const memory* mem;
};
void Exec(const dnnl::primitive& prim, const ExecArg* args, size_t count);
inline void Exec(const dnnl::primitive& prim, std::initializer_list<ExecArg> args) {
  Exec(prim, args.begin(), args.size());
}
// Any number of arguments (concat's sources).
void ExecMany(const dnnl::primitive& prim, const std::vector<ExecArg>& args);

// Scratchpad memory for a primitive descriptor (user scratchpad mode).
memory Scratchpad(const dnnl::primitive_desc_base& pd, KernelScratch& scratch);

// Attributes every primitive here starts from (user scratchpad).
dnnl::primitive_attr BaseAttr();

// An activation as oneDNN eltwise post-op parameters.
struct EltwiseSpec {
  dnnl::algorithm alg = dnnl::algorithm::undef;
  float alpha = 0.f, beta = 0.f;
};

// Activation attributes of a fused op (fuse_activation / fuse_alpha / fuse_beta /
// fuse_gamma) -> oneDNN eltwise. `legacy_conv` selects the meaning conv2d's own
// epilogue gives the attributes (ops/conv_util.cc: relu6 bound in fuse_beta, swish beta
// and hard_sigmoid slope in fuse_alpha with defaults when 0); otherwise the FusedActivation
// convention (ops/fused_activation.h). nullopt: no activation. Returns false in `ok` when
// the activation has no exact oneDNN equivalent.
std::optional<EltwiseSpec> FusedActivationSpec(const AttributeMap& attrs, bool legacy_conv,
                                               bool* ok);
// The activation of a fused op read as its reference kernel reads it: `name` (e.g. fc's
// activation_type) with fuse_alpha / fuse_beta / fuse_gamma (FusedActivation::FromAttrs).
std::optional<EltwiseSpec> FusedOpActivation(const AttributeMap& attrs, std::string name,
                                             bool* ok);
// Same from an activation name and its three parameters.
std::optional<EltwiseSpec> ActivationSpec(const std::string& act, double alpha, double beta,
                                          double gamma, bool legacy_conv, bool* ok);
// A standalone activation op (relu, gelu, hard_swish, ...) with its attributes; false
// when it has no exact oneDNN equivalent.
bool ActivationOpSpec(const std::string& op, const AttributeMap& attrs, EltwiseSpec* spec);

// Weights converted once into the descriptor a primitive asked for. Kernels of cloned
// predictors reading the same constant get the same packed copy.
std::shared_ptr<memory> PackedConstant(const std::shared_ptr<const Tensor>& constant,
                                       const memory::desc& src_md, const memory::desc& want);

// Bounded least-recently-used cache of per-shape primitives (key: shapes, layouts).
template <typename V>
class LruCache {
 public:
  explicit LruCache(size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}
  V* Find(const std::string& key) {
    for (auto it = items_.begin(); it != items_.end(); ++it)
      if (it->first == key) {
        items_.splice(items_.begin(), items_, it);
        return &items_.front().second;
      }
    return nullptr;
  }
  V& Insert(const std::string& key, V value) {
    items_.emplace_front(key, std::move(value));
    while (items_.size() > capacity_) items_.pop_back();
    return items_.front().second;
  }
  size_t size() const { return items_.size(); }
  void Clear() { items_.clear(); }

 private:
  size_t capacity_;
  std::list<std::pair<std::string, V>> items_;
};

size_t CacheCapacity(const KernelOptions& options);

// oneDNN 3.2's brgemm-based primitives leak a little memory every time one is created
// (its internal kernel cache), so a node whose input shape keeps changing (OCR widths,
// sequence lengths) switches to the other implementations once it has seen a few shapes:
// memory stays bounded however many shapes a predictor meets.
class ShapeCounter {
 public:
  static constexpr size_t kDynamicAfter = 4;
  // True once, for the shape that makes the node dynamic: the caller drops its cached
  // brgemm primitives then, so that they and their packed weights are not held next to
  // the replacements.
  bool Saw(const Shape& s) {
    if (seen_.size() > kDynamicAfter) return false;
    for (const Shape& x : seen_)
      if (x == s) return false;
    seen_.push_back(s);
    return seen_.size() > kDynamicAfter;
  }
  bool Dynamic() const { return seen_.size() > kDynamicAfter; }

 private:
  std::vector<Shape> seen_;
};

// oneDNN's reference implementations ("ref:any") are correct but far slower than
// pdinfer's own kernels: a kernel that would get one declines the case instead.
inline bool IsRefImpl(const std::string& impl) {
  return impl.rfind("ref", 0) == 0 && !AllowRefImpls();
}

// Thrown inside a Build() to give up on a case (caught with dnnl::error).
inline void Decline() { throw dnnl::error(dnnl_unimplemented, "declined"); }

// Moves `pd` to the first implementation that is neither brgemm-based nor a reference
// one; declines the case when there is none (the reference kernel then runs the node,
// which does not leak as every new brgemm shape would).
template <typename PD>
void AvoidBrgemm(PD* pd) {
  // next_impl() moves `pd` itself (copies of a primitive_desc share its handle, and a
  // clone has no further implementations to walk).
  do {
    const std::string impl = pd->impl_info_str();
    if (impl.rfind("brg", 0) != 0 && impl.rfind("brd", 0) != 0 && !IsRefImpl(impl)) return;
  } while (pd->next_impl());
  Decline();
}

// Key pieces.
void AppendShape(std::string* key, const Shape& s);
void AppendLayout(std::string* key, const LayoutPtr& layout);

// Graph helpers for accepts().
bool IsFloat32Value(const Graph& g, ValueId v);
const Value* InputValueOf(const Graph& g, const Node& n, const std::string& slot, size_t k = 0);
// False when the node has a value in an input slot not listed (a tensor-valued
// attribute such as ScaleTensor the kernel does not read).
bool OnlyInputs(const Node& n, std::initializer_list<const char*> slots);
bool IsConstantInput(const Graph& g, const Node& n, const std::string& slot, size_t k = 0);
// The layout of input (slot, k) from the KernelIO parallel vectors.
LayoutPtr InputLayout(const Node& n, const KernelIO& io, const std::string& slot, size_t k = 0);
void SetOutputLayout(const Node& n, KernelIO& io, const std::string& slot, LayoutPtr layout,
                     size_t k = 0);
// An output's shape as inferred for this run (valid in Prepare, before allocation).
const Shape& InferredOutputShape(OpContext& ctx, const std::string& slot, size_t k = 0);
bool OutputAllowed(const Node& n, const KernelIO& io, const std::string& slot, size_t k = 0);

// Transposed convolutions with stride == kernel (dnnl_deconv_patch.cc): whether the
// patch kernel takes the node, and the kernel.
bool PatchDeconvApplies(const Graph& g, const Node& n, const KernelOptions& options);
std::unique_ptr<Kernel> CreatePatchDeconv(const Graph& g, const Node& n,
                                          const KernelOptions& options);

}  // namespace onednn
}  // namespace pdinfer
