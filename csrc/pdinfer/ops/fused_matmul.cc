// fused_matmul: Out = act(alpha * matmul_v2(X, Y) + Bias + ResidualData).
//
// Produced by the matmul fusion passes from matmul_v2 / matmul (v1, both operands of rank
// >= 2) followed by a scale, an elementwise_add and/or an activation. The product follows
// matmul_v2's rules (trans_x/trans_y, NumPy batch broadcasting, 1-D operands never
// transposed). Bias is 1-D (or [1, N]) and added along the product's last dim;
// ResidualData broadcasts NumPy-style against the product (e.g. an attention mask
// [B, 1, 1, S] onto [B, H, S, S]). The activation is fuse_activation with
// fuse_alpha/beta/gamma (see fused_activation.h).
//
// Models optimized by Paddle's oneDNN passes spell the scale `matmul_alpha`; it is read
// when `alpha` is absent. Attributes that fold a reshape/transpose into the op are refused.
#include <string>

#include "pdinfer/ops/fused_activation.h"
#include "pdinfer/ops/matmul_util.h"
#include "pdinfer/ops/op_utils.h"
#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

matmul::MatmulPlan Plan(const OpContext& ctx, const Shape& xs, const Shape& ys) {
  const AttributeMap& a = ctx.attrs();
  return matmul::PlanMatmul(ctx, xs, ys, /*legacy=*/false, a.GetBool("trans_x", false),
                            a.GetBool("trans_y", false));
}

double Alpha(const OpContext& ctx) {
  const AttributeMap& a = ctx.attrs();
  return a.Has("alpha") ? a.GetFloat("alpha", 1.0) : a.GetFloat("matmul_alpha", 1.0);
}

void CheckAttrs(const OpContext& ctx) {
  const double out_scale = ctx.attrs().GetFloat("fused_output_scale", 1.0);
  PDI_CHECK(out_scale == 1.0, ErrorCode::kUnsupported, ctx.Where(), ": fused_output_scale ",
            out_scale, " is not supported");
}

void InferFusedMatmul(OpContext& ctx) {
  matmul::CheckSameDType(ctx, "X", "Y");
  const DataType dt = ctx.InputDType("X");
  PDI_CHECK(dt == DataType::kFloat32 || dt == DataType::kFloat64, ErrorCode::kUnsupported,
            ctx.Where(), ": X has dtype ", DataTypeName(dt), ", expected float32 or float64");
  CheckAttrs(ctx);
  matmul::MatmulPlan p = Plan(ctx, ctx.InputShape("X"), ctx.InputShape("Y"));
  matmul::CheckEpilogueBias(ctx, "Bias", p.out.empty() ? 1 : p.out.back(), "X");
  matmul::EpilogueActivation(ctx, ctx.attrs().GetString("fuse_activation", ""));
  const Shape* res = nullptr;
  if (ctx.HasInput("ResidualData")) {
    PDI_ENFORCE_ARG(ctx.InputDType("ResidualData") == dt, ctx.Where(), ": ResidualData dtype ",
                    DataTypeName(ctx.InputDType("ResidualData")), " differs from X dtype ",
                    DataTypeName(dt));
    res = &ctx.InputShape("ResidualData");
  }
  ctx.SetOutput("Out", dt, matmul::EpilogueOutShape(ctx, p.out, res));
}

void ComputeFusedMatmul(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  const Tensor& y = ctx.Input("Y");
  Tensor& out = ctx.Output("Out");
  CheckAttrs(ctx);
  matmul::MatmulPlan p = Plan(ctx, x.shape(), y.shape());
  const FusedActivation act =
      matmul::EpilogueActivation(ctx, ctx.attrs().GetString("fuse_activation", ""));
  const int64_t n = p.out.empty() ? 1 : p.out.back();
  if (ctx.HasInput("Bias"))
    PDI_ENFORCE_ARG(ctx.Input("Bias").numel() == n, ctx.Where(), ": Bias has ",
                    ctx.Input("Bias").numel(), " elements, expected ", n,
                    " (the last dim of the product)");
  const Tensor* res = ctx.HasInput("ResidualData") ? &ctx.Input("ResidualData") : nullptr;
  const double alpha = Alpha(ctx);
  DispatchFloat(x.dtype(), ctx.Where(), [&](auto tag) {
    using T = decltype(tag);
    const T* bias = ctx.HasInput("Bias") ? ctx.Input("Bias").data<T>() : nullptr;
    const T* xd = x.data<T>();
    const T* yd = y.data<T>();
    matmul::RunWithEpilogue<T>(ctx, p.out, bias, res, act, out, [&](T* dst, T beta) {
      matmul::RunMatmul<T>(ctx.pool(), p, static_cast<T>(alpha), xd, yd, beta, dst);
    });
  });
}

}  // namespace

PDI_REGISTER_OP(OpDef{"fused_matmul", {"X", "Y", "Bias?", "ResidualData?"}, {"Out"},
                      InferFusedMatmul, ComputeFusedMatmul});

}  // namespace pdinfer
