// Matrix products: matmul_v2, matmul (v1), mul and bmm (fc lives in fc.cc, fused_matmul
// in fused_matmul.cc; the shared plumbing in matmul_util.h).
//
// All of them reduce to (possibly batched) row-major GEMMs on ops/gemm.h for float32
// and float64; integer types use a plain triple loop. Transposes never copy: they are
// passed to the GEMM as trans flags with the stored row strides.
//
// Shape rules (Paddle's):
//  - matmul_v2: a 1-D X is a row vector [1, K] and a 1-D Y a column vector [K, 1] (the
//    transpose flag of a 1-D operand is ignored); the added dim is dropped from the
//    result. Batch dims (all but the last two) broadcast NumPy-style.
//  - matmul (v1, transpose_X/transpose_Y/alpha): the same broadcasting product scaled by
//    alpha, as Paddle 3.x runs it, except that a 1-D X becomes [1, K] and a 1-D Y [K, 1]
//    *before* the transpose flags apply (the legacy rule, which Paddle's default oneDNN
//    CPU path keeps); a dim that came from a 1-D operand is dropped when it is 1. When
//    both operands have batch dims their batch sizes must also be equal.
#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

#include "pdinfer/ops/matmul_util.h"
#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

using matmul::CheckInner;
using matmul::CheckSameDType;
using matmul::GemmT;
using matmul::Known;
using matmul::MatmulPlan;
using matmul::Operand;
using matmul::Product;

// ---------------------------------------------------------------- matmul_v2 / matmul

// kLegacy selects matmul (v1): attribute names, and transposes that apply to 1-D operands.
template <bool kLegacy>
MatmulPlan Plan(const OpContext& ctx, const Shape& xs, const Shape& ys) {
  const AttributeMap& a = ctx.attrs();
  return matmul::PlanMatmul(ctx, xs, ys, kLegacy,
                            a.GetBool(kLegacy ? "transpose_X" : "trans_x", false),
                            a.GetBool(kLegacy ? "transpose_Y" : "trans_y", false));
}

template <bool kLegacy>
void InferMatmul(OpContext& ctx) {
  CheckSameDType(ctx, "X", "Y");
  MatmulPlan p = Plan<kLegacy>(ctx, ctx.InputShape("X"), ctx.InputShape("Y"));
  ctx.SetOutput("Out", ctx.InputDType("X"), p.out);
}

template <bool kLegacy>
void ComputeMatmul(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  const Tensor& y = ctx.Input("Y");
  Tensor& out = ctx.Output("Out");
  MatmulPlan p = Plan<kLegacy>(ctx, x.shape(), y.shape());
  const double alpha = kLegacy ? ctx.attrs().GetFloat("alpha", 1.0) : 1.0;
  if (out.numel() == 0) return;
  matmul::DispatchType(ctx, x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    matmul::RunMatmul<T>(ctx.pool(), p, static_cast<T>(alpha), x.data<T>(), y.data<T>(), T(0),
                         out.data<T>());
  });
}

// ---------------------------------------------------------------- mul

struct FlatPlan {
  int64_t m = 0, k = 0, n = 0;
  Shape out;
};

FlatPlan PlanMul(const OpContext& ctx, const Shape& xs, const Shape& ys) {
  const int64_t xn = ctx.attrs().GetInt("x_num_col_dims", 1);
  const int64_t yn = ctx.attrs().GetInt("y_num_col_dims", 1);
  PDI_ENFORCE_ARG(xn >= 1 && xn < static_cast<int64_t>(xs.size()), ctx.Where(),
                  ": x_num_col_dims ", xn, " must be in [1, rank(X)) for X ", ShapeToString(xs));
  PDI_ENFORCE_ARG(yn >= 1 && yn < static_cast<int64_t>(ys.size()), ctx.Where(),
                  ": y_num_col_dims ", yn, " must be in [1, rank(Y)) for Y ", ShapeToString(ys));
  FlatPlan p;
  Shape x_lead(xs.begin(), xs.begin() + xn), x_tail(xs.begin() + xn, xs.end());
  Shape y_lead(ys.begin(), ys.begin() + yn), y_tail(ys.begin() + yn, ys.end());
  p.m = Product(x_lead);
  p.k = Product(x_tail);
  p.n = Product(y_tail);
  CheckInner(ctx, p.k, Product(y_lead), xs, ys,
             " (X flattened at x_num_col_dims, Y at y_num_col_dims)");
  p.out = x_lead;
  p.out.insert(p.out.end(), y_tail.begin(), y_tail.end());
  return p;
}

void InferMul(OpContext& ctx) {
  CheckSameDType(ctx, "X", "Y");
  FlatPlan p = PlanMul(ctx, ctx.InputShape("X"), ctx.InputShape("Y"));
  ctx.SetOutput("Out", ctx.InputDType("X"), p.out);
}

void ComputeMul(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  const Tensor& y = ctx.Input("Y");
  FlatPlan p = PlanMul(ctx, x.shape(), y.shape());
  Tensor& out = ctx.Output("Out");
  matmul::DispatchType(ctx, x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    GemmT<T>(false, false, p.m, p.n, p.k, T(1), x.data<T>(), p.k, y.data<T>(), p.n, T(0),
             out.data<T>(), p.n, &ctx.pool());
  });
}

// ---------------------------------------------------------------- bmm

void CheckBmm(const OpContext& ctx, const Shape& x, const Shape& y) {
  PDI_ENFORCE_ARG(x.size() == 3 && y.size() == 3, ctx.Where(),
                  ": X and Y must be 3-D, got X ", ShapeToString(x), " and Y ", ShapeToString(y));
  PDI_ENFORCE_ARG(!Known(x[0]) || !Known(y[0]) || x[0] == y[0], ctx.Where(),
                  ": batch sizes differ: X ", ShapeToString(x), ", Y ", ShapeToString(y));
  CheckInner(ctx, x[2], y[1], x, y, "");
}

void InferBmm(OpContext& ctx) {
  CheckSameDType(ctx, "X", "Y");
  const Shape& x = ctx.InputShape("X");
  const Shape& y = ctx.InputShape("Y");
  CheckBmm(ctx, x, y);
  ctx.SetOutput("Out", ctx.InputDType("X"), {Known(x[0]) ? x[0] : y[0], x[1], y[2]});
}

void ComputeBmm(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  const Tensor& y = ctx.Input("Y");
  CheckBmm(ctx, x.shape(), y.shape());
  Tensor& out = ctx.Output("Out");
  Operand xo, yo;
  xo.rows = x.dim(1);
  xo.cols = x.dim(2);
  yo.rows = y.dim(1);
  yo.cols = y.dim(2);
  const int64_t b = x.dim(0);
  std::vector<int64_t> xoff(static_cast<size_t>(b)), yoff(static_cast<size_t>(b));
  for (int64_t i = 0; i < b; ++i) {
    xoff[i] = i * xo.size();
    yoff[i] = i * yo.size();
  }
  matmul::DispatchType(ctx, x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    matmul::RunBatches<T>(ctx.pool(), xo, yo, xo.rows, yo.cols, xo.cols, T(1), x.data<T>(),
                          xoff, y.data<T>(), yoff, T(0), out.data<T>());
  });
}

}  // namespace

PDI_REGISTER_OP(OpDef{"matmul_v2", {"X", "Y"}, {"Out"}, InferMatmul<false>,
                      ComputeMatmul<false>});
PDI_REGISTER_OP(OpDef{"matmul", {"X", "Y"}, {"Out"}, InferMatmul<true>, ComputeMatmul<true>});
PDI_REGISTER_OP(OpDef{"mul", {"X", "Y"}, {"Out"}, InferMul, ComputeMul});
PDI_REGISTER_OP(OpDef{"bmm", {"X", "Y"}, {"Out"}, InferBmm, ComputeBmm});

}  // namespace pdinfer
