// Device-side activations: the FusedActivation set (ops/fused_activation.h) as one
// switch, shared by the element-wise kernels and the epilogues of conv/matmul.
#pragma once

#include <cuda_runtime.h>

#include <string>

#include "pdinfer/core/error.h"
#include "pdinfer/ops/fused_activation.h"

namespace pdinfer {
namespace cuda {

enum class Act : int {
  kNone, kRelu, kRelu6, kLeakyRelu, kElu, kHardSigmoid, kHardSwish, kSwish, kSilu, kSigmoid,
  kTanh, kGelu, kMish, kSoftplus, kClip, kAbs, kSqrt, kExp, kSquare
};

struct ActParams {
  Act act = Act::kNone;
  float alpha = 0, beta = 0, gamma = 0;
};

// Maps a FusedActivation to device parameters; throws Unsupported for unknown names.
ActParams ToActParams(const FusedActivation& f);

#if defined(__CUDACC__)  // device code: .cu files only
__device__ __forceinline__ float ApplyAct(float x, const ActParams& p) {
  switch (p.act) {
    case Act::kNone: return x;
    case Act::kRelu: return x > 0.f ? x : 0.f;
    case Act::kRelu6: return fminf(fmaxf(x, 0.f), p.alpha);
    case Act::kLeakyRelu: return x > 0.f ? x : p.alpha * x;
    case Act::kElu: return x > 0.f ? x : p.alpha * (expf(x) - 1.f);
    case Act::kHardSigmoid: return fminf(fmaxf(p.alpha * x + p.beta, 0.f), 1.f);
    case Act::kHardSwish: return fminf(fmaxf(x + p.gamma, 0.f), p.alpha) * x / p.beta;
    case Act::kSwish: return x / (1.f + expf(-p.alpha * x));
    case Act::kSilu: return x / (1.f + expf(-x));
    case Act::kSigmoid: return 1.f / (1.f + expf(-x));
    case Act::kTanh: return tanhf(x);
    case Act::kGelu:
      if (p.alpha != 0.f)
        return 0.5f * x * (1.f + tanhf(0.7978845608028654f * (x + 0.044715f * x * x * x)));
      return 0.5f * x * (1.f + erff(x * 0.7071067811865476f));
    case Act::kMish: return x * tanhf(x > p.alpha ? x : log1pf(expf(x)));
    case Act::kSoftplus: {
      const float xb = x * p.alpha;
      return xb > p.beta ? x : log1pf(expf(xb)) / p.alpha;
    }
    case Act::kClip: return fminf(fmaxf(x, p.alpha), p.beta);
    case Act::kAbs: return fabsf(x);
    case Act::kSqrt: return sqrtf(x);
    case Act::kExp: return expf(x);
    case Act::kSquare: return x * x;
  }
  return x;
}
#endif

// out[i] = act(in[i]) over n floats (in may equal out).
void LaunchAct(const float* in, float* out, int64_t n, const ActParams& p, cudaStream_t s);

// In place: out[i] = act(out[i] + bias[(i / inner) % channels] + residual[i]); bias and
// residual may be null. The epilogue of convolutions (inner = H*W for NCHW) and of
// products whose bias/residual the GEMM library did not take (inner = 1).
void LaunchEpilogue(float* out, const float* bias, const float* residual, int64_t n,
                    int64_t channels, int64_t inner, const ActParams& p, cudaStream_t s);

}  // namespace cuda
}  // namespace pdinfer
