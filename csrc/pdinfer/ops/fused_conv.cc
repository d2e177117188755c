// fused_conv2d and fused_conv2d_transpose: a convolution followed by its epilogue
//   Output = act(conv(Input, Filter) + Bias[oc] + ResidualData) * post_scale + post_shift
// (post_scale / post_shift are the attributes fuse_post_scale / fuse_post_shift, default
// 1 and 0: a scalar affine behind the activation, as in learnable affine blocks)
// as produced by the conv fusion passes (see passes/conv_*_fuse_pass.cc). The conv part
// is the conv2d / conv2d_transpose kernel (with its depthwise fast path); the epilogue is
// one pass over the finished output, block by block so every block is still in cache
// while bias, residual and activation are applied. The activation follows FusedActivation
// (fuse_activation / fuse_alpha / fuse_beta / fuse_gamma), so it matches the standalone
// activation op the pass folded away bit for bit.
#include <algorithm>
#include <string>
#include <vector>

#include "pdinfer/ops/conv_util.h"
#include "pdinfer/ops/fused_activation.h"
#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

using conv::Geom;

// Validates Bias (one value per output channel) and ResidualData (exactly the output's
// shape), where known; unknown dims (load time) are checked at run time.
void CheckEpilogueInputs(const OpContext& ctx, const Geom& g, bool allow_residual) {
  const DataType xt = ctx.InputDType("Input");
  if (ctx.HasInput("Bias")) {
    const Shape& b = ctx.InputShape("Bias");
    if (ctx.InputDType("Bias") != xt)
      ThrowError(ErrorCode::kInvalidArgument, ctx.Where(), ": Bias is ",
                 DataTypeName(ctx.InputDType("Bias")), " but Input is ", DataTypeName(xt));
    if (IsStatic(b) && g.c_out >= 0 && NumElements(b) != g.c_out)
      ThrowError(ErrorCode::kInvalidArgument, ctx.Where(), ": Bias has shape ",
                 ShapeToString(b), " (", NumElements(b), " values), expected one value per ",
                 "output channel (", g.c_out, ")");
  }
  if (allow_residual && ctx.HasInput("ResidualData")) {
    const Shape& r = ctx.InputShape("ResidualData");
    if (ctx.InputDType("ResidualData") != xt)
      ThrowError(ErrorCode::kInvalidArgument, ctx.Where(), ": ResidualData is ",
                 DataTypeName(ctx.InputDType("ResidualData")), " but Input is ",
                 DataTypeName(xt));
    const Shape out = g.OutputShape();
    bool same = r.size() == out.size();
    for (size_t i = 0; same && i < r.size(); ++i)
      same = r[i] < 0 || out[i] < 0 || r[i] == out[i];
    if (!same)
      ThrowError(ErrorCode::kInvalidArgument, ctx.Where(), ": ResidualData has shape ",
                 ShapeToString(r), " but the output has shape ", ShapeToString(out),
                 " (they must be equal)");
  }
}

void InferFusedConv2d(OpContext& ctx) {
  const Geom g = conv::ParseConv2d(ctx);
  CheckEpilogueInputs(ctx, g, true);
  FusedActivation::FromAttrs(ctx.attrs(), ctx.Where());
  ctx.SetOutput("Output", ctx.InputDType("Input"), g.OutputShape());
}

void InferFusedConv2dTranspose(OpContext& ctx) {
  const Geom g = conv::ParseConv2dTranspose(ctx);
  CheckEpilogueInputs(ctx, g, false);
  FusedActivation::FromAttrs(ctx.attrs(), ctx.Where());
  ctx.SetOutput("Output", ctx.InputDType("Input"), g.OutputShape());
}

// bias -> residual -> activation -> post affine over the finished output of geometry g.
template <typename T>
void ApplyFusedEpilogue(OpContext& ctx, const Geom& g, const FusedActivation& act,
                        bool allow_residual, T* out) {
  const T* bias = ctx.HasInput("Bias") ? ctx.Input("Bias").data<T>() : nullptr;
  const T* res = allow_residual && ctx.HasInput("ResidualData")
                     ? ctx.Input("ResidualData").data<T>()
                     : nullptr;
  const T post_scale = static_cast<T>(ctx.attrs().GetFloat("fuse_post_scale", 1.0));
  const T post_shift = static_cast<T>(ctx.attrs().GetFloat("fuse_post_shift", 0.0));
  const bool post = post_scale != T(1) || post_shift != T(0);
  if (!bias && !res && act.identity() && !post) return;
  const int64_t plane = g.oh * g.ow;
  // Contiguous rows: NCHW -> one channel plane each; NHWC -> one pixel's channels each.
  const int64_t rows = g.nhwc ? g.n * plane : g.n * g.c_out;
  const int64_t len = g.nhwc ? g.c_out : plane;
  if (rows == 0 || len == 0) return;
  // Rows are processed in cache-sized blocks: bias and residual row by row, then the
  // activation over the whole block while it is still in cache (one call per block keeps
  // the activation's own per-call cost off short rows).
  const int64_t block = std::max<int64_t>(1, 16384 / len);
  auto body = [&](int64_t r0, int64_t r1) {
    for (int64_t b0 = r0; b0 < r1; b0 += block) {
      const int64_t b1 = std::min(r1, b0 + block);
      for (int64_t r = b0; r < b1; ++r) {
        T* o = out + r * len;
        if (bias && g.nhwc) {
          for (int64_t i = 0; i < len; ++i) o[i] += bias[i];
        } else if (bias) {
          const T b = bias[r % g.c_out];
          for (int64_t i = 0; i < len; ++i) o[i] += b;
        }
        if (res) {
          const T* rr = res + r * len;
          for (int64_t i = 0; i < len; ++i) o[i] += rr[i];
        }
      }
      if (!act.identity()) act.Apply(out + b0 * len, (b1 - b0) * len, nullptr);
      if (post) {
        // Two roundings, like the multiply and add this replaces.
        T* o = out + b0 * len;
        const int64_t cnt = (b1 - b0) * len;
        for (int64_t i = 0; i < cnt; ++i) {
          const T m = o[i] * post_scale;
          o[i] = m + post_shift;
        }
      }
    }
  };
  ctx.pool().ParallelFor(rows, block, body);
}

// Run-time checks of the data actually bound (load-time shapes may have been unknown).
void CheckRuntime(const OpContext& ctx, const Geom& g, bool allow_residual) {
  if (ctx.HasInput("Bias") && ctx.Input("Bias").numel() != g.c_out)
    ThrowError(ErrorCode::kInvalidArgument, ctx.Where(), ": Bias has ",
               ctx.Input("Bias").numel(), " values, expected one per output channel (",
               g.c_out, ")");
  if (allow_residual && ctx.HasInput("ResidualData") &&
      ctx.Input("ResidualData").shape() != g.OutputShape())
    ThrowError(ErrorCode::kInvalidArgument, ctx.Where(), ": ResidualData has shape ",
               ShapeToString(ctx.Input("ResidualData").shape()), " but the output has shape ",
               ShapeToString(g.OutputShape()), " (they must be equal)");
}

template <typename T>
void ComputeFusedConv2dT(OpContext& ctx) {
  const Geom g = conv::ParseConv2d(ctx);
  CheckEpilogueInputs(ctx, g, true);
  CheckRuntime(ctx, g, true);
  const FusedActivation act = FusedActivation::FromAttrs(ctx.attrs(), ctx.Where());
  Tensor& out_t = ctx.Output("Output");
  if (out_t.numel() == 0) return;
  T* out = out_t.data<T>();
  conv::Conv2dForward<T>(ctx, g, out);
  ApplyFusedEpilogue<T>(ctx, g, act, true, out);
}

template <typename T>
void ComputeFusedConv2dTransposeT(OpContext& ctx) {
  const Geom g = conv::ParseConv2dTranspose(ctx);
  CheckEpilogueInputs(ctx, g, false);
  CheckRuntime(ctx, g, false);
  const FusedActivation act = FusedActivation::FromAttrs(ctx.attrs(), ctx.Where());
  Tensor& out_t = ctx.Output("Output");
  if (out_t.numel() == 0) return;
  T* out = out_t.data<T>();
  conv::Conv2dTransposeForward<T>(ctx, g, out);
  ApplyFusedEpilogue<T>(ctx, g, act, false, out);
}

void ComputeFusedConv2d(OpContext& ctx) {
  PDI_DISPATCH_FLOAT(ctx.InputDType("Input"), ctx.Where(), [&](auto tag) {
    ComputeFusedConv2dT<decltype(tag)>(ctx);
  });
}

void ComputeFusedConv2dTranspose(OpContext& ctx) {
  PDI_DISPATCH_FLOAT(ctx.InputDType("Input"), ctx.Where(), [&](auto tag) {
    ComputeFusedConv2dTransposeT<decltype(tag)>(ctx);
  });
}

PDI_REGISTER_OP(OpDef{"fused_conv2d", {"Input", "Filter", "Bias?", "ResidualData?"},
                      {"Output"}, InferFusedConv2d, ComputeFusedConv2d});
PDI_REGISTER_OP(OpDef{"fused_conv2d_transpose", {"Input", "Filter", "Bias?"}, {"Output"},
                      InferFusedConv2dTranspose, ComputeFusedConv2dTranspose});

}  // namespace
}  // namespace pdinfer
