// A small fork-join pool for the reference kernels. The calling thread takes part in
// every ParallelFor, so a pool of N threads has N-1 workers. One ParallelFor runs at a
// time per pool; a predictor owns its pool, so concurrent predictors never share one.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace pdinfer {

class ThreadPool {
 public:
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return num_threads_; }

  // Calls fn(begin, end) over disjoint chunks covering [0, n). `min_chunk` is the
  // smallest number of items worth handing to a thread. Exceptions thrown by fn are
  // rethrown on the calling thread (the first one wins).
  void ParallelFor(int64_t n, int64_t min_chunk,
                   const std::function<void(int64_t, int64_t)>& fn);

 private:
  void WorkerLoop(int index);

  int num_threads_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_work_;
  std::condition_variable cv_done_;
  const std::function<void(int64_t, int64_t)>* job_ = nullptr;
  int64_t job_n_ = 0;
  int job_chunks_ = 0;
  int next_chunk_ = 0;
  int chunks_done_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
  std::mutex run_mu_;  // serializes ParallelFor calls on one pool
};

// Default thread count when the user sets none: 1, like Paddle Inference.
int DefaultNumThreads();

}  // namespace pdinfer
