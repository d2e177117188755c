// Fused multi-head self-attention on float32: the CPU kernel behind `multihead_matmul`
// (semantics in the op file, ops/multihead_matmul.cc).
//
// Plan: one GEMM projects the input onto the packed [Q | K | V] weights (bias added by
// seeding the GEMM's C), then every (batch, head, block of query rows) is an independent
// task: scores = alpha * Q Kᵀ (GEMM), mask add + row max in one sweep, exp + row sum in a
// second, and the context GEMM P·V writes straight into the [B, S, hidden] output at the
// head's column offset; the 1/sum normalisation is applied to those output rows (hd
// values per row instead of S). Q, K and V are read in place from the packed
// projection (row stride 3 * hidden), so no transposes are ever materialised.
#pragma once

#include <cstdint>

namespace pdinfer {

class ThreadPool;

struct AttentionDims {
  int64_t batch = 0;
  int64_t seq = 0;
  int64_t in_hidden = 0;  // last dim of the input (rows of W)
  int64_t hidden = 0;     // heads * head_dim (columns of each of W's 3 blocks)
  int64_t heads = 1;
};

// An additive mask viewed as [batch, heads, query, key] with element strides; a stride of
// 0 broadcasts that dim. data == nullptr means no mask.
struct AttentionMask {
  const float* data = nullptr;
  int64_t stride[4] = {0, 0, 0, 0};
};

// out[b, s, h*hd + j] = sum_t P[b,h,s,t] * V[b,t,h*hd + j] with
//   [Q | K | V][b, s, :] = input[b, s, :] · w.reshape(in_hidden, 3 * hidden) + bias,
//   P[b,h,s,:] = softmax(alpha * Q[b,s,head h] · K[b,:,head h]ᵀ + mask[b,h,s,:]).
// input [batch, seq, in_hidden], w [in_hidden, 3, hidden], bias [3, hidden],
// out [batch, seq, hidden]. Requires heads > 0 and hidden % heads == 0 (the op checks).
// `pool` may be null (single-threaded).
void MultiHeadSelfAttention(const AttentionDims& dims, const float* input, const float* w,
                            const float* bias, const AttentionMask& mask, float alpha,
                            float* out, ThreadPool* pool);

// The part after the projection, for kernels that compute [Q | K | V] themselves (e.g.
// with another GEMM): qkv is [batch * seq, 3 * hidden] row-major (row stride 3 * hidden),
// bias already added; dims.in_hidden is not used. Writes out [batch, seq, hidden].
// Must not be called from inside a ParallelFor on `pool`.
void AttentionFromQkv(const AttentionDims& dims, const float* qkv, const AttentionMask& mask,
                      float alpha, float* out, ThreadPool* pool);

}  // namespace pdinfer
