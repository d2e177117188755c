// transpose / transpose2: permute the dims (attr `axis`). The copy goes through
// CopyStrided, which merges dims that stay adjacent (an identity permutation is one
// memcpy, swapping outer blocks copies whole rows) and tiles the rest so reads and
// writes both stay in cache.
#include <vector>

#include "pdinfer/ops/op_utils.h"
#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

std::vector<int> Permutation(const OpContext& ctx, size_t rank) {
  const std::vector<int64_t> axis = ctx.attrs().GetInts("axis", {});
  PDI_ENFORCE_ARG(axis.size() == rank, ctx.Where(), ": axis ", ShapeToString(axis), " has ",
                  axis.size(), " entries but the input has rank ", rank);
  std::vector<int> perm(rank);
  std::vector<bool> seen(rank, false);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t r = static_cast<int64_t>(rank);
    PDI_ENFORCE_ARG(axis[i] >= -r && axis[i] < r, ctx.Where(), ": axis ", ShapeToString(axis),
                    " entry ", axis[i], " is out of range for rank ", rank);
    const int p = static_cast<int>(axis[i] < 0 ? axis[i] + r : axis[i]);
    PDI_ENFORCE_ARG(!seen[static_cast<size_t>(p)], ctx.Where(), ": axis ", ShapeToString(axis),
                    " is not a permutation (dim ", p, " repeated)");
    seen[static_cast<size_t>(p)] = true;
    perm[i] = p;
  }
  return perm;
}

void InferTranspose(OpContext& ctx) {
  const Shape& x = ctx.InputShape("X");
  const std::vector<int> perm = Permutation(ctx, x.size());
  Shape out(x.size());
  for (size_t i = 0; i < x.size(); ++i) out[i] = x[static_cast<size_t>(perm[i])];
  ctx.SetOutput("Out", ctx.InputDType("X"), out);
}

void ComputeTranspose(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  Tensor& out = ctx.Output("Out");
  if (x.numel() == 0) return;
  const std::vector<int> perm = Permutation(ctx, x.shape().size());
  const std::vector<int64_t> xs = ContiguousStrides(x.shape());
  std::vector<int64_t> strides(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) strides[i] = xs[static_cast<size_t>(perm[i])];
  CopyStrided(x.raw_data(), out.shape(), strides, SizeOf(x.dtype()), out.raw_data(), &ctx.pool());
}

}  // namespace

PDI_REGISTER_OP(OpDef{"transpose2", {"X"}, {"Out", "XShape?"}, InferTranspose, ComputeTranspose});
PDI_REGISTER_OP(OpDef{"transpose", {"X"}, {"Out"}, InferTranspose, ComputeTranspose});

}  // namespace pdinfer
