#include "pdinfer/core/thread_pool.h"

#include <omp.h>

#include <algorithm>
#include <exception>
#include <mutex>

namespace pdinfer {

int DefaultNumThreads() { return 1; }

ThreadPool::ThreadPool(int num_threads) : num_threads_(std::max(1, num_threads)) {}

void ThreadPool::ParallelFor(int64_t n, int64_t min_chunk,
                             const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  min_chunk = std::max<int64_t>(1, min_chunk);
  int64_t max_chunks = (n + min_chunk - 1) / min_chunk;
  const int chunks = static_cast<int>(std::min<int64_t>(num_threads_, max_chunks));
  if (chunks <= 1 || omp_in_parallel()) {
    fn(0, n);
    return;
  }
  std::exception_ptr error;
  std::mutex error_mu;
#pragma omp parallel num_threads(chunks)
  {
    // The runtime may grant fewer threads than asked; every chunk is still covered.
    const int team = omp_get_num_threads();
    for (int c = omp_get_thread_num(); c < chunks; c += team) {
      const int64_t begin = n * c / chunks, end = n * (c + 1) / chunks;
      try {
        fn(begin, end);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mu);
        if (!error) error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace pdinfer
