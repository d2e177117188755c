// fc: Out = act(flatten(Input, in_num_col_dims) W + Bias + ResidualData).
//
// Paddle's attributes are kept: in_num_col_dims, activation_type, padding_weights (W
// carries 4 unused extra rows and columns). activation_type may name any fusable
// activation (see fused_activation.h) with its parameters in fuse_alpha/beta/gamma; a
// model optimized by Paddle's oneDNN passes may instead carry fuse_activation (also
// spelled gelu_tanh / gelu_erf there), which is read when activation_type is empty.
// ResidualData broadcasts NumPy-style against the product (the elementwise_add it
// replaced), normally it has exactly Out's shape.
//
// This is the workhorse of transformer encoders: Bias and ResidualData are preloaded into
// Out so the GEMM accumulates onto them, and the activation runs as one parallel pass.
#include <string>

#include "pdinfer/ops/fused_activation.h"
#include "pdinfer/ops/matmul_util.h"
#include "pdinfer/ops/op_utils.h"
#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

using matmul::Known;
using matmul::Product;

struct FcPlan {
  int64_t m = 0, k = 0, n = 0, ldw = 0;
  Shape prod;  // lead dims of Input + [n]
};

FcPlan PlanFc(const OpContext& ctx, const Shape& in, const Shape& w) {
  const AttributeMap& a = ctx.attrs();
  const int64_t ncd = a.GetInt("in_num_col_dims", 1);
  PDI_ENFORCE_ARG(w.size() == 2, ctx.Where(), ": W must be 2-D, got shape ", ShapeToString(w));
  PDI_ENFORCE_ARG(ncd >= 1 && ncd < static_cast<int64_t>(in.size()), ctx.Where(),
                  ": in_num_col_dims ", ncd, " must be in [1, rank(Input)) for Input ",
                  ShapeToString(in));
  FcPlan p;
  const bool padded = a.GetBool("padding_weights", false);
  // Padded weights carry 4 extra rows and columns that take no part in the product.
  p.k = Known(w[0]) ? w[0] - (padded ? 4 : 0) : -1;
  p.n = Known(w[1]) ? w[1] - (padded ? 4 : 0) : -1;
  p.ldw = w[1];
  PDI_ENFORCE_ARG(!padded || ((!Known(w[0]) || p.k >= 0) && (!Known(w[1]) || p.n >= 0)),
                  ctx.Where(), ": padding_weights needs W of at least [4, 4], got ",
                  ShapeToString(w));
  Shape lead(in.begin(), in.begin() + ncd), tail(in.begin() + ncd, in.end());
  p.m = Product(lead);
  matmul::CheckInner(ctx, Product(tail), p.k, in, w,
                     padded ? " (Input flattened at in_num_col_dims; W padded by 4)"
                            : " (Input flattened at in_num_col_dims)");
  p.prod = lead;
  p.prod.push_back(p.n);
  return p;
}

FusedActivation FcActivation(const OpContext& ctx) {
  std::string name = ctx.attrs().GetString("activation_type", "");
  if (name == "identity") name.clear();
  if (name.empty()) name = ctx.attrs().GetString("fuse_activation", "");
  return matmul::EpilogueActivation(ctx, name);
}

void CheckFloatInput(const OpContext& ctx, const char* slot) {
  const DataType dt = ctx.InputDType(slot);
  PDI_CHECK(dt == DataType::kFloat32 || dt == DataType::kFloat64, ErrorCode::kUnsupported,
            ctx.Where(), ": ", slot, " has dtype ", DataTypeName(dt),
            ", expected float32 or float64");
}

void InferFc(OpContext& ctx) {
  matmul::CheckSameDType(ctx, "Input", "W");
  CheckFloatInput(ctx, "Input");
  FcPlan p = PlanFc(ctx, ctx.InputShape("Input"), ctx.InputShape("W"));
  matmul::CheckEpilogueBias(ctx, "Bias", p.n, "Input");
  FcActivation(ctx);  // validates the name
  const Shape* res = nullptr;
  if (ctx.HasInput("ResidualData")) {
    PDI_ENFORCE_ARG(ctx.InputDType("ResidualData") == ctx.InputDType("Input"), ctx.Where(),
                    ": ResidualData dtype ", DataTypeName(ctx.InputDType("ResidualData")),
                    " differs from Input dtype ", DataTypeName(ctx.InputDType("Input")));
    res = &ctx.InputShape("ResidualData");
  }
  ctx.SetOutput("Out", ctx.InputDType("Input"), matmul::EpilogueOutShape(ctx, p.prod, res));
}

void ComputeFc(OpContext& ctx) {
  const Tensor& in = ctx.Input("Input");
  const Tensor& w = ctx.Input("W");
  FcPlan p = PlanFc(ctx, in.shape(), w.shape());
  Tensor& out = ctx.Output("Out");
  const FusedActivation act = FcActivation(ctx);
  const Tensor* res = ctx.HasInput("ResidualData") ? &ctx.Input("ResidualData") : nullptr;
  if (ctx.HasInput("Bias"))
    PDI_ENFORCE_ARG(ctx.Input("Bias").numel() == p.n, ctx.Where(), ": Bias has ",
                    ctx.Input("Bias").numel(), " elements, expected ", p.n);
  DispatchFloat(in.dtype(), ctx.Where(), [&](auto tag) {
    using T = decltype(tag);
    const T* bias = ctx.HasInput("Bias") ? ctx.Input("Bias").data<T>() : nullptr;
    const T* xd = in.data<T>();
    const T* wd = w.data<T>();
    matmul::RunWithEpilogue<T>(ctx, p.prod, bias, res, act, out, [&](T* dst, T beta) {
      matmul::GemmT<T>(false, false, p.m, p.n, p.k, T(1), xd, p.k, wd, p.ldw, beta, dst, p.n,
                       &ctx.pool());
    });
  });
}

}  // namespace

PDI_REGISTER_OP(OpDef{"fc", {"Input", "W", "Bias?", "ResidualData?"}, {"Out"}, InferFc, ComputeFc});

}  // namespace pdinfer
