// What the runtime needs to know about the oneDNN CPU backend (its kernels register
// themselves with PDI_REGISTER_KERNEL under the backend name "onednn").
#pragma once

#include <string>

namespace pdinfer {
namespace onednn {

// Called at the start of every run on the calling thread: oneDNN parallelizes with
// OpenMP, whose thread count is a per-thread setting, so each predictor's
// num_threads must be applied on the thread that runs it.
void PrepareCallingThread(int num_threads);

// "3.2.0 (avx512_core_amx)" style description for diagnostics.
std::string BackendInfo();

}  // namespace onednn
}  // namespace pdinfer
