#include "pdinfer/runtime/device_backend.h"

#include <dlfcn.h>
#include <sys/stat.h>

#include <cstdlib>
#include <mutex>

#include "pdinfer/core/error.h"

namespace pdinfer {

namespace {

struct ModuleState {
  std::mutex mu;
  bool tried = false;
  DeviceBackend* backend = nullptr;
  std::string error;  // why loading failed (sticky: the module is not retried)
};

ModuleState& State() {
  static ModuleState* s = new ModuleState();  // never destroyed: the backend outlives exit
  return *s;
}

std::string OwnDirectory() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&DeviceModulePath), &info) && info.dli_fname) {
    std::string path = info.dli_fname;
    size_t slash = path.rfind('/');
    if (slash != std::string::npos) return path.substr(0, slash);
  }
  return ".";
}

void CheckName(const std::string& name) {
  PDI_CHECK(name == "cuda", ErrorCode::kUnsupported, "device backend '", name,
            "' is not supported (pdinfer knows: cuda)");
}

}  // namespace

std::string DeviceModulePath(const std::string& name) {
  CheckName(name);
  const char* env = std::getenv("PDINFER_CUDA_MODULE");
  if (env && *env) return env;
  return OwnDirectory() + "/libpdinfer_cuda.so";
}

bool DeviceModuleBuilt(const std::string& name) {
  struct stat st {};
  return stat(DeviceModulePath(name).c_str(), &st) == 0;
}

bool DeviceModuleLoaded(const std::string& name) {
  CheckName(name);
  std::lock_guard<std::mutex> lock(State().mu);
  return State().backend != nullptr;
}

DeviceBackend& GetDeviceBackend(const std::string& name) {
  CheckName(name);
  ModuleState& s = State();
  std::lock_guard<std::mutex> lock(s.mu);
  if (!s.tried) {
    s.tried = true;
    const std::string path = DeviceModulePath(name);
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) {
      s.error = StrCat("this build of pdinfer was built without CUDA (no ", path,
                       "; build where nvcc is found to get the CUDA backend)");
    } else if (void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {
      auto fn = reinterpret_cast<PdinferDeviceBackendFn>(dlsym(h, "pdinfer_device_backend_v1"));
      char err[512] = {0};
      if (!fn) {
        s.error = StrCat(path, " is not a pdinfer device module (no entry point)");
      } else if (DeviceBackend* b = fn(kDeviceBackendAbi, err, sizeof(err))) {
        s.backend = b;
      } else {
        s.error = StrCat("the CUDA backend could not start: ", err);
      }
    } else {
      const char* e = dlerror();
      s.error = StrCat("the CUDA backend module ", path, " failed to load: ", e ? e : "?");
    }
  }
  if (!s.backend) ThrowError(ErrorCode::kUnsupported, s.error);
  return *s.backend;
}

std::string DeviceUnavailableReason(const std::string& name) {
  try {
    DeviceBackend& b = GetDeviceBackend(name);
    int n = b.DeviceCount();
    if (n <= 0) return "no CUDA device is visible";
    return "";
  } catch (const Error& e) {
    return e.message();
  }
}

}  // namespace pdinfer
