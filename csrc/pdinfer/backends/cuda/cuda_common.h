// Shared pieces of the CUDA backend module: error checks, the per-executor environment
// kernels run in, and the registry of device kernels (per canonical op).
//
// A device kernel sees the node's OpContext bound to DEVICE tensors: Input()/Output()
// return pdinfer::Tensor objects whose raw_data() is a device pointer (never dereference
// it on the host). Shapes, dtypes and attributes are as in the reference kernels; shape
// inference is the OpDef's `infer`, run on the host before the kernel.
#pragma once

#include <cuda_runtime.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pdinfer/core/error.h"
#include "pdinfer/ir/graph.h"
#include "pdinfer/ops/registry.h"

#if PDINFER_CUDA_HAVE_CUBLAS
#include <cublasLt.h>
#endif
#if PDINFER_CUDA_HAVE_CUDNN
#include <cudnn.h>
#endif

namespace pdinfer {
namespace cuda {

[[noreturn]] void ThrowCuda(cudaError_t e, const char* what, const char* file, int line);

#define PDI_CUDA_CHECK(expr)                                                        \
  do {                                                                              \
    cudaError_t pdi_e_ = (expr);                                                    \
    if (pdi_e_ != cudaSuccess) ::pdinfer::cuda::ThrowCuda(pdi_e_, #expr, __FILE__, __LINE__); \
  } while (0)

// Everything a kernel may use; owned by one CudaExecutor (one stream).
struct CudaEnv {
  int device = 0;
  cudaStream_t stream = nullptr;
  bool fp16 = false;        // executor precision is Half
  bool allow_tf32 = false;
#if PDINFER_CUDA_HAVE_CUBLAS
  cublasLtHandle_t lt = nullptr;
#endif
#if PDINFER_CUDA_HAVE_CUDNN
  cudnnHandle_t dnn = nullptr;
#endif
  // Grow-only device scratch shared by the kernels (they run one at a time on the
  // stream). Growing synchronizes the stream, so it never happens inside a capture:
  // the executor only captures a plan after an eager run with the same shapes.
  void* Scratch(size_t bytes, int slot = 0);
  void ReleaseScratch();
  size_t scratch_bytes() const;

 private:
  struct Block {
    void* ptr = nullptr;
    size_t bytes = 0;
  };
  Block scratch_[4];
};

class CudaKernel {
 public:
  virtual ~CudaKernel() = default;
  // Enqueues the node on env.stream. Returning false hands this run to the reference
  // kernel on the host (a dtype or attribute combination the device kernel lacks).
  virtual bool Run(OpContext& ctx, CudaEnv& env) = 0;
  virtual std::string Describe() const { return ""; }
};

using CudaRunFn = std::function<bool(OpContext&, CudaEnv&)>;

struct CudaKernelDef {
  std::string op;
  // Static facts only (attributes, declared dtypes); null = accepts every node.
  std::function<bool(const Graph&, const Node&)> accepts;
  std::function<std::unique_ptr<CudaKernel>(const Graph&, const Node&)> create;
};

class CudaKernelRegistry {
 public:
  static CudaKernelRegistry& Global();
  void Register(CudaKernelDef def);
  const CudaKernelDef* Find(const std::string& op, const Graph& graph, const Node& node) const;
  std::vector<std::string> Ops() const;

 private:
  std::vector<CudaKernelDef> defs_;
};

// A stateless kernel: one function per run.
class FnKernel : public CudaKernel {
 public:
  explicit FnKernel(CudaRunFn fn) : fn_(std::move(fn)) {}
  bool Run(OpContext& ctx, CudaEnv& env) override { return fn_(ctx, env); }

 private:
  CudaRunFn fn_;
};

struct CudaKernelRegistrar {
  explicit CudaKernelRegistrar(CudaKernelDef def) {
    CudaKernelRegistry::Global().Register(std::move(def));
  }
  // Several op names sharing one stateless function.
  CudaKernelRegistrar(std::initializer_list<const char*> ops, CudaRunFn fn) {
    for (const char* op : ops)
      CudaKernelRegistry::Global().Register(CudaKernelDef{
          op, nullptr, [fn](const Graph&, const Node&) { return std::make_unique<FnKernel>(fn); }});
  }
};

#define PDI_CUDA_OPS(fn, ...)                                                          \
  static ::pdinfer::cuda::CudaKernelRegistrar PDI_OP_CONCAT(pdi_cuda_kernel_, __COUNTER__)( \
      {__VA_ARGS__}, fn)
#define PDI_CUDA_KERNEL(...)                                                           \
  static ::pdinfer::cuda::CudaKernelRegistrar PDI_OP_CONCAT(pdi_cuda_kernel_, __COUNTER__)( \
      __VA_ARGS__)

// ---- small helpers shared by the kernel files

inline unsigned GridFor(int64_t n, int block = 256) {
  int64_t g = (n + block - 1) / block;
  if (g > 65535LL * 32) g = 65535LL * 32;  // grid-stride loops cover the rest
  return static_cast<unsigned>(g < 1 ? 1 : g);
}

// Strides of a row-major shape.
std::vector<int64_t> Strides(const Shape& shape);

// Small per-launch metadata passed by value to kernels (no device allocation needed).
constexpr int kMaxDims = 8;
struct Dims {
  int rank = 0;
  int64_t d[kMaxDims] = {0};
};
Dims MakeDims(const std::vector<int64_t>& v);

// Copies up to kSmallUploadBytes of host data to the device as a kernel parameter
// (allowed while the stream is being captured into a CUDA Graph).
constexpr size_t kSmallUploadBytes = 2048;  // kernel parameters may hold 4 KiB
void UploadSmall(void* dst, const void* src, size_t bytes, cudaStream_t stream);

}  // namespace cuda
}  // namespace pdinfer
