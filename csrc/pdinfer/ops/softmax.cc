// softmax and log_softmax along one axis of a tensor of any rank.
//
// The tensor is viewed as [outer, n, inner] around the axis. Rows with inner == 1 are
// contiguous; otherwise a block of `inner` lanes is processed together so the inner
// loops stay contiguous (and vectorizable) instead of striding by `inner`.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

// Nothing here inspects floating-point exception flags; without this, GCC's default
// -ftrapping-math keeps the clamps in ExpF as branches and the exp loops scalar.
#pragma GCC push_options
#pragma GCC optimize("no-trapping-math")

// exp for float32 that the compiler can vectorize (std::exp calls a libm function per
// element): Cody-Waite range reduction x = n*ln2 + r, |r| <= ln2/2, a degree-6
// polynomial for e^r (relative error ~1e-7), and 2^n assembled in the exponent bits.
// exp(x) underflows to 0 below -87.3 and saturates near e^88; NaN stays NaN.
inline float ExpF(float x0) {
  float x = x0 > 88.0f ? 88.0f : x0;
  x = x < -87.3f ? -87.3f : x;
  x = x0 != x0 ? 0.0f : x;  // keep the int conversion below defined for NaN
  const float t = x * 1.44269504088896341f + 0.5f;
  int n = static_cast<int>(t);
  n -= t < static_cast<float>(n) ? 1 : 0;  // floor
  const float fn = static_cast<float>(n);
  float r = x - fn * 0.693359375f;
  r = r - fn * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float e = p * r * r + r + 1.0f;
  const int bits = (n + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  const float y = e * scale;
  // Plain selects between computed values (no nested conditions) so the loop if-converts.
  const bool is_nan = x0 != x0;
  const bool under = x0 < -87.3f;
  const float z = under ? 0.0f : y;
  return is_nan ? x0 : z;
}

template <typename T>
inline T Exp(T x) {
  if constexpr (std::is_same_v<T, float>) return ExpF(x);
  else return std::exp(x);
}

// Max and sum of a contiguous run with 8 independent lanes, so the loops vectorize
// without reassociating one accumulator chain. NaN is ignored by the max (it then
// reaches the output through exp(NaN - max)).
template <typename T>
T RowMax(const T* x, int64_t n) {
  T m[8];
  for (int k = 0; k < 8; ++k) m[k] = -std::numeric_limits<T>::infinity();
  int64_t j = 0;
  for (; j + 8 <= n; j += 8)
    for (int k = 0; k < 8; ++k) m[k] = x[j + k] > m[k] ? x[j + k] : m[k];
  T r = m[0];
  for (int k = 1; k < 8; ++k) r = m[k] > r ? m[k] : r;
  for (; j < n; ++j) r = x[j] > r ? x[j] : r;
  return r;
}

template <typename T>
T RowSum(const T* x, int64_t n) {
  T s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t j = 0;
  for (; j + 8 <= n; j += 8)
    for (int k = 0; k < 8; ++k) s[k] += x[j + k];
  T r = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
  for (; j < n; ++j) r += x[j];
  return r;
}

struct AxisView {
  int64_t outer = 1, n = 1, inner = 1;
};

// Validates `axis` against `x` (0-D tensors accept 0 and -1) and returns the axis in
// [0, rank), or -1 for a 0-D tensor.
int CheckAxis(const OpContext& ctx, const Shape& x, int64_t axis) {
  int rank = static_cast<int>(x.size());
  if (rank == 0) {
    PDI_ENFORCE_ARG(axis == 0 || axis == -1, ctx.Where(), ": axis ", axis,
                    " is out of range for a 0-D input (expected 0 or -1)");
    return -1;
  }
  return NormalizeAxis(axis, rank, ctx.Where() + " attribute 'axis'");
}

void InferSoftmax(OpContext& ctx) {
  const Shape& x = ctx.InputShape("X");
  DataType dt = ctx.InputDType("X");
  PDI_CHECK(dt == DataType::kFloat32 || dt == DataType::kFloat64, ErrorCode::kUnsupported,
            ctx.Where(), ": input X has dtype ", DataTypeName(dt),
            ", expected float32 or float64");
  CheckAxis(ctx, x, ctx.attrs().GetInt("axis", -1));
  ctx.SetOutput("Out", dt, x);
}

template <typename T, bool kLog>
void SoftmaxBlock(const T* x, T* y, int64_t n, int64_t inner, int64_t k0, int64_t k1) {
  const int64_t w = k1 - k0;
  if (inner == 1) {
    // One contiguous row.
    const T mx = RowMax(x, n);
    for (int64_t j = 0; j < n; ++j) y[j] = Exp<T>(x[j] - mx);
    const T sum = RowSum(y, n);
    if (kLog) {
      T lse = mx + std::log(sum);
      for (int64_t j = 0; j < n; ++j) y[j] = x[j] - lse;
    } else {
      T inv = T(1) / sum;
      for (int64_t j = 0; j < n; ++j) y[j] *= inv;
    }
    return;
  }
  std::vector<T> mx(static_cast<size_t>(w), -std::numeric_limits<T>::infinity());
  std::vector<T> sum(static_cast<size_t>(w), T(0));
  T* m = mx.data();
  T* s = sum.data();
  for (int64_t j = 0; j < n; ++j) {
    const T* xr = x + j * inner + k0;
    for (int64_t k = 0; k < w; ++k) m[k] = xr[k] > m[k] ? xr[k] : m[k];
  }
  for (int64_t j = 0; j < n; ++j) {
    const T* xr = x + j * inner + k0;
    T* yr = y + j * inner + k0;
    for (int64_t k = 0; k < w; ++k) yr[k] = Exp<T>(xr[k] - m[k]);
    for (int64_t k = 0; k < w; ++k) s[k] += yr[k];
  }
  if (kLog) {
    for (int64_t k = 0; k < w; ++k) s[k] = m[k] + std::log(s[k]);  // log-sum-exp
    for (int64_t j = 0; j < n; ++j) {
      const T* xr = x + j * inner + k0;
      T* yr = y + j * inner + k0;
      for (int64_t k = 0; k < w; ++k) yr[k] = xr[k] - s[k];
    }
  } else {
    for (int64_t k = 0; k < w; ++k) s[k] = T(1) / s[k];
    for (int64_t j = 0; j < n; ++j) {
      T* yr = y + j * inner + k0;
      for (int64_t k = 0; k < w; ++k) yr[k] *= s[k];
    }
  }
}

#pragma GCC pop_options

template <bool kLog>
void ComputeSoftmax(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  Tensor& out = ctx.Output("Out");
  if (x.numel() == 0) return;
  int axis = CheckAxis(ctx, x.shape(), ctx.attrs().GetInt("axis", -1));
  AxisView v;
  if (axis >= 0) {
    for (int i = 0; i < axis; ++i) v.outer *= x.dim(i);
    v.n = x.dim(axis);
    for (int i = axis + 1; i < x.rank(); ++i) v.inner *= x.dim(i);
  }
  auto kernel = [&](auto tag) {
    using T = decltype(tag);
    const T* xd = x.data<T>();
    T* yd = out.data<T>();
    // Split `inner` into lane blocks so a single outer slice still spreads over threads.
    const int64_t lane = v.inner == 1 ? 1 : std::min<int64_t>(v.inner, 256);
    const int64_t blocks_per_outer = (v.inner + lane - 1) / lane;
    const int64_t tasks = v.outer * blocks_per_outer;
    const int64_t work_per_task = std::max<int64_t>(1, v.n * lane);
    ctx.pool().ParallelFor(tasks, std::max<int64_t>(1, 16384 / work_per_task),
                           [&](int64_t begin, int64_t end) {
                             for (int64_t t = begin; t < end; ++t) {
                               int64_t o = t / blocks_per_outer;
                               int64_t k0 = (t % blocks_per_outer) * lane;
                               int64_t k1 = std::min(v.inner, k0 + lane);
                               const T* xs = xd + o * v.n * v.inner;
                               T* ys = yd + o * v.n * v.inner;
                               SoftmaxBlock<T, kLog>(xs, ys, v.n, v.inner, k0, k1);
                             }
                           });
  };
  PDI_DISPATCH_FLOAT(x.dtype(), ctx.Where(), kernel);
}

}  // namespace

PDI_REGISTER_OP(OpDef{"softmax", {"X"}, {"Out"}, InferSoftmax, ComputeSoftmax<false>});
PDI_REGISTER_OP(OpDef{"log_softmax", {"X"}, {"Out"}, InferSoftmax, ComputeSoftmax<true>});

}  // namespace pdinfer
