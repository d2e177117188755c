// Fork-join parallelism for the reference kernels. It runs on the OpenMP runtime that
// oneDNN uses too, so reference kernels and oneDNN primitives share one set of worker
// threads instead of two pools competing for the same cores. The calling thread takes
// part in every ParallelFor. OpenMP keeps a separate team per calling thread, so
// predictors running concurrently on different threads never share workers.
#pragma once

#include <cstdint>
#include <functional>

namespace pdinfer {

class ThreadPool {
 public:
  explicit ThreadPool(int num_threads);
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return num_threads_; }

  // Calls fn(begin, end) over disjoint chunks covering [0, n). `min_chunk` is the
  // smallest number of items worth handing to a thread. Exceptions thrown by fn are
  // rethrown on the calling thread (the first one wins).
  void ParallelFor(int64_t n, int64_t min_chunk,
                   const std::function<void(int64_t, int64_t)>& fn);

 private:
  int num_threads_;
};

// Default thread count when the user sets none: 1, like Paddle Inference.
int DefaultNumThreads();

}  // namespace pdinfer
