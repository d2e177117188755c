// skip_layernorm: Out = layer_norm(X + Y) with Scale/Bias, epsilon and begin_norm_axis as
// in layer_norm. Produced by skip_layernorm_fuse_pass from elementwise_add -> layer_norm
// (the residual connection of post-LN transformers). Y broadcasts NumPy-style against X,
// as the elementwise_add it replaces did; normally both have the same shape, which takes
// a single pass per row (sum, statistics, normalization while the row is in cache).
//
// Statistics are accumulated in double (two-pass), like the layer_norm kernel.
#include <algorithm>
#include <cmath>
#include <vector>

#include "pdinfer/ops/elementwise_kernel.h"
#include "pdinfer/ops/op_utils.h"
#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

int64_t Prod(const Shape& s, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end; ++i) {
    if (s[i] < 0) return -1;
    p *= s[i];
  }
  return p;
}

int NormAxis(const OpContext& ctx, size_t rank) {
  const int64_t attr = ctx.attrs().GetInt("begin_norm_axis", 1);
  const int64_t r = static_cast<int64_t>(rank);
  const int64_t begin = attr < 0 ? attr + r : attr;
  PDI_ENFORCE_ARG(rank >= 1 && begin >= 0 && begin < r, ctx.Where(), ": begin_norm_axis ", attr,
                  " is out of range for rank ", rank);
  return static_cast<int>(begin);
}

void CheckParam(const OpContext& ctx, const char* slot, int64_t expected) {
  if (!ctx.HasInput(slot)) return;
  const Shape& s = ctx.InputShape(slot);
  const int64_t n = Prod(s, 0, s.size());
  PDI_ENFORCE_ARG(s.size() == 1 || (s.size() == 2 && s[0] == 1), ctx.Where(), ": ", slot,
                  " must be 1-D, got shape ", ShapeToString(s));
  PDI_ENFORCE_ARG(expected < 0 || n < 0 || n == expected, ctx.Where(), ": ", slot, " has ", n,
                  " elements, expected ", expected,
                  " (the product of the dims from begin_norm_axis)");
  PDI_ENFORCE_ARG(ctx.InputDType(slot) == ctx.InputDType("X"), ctx.Where(), ": ", slot,
                  " has dtype ", DataTypeName(ctx.InputDType(slot)), " but X has ",
                  DataTypeName(ctx.InputDType("X")));
}

Shape OutShape(const OpContext& ctx, const Shape& x, const Shape& y) {
  return BroadcastShapes(x, y, ctx.Where() + ": X and Y");
}

void InferSkipLayerNorm(OpContext& ctx) {
  const DataType dt = ctx.InputDType("X");
  PDI_CHECK(dt == DataType::kFloat32 || dt == DataType::kFloat64, ErrorCode::kUnsupported,
            ctx.Where(), ": X has dtype ", DataTypeName(dt), ", expected float32 or float64");
  PDI_ENFORCE_ARG(ctx.InputDType("Y") == dt, ctx.Where(), ": Y has dtype ",
                  DataTypeName(ctx.InputDType("Y")), " but X has ", DataTypeName(dt));
  const Shape out = OutShape(ctx, ctx.InputShape("X"), ctx.InputShape("Y"));
  const int begin = NormAxis(ctx, out.size());
  const int64_t cols = Prod(out, static_cast<size_t>(begin), out.size());
  CheckParam(ctx, "Scale", cols);
  CheckParam(ctx, "Bias", cols);
  ctx.SetOutput("Out", dt, out);
}

// Normalizes one row in place (`row` already holds X + Y).
template <typename T>
void NormalizeRow(T* row, int64_t n, double eps, const T* scale, const T* bias) {
  double s = 0;
  for (int64_t j = 0; j < n; ++j) s += static_cast<double>(row[j]);
  const double mean = s / static_cast<double>(n);
  double q = 0;
  for (int64_t j = 0; j < n; ++j) {
    const double d = static_cast<double>(row[j]) - mean;
    q += d * d;
  }
  const T m = static_cast<T>(mean);
  const T inv = static_cast<T>(1.0 / std::sqrt(q / static_cast<double>(n) + eps));
  if (scale && bias) {
    for (int64_t j = 0; j < n; ++j) row[j] = (row[j] - m) * inv * scale[j] + bias[j];
  } else if (scale) {
    for (int64_t j = 0; j < n; ++j) row[j] = (row[j] - m) * inv * scale[j];
  } else if (bias) {
    for (int64_t j = 0; j < n; ++j) row[j] = (row[j] - m) * inv + bias[j];
  } else {
    for (int64_t j = 0; j < n; ++j) row[j] = (row[j] - m) * inv;
  }
}

void ComputeSkipLayerNorm(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  const Tensor& y = ctx.Input("Y");
  Tensor& out = ctx.Output("Out");
  const Shape& os = out.shape();
  const int begin = NormAxis(ctx, os.size());
  const int64_t rows = Prod(os, 0, static_cast<size_t>(begin));
  const int64_t cols = Prod(os, static_cast<size_t>(begin), os.size());
  const double eps = ctx.attrs().GetFloat("epsilon", 1e-5);
  for (const char* slot : {"Scale", "Bias"})
    if (ctx.HasInput(slot))
      PDI_ENFORCE_ARG(ctx.Input(slot).numel() == cols, ctx.Where(), ": ", slot, " has ",
                      ctx.Input(slot).numel(), " elements, expected ", cols);
  if (out.numel() == 0) return;
  const bool same = x.shape() == os && y.shape() == os;
  DispatchFloat(x.dtype(), ctx.Where(), [&](auto tag) {
    using T = decltype(tag);
    const T* scale = ctx.HasInput("Scale") ? ctx.Input("Scale").data<T>() : nullptr;
    const T* bias = ctx.HasInput("Bias") ? ctx.Input("Bias").data<T>() : nullptr;
    const T* xd = x.data<T>();
    const T* yd = y.data<T>();
    T* od = out.data<T>();
    if (!same) {
      Shape xa, ya, s;
      AlignBroadcastShapes(x.shape(), y.shape(), -1, ctx.Where(), &xa, &ya, &s);
      BinaryBroadcast(ctx.pool(), xd, xa, yd, ya, od, os, 1,
                      [](T a, T b) { return static_cast<T>(a + b); });
    }
    ctx.pool().ParallelFor(rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(1, cols)),
                           [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        T* o = od + r * cols;
        if (same) {
          const T* xr = xd + r * cols;
          const T* yr = yd + r * cols;
          for (int64_t j = 0; j < cols; ++j) o[j] = xr[j] + yr[j];
        }
        NormalizeRow(o, cols, eps, scale, bias);
      }
    });
  });
}

}  // namespace

PDI_REGISTER_OP(OpDef{"skip_layernorm", {"X", "Y", "Scale?", "Bias?"}, {"Out"},
                      InferSkipLayerNorm, ComputeSkipLayerNorm});

}  // namespace pdinfer
