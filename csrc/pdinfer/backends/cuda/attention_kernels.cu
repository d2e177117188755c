// Layout and softmax kernels of multihead_matmul on the device (the products run through
// cuBLASLt in blas_kernels.cc).
#include <cfloat>
#include <cstdint>

#include "pdinfer/backends/cuda/cuda_blas.h"

namespace pdinfer {
namespace cuda {
namespace {

__global__ void SplitQkvKernel(const float* qkv, float* out, int64_t b, int64_t s, int64_t heads,
                               int64_t d) {
  const int64_t total = b * s * 3 * heads * d;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    // i indexes the source [B, S, 3, heads, d]
    const int64_t e = i % d;
    const int64_t h = (i / d) % heads;
    const int64_t which = (i / (d * heads)) % 3;
    const int64_t t = (i / (d * heads * 3)) % s;
    const int64_t bb = i / (d * heads * 3 * s);
    out[(((which * b + bb) * heads + h) * s + t) * d + e] = qkv[i];
  }
}

__global__ void MergeHeadsKernel(const float* ctx, float* out, int64_t b, int64_t s, int64_t heads,
                                 int64_t d) {
  const int64_t total = b * s * heads * d;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    // i indexes the destination [B, S, heads, d]
    const int64_t e = i % d;
    const int64_t h = (i / d) % heads;
    const int64_t t = (i / (d * heads)) % s;
    const int64_t bb = i / (d * heads * s);
    out[i] = ctx[((bb * heads + h) * s + t) * d + e];
  }
}

struct MaskStrides {
  int64_t v[4];
};

// One block per score row.
__global__ void MaskedSoftmaxKernel(float* scores, const float* mask, MaskStrides ms, int64_t heads,
                                    int64_t s) {
  __shared__ float red[32];
  const int64_t row = blockIdx.x;  // over B * heads * S
  const int64_t i = row % s, h = (row / s) % heads, bb = row / (s * heads);
  float* x = scores + row * s;
  const float* m = mask ? mask + bb * ms.v[0] + h * ms.v[1] + i * ms.v[2] : nullptr;
  float mx = -FLT_MAX;
  for (int64_t j = threadIdx.x; j < s; j += blockDim.x) {
    const float v = x[j] + (m ? m[j * ms.v[3]] : 0.f);
    x[j] = v;
    mx = fmaxf(mx, v);
  }
  for (int o = 16; o > 0; o >>= 1) mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, o));
  if ((threadIdx.x & 31) == 0) red[threadIdx.x >> 5] = mx;
  __syncthreads();
  const int warps = (blockDim.x + 31) >> 5;
  mx = (threadIdx.x & 31) < warps ? red[threadIdx.x & 31] : -FLT_MAX;
  for (int o = 16; o > 0; o >>= 1) mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, o));
  __syncthreads();
  float sum = 0.f;
  for (int64_t j = threadIdx.x; j < s; j += blockDim.x) {
    const float e = expf(x[j] - mx);
    x[j] = e;
    sum += e;
  }
  for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
  if ((threadIdx.x & 31) == 0) red[threadIdx.x >> 5] = sum;
  __syncthreads();
  sum = (threadIdx.x & 31) < warps ? red[threadIdx.x & 31] : 0.f;
  for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
  const float inv = 1.f / sum;
  for (int64_t j = threadIdx.x; j < s; j += blockDim.x) x[j] *= inv;
}

}  // namespace

void LaunchSplitQkv(const float* qkv, float* out, int64_t b, int64_t s, int64_t heads, int64_t d,
                    cudaStream_t stream) {
  const int64_t n = b * s * 3 * heads * d;
  if (n) SplitQkvKernel<<<GridFor(n), 256, 0, stream>>>(qkv, out, b, s, heads, d);
}

void LaunchMaskedSoftmax(float* scores, const float* mask, const int64_t mask_strides[4],
                         int64_t b, int64_t heads, int64_t s, cudaStream_t stream) {
  const int64_t rows = b * heads * s;
  if (!rows) return;
  MaskStrides ms{{mask_strides[0], mask_strides[1], mask_strides[2], mask_strides[3]}};
  const int threads = s >= 256 ? 256 : (s >= 128 ? 128 : 64);
  MaskedSoftmaxKernel<<<static_cast<unsigned>(rows), threads, 0, stream>>>(scores, mask, ms, heads, s);
}

void LaunchMergeHeads(const float* ctx, float* out, int64_t b, int64_t s, int64_t heads, int64_t d,
                      cudaStream_t stream) {
  const int64_t n = b * s * heads * d;
  if (n) MergeHeadsKernel<<<GridFor(n), 256, 0, stream>>>(ctx, out, b, s, heads, d);
}

}  // namespace cuda
}  // namespace pdinfer
