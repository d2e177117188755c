// concat / split / stack / unstack. All four view the tensors as [outer, axis, inner]
// and move contiguous byte blocks, so every dtype works.
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

// The axis from the AxisTensor input when connected, else the `axis` attribute.
// nullopt when the tensor's value is not known yet.
std::optional<int64_t> ReadAxis(const OpContext& ctx, const std::string& tensor_slot) {
  std::optional<double> v = ReadScalar(ctx, "axis", 0, tensor_slot);
  if (!v) return std::nullopt;
  return static_cast<int64_t>(*v);
}

// Copies `n_outer` blocks of `block` bytes from `src` (stride src_stride bytes) into
// `dst` (stride dst_stride bytes).
void CopyBlocks(ThreadPool& pool, const char* src, int64_t src_stride, char* dst,
                int64_t dst_stride, int64_t n_outer, int64_t block) {
  if (block <= 0 || n_outer <= 0) return;
  if (src_stride == block && dst_stride == block) {
    std::memcpy(dst, src, static_cast<size_t>(block * n_outer));
    return;
  }
  ParallelForElements(pool, n_outer, std::max<int64_t>(1, block / 8), [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o)
      std::memcpy(dst + o * dst_stride, src + o * src_stride, static_cast<size_t>(block));
  });
}

// ---------------------------------------------------------------------------------------
// concat
// ---------------------------------------------------------------------------------------

void InferConcat(OpContext& ctx) {
  const size_t n = ctx.InputCount("X");
  const Shape& first = ctx.InputShape("X", 0);
  const DataType dtype = ctx.InputDType("X", 0);
  const int rank = static_cast<int>(first.size());
  for (size_t k = 1; k < n; ++k) {
    PDI_ENFORCE_ARG(ctx.InputShape("X", k).size() == first.size(), ctx.Where(), ": input 0 has shape ",
                    ShapeToString(first), " but input ", k, " has shape ",
                    ShapeToString(ctx.InputShape("X", k)), " (ranks differ)");
    PDI_ENFORCE_ARG(ctx.InputDType("X", k) == dtype, ctx.Where(), ": input 0 is ",
                    DataTypeName(dtype), " but input ", k, " is ",
                    DataTypeName(ctx.InputDType("X", k)));
  }
  std::optional<int64_t> axis_v = ReadAxis(ctx, "AxisTensor");
  if (!axis_v) {
    ctx.SetOutput("Out", dtype, Shape(first.size(), -1));
    return;
  }
  const int axis = NormalizeAxis(*axis_v, rank, StrCat(ctx.Where(), ": concat axis"));
  Shape out = first;
  for (size_t k = 1; k < n; ++k) {
    const Shape& s = ctx.InputShape("X", k);
    for (int j = 0; j < rank; ++j) {
      if (j == axis) {
        out[j] = (out[j] < 0 || s[j] < 0) ? -1 : out[j] + s[j];
      } else if (out[j] >= 0 && s[j] >= 0) {
        PDI_ENFORCE_ARG(out[j] == s[j], ctx.Where(), ": inputs must match except along axis ",
                        axis, ", but input 0 has shape ", ShapeToString(first), " and input ", k,
                        " has shape ", ShapeToString(s));
      } else if (out[j] < 0) {
        out[j] = s[j];
      }
    }
  }
  ctx.SetOutput("Out", dtype, out);
}

void ComputeConcat(OpContext& ctx) {
  Tensor& out = ctx.Output("Out");
  if (out.numel() == 0) return;
  const size_t n = ctx.InputCount("X");
  const int axis = NormalizeAxis(*ReadAxis(ctx, "AxisTensor"), out.rank(), ctx.Where());
  const int64_t e = static_cast<int64_t>(SizeOf(out.dtype()));
  const int64_t outer = Prod(out.shape(), 0, static_cast<size_t>(axis));
  const int64_t out_row = Prod(out.shape(), static_cast<size_t>(axis), out.shape().size()) * e;
  char* dst = static_cast<char*>(out.raw_data());
  int64_t offset = 0;
  for (size_t k = 0; k < n; ++k) {
    const Tensor& x = ctx.Input("X", k);
    const int64_t row = Prod(x.shape(), static_cast<size_t>(axis), x.shape().size()) * e;
    CopyBlocks(ctx.pool(), static_cast<const char*>(x.raw_data()), row, dst + offset, out_row,
               outer, row);
    offset += row;
  }
}

// ---------------------------------------------------------------------------------------
// split
// ---------------------------------------------------------------------------------------

// Sizes of the outputs along `axis` (-1 where unknown at load time).
std::vector<int64_t> SplitSizes(const OpContext& ctx, const Shape& x, int axis) {
  const size_t n_out = ctx.OutputCount("Out");
  const int64_t dim = x[static_cast<size_t>(axis)];
  const int64_t num = ctx.attrs().GetInt("num", 0);
  if (num > 0) {
    PDI_ENFORCE_ARG(static_cast<size_t>(num) == n_out, ctx.Where(), ": num is ", num, " but the op has ",
                    n_out, " outputs");
    if (dim < 0) return std::vector<int64_t>(n_out, -1);
    PDI_ENFORCE_ARG(dim % num == 0, ctx.Where(), ": dim ", axis, " of input shape ",
                    ShapeToString(x), " (", dim, ") is not divisible by num ", num);
    return std::vector<int64_t>(n_out, dim / num);
  }
  int64_t count = -1;
  std::optional<std::vector<int64_t>> sections =
      ReadIntList(ctx, "sections", "", "SectionsTensorList", &count);
  if (!sections) return std::vector<int64_t>(n_out, -1);
  std::vector<int64_t> s = *sections;
  PDI_ENFORCE_ARG(s.size() == n_out, ctx.Where(), ": sections ", ShapeToString(s), " has ",
                  s.size(), " entries but the op has ", n_out, " outputs");
  int unk = -1;
  int64_t sum = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      PDI_ENFORCE_ARG(unk < 0, ctx.Where(), ": sections ", ShapeToString(s),
                      " has more than one -1");
      unk = static_cast<int>(i);
    } else {
      PDI_ENFORCE_ARG(s[i] >= 0, ctx.Where(), ": sections ", ShapeToString(s),
                      " has a negative entry");
      sum += s[i];
    }
  }
  if (dim < 0) return s;  // an inferred section stays unknown
  if (unk >= 0) {
    PDI_ENFORCE_ARG(sum <= dim, ctx.Where(), ": sections ", ShapeToString(s), " add up to ", sum,
                    ", more than dim ", axis, " of input shape ", ShapeToString(x));
    s[static_cast<size_t>(unk)] = dim - sum;
  } else {
    PDI_ENFORCE_ARG(sum == dim, ctx.Where(), ": sections ", ShapeToString(s), " add up to ", sum,
                    " but dim ", axis, " of input shape ", ShapeToString(x), " is ", dim);
  }
  return s;
}

void InferSplit(OpContext& ctx) {
  const Shape& x = ctx.InputShape("X");
  const DataType dtype = ctx.InputDType("X");
  const size_t n_out = ctx.OutputCount("Out");
  std::optional<int64_t> axis_v = ReadAxis(ctx, "AxisTensor");
  if (!axis_v) {
    for (size_t k = 0; k < n_out; ++k) ctx.SetOutput("Out", k, dtype, Shape(x.size(), -1));
    return;
  }
  const int axis = NormalizeAxis(*axis_v, static_cast<int>(x.size()), StrCat(ctx.Where(), ": split axis"));
  std::vector<int64_t> sizes = SplitSizes(ctx, x, axis);
  for (size_t k = 0; k < n_out; ++k) {
    Shape s = x;
    s[static_cast<size_t>(axis)] = sizes[k];
    ctx.SetOutput("Out", k, dtype, s);
  }
}

void ComputeSplit(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  const int axis = NormalizeAxis(*ReadAxis(ctx, "AxisTensor"), x.rank(), ctx.Where());
  const std::vector<int64_t> sizes = SplitSizes(ctx, x.shape(), axis);
  const int64_t e = static_cast<int64_t>(SizeOf(x.dtype()));
  const int64_t outer = Prod(x.shape(), 0, static_cast<size_t>(axis));
  const int64_t inner = Prod(x.shape(), static_cast<size_t>(axis) + 1, x.shape().size()) * e;
  const int64_t x_row = x.dim(axis) * inner;
  const char* src = static_cast<const char*>(x.raw_data());
  int64_t offset = 0;
  for (size_t k = 0; k < sizes.size(); ++k) {
    const int64_t row = sizes[k] * inner;
    if (ctx.HasOutput("Out", k) && x.numel() > 0) {
      Tensor& out = ctx.Output("Out", k);
      CopyBlocks(ctx.pool(), src + offset, x_row, static_cast<char*>(out.raw_data()), row, outer,
                 row);
    }
    offset += row;
  }
}

// ---------------------------------------------------------------------------------------
// stack / unstack
// ---------------------------------------------------------------------------------------

void InferStack(OpContext& ctx) {
  const size_t n = ctx.InputCount("X");
  Shape s = ctx.InputShape("X", 0);
  const DataType dtype = ctx.InputDType("X", 0);
  for (size_t k = 1; k < n; ++k) {
    const Shape& sk = ctx.InputShape("X", k);
    bool same = sk.size() == s.size();
    for (size_t j = 0; same && j < s.size(); ++j) {
      if (s[j] >= 0 && sk[j] >= 0) same = s[j] == sk[j];
      else if (s[j] < 0) s[j] = sk[j];
    }
    PDI_ENFORCE_ARG(same, ctx.Where(), ": all inputs must have the same shape, but input 0 has ",
                    ShapeToString(ctx.InputShape("X", 0)), " and input ", k, " has ",
                    ShapeToString(sk));
    PDI_ENFORCE_ARG(ctx.InputDType("X", k) == dtype, ctx.Where(), ": input 0 is ",
                    DataTypeName(dtype), " but input ", k, " is ",
                    DataTypeName(ctx.InputDType("X", k)));
  }
  const int axis = NormalizeAxis(ctx.attrs().GetInt("axis", 0), static_cast<int>(s.size()) + 1,
                                 StrCat(ctx.Where(), ": stack axis"));
  s.insert(s.begin() + axis, static_cast<int64_t>(n));
  ctx.SetOutput("Y", dtype, s);
}

void ComputeStack(OpContext& ctx) {
  Tensor& out = ctx.Output("Y");
  if (out.numel() == 0) return;
  const size_t n = ctx.InputCount("X");
  const int axis = NormalizeAxis(ctx.attrs().GetInt("axis", 0), out.rank(), ctx.Where());
  const int64_t e = static_cast<int64_t>(SizeOf(out.dtype()));
  const int64_t outer = Prod(out.shape(), 0, static_cast<size_t>(axis));
  const int64_t row = Prod(out.shape(), static_cast<size_t>(axis) + 1, out.shape().size()) * e;
  char* dst = static_cast<char*>(out.raw_data());
  for (size_t k = 0; k < n; ++k)
    CopyBlocks(ctx.pool(), static_cast<const char*>(ctx.Input("X", k).raw_data()), row,
               dst + static_cast<int64_t>(k) * row, row * static_cast<int64_t>(n), outer, row);
}

void InferUnstack(OpContext& ctx) {
  const Shape& x = ctx.InputShape("X");
  const int axis = NormalizeAxis(ctx.attrs().GetInt("axis", 0), static_cast<int>(x.size()),
                                 StrCat(ctx.Where(), ": unstack axis"));
  const size_t n_out = ctx.OutputCount("Y");
  const int64_t dim = x[static_cast<size_t>(axis)];
  PDI_ENFORCE_ARG(dim < 0 || dim == static_cast<int64_t>(n_out), ctx.Where(), ": dim ", axis,
                  " of input shape ", ShapeToString(x), " is ", dim, " but the op has ", n_out,
                  " outputs");
  Shape s = x;
  s.erase(s.begin() + axis);
  for (size_t k = 0; k < n_out; ++k) ctx.SetOutput("Y", k, ctx.InputDType("X"), s);
}

void ComputeUnstack(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  if (x.numel() == 0) return;
  const int axis = NormalizeAxis(ctx.attrs().GetInt("axis", 0), x.rank(), ctx.Where());
  const int64_t e = static_cast<int64_t>(SizeOf(x.dtype()));
  const int64_t outer = Prod(x.shape(), 0, static_cast<size_t>(axis));
  const int64_t row = Prod(x.shape(), static_cast<size_t>(axis) + 1, x.shape().size()) * e;
  const int64_t n = x.dim(axis);
  const char* src = static_cast<const char*>(x.raw_data());
  for (int64_t k = 0; k < n; ++k) {
    if (!ctx.HasOutput("Y", static_cast<size_t>(k))) continue;
    Tensor& out = ctx.Output("Y", static_cast<size_t>(k));
    CopyBlocks(ctx.pool(), src + k * row, row * n, static_cast<char*>(out.raw_data()), row, outer,
               row);
  }
}

}  // namespace

PDI_REGISTER_OP(OpDef{"concat", {"X+", "AxisTensor?"}, {"Out"}, InferConcat, ComputeConcat});
PDI_REGISTER_OP(OpDef{"split", {"X", "AxisTensor?", "SectionsTensorList*"}, {"Out+"}, InferSplit,
                      ComputeSplit});
PDI_REGISTER_OP(OpDef{"stack", {"X+"}, {"Y"}, InferStack, ComputeStack});
PDI_REGISTER_OP(OpDef{"unstack", {"X"}, {"Y+"}, InferUnstack, ComputeUnstack});

}  // namespace pdinfer
