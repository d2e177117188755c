// multihead_matmul: a transformer encoder's whole self-attention block in one op
// (produced by multihead_matmul_fuse_pass; canonical contract in FUSED_OPS.md).
//
//   Input [B, S, Hin], W [Hin, 3, H], Bias [3, H], BiasQK (optional), attrs head_number,
//   alpha. Q/K/V = Input · W[:, i, :] + Bias[i] (i = 0, 1, 2), split into head_number
//   heads of H / head_number columns; per head P = softmax(alpha * Q Kᵀ + BiasQK) with
//   BiasQK NumPy-broadcast (right-aligned, rank <= 4) to [B, head_number, S, S];
//   Out [B, S, H] = the heads' P·V side by side (head h in columns h*hd .. (h+1)*hd).
// Passes produce Hin == H; any Hin works. float32 only (the kernel: attention_kernel.h).
#include <string>

#include "pdinfer/ops/attention_kernel.h"
#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

bool Known(int64_t d) { return d >= 0; }

struct MhaGeometry {
  int64_t heads = 1;
  Shape out;
  AttentionDims dims;
};

// Checks the operands' shapes (unknown dims pass) and returns the output geometry.
MhaGeometry CheckMha(const OpContext& ctx, const Shape& in, const Shape& w, const Shape& bias,
                     const Shape* mask) {
  const int64_t heads = ctx.attrs().GetInt("head_number", 1);
  PDI_ENFORCE_ARG(heads > 0, ctx.Where(), ": head_number must be positive, got ", heads);
  PDI_ENFORCE_ARG(in.size() == 3, ctx.Where(), ": Input must be 3-D [batch, seq, hidden], got ",
                  ShapeToString(in));
  PDI_ENFORCE_ARG(w.size() == 3 && (!Known(w[1]) || w[1] == 3), ctx.Where(),
                  ": W must be [hidden_in, 3, hidden], got ", ShapeToString(w));
  PDI_ENFORCE_ARG(!Known(in[2]) || !Known(w[0]) || in[2] == w[0], ctx.Where(),
                  ": Input's last dim ", in[2], " differs from W's first dim (W ",
                  ShapeToString(w), ")");
  const int64_t H = w[2];
  PDI_ENFORCE_ARG(!Known(H) || H % heads == 0, ctx.Where(), ": hidden size ", H,
                  " (W's last dim) is not divisible by head_number ", heads);
  PDI_ENFORCE_ARG(bias.size() == 2 && (!Known(bias[0]) || bias[0] == 3) &&
                      (!Known(bias[1]) || !Known(H) || bias[1] == H),
                  ctx.Where(), ": Bias must be [3, ", H, "], got ", ShapeToString(bias));
  MhaGeometry g;
  g.heads = heads;
  g.out = {in[0], in[1], H};
  if (mask) {
    PDI_ENFORCE_ARG(mask->size() <= 4, ctx.Where(), ": BiasQK must have rank <= 4, got ",
                    ShapeToString(*mask));
    const Shape target = {in[0], heads, in[1], in[1]};
    const size_t off = 4 - mask->size();
    for (size_t i = 0; i < mask->size(); ++i) {
      const int64_t m = (*mask)[i], t = target[off + i];
      PDI_ENFORCE_ARG(!Known(m) || !Known(t) || m == 1 || m == t, ctx.Where(), ": BiasQK ",
                      ShapeToString(*mask), " cannot be broadcast to [batch, heads, seq, seq] = ",
                      ShapeToString(target));
    }
  }
  g.dims.batch = in[0];
  g.dims.seq = in[1];
  g.dims.in_hidden = in[2];
  g.dims.hidden = H;
  g.dims.heads = heads;
  return g;
}

void CheckFloat(const OpContext& ctx, const char* slot) {
  const DataType dt = ctx.InputDType(slot);
  PDI_CHECK(dt == DataType::kFloat32, ErrorCode::kUnsupported, ctx.Where(), ": input ", slot,
            " has dtype ", DataTypeName(dt), "; only float32 is supported");
}

void InferMultiheadMatmul(OpContext& ctx) {
  for (const char* s : {"Input", "W", "Bias"}) CheckFloat(ctx, s);
  const bool has_mask = ctx.HasInput("BiasQK");
  if (has_mask) CheckFloat(ctx, "BiasQK");
  MhaGeometry g = CheckMha(ctx, ctx.InputShape("Input"), ctx.InputShape("W"),
                           ctx.InputShape("Bias"), has_mask ? &ctx.InputShape("BiasQK") : nullptr);
  ctx.SetOutput("Out", DataType::kFloat32, g.out);
}

void ComputeMultiheadMatmul(OpContext& ctx) {
  for (const char* s : {"Input", "W", "Bias"}) CheckFloat(ctx, s);
  const Tensor& in = ctx.Input("Input");
  const Tensor& w = ctx.Input("W");
  const Tensor& bias = ctx.Input("Bias");
  const Tensor* mask = ctx.HasInput("BiasQK") ? &ctx.Input("BiasQK") : nullptr;
  if (mask) CheckFloat(ctx, "BiasQK");
  MhaGeometry g = CheckMha(ctx, in.shape(), w.shape(), bias.shape(), mask ? &mask->shape() : nullptr);
  Tensor& out = ctx.Output("Out");
  AttentionMask m;
  if (mask && mask->numel() > 0) {
    // Element strides of the right-aligned mask over [B, heads, S, S]; broadcast dims get 0.
    const Shape& ms = mask->shape();
    const size_t off = 4 - ms.size();
    int64_t stride = 1;
    for (size_t i = ms.size(); i-- > 0;) {
      m.stride[off + i] = ms[i] == 1 ? 0 : stride;
      stride *= ms[i];
    }
    m.data = mask->data<float>();
  }
  // A zero-size mask only broadcasts against a zero-size output: nothing to compute.
  if (mask && mask->numel() == 0) return;
  const float alpha = static_cast<float>(ctx.attrs().GetFloat("alpha", 1.0));
  MultiHeadSelfAttention(g.dims, in.data<float>(), w.data<float>(), bias.data<float>(), m, alpha,
                         out.data<float>(), &ctx.pool());
}

}  // namespace

PDI_REGISTER_OP(OpDef{"multihead_matmul", {"Input", "W", "Bias", "BiasQK?"}, {"Out"},
                      InferMultiheadMatmul, ComputeMultiheadMatmul});

}  // namespace pdinfer
