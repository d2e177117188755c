// Device backends (CUDA) live in separately built modules (libpdinfer_cuda.so) that
// libpdinfer loads with dlopen() the first time a predictor asks for a device, so that
// loading pdinfer and every CPU path never touch a GPU library.
//
// A module is found next to libpdinfer itself (its own path comes from dladdr) or at
// $PDINFER_CUDA_MODULE. It exports one C symbol, `pdinfer_device_backend_v1`, returning
// a DeviceBackend that lives as long as the process. The module is built from the same
// tree by the same compiler as libpdinfer, so the interfaces below are plain C++ and
// kDeviceBackendAbi guards against a stale module left next to a newer libpdinfer.
//
// Errors: no module built -> Unsupported("... built without CUDA"); module present but
// no driver or no GPU -> Unsupported naming the CUDA error. Thread-safety: GetDeviceBackend
// may be called from any thread; a DeviceExecutor is used by one thread at a time (like
// the Predictor that owns it).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "pdinfer/core/tensor.h"
#include "pdinfer/ir/graph.h"

namespace pdinfer {

constexpr int kDeviceBackendAbi = 1;

enum class DevicePrecision : int { kFloat32 = 0, kHalf = 2 };

struct DeviceExecutorOptions {
  int device_id = 0;
  // Initial size of the device memory pool (arena) in MiB; it grows when a plan needs more.
  size_t memory_pool_mb = 0;
  DevicePrecision precision = DevicePrecision::kFloat32;
  bool memory_optim = true;
  size_t plan_cache_capacity = 16;
  // TF32 tensor-core math for fp32 matmul/conv (off: full fp32 accuracy).
  bool allow_tf32 = false;
  // Capture the whole plan as a CUDA Graph and replay it while input shapes stay the same.
  bool cuda_graph = true;
};

struct DeviceMemoryStats {
  size_t arena_bytes = 0;
  size_t weights_bytes = 0;
  size_t cached_plans = 0;
  int64_t plans_built = 0;
  int64_t graph_replays = 0;   // runs served by replaying a captured CUDA Graph
  int device_kernels = 0;      // nodes run by a device kernel
  int host_fallbacks = 0;      // nodes run by the reference kernel on the host
};

// Graph inputs and outputs of one run, parallel to graph.inputs() / graph.outputs().
// An input tensor may hold host data or point at device memory (a zero-copy input:
// its Buffer wraps the device pointer); see DeviceExecutor::IsDevicePointer.
struct DeviceRunIO {
  std::vector<const Tensor*> inputs;
  // Host tensors receiving the outputs (resized by the executor), unless the output is
  // bound to device memory with BindOutput.
  std::vector<Tensor*> outputs;
};

class DeviceExecutor {
 public:
  virtual ~DeviceExecutor() = default;
  virtual void Run(const DeviceRunIO& io) = 0;
  // Zero-copy output: the next runs write output `index` straight into `device_ptr`
  // (`capacity` bytes, which must fit the output). A null pointer unbinds.
  virtual void BindOutput(size_t index, void* device_ptr, size_t capacity) = 0;
  // Device pointer of output `index` after a run when it is bound, else null.
  virtual void* BoundOutput(size_t index) const = 0;
  virtual DeviceMemoryStats memory_stats() const = 0;
  virtual size_t ShrinkMemory() = 0;
  // One line: device name, precision, kernels vs host fallbacks.
  virtual std::string Describe() const = 0;
};

class DeviceBackend {
 public:
  virtual ~DeviceBackend() = default;
  virtual std::string name() const = 0;            // "cuda"
  virtual std::string version() const = 0;         // runtime/driver/library versions
  // Number of usable devices; throws Unsupported naming the error (no driver, no GPU).
  virtual int DeviceCount() = 0;
  virtual std::string DeviceName(int device) = 0;
  // Whether `ptr` is device (or managed) memory this backend can read directly.
  virtual bool IsDevicePointer(const void* ptr) = 0;
  virtual void* Alloc(int device, size_t bytes) = 0;
  virtual void Free(int device, void* ptr) = 0;
  enum class CopyKind { kHostToDevice, kDeviceToHost, kDeviceToDevice };
  virtual void Copy(int device, void* dst, const void* src, size_t bytes, CopyKind kind) = 0;
  // Ops that have a device kernel in this build.
  virtual std::vector<std::string> Ops() const = 0;
  virtual std::unique_ptr<DeviceExecutor> CreateExecutor(std::shared_ptr<const Graph> graph,
                                                         const DeviceExecutorOptions& options) = 0;
};

// The backend `name` ("cuda"), loading its module on first use. Throws Unsupported with
// the reason (module not built, failed to load, no driver/GPU) when unavailable.
DeviceBackend& GetDeviceBackend(const std::string& name);
// Where the module for `name` is expected (it may not exist).
std::string DeviceModulePath(const std::string& name);
// Whether the module file exists / has been loaded into this process.
bool DeviceModuleBuilt(const std::string& name);
bool DeviceModuleLoaded(const std::string& name);
// Why `name` is unavailable, or "" when a device is usable (loads the module).
std::string DeviceUnavailableReason(const std::string& name);

}  // namespace pdinfer

// Exported by a device module.
extern "C" {
typedef pdinfer::DeviceBackend* (*PdinferDeviceBackendFn)(int abi, char* error, size_t error_len);
}
