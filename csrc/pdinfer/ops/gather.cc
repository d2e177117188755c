// gather (along `axis` or the Axis tensor), gather_nd and index_select. Indices are
// int32/int64, may be negative (counted from the end, as Paddle allows) and are checked
// against the gathered dim before any data moves. Slices are copied as raw bytes.
#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

#include "pdinfer/ops/op_utils.h"
#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

int64_t Prod(const Shape& s, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end && i < s.size(); ++i) p *= s[i];
  return p;
}

void CheckIndexType(const OpContext& ctx, const std::string& slot) {
  DataType t = ctx.InputDType(slot);
  PDI_ENFORCE_ARG(t == DataType::kInt32 || t == DataType::kInt64, ctx.Where(), ": input '", slot,
                  "' must be int32 or int64, got ", DataTypeName(t));
}

// Index values as int64, each checked against [-dim, dim) and made non-negative.
std::vector<int64_t> ReadIndices(const OpContext& ctx, const Tensor& index, int64_t dim,
                                 const std::string& what) {
  std::vector<int64_t> v = TensorToInt64s(index, StrCat(ctx.Where(), ": ", what));
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] < -dim || v[i] >= dim)
      ThrowError(ErrorCode::kInvalidArgument, ctx.Where(), ": ", what, " value ", v[i],
                 " (at position ", i, ") is out of range for a dim of size ", dim,
                 " (valid: [", -dim, ", ", dim, "))");
    if (v[i] < 0) v[i] += dim;
  }
  return v;
}

// Out[o, j, :] = X[o, idx[j], :] with X viewed as [outer, dim, inner].
void GatherRows(OpContext& ctx, const Tensor& x, int axis, const std::vector<int64_t>& idx,
                Tensor& out) {
  const int64_t e = static_cast<int64_t>(SizeOf(x.dtype()));
  const int64_t outer = Prod(x.shape(), 0, static_cast<size_t>(axis));
  const int64_t dim = x.dim(axis);
  const int64_t inner = Prod(x.shape(), static_cast<size_t>(axis) + 1, x.shape().size()) * e;
  const int64_t n = static_cast<int64_t>(idx.size());
  if (out.numel() == 0 || inner == 0) return;
  const char* src = static_cast<const char*>(x.raw_data());
  char* dst = static_cast<char*>(out.raw_data());
  ParallelForElements(ctx.pool(), outer * n, std::max<int64_t>(1, inner / 8),
                      [&](int64_t b, int64_t end) {
                        for (int64_t w = b; w < end; ++w) {
                          const int64_t o = w / n, j = w % n;
                          std::memcpy(dst + w * inner, src + (o * dim + idx[static_cast<size_t>(j)]) * inner,
                                      static_cast<size_t>(inner));
                        }
                      });
}

// ---------------------------------------------------------------------------------------
// gather
// ---------------------------------------------------------------------------------------

std::optional<int> GatherAxis(const OpContext& ctx, int rank) {
  std::optional<double> a = ReadScalar(ctx, "axis", 0, "Axis");
  if (!a) return std::nullopt;
  return NormalizeAxis(static_cast<int64_t>(*a), rank, StrCat(ctx.Where(), ": gather axis"));
}

void InferGather(OpContext& ctx) {
  const Shape& x = ctx.InputShape("X");
  const Shape& index = ctx.InputShape("Index");
  CheckIndexType(ctx, "Index");
  PDI_ENFORCE_ARG(index.size() <= 1 || (index.size() == 2 && (index[1] == 1 || index[1] < 0)),
                  ctx.Where(), ": Index must be 0-D, 1-D or [N, 1], got shape ",
                  ShapeToString(index));
  std::optional<int> axis = GatherAxis(ctx, static_cast<int>(x.size()));
  if (!axis) {
    Shape out(index.empty() && !x.empty() ? x.size() - 1 : x.size(), -1);
    ctx.SetOutput("Out", ctx.InputDType("X"), out);
    return;
  }
  Shape out(x.begin(), x.begin() + *axis);
  if (!index.empty()) out.push_back(index[0]);
  out.insert(out.end(), x.begin() + *axis + 1, x.end());
  ctx.SetOutput("Out", ctx.InputDType("X"), out);
}

void ComputeGather(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  const Tensor& index = ctx.Input("Index");
  const int axis = *GatherAxis(ctx, x.rank());
  std::vector<int64_t> idx = ReadIndices(ctx, index, x.dim(axis), "Index");
  GatherRows(ctx, x, axis, idx, ctx.Output("Out"));
}

// ---------------------------------------------------------------------------------------
// index_select
// ---------------------------------------------------------------------------------------

void InferIndexSelect(OpContext& ctx) {
  const Shape& x = ctx.InputShape("X");
  const Shape& index = ctx.InputShape("Index");
  CheckIndexType(ctx, "Index");
  PDI_ENFORCE_ARG(index.size() <= 1 || (index.size() == 2 && (index[1] == 1 || index[1] < 0)),
                  ctx.Where(), ": Index must be 1-D or [N, 1], got shape ", ShapeToString(index));
  const int axis = NormalizeAxis(ctx.attrs().GetInt("dim", 0), static_cast<int>(x.size()),
                                 StrCat(ctx.Where(), ": index_select dim"));
  Shape out = x;
  out[static_cast<size_t>(axis)] = index.empty() ? 1 : index[0];
  ctx.SetOutput("Out", ctx.InputDType("X"), out);
}

void ComputeIndexSelect(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  const int axis = NormalizeAxis(ctx.attrs().GetInt("dim", 0), x.rank(), ctx.Where());
  std::vector<int64_t> idx = ReadIndices(ctx, ctx.Input("Index"), x.dim(axis), "Index");
  GatherRows(ctx, x, axis, idx, ctx.Output("Out"));
}

// ---------------------------------------------------------------------------------------
// gather_nd
// ---------------------------------------------------------------------------------------

void InferGatherNd(OpContext& ctx) {
  const Shape& x = ctx.InputShape("X");
  const Shape& index = ctx.InputShape("Index");
  CheckIndexType(ctx, "Index");
  PDI_ENFORCE_ARG(!index.empty(), ctx.Where(), ": Index must have rank >= 1, got a 0-D tensor");
  const int64_t k = index.back();
  Shape out(index.begin(), index.end() - 1);
  if (k < 0) {
    ctx.SetOutput("Out", ctx.InputDType("X"), Shape(out.size(), -1));  // rank unknown too
    return;
  }
  PDI_ENFORCE_ARG(k <= static_cast<int64_t>(x.size()), ctx.Where(), ": the last dim of Index (",
                  k, ") exceeds the rank of X (shape ", ShapeToString(x), ")");
  out.insert(out.end(), x.begin() + k, x.end());
  ctx.SetOutput("Out", ctx.InputDType("X"), out);
}

void ComputeGatherNd(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  const Tensor& index = ctx.Input("Index");
  Tensor& out = ctx.Output("Out");
  const size_t k = static_cast<size_t>(index.shape().back());
  const int64_t e = static_cast<int64_t>(SizeOf(x.dtype()));
  const int64_t slice = Prod(x.shape(), k, x.shape().size()) * e;
  const int64_t rows = k == 0 ? Prod(index.shape(), 0, index.shape().size() - 1)
                              : index.numel() / static_cast<int64_t>(k);
  std::vector<int64_t> idx = TensorToInt64s(index, StrCat(ctx.Where(), ": Index"));
  std::vector<int64_t> offsets(static_cast<size_t>(rows), 0);
  for (int64_t r = 0; r < rows; ++r) {
    int64_t off = 0;
    for (size_t j = 0; j < k; ++j) {
      const int64_t d = x.dim(static_cast<int>(j));
      int64_t v = idx[static_cast<size_t>(r) * k + j];
      if (v < -d || v >= d)
        ThrowError(ErrorCode::kInvalidArgument, ctx.Where(), ": Index value ", v, " (row ", r,
                   ", component ", j, ") is out of range for dim ", j, " of X (shape ",
                   ShapeToString(x.shape()), ")");
      if (v < 0) v += d;
      off = off * d + v;
    }
    offsets[static_cast<size_t>(r)] = off;
  }
  if (out.numel() == 0 || slice == 0) return;
  const char* src = static_cast<const char*>(x.raw_data());
  char* dst = static_cast<char*>(out.raw_data());
  ParallelForElements(ctx.pool(), rows, std::max<int64_t>(1, slice / 8), [&](int64_t b, int64_t end) {
    for (int64_t r = b; r < end; ++r)
      std::memcpy(dst + r * slice, src + offsets[static_cast<size_t>(r)] * slice,
                  static_cast<size_t>(slice));
  });
}

}  // namespace

PDI_REGISTER_OP(OpDef{"gather", {"X", "Index", "Axis?"}, {"Out"}, InferGather, ComputeGather});
PDI_REGISTER_OP(OpDef{"index_select", {"X", "Index"}, {"Out"}, InferIndexSelect, ComputeIndexSelect});
PDI_REGISTER_OP(OpDef{"gather_nd", {"X", "Index"}, {"Out"}, InferGatherNd, ComputeGatherNd});

}  // namespace pdinfer
