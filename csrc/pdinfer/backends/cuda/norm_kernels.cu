// Softmax, layer_norm / skip_layernorm and inference batch_norm on the device (float32).
#include <cfloat>
#include <cstdint>

#include "pdinfer/backends/cuda/cuda_common.h"

namespace pdinfer {
namespace cuda {
namespace {

constexpr int kBlock = 256;

// Sum over the block; every thread gets the result. `shared` holds 32 floats.
__device__ float BlockSum(float v, float* shared) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  __syncthreads();  // shared may still be read by a previous reduction
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  const int warps = (blockDim.x + 31) >> 5;
  v = lane < warps ? shared[lane] : 0.f;
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

__device__ float BlockMax(float v, float* shared) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  __syncthreads();
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  const int warps = (blockDim.x + 31) >> 5;
  v = lane < warps ? shared[lane] : -FLT_MAX;
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// One block per row of a contiguous last-axis softmax.
__global__ void SoftmaxRows(const float* x, float* y, int64_t cols) {
  __shared__ float shared[32];
  const float* in = x + blockIdx.x * cols;
  float* out = y + blockIdx.x * cols;
  float m = -FLT_MAX;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) m = fmaxf(m, in[c]);
  m = BlockMax(m, shared);
  float s = 0.f;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) s += expf(in[c] - m);
  s = BlockSum(s, shared);
  const float inv = 1.f / s;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) out[c] = expf(in[c] - m) * inv;
}

// General axis: one thread per (outer, inner) position walks the axis.
__global__ void SoftmaxStrided(const float* x, float* y, int64_t outer, int64_t dim, int64_t inner) {
  const int64_t total = outer * inner;
  for (int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; t < total;
       t += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t o = t / inner, i = t % inner;
    const float* in = x + o * dim * inner + i;
    float* out = y + o * dim * inner + i;
    float m = -FLT_MAX;
    for (int64_t d = 0; d < dim; ++d) m = fmaxf(m, in[d * inner]);
    float s = 0.f;
    for (int64_t d = 0; d < dim; ++d) s += expf(in[d * inner] - m);
    const float inv = 1.f / s;
    for (int64_t d = 0; d < dim; ++d) out[d * inner] = expf(in[d * inner] - m) * inv;
  }
}

bool RunSoftmax(OpContext& ctx, CudaEnv& env) {
  const Tensor& x = ctx.Input("X");
  Tensor& out = ctx.Output("Out");
  if (x.dtype() != DataType::kFloat32) return false;
  if (x.numel() == 0) return true;
  const int rank = x.rank();
  if (rank == 0) return false;  // a scalar: the reference handles this corner
  int64_t axis = ctx.attrs().GetInt("axis", -1);
  if (axis < 0) axis += rank;
  PDI_ENFORCE_ARG(axis >= 0 && axis < rank, ctx.Where(), ": axis out of range");
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= x.dim(i);
  for (int i = static_cast<int>(axis) + 1; i < rank; ++i) inner *= x.dim(i);
  const int64_t dim = x.dim(static_cast<int>(axis));
  if (inner == 1) {
    SoftmaxRows<<<static_cast<unsigned>(outer), kBlock, 0, env.stream>>>(x.data<float>(),
                                                                         out.data<float>(), dim);
  } else {
    SoftmaxStrided<<<GridFor(outer * inner), kBlock, 0, env.stream>>>(
        x.data<float>(), out.data<float>(), outer, dim, inner);
  }
  return true;
}
PDI_CUDA_OPS(RunSoftmax, "softmax");

// One block per row: y = (x [+ r] - mean) / sqrt(var + eps) * scale + bias.
__global__ void LayerNormRows(const float* x, const float* r, const float* scale, const float* bias,
                              float* y, float* mean_out, float* var_out, int64_t cols, float eps) {
  __shared__ float shared[32];
  const int64_t row = blockIdx.x;
  const float* in = x + row * cols;
  const float* res = r ? r + row * cols : nullptr;
  float* out = y + row * cols;
  float s = 0.f;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) s += in[c] + (res ? res[c] : 0.f);
  const float mean = BlockSum(s, shared) / static_cast<float>(cols);
  float v = 0.f;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
    const float d = in[c] + (res ? res[c] : 0.f) - mean;
    v += d * d;
  }
  const float var = BlockSum(v, shared) / static_cast<float>(cols);
  const float inv = rsqrtf(var + eps);
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
    float t = (in[c] + (res ? res[c] : 0.f) - mean) * inv;
    if (scale) t *= scale[c];
    if (bias) t += bias[c];
    out[c] = t;
  }
  if (threadIdx.x == 0) {
    if (mean_out) mean_out[row] = mean;
    if (var_out) var_out[row] = var;
  }
}

const float* OptionalFloat(OpContext& ctx, const char* slot) {
  if (!ctx.HasInput(slot)) return nullptr;
  const Tensor& t = ctx.Input(slot);
  return t.dtype() == DataType::kFloat32 ? t.data<float>() : nullptr;
}

bool RunLayerNorm(OpContext& ctx, CudaEnv& env, bool skip) {
  const Tensor& x = ctx.Input("X");
  const char* out_slot = skip ? "Out" : "Y";
  Tensor& y = ctx.Output(out_slot);
  if (x.dtype() != DataType::kFloat32) return false;
  const float* r = nullptr;
  if (skip) {
    const Tensor& yin = ctx.Input("Y");
    if (yin.dtype() != DataType::kFloat32 || yin.shape() != x.shape()) return false;
    r = yin.data<float>();
  }
  if (x.numel() == 0) return true;
  int64_t begin = ctx.attrs().GetInt("begin_norm_axis", 1);
  if (begin < 0) begin += x.rank();
  PDI_ENFORCE_ARG(begin >= 0 && begin <= x.rank(), ctx.Where(), ": begin_norm_axis out of range");
  int64_t rows = 1;
  for (int i = 0; i < begin; ++i) rows *= x.dim(i);
  const int64_t cols = rows ? x.numel() / rows : 0;
  const char* scale_slot = "Scale";
  const float* scale = OptionalFloat(ctx, scale_slot);
  const float* bias = OptionalFloat(ctx, "Bias");
  if ((ctx.HasInput("Scale") && !scale) || (ctx.HasInput("Bias") && !bias)) return false;
  float* mean = nullptr;
  float* var = nullptr;
  if (!skip && ctx.HasOutput("Mean") && ctx.Output("Mean").dtype() == DataType::kFloat32)
    mean = ctx.Output("Mean").data<float>();
  if (!skip && ctx.HasOutput("Variance") && ctx.Output("Variance").dtype() == DataType::kFloat32)
    var = ctx.Output("Variance").data<float>();
  const float eps = static_cast<float>(ctx.attrs().GetFloat("epsilon", 1e-5));
  LayerNormRows<<<static_cast<unsigned>(rows), kBlock, 0, env.stream>>>(
      x.data<float>(), r, scale, bias, y.data<float>(), mean, var, cols, eps);
  return true;
}
PDI_CUDA_OPS([](OpContext& c, CudaEnv& e) { return RunLayerNorm(c, e, false); }, "layer_norm");
PDI_CUDA_OPS([](OpContext& c, CudaEnv& e) { return RunLayerNorm(c, e, true); }, "skip_layernorm");

// Inference batch norm with the running statistics. NCHW: channel = (i / inner) % C;
// NHWC: channel = i % C.
__global__ void BatchNormKernel(const float* x, const float* scale, const float* bias,
                                const float* mean, const float* var, float* y, int64_t n,
                                int64_t channels, int64_t inner, float eps) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t c = (i / inner) % channels;
    y[i] = (x[i] - mean[c]) * rsqrtf(var[c] + eps) * scale[c] + bias[c];
  }
}

bool RunBatchNorm(OpContext& ctx, CudaEnv& env) {
  const Tensor& x = ctx.Input("X");
  Tensor& y = ctx.Output("Y");
  if (x.dtype() != DataType::kFloat32 || x.rank() < 2) return false;
  for (const char* s : {"Scale", "Bias", "Mean", "Variance"})
    if (ctx.Input(s).dtype() != DataType::kFloat32) return false;
  if (x.numel() == 0) return true;
  const std::string layout = ctx.attrs().GetString("data_layout", "NCHW");
  const bool nhwc = layout == "NHWC" || layout == "NLC" || layout == "NDHWC";
  const int64_t channels = nhwc ? x.dim(x.rank() - 1) : x.dim(1);
  if (ctx.Input("Scale").numel() != channels) return false;
  int64_t inner = 1;
  if (!nhwc)
    for (int i = 2; i < x.rank(); ++i) inner *= x.dim(i);
  BatchNormKernel<<<GridFor(x.numel()), kBlock, 0, env.stream>>>(
      x.data<float>(), ctx.Input("Scale").data<float>(), ctx.Input("Bias").data<float>(),
      ctx.Input("Mean").data<float>(), ctx.Input("Variance").data<float>(), y.data<float>(),
      x.numel(), channels, inner, static_cast<float>(ctx.attrs().GetFloat("epsilon", 1e-5)));
  return true;
}
PDI_CUDA_OPS(RunBatchNorm, "batch_norm");

}  // namespace
}  // namespace cuda
}  // namespace pdinfer
