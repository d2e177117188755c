// The CUDA DeviceBackend and the module's entry point (see runtime/device_backend.h).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "pdinfer/backends/cuda/cuda_common.h"
#include "pdinfer/backends/cuda/cuda_executor.h"
#include "pdinfer/runtime/device_backend.h"

namespace pdinfer {
namespace cuda {

void ThrowCuda(cudaError_t e, const char* what, const char* file, int line) {
  const ErrorCode code =
      e == cudaErrorMemoryAllocation ? ErrorCode::kOutOfMemory : ErrorCode::kInternal;
  const char* base = std::strrchr(file, '/');
  ThrowError(code, "CUDA error ", cudaGetErrorName(e), " (", cudaGetErrorString(e), ") in ",
             what, " at ", base ? base + 1 : file, ":", line);
}

std::vector<int64_t> Strides(const Shape& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i)
    s[static_cast<size_t>(i)] = s[static_cast<size_t>(i) + 1] * shape[static_cast<size_t>(i) + 1];
  return s;
}

Dims MakeDims(const std::vector<int64_t>& v) {
  PDI_CHECK(v.size() <= static_cast<size_t>(kMaxDims), ErrorCode::kUnsupported,
            "CUDA kernels support rank <= ", kMaxDims, ", got ", v.size());
  Dims d;
  d.rank = static_cast<int>(v.size());
  for (size_t i = 0; i < v.size(); ++i) d.d[i] = v[i];
  return d;
}

void* CudaEnv::Scratch(size_t bytes, int slot) {
  PDI_ENFORCE_INTERNAL(slot >= 0 && slot < 4, "scratch slot ", slot);
  Block& b = scratch_[slot];
  if (b.bytes < bytes) {
    if (b.ptr) {
      PDI_CUDA_CHECK(cudaStreamSynchronize(stream));
      PDI_CUDA_CHECK(cudaFree(b.ptr));
      b.ptr = nullptr;
      b.bytes = 0;
    }
    PDI_CUDA_CHECK(cudaMalloc(&b.ptr, bytes));
    b.bytes = bytes;
  }
  return b.ptr;
}

void CudaEnv::ReleaseScratch() {
  for (Block& b : scratch_)
    if (b.ptr) {
      cudaFree(b.ptr);
      b = Block{};
    }
}

size_t CudaEnv::scratch_bytes() const {
  size_t n = 0;
  for (const Block& b : scratch_) n += b.bytes;
  return n;
}

CudaKernelRegistry& CudaKernelRegistry::Global() {
  static CudaKernelRegistry* r = new CudaKernelRegistry();
  return *r;
}

void CudaKernelRegistry::Register(CudaKernelDef def) { defs_.push_back(std::move(def)); }

const CudaKernelDef* CudaKernelRegistry::Find(const std::string& op, const Graph& graph,
                                              const Node& node) const {
  for (const CudaKernelDef& d : defs_) {
    if (d.op != op) continue;
    bool ok = true;
    if (d.accepts) {
      try {
        ok = d.accepts(graph, node);
      } catch (const Error&) {
        ok = false;
      }
    }
    if (ok) return &d;
  }
  return nullptr;
}

std::vector<std::string> CudaKernelRegistry::Ops() const {
  std::vector<std::string> out;
  for (const CudaKernelDef& d : defs_)
    if (std::find(out.begin(), out.end(), d.op) == out.end()) out.push_back(d.op);
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

class CudaBackend : public DeviceBackend {
 public:
  std::string name() const override { return "cuda"; }

  std::string version() const override {
    int rt = 0, drv = 0;
    cudaRuntimeGetVersion(&rt);
    cudaDriverGetVersion(&drv);
    std::string s = StrCat("CUDA runtime ", rt / 1000, ".", (rt % 1000) / 10, ", driver ",
                           drv / 1000, ".", (drv % 1000) / 10);
#if PDINFER_CUDA_HAVE_CUBLAS
    s += StrCat(", cuBLASLt ", cublasLtGetVersion());
#else
    s += ", cuBLASLt not built";
#endif
#if PDINFER_CUDA_HAVE_CUDNN
    s += StrCat(", cuDNN ", cudnnGetVersion());
#else
    s += ", cuDNN not built";
#endif
    return s;
  }

  int DeviceCount() override {
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
      cudaGetLastError();  // clear the sticky-free error state
      ThrowError(ErrorCode::kUnsupported, "no usable CUDA device: ", cudaGetErrorName(e), " (",
                 cudaGetErrorString(e), ")");
    }
    return n;
  }

  std::string DeviceName(int device) override {
    cudaDeviceProp prop{};
    PDI_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
    return StrCat(prop.name, " (sm_", prop.major, prop.minor, ")");
  }

  bool IsDevicePointer(const void* ptr) override {
    cudaPointerAttributes a{};
    if (cudaPointerGetAttributes(&a, ptr) != cudaSuccess) {
      cudaGetLastError();
      return false;
    }
    return a.type == cudaMemoryTypeDevice || a.type == cudaMemoryTypeManaged;
  }

  void* Alloc(int device, size_t bytes) override {
    PDI_CUDA_CHECK(cudaSetDevice(device));
    void* p = nullptr;
    PDI_CUDA_CHECK(cudaMalloc(&p, bytes));
    return p;
  }

  void Free(int device, void* ptr) override {
    if (!ptr) return;
    PDI_CUDA_CHECK(cudaSetDevice(device));
    PDI_CUDA_CHECK(cudaFree(ptr));
  }

  void Copy(int device, void* dst, const void* src, size_t bytes, CopyKind kind) override {
    PDI_CUDA_CHECK(cudaSetDevice(device));
    const cudaMemcpyKind k = kind == CopyKind::kHostToDevice   ? cudaMemcpyHostToDevice
                             : kind == CopyKind::kDeviceToHost ? cudaMemcpyDeviceToHost
                                                               : cudaMemcpyDeviceToDevice;
    PDI_CUDA_CHECK(cudaMemcpy(dst, src, bytes, k));
  }

  std::vector<std::string> Ops() const override { return CudaKernelRegistry::Global().Ops(); }

  std::unique_ptr<DeviceExecutor> CreateExecutor(std::shared_ptr<const Graph> graph,
                                                 const DeviceExecutorOptions& options) override {
    return std::make_unique<CudaExecutor>(std::move(graph), options);
  }
};

}  // namespace
}  // namespace cuda
}  // namespace pdinfer

extern "C" __attribute__((visibility("default"))) pdinfer::DeviceBackend* pdinfer_device_backend_v1(
    int abi, char* error, size_t error_len) {
  auto fail = [&](const std::string& m) -> pdinfer::DeviceBackend* {
    if (error && error_len) std::snprintf(error, error_len, "%s", m.c_str());
    return nullptr;
  };
  if (abi != pdinfer::kDeviceBackendAbi)
    return fail(pdinfer::StrCat("module ABI ", pdinfer::kDeviceBackendAbi, " does not match ",
                                "libpdinfer's ", abi, " (rebuild pdinfer)"));
  // Asking for the device count is what first reaches the driver: report its error here
  // so that enable_use_gpu() on a machine without a GPU names the reason.
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess)
    return fail(pdinfer::StrCat(cudaGetErrorName(e), ": ", cudaGetErrorString(e)));
  if (n == 0) return fail("cudaGetDeviceCount() found no CUDA device");
  static pdinfer::cuda::CudaBackend* backend = new pdinfer::cuda::CudaBackend();
  return backend;
}
