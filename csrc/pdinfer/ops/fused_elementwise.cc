// fused_elementwise_add / _sub / _mul / _div: Out = act(X op Y), produced by
// elementwise_act_fuse_pass. `axis` follows Paddle's elementwise broadcast rule; the
// activation is fuse_activation with fuse_alpha/beta/gamma (fused_activation.h).
//
// Models optimized by Paddle's oneDNN passes may carry input/output scales and a folded
// unsqueeze on these ops; only their neutral values are accepted.
#include <algorithm>
#include <string>

#include "pdinfer/ops/elementwise.h"
#include "pdinfer/ops/fused_activation.h"
#include "pdinfer/ops/matmul_util.h"
#include "pdinfer/ops/op_utils.h"
#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

FusedActivation Activation(const OpContext& ctx, DataType dt) {
  const FusedActivation act =
      matmul::EpilogueActivation(ctx, ctx.attrs().GetString("fuse_activation", ""));
  PDI_CHECK(act.identity() || dt == DataType::kFloat32 || dt == DataType::kFloat64,
            ErrorCode::kUnsupported, ctx.Where(), ": fused activation '", act.name,
            "' needs float32 or float64 data, got ", DataTypeName(dt));
  for (const char* s : {"scale_x", "scale_y", "scale_out", "fused_output_scale"}) {
    const double v = ctx.attrs().GetFloat(s, 1.0);
    PDI_CHECK(v == 1.0, ErrorCode::kUnsupported, ctx.Where(), ": attribute ", s, " = ", v,
              " (quantization scale) is not supported");
  }
  PDI_CHECK(ctx.attrs().GetInts("fused_unsqueeze2_axes", {}).empty(), ErrorCode::kUnsupported,
            ctx.Where(), ": attribute fused_unsqueeze2_axes is not supported");
  return act;
}

template <const char* kOp>
void InferFused(OpContext& ctx) {
  InferElementwiseArith(ctx, kOp);
  Activation(ctx, PromoteTypes(ctx.InputDType("X"), ctx.InputDType("Y")));
}

// Same-shape float operands: one pass, the activation applied to each chunk while it is
// still in cache.
template <typename T>
bool ComputeSameShape(OpContext& ctx, const std::string& op, const FusedActivation& act) {
  const Tensor& x = ctx.Input("X");
  const Tensor& y = ctx.Input("Y");
  Tensor& out = ctx.Output("Out");
  if (x.dtype() != y.dtype() || x.dtype() != out.dtype() || x.shape() != y.shape() ||
      x.shape() != out.shape())
    return false;
  const T* xd = x.data<T>();
  const T* yd = y.data<T>();
  T* od = out.data<T>();
  const char c = op[0] == 'a' ? '+' : op[0] == 's' ? '-' : op[0] == 'm' ? '*' : '/';
  ParallelForElements(ctx.pool(), out.numel(), 8, [&](int64_t b, int64_t e) {
    constexpr int64_t kChunk = 2048;
    for (int64_t c0 = b; c0 < e; c0 += kChunk) {
      const int64_t c1 = std::min(e, c0 + kChunk);
      switch (c) {
        case '+': for (int64_t k = c0; k < c1; ++k) od[k] = xd[k] + yd[k]; break;
        case '-': for (int64_t k = c0; k < c1; ++k) od[k] = xd[k] - yd[k]; break;
        case '*': for (int64_t k = c0; k < c1; ++k) od[k] = xd[k] * yd[k]; break;
        default: for (int64_t k = c0; k < c1; ++k) od[k] = xd[k] / yd[k]; break;
      }
      act.Apply(od + c0, c1 - c0, nullptr);
    }
  });
  return true;
}

template <const char* kOp>
void ComputeFused(OpContext& ctx) {
  const DataType dt = ctx.Input("X").dtype();
  if (dt == DataType::kFloat32 || dt == DataType::kFloat64) {
    const FusedActivation act = Activation(ctx, dt);
    if (!act.identity() && (dt == DataType::kFloat32
                                ? ComputeSameShape<float>(ctx, kOp, act)
                                : ComputeSameShape<double>(ctx, kOp, act)))
      return;
  }
  ComputeElementwiseArith(ctx, kOp);
  Tensor& out = ctx.Output("Out");
  const FusedActivation act = Activation(ctx, out.dtype());
  if (act.identity() || out.numel() == 0) return;
  if (out.dtype() == DataType::kFloat32)
    act.Apply(out.data<float>(), out.numel(), &ctx.pool());
  else
    act.Apply(out.data<double>(), out.numel(), &ctx.pool());
}

constexpr char kAdd[] = "add";
constexpr char kSub[] = "sub";
constexpr char kMul[] = "mul";
constexpr char kDiv[] = "div";

}  // namespace

PDI_REGISTER_OP(OpDef{"fused_elementwise_add", {"X", "Y"}, {"Out"}, InferFused<kAdd>,
                      ComputeFused<kAdd>});
PDI_REGISTER_OP(OpDef{"fused_elementwise_sub", {"X", "Y"}, {"Out"}, InferFused<kSub>,
                      ComputeFused<kSub>});
PDI_REGISTER_OP(OpDef{"fused_elementwise_mul", {"X", "Y"}, {"Out"}, InferFused<kMul>,
                      ComputeFused<kMul>});
PDI_REGISTER_OP(OpDef{"fused_elementwise_div", {"X", "Y"}, {"Out"}, InferFused<kDiv>,
                      ComputeFused<kDiv>});

}  // namespace pdinfer
