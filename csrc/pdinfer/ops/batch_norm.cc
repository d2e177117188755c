// batch_norm for inference: Y = (X - Mean) / sqrt(Variance + epsilon) * Scale + Bias with
// the running statistics, whatever is_test / use_global_stats / trainable_statistics say
// (paddle.inference rewrites every batch_norm to test mode). The channel axis is 1
// (data_layout NCHW and friends) or the last one (NHWC / NDHWC / NLC ...); X has rank >= 2.
// Scale / Bias may be absent (1 / 0). MeanOut / VarianceOut echo the running statistics (in Paddle they alias Mean /
// Variance); SavedMean / SavedVariance / ReserveSpace are training-only, written as zeros.
#include <algorithm>
#include <cmath>
#include <vector>

#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

bool ChannelLast(const OpContext& ctx, size_t rank) {
  const std::string layout = ctx.attrs().GetString("data_layout", "NCHW");
  // Rank 2 has the same channel axis either way.
  return rank > 2 && (layout == "NHWC" || layout == "NDHWC" || layout == "NLC" ||
                      layout == "NWC");
}

int64_t Channels(const OpContext& ctx) {
  const Shape& x = ctx.InputShape("X");
  PDI_ENFORCE_ARG(x.size() >= 2, ctx.Where(), ": X must have rank >= 2, got shape ",
                  ShapeToString(x));
  return ChannelLast(ctx, x.size()) ? x.back() : x[1];
}

void CheckParams(const OpContext& ctx, int64_t c) {
  const DataType xt = ctx.InputDType("X");
  for (const char* slot : {"Scale", "Bias", "Mean", "Variance"}) {
    if (!ctx.HasInput(slot)) continue;  // Scale / Bias are optional (1 / 0)
    const Shape& s = ctx.InputShape(slot);
    const DataType t = ctx.InputDType(slot);
    PDI_ENFORCE_ARG(t == xt, ctx.Where(), ": ", slot, " is ", DataTypeName(t), " but X is ",
                    DataTypeName(xt));
    if (c >= 0 && IsStatic(s))
      PDI_ENFORCE_ARG(NumElements(s) == c, ctx.Where(), ": ", slot, " has shape ",
                      ShapeToString(s), ", expected ", c, " values (one per channel of X ",
                      ShapeToString(ctx.InputShape("X")), ")");
  }
}

void InferBatchNorm(OpContext& ctx) {
  const int64_t c = Channels(ctx);
  CheckParams(ctx, c);
  const DataType xt = ctx.InputDType("X");
  ctx.SetOutput("Y", xt, ctx.InputShape("X"));
  ctx.SetOutput("MeanOut", xt, {c});
  ctx.SetOutput("VarianceOut", xt, {c});
  ctx.SetOutput("SavedMean", xt, {c});
  ctx.SetOutput("SavedVariance", xt, {c});
  ctx.SetOutput("ReserveSpace", xt, {0});
}

template <typename T>
void ComputeBatchNormT(OpContext& ctx) {
  const Tensor& xt = ctx.Input("X");
  const int64_t c = Channels(ctx);
  CheckParams(ctx, c);
  const T* scale = ctx.HasInput("Scale") ? ctx.Input("Scale").data<T>() : nullptr;
  const T* bias = ctx.HasInput("Bias") ? ctx.Input("Bias").data<T>() : nullptr;
  const T* mean = ctx.Input("Mean").data<T>();
  const T* var = ctx.Input("Variance").data<T>();
  const T eps = static_cast<T>(static_cast<float>(ctx.attrs().GetFloat("epsilon", 1e-5)));

  // Folded per-channel affine: y = x * a + b.
  std::vector<T> a(static_cast<size_t>(c)), b(static_cast<size_t>(c));
  for (int64_t i = 0; i < c; ++i) {
    const T inv_std = T(1) / std::sqrt(var[i] + eps);
    a[static_cast<size_t>(i)] = (scale ? scale[i] : T(1)) * inv_std;
    b[static_cast<size_t>(i)] = (bias ? bias[i] : T(0)) - mean[i] * a[static_cast<size_t>(i)];
  }

  const T* x = xt.data<T>();
  T* y = ctx.Output("Y").data<T>();
  const int64_t numel = xt.numel();
  if (numel > 0 && c > 0) {
    const Shape& shape = xt.shape();
    if (ChannelLast(ctx, shape.size()) || shape.size() == 2) {
      const int64_t rows = numel / c;
      ctx.pool().ParallelFor(rows, std::max<int64_t>(1, 32768 / c), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
          const T* xr = x + r * c;
          T* yr = y + r * c;
          for (int64_t i = 0; i < c; ++i) yr[i] = xr[i] * a[static_cast<size_t>(i)] + b[static_cast<size_t>(i)];
        }
      });
    } else {
      const int64_t inner = numel / (shape[0] * c);
      const int64_t planes = shape[0] * c;
      ctx.pool().ParallelFor(planes, std::max<int64_t>(1, 32768 / std::max<int64_t>(inner, 1)),
                             [&](int64_t p0, int64_t p1) {
                               for (int64_t p = p0; p < p1; ++p) {
                                 const T av = a[static_cast<size_t>(p % c)];
                                 const T bv = b[static_cast<size_t>(p % c)];
                                 const T* xr = x + p * inner;
                                 T* yr = y + p * inner;
                                 for (int64_t i = 0; i < inner; ++i) yr[i] = xr[i] * av + bv;
                               }
                             });
    }
  }

  auto copy_out = [&](const char* slot, const T* src) {
    if (!ctx.HasOutput(slot)) return;
    T* dst = ctx.Output(slot).data<T>();
    if (src) {
      std::copy(src, src + c, dst);
    } else {
      std::fill(dst, dst + c, T(0));
    }
  };
  copy_out("MeanOut", mean);
  copy_out("VarianceOut", var);
  copy_out("SavedMean", nullptr);
  copy_out("SavedVariance", nullptr);
}

void ComputeBatchNorm(OpContext& ctx) {
  PDI_DISPATCH_FLOAT(ctx.InputDType("X"), ctx.Where(), [&](auto tag) {
    ComputeBatchNormT<decltype(tag)>(ctx);
  });
}

PDI_REGISTER_OP(OpDef{"batch_norm",
                      {"X", "Scale?", "Bias?", "Mean", "Variance", "MomentumTensor?"},
                      {"Y", "MeanOut?", "VarianceOut?", "SavedMean?", "SavedVariance?",
                       "ReserveSpace?"},
                      InferBatchNorm, ComputeBatchNorm});

}  // namespace
}  // namespace pdinfer
