// Element-wise device kernels: binary ops with Paddle's broadcast rule (and the fused
// activation of fused_elementwise_*), unary activations, scale and cast.
#include <cstdint>

#include "pdinfer/backends/cuda/cuda_act.cuh"
#include "pdinfer/backends/cuda/cuda_common.h"
#include "pdinfer/ops/op_utils.h"

namespace pdinfer {
namespace cuda {

ActParams ToActParams(const FusedActivation& f) {
  static const struct {
    const char* name;
    Act act;
  } kMap[] = {{"relu", Act::kRelu},         {"relu6", Act::kRelu6},
              {"leaky_relu", Act::kLeakyRelu}, {"elu", Act::kElu},
              {"hard_sigmoid", Act::kHardSigmoid}, {"hard_swish", Act::kHardSwish},
              {"swish", Act::kSwish},       {"silu", Act::kSilu},
              {"sigmoid", Act::kSigmoid},   {"tanh", Act::kTanh},
              {"gelu", Act::kGelu},         {"mish", Act::kMish},
              {"softplus", Act::kSoftplus}, {"clip", Act::kClip},
              {"abs", Act::kAbs},           {"sqrt", Act::kSqrt},
              {"exp", Act::kExp},           {"square", Act::kSquare}};
  ActParams p;
  p.alpha = static_cast<float>(f.alpha);
  p.beta = static_cast<float>(f.beta);
  p.gamma = static_cast<float>(f.gamma);
  if (f.identity()) return p;
  for (const auto& m : kMap)
    if (f.name == m.name) {
      p.act = m.act;
      return p;
    }
  ThrowError(ErrorCode::kUnsupported, "CUDA backend: activation '", f.name, "' has no device kernel");
}

namespace {

__global__ void ActKernel(const float* in, float* out, int64_t n, ActParams p) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    out[i] = ApplyAct(in[i], p);
}

enum BinOp : int { kAdd, kSub, kMul, kDiv, kMax, kMin, kPow };

template <typename T, int OP>
__device__ __forceinline__ T BinApply(T a, T b) {
  if (OP == kAdd) return a + b;
  if (OP == kSub) return a - b;
  if (OP == kMul) return a * b;
  if (OP == kDiv) return a / b;
  if (OP == kMax) return a > b ? a : b;
  if (OP == kMin) return a < b ? a : b;
  return static_cast<T>(powf(static_cast<float>(a), static_cast<float>(b)));
}

// mode 0: same shapes; 1: y is a scalar; 2: general broadcast through strides.
template <typename T, int OP>
__global__ void BinaryKernel(const T* x, const T* y, T* out, int64_t n, int mode, Dims out_dims,
                             Dims xs, Dims ys, ActParams act) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t xi = i, yi = i;
    if (mode == 1) {
      yi = 0;
    } else if (mode == 2) {
      int64_t rem = i;
      xi = 0;
      yi = 0;
      for (int d = out_dims.rank - 1; d >= 0; --d) {
        const int64_t c = rem % out_dims.d[d];
        rem /= out_dims.d[d];
        xi += c * xs.d[d];
        yi += c * ys.d[d];
      }
    }
    T v = BinApply<T, OP>(x[xi], y[yi]);
    if constexpr (std::is_same<T, float>::value) v = ApplyAct(v, act);
    out[i] = v;
  }
}

template <typename T, int OP>
void LaunchBinary(OpContext& ctx, CudaEnv& env, const ActParams& act) {
  const Tensor& x = ctx.Input("X");
  const Tensor& y = ctx.Input("Y");
  Tensor& out = ctx.Output("Out");
  const int64_t n = out.numel();
  if (n == 0) return;
  Shape xa, ya, oa;
  AlignBroadcastShapes(x.shape(), y.shape(), ctx.attrs().GetInt("axis", -1), ctx.Where(), &xa,
                       &ya, &oa);
  int mode = 2;
  if (x.shape() == y.shape()) mode = 0;
  else if (y.numel() == 1 && x.numel() == n) mode = 1;
  Dims od, xs, ys;
  if (mode == 2) {
    std::vector<int64_t> xst = Strides(xa), yst = Strides(ya);
    for (size_t d = 0; d < oa.size(); ++d) {
      if (xa[d] == 1) xst[d] = 0;
      if (ya[d] == 1) yst[d] = 0;
    }
    od = MakeDims(oa);
    xs = MakeDims(xst);
    ys = MakeDims(yst);
  }
  BinaryKernel<T, OP><<<GridFor(n), 256, 0, env.stream>>>(x.data<T>(), y.data<T>(), out.data<T>(),
                                                         n, mode, od, xs, ys, act);
}

template <int OP>
bool RunBinary(OpContext& ctx, CudaEnv& env, bool fused) {
  const DataType dt = ctx.Input("X").dtype();
  if (ctx.Input("Y").dtype() != dt || ctx.Output("Out").dtype() != dt) return false;
  ActParams act;
  if (fused) act = ToActParams(FusedActivation::FromAttrs(ctx.attrs(), ctx.Where()));
  if (dt == DataType::kFloat32) {
    LaunchBinary<float, OP>(ctx, env, act);
    return true;
  }
  if (act.act != Act::kNone || OP == kPow || OP == kDiv) return false;  // host keeps int rules
  if (dt == DataType::kInt32) {
    LaunchBinary<int32_t, OP>(ctx, env, act);
    return true;
  }
  if (dt == DataType::kInt64) {
    LaunchBinary<int64_t, OP>(ctx, env, act);
    return true;
  }
  return false;
}

#define PDI_CUDA_BINARY(name, OP)                                                         \
  PDI_CUDA_OPS([](OpContext& c, CudaEnv& e) { return RunBinary<OP>(c, e, false); },       \
               "elementwise_" name);                                                      \
  PDI_CUDA_OPS([](OpContext& c, CudaEnv& e) { return RunBinary<OP>(c, e, true); },        \
               "fused_elementwise_" name)

PDI_CUDA_BINARY("add", kAdd);
PDI_CUDA_BINARY("sub", kSub);
PDI_CUDA_BINARY("mul", kMul);
PDI_CUDA_BINARY("div", kDiv);
PDI_CUDA_BINARY("max", kMax);
PDI_CUDA_BINARY("min", kMin);
PDI_CUDA_BINARY("pow", kPow);

// ---- comparisons (bool output, same broadcast rule)

enum CmpOp : int { kEq, kNe, kLt, kLe, kGt, kGe };

template <typename T, int OP>
__global__ void CompareKernel(const T* x, const T* y, bool* out, int64_t n, int mode, Dims out_dims,
                              Dims xs, Dims ys) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t xi = i, yi = i;
    if (mode == 1) {
      yi = 0;
    } else if (mode == 2) {
      int64_t rem = i;
      xi = 0;
      yi = 0;
      for (int d = out_dims.rank - 1; d >= 0; --d) {
        const int64_t c = rem % out_dims.d[d];
        rem /= out_dims.d[d];
        xi += c * xs.d[d];
        yi += c * ys.d[d];
      }
    }
    const T a = x[xi], b = y[yi];
    out[i] = OP == kEq ? a == b : OP == kNe ? a != b : OP == kLt ? a < b : OP == kLe ? a <= b
           : OP == kGt ? a > b : a >= b;
  }
}

template <typename T, int OP>
void LaunchCompare(OpContext& ctx, CudaEnv& env) {
  const Tensor& x = ctx.Input("X");
  const Tensor& y = ctx.Input("Y");
  Tensor& out = ctx.Output("Out");
  const int64_t n = out.numel();
  if (n == 0) return;
  Shape xa, ya, oa;
  AlignBroadcastShapes(x.shape(), y.shape(), ctx.attrs().GetInt("axis", -1), ctx.Where(), &xa,
                       &ya, &oa);
  int mode = 2;
  if (x.shape() == y.shape()) mode = 0;
  else if (y.numel() == 1 && x.numel() == n) mode = 1;
  Dims od, xs, ys;
  if (mode == 2) {
    std::vector<int64_t> xst = Strides(xa), yst = Strides(ya);
    for (size_t d = 0; d < oa.size(); ++d) {
      if (xa[d] == 1) xst[d] = 0;
      if (ya[d] == 1) yst[d] = 0;
    }
    od = MakeDims(oa);
    xs = MakeDims(xst);
    ys = MakeDims(yst);
  }
  CompareKernel<T, OP><<<GridFor(n), 256, 0, env.stream>>>(
      static_cast<const T*>(x.raw_data()), static_cast<const T*>(y.raw_data()),
      static_cast<bool*>(out.raw_data()), n, mode, od, xs, ys);
}

template <int OP>
bool RunCompare(OpContext& ctx, CudaEnv& env) {
  const DataType dt = ctx.Input("X").dtype();
  if (ctx.Input("Y").dtype() != dt || ctx.Output("Out").dtype() != DataType::kBool) return false;
  switch (dt) {
    case DataType::kFloat32: LaunchCompare<float, OP>(ctx, env); return true;
    case DataType::kInt32: LaunchCompare<int32_t, OP>(ctx, env); return true;
    case DataType::kInt64: LaunchCompare<int64_t, OP>(ctx, env); return true;
    default: return false;
  }
}

PDI_CUDA_OPS(RunCompare<kEq>, "equal");
PDI_CUDA_OPS(RunCompare<kNe>, "not_equal");
PDI_CUDA_OPS(RunCompare<kLt>, "less_than");
PDI_CUDA_OPS(RunCompare<kLe>, "less_equal");
PDI_CUDA_OPS(RunCompare<kGt>, "greater_than");
PDI_CUDA_OPS(RunCompare<kGe>, "greater_equal");

// ---- unary activations (attribute-only parameters; see FusedActivation::FromNode)

class ActKernelOp : public CudaKernel {
 public:
  explicit ActKernelOp(ActParams p) : p_(p) {}
  bool Run(OpContext& ctx, CudaEnv& env) override {
    const Tensor& x = ctx.Input("X");
    Tensor& out = ctx.Output("Out");
    if (x.dtype() != DataType::kFloat32 || out.dtype() != DataType::kFloat32) return false;
    LaunchAct(x.data<float>(), out.data<float>(), x.numel(), p_, env.stream);
    return true;
  }

 private:
  ActParams p_;
};

struct ActRegistrar {
  ActRegistrar() {
    for (const char* op : {"relu", "relu6", "leaky_relu", "elu", "hard_sigmoid", "hard_swish",
                           "swish", "silu", "sigmoid", "tanh", "gelu", "mish", "softplus",
                           "clip", "brelu", "abs", "sqrt", "exp", "square"})
      CudaKernelRegistry::Global().Register(CudaKernelDef{
          op,
          [](const Graph& g, const Node& n) { return FusedActivation::FromNode(g, n).has_value(); },
          [](const Graph& g, const Node& n) -> std::unique_ptr<CudaKernel> {
            return std::make_unique<ActKernelOp>(ToActParams(*FusedActivation::FromNode(g, n)));
          }});
  }
} act_registrar;

// ---- scale: Out = scale * X + bias (bias_after_scale) or scale * (X + bias)

__global__ void ScaleKernel(const float* x, float* out, int64_t n, float scale, float bias,
                            bool after) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    out[i] = after ? x[i] * scale + bias : (x[i] + bias) * scale;
}

bool RunScale(OpContext& ctx, CudaEnv& env) {
  if (ctx.HasInput("ScaleTensor")) return false;  // a device value: the host reads it
  const Tensor& x = ctx.Input("X");
  Tensor& out = ctx.Output("Out");
  if (x.dtype() != DataType::kFloat32 || out.dtype() != DataType::kFloat32) return false;
  const auto& a = ctx.attrs();
  if (x.numel() == 0) return true;
  ScaleKernel<<<GridFor(x.numel()), 256, 0, env.stream>>>(
      x.data<float>(), out.data<float>(), x.numel(), static_cast<float>(a.GetFloat("scale", 1.0)),
      static_cast<float>(a.GetFloat("bias", 0.0)), a.GetBool("bias_after_scale", true));
  return true;
}
PDI_CUDA_OPS(RunScale, "scale");

// ---- cast between float32 / int32 / int64 / bool

template <typename S, typename D>
__global__ void CastKernel(const S* in, D* out, int64_t n) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    if constexpr (std::is_same<D, bool>::value) out[i] = in[i] != S(0);
    else out[i] = static_cast<D>(in[i]);
  }
}

template <typename S>
bool CastFrom(const Tensor& x, Tensor& out, cudaStream_t s) {
  const int64_t n = x.numel();
  const S* in = static_cast<const S*>(x.raw_data());
  void* o = out.raw_data();
  switch (out.dtype()) {
    case DataType::kFloat32: CastKernel<<<GridFor(n), 256, 0, s>>>(in, static_cast<float*>(o), n); return true;
    case DataType::kInt32: CastKernel<<<GridFor(n), 256, 0, s>>>(in, static_cast<int32_t*>(o), n); return true;
    case DataType::kInt64: CastKernel<<<GridFor(n), 256, 0, s>>>(in, static_cast<int64_t*>(o), n); return true;
    case DataType::kBool: CastKernel<<<GridFor(n), 256, 0, s>>>(in, static_cast<bool*>(o), n); return true;
    default: return false;
  }
}

bool RunCast(OpContext& ctx, CudaEnv& env) {
  const Tensor& x = ctx.Input("X");
  Tensor& out = ctx.Output("Out");
  if (x.numel() == 0) return true;
  if (x.dtype() == out.dtype()) {
    PDI_CUDA_CHECK(cudaMemcpyAsync(out.raw_data(), x.raw_data(), x.nbytes(),
                                   cudaMemcpyDeviceToDevice, env.stream));
    return true;
  }
  switch (x.dtype()) {
    case DataType::kFloat32: return CastFrom<float>(x, out, env.stream);
    case DataType::kInt32: return CastFrom<int32_t>(x, out, env.stream);
    case DataType::kInt64: return CastFrom<int64_t>(x, out, env.stream);
    case DataType::kBool: return CastFrom<bool>(x, out, env.stream);
    default: return false;
  }
}
PDI_CUDA_OPS(RunCast, "cast");

__global__ void EpilogueKernel(float* out, const float* bias, const float* residual, int64_t n,
                               int64_t channels, int64_t inner, ActParams p) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    float v = out[i];
    if (bias) v += bias[(i / inner) % channels];
    if (residual) v += residual[i];
    out[i] = ApplyAct(v, p);
  }
}

}  // namespace

void LaunchEpilogue(float* out, const float* bias, const float* residual, int64_t n,
                    int64_t channels, int64_t inner, const ActParams& p, cudaStream_t s) {
  if (n == 0 || (!bias && !residual && p.act == Act::kNone)) return;
  EpilogueKernel<<<GridFor(n), 256, 0, s>>>(out, bias, residual, n, channels, inner, p);
}

void LaunchAct(const float* in, float* out, int64_t n, const ActParams& p, cudaStream_t s) {
  if (n == 0 || (p.act == Act::kNone && in == out)) return;
  ActKernel<<<GridFor(n), 256, 0, s>>>(in, out, n, p);
}

}  // namespace cuda
}  // namespace pdinfer
