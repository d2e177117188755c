// Row-major GEMMs through cuBLASLt, with the bias(+relu) epilogue and a residual
// accumulated through the C matrix. Used by matmul / fc / fused_matmul and by the
// projections of multihead_matmul.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "pdinfer/backends/cuda/cuda_common.h"

namespace pdinfer {
namespace cuda {

// Attention helpers (attention_kernels.cu), float32:
// qkv [B, S, 3, heads, d] -> out [3, B, heads, S, d]
void LaunchSplitQkv(const float* qkv, float* out, int64_t b, int64_t s, int64_t heads, int64_t d,
                    cudaStream_t stream);
// Row-wise softmax of scores [B, heads, S, S] in place after adding `mask` (may be null),
// broadcast through `mask_strides` (element strides over [B, heads, S, S], 0 = repeated).
void LaunchMaskedSoftmax(float* scores, const float* mask, const int64_t mask_strides[4],
                         int64_t b, int64_t heads, int64_t s, cudaStream_t stream);
// ctx [B, heads, S, d] -> out [B, S, heads * d]
void LaunchMergeHeads(const float* ctx, float* out, int64_t b, int64_t s, int64_t heads, int64_t d,
                      cudaStream_t stream);

}  // namespace cuda
}  // namespace pdinfer

#if PDINFER_CUDA_HAVE_CUBLAS

namespace pdinfer {
namespace cuda {

// out[b] (m x n, row-major, dense) = alpha * op(A[b]) * op(B[b]) + bias[n] + residual[b]
// for b < batch, where op(A) is m x k (A stored k x m when trans_a), op(B) is k x n.
// Batch strides (in elements) may be 0 to broadcast an operand.
struct GemmDesc {
  int64_t m = 0, n = 0, k = 0, batch = 1;
  bool trans_a = false, trans_b = false;
  int64_t lda = 0, ldb = 0;  // row strides of A and B as stored
  int64_t stride_a = 0, stride_b = 0, stride_out = 0;
  float alpha = 1.f;
  bool relu = false;  // fold a ReLU into the epilogue (with or without bias)
};

// Caches the cuBLASLt descriptors and the heuristic's algorithm per shape (bounded).
class LtGemm {
 public:
  ~LtGemm();
  void Run(CudaEnv& env, const GemmDesc& d, const float* a, const float* b, const float* bias,
           const float* residual, float* out);

 private:
  struct Entry;
  Entry& Get(CudaEnv& env, const GemmDesc& d, bool bias, bool residual);
  std::map<std::string, std::unique_ptr<Entry>> cache_;
};

}  // namespace cuda
}  // namespace pdinfer

#endif  // PDINFER_CUDA_HAVE_CUBLAS
