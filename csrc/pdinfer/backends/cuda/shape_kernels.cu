// Data-movement kernels on the device, independent of the element type (they move
// 1/2/4/8-byte words): reshape-like aliases, transpose, concat, split, slice, gather and
// the embedding lookup. Shapes come from the ops' own shape inference.
#include <cstdint>
#include <cstring>

#include "pdinfer/backends/cuda/cuda_common.h"

namespace pdinfer {
namespace cuda {
namespace {

// ---- reshape / flatten / squeeze / unsqueeze: the bytes of X, unchanged.
bool RunCopyX(OpContext& ctx, CudaEnv& env) {
  const Tensor& x = ctx.Input("X");
  Tensor& out = ctx.Output("Out");
  if (out.nbytes() != x.nbytes()) return false;
  if (x.nbytes() && out.raw_data() != x.raw_data())
    PDI_CUDA_CHECK(cudaMemcpyAsync(out.raw_data(), x.raw_data(), x.nbytes(),
                                   cudaMemcpyDeviceToDevice, env.stream));
  return true;
}
PDI_CUDA_OPS(RunCopyX, "reshape", "reshape2", "flatten", "flatten2", "flatten_contiguous_range",
             "squeeze", "squeeze2", "unsqueeze", "unsqueeze2", "assign", "share_data");

// ---- transpose: out[i] = in[sum(coord_out[d] * in_stride[perm[d]])]
template <typename W>
__global__ void PermuteKernel(const W* in, W* out, int64_t n, Dims out_dims, Dims in_strides) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t rem = i, src = 0;
    for (int d = out_dims.rank - 1; d >= 0; --d) {
      src += (rem % out_dims.d[d]) * in_strides.d[d];
      rem /= out_dims.d[d];
    }
    out[i] = in[src];
  }
}

template <typename Fn>
bool ByWordSize(size_t size, Fn&& fn) {
  switch (size) {
    case 1: fn(uint8_t{}); return true;
    case 2: fn(uint16_t{}); return true;
    case 4: fn(uint32_t{}); return true;
    case 8: fn(uint64_t{}); return true;
    default: return false;
  }
}

bool RunTranspose(OpContext& ctx, CudaEnv& env) {
  const Tensor& x = ctx.Input("X");
  Tensor& out = ctx.Output("Out");
  std::vector<int64_t> perm = ctx.attrs().GetInts("axis", {});
  if (static_cast<int>(perm.size()) != x.rank() || out.numel() != x.numel()) return false;
  if (x.numel() == 0) return true;
  const std::vector<int64_t> xs = Strides(x.shape());
  std::vector<int64_t> strides(perm.size());
  for (size_t d = 0; d < perm.size(); ++d) {
    int64_t p = perm[d] < 0 ? perm[d] + x.rank() : perm[d];
    if (p < 0 || p >= x.rank()) return false;
    strides[d] = xs[static_cast<size_t>(p)];
  }
  const Dims od = MakeDims(out.shape()), st = MakeDims(strides);
  const int64_t n = x.numel();
  return ByWordSize(SizeOf(x.dtype()), [&](auto w) {
    using W = decltype(w);
    PermuteKernel<W><<<GridFor(n), 256, 0, env.stream>>>(static_cast<const W*>(x.raw_data()),
                                                        static_cast<W*>(out.raw_data()), n, od, st);
  });
}
PDI_CUDA_OPS(RunTranspose, "transpose", "transpose2");

// outer = prod(dims before axis), inner = prod(dims after axis), in bytes.
void OuterInner(const Shape& s, int axis, size_t esize, int64_t* outer, int64_t* inner_bytes) {
  *outer = 1;
  int64_t inner = 1;
  for (int i = 0; i < axis; ++i) *outer *= s[static_cast<size_t>(i)];
  for (size_t i = static_cast<size_t>(axis) + 1; i < s.size(); ++i) inner *= s[i];
  *inner_bytes = inner * static_cast<int64_t>(esize);
}

// ---- concat along `axis`: one 2-D copy per input.
bool RunConcat(OpContext& ctx, CudaEnv& env) {
  if (ctx.HasInput("AxisTensor")) return false;
  Tensor& out = ctx.Output("Out");
  const int rank = out.rank();
  int64_t axis = ctx.attrs().GetInt("axis", 0);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return false;
  const size_t es = SizeOf(out.dtype());
  int64_t outer, inner_b;
  OuterInner(out.shape(), static_cast<int>(axis), es, &outer, &inner_b);
  const int64_t out_row = out.dim(static_cast<int>(axis)) * inner_b;
  int64_t offset = 0;
  for (size_t k = 0; k < ctx.InputCount("X"); ++k) {
    const Tensor& x = ctx.Input("X", k);
    if (x.dtype() != out.dtype() || x.rank() != rank) return false;
    const int64_t row = x.dim(static_cast<int>(axis)) * inner_b;
    if (row && outer)
      PDI_CUDA_CHECK(cudaMemcpy2DAsync(static_cast<char*>(out.raw_data()) + offset,
                                       static_cast<size_t>(out_row), x.raw_data(),
                                       static_cast<size_t>(row), static_cast<size_t>(row),
                                       static_cast<size_t>(outer), cudaMemcpyDeviceToDevice,
                                       env.stream));
    offset += row;
  }
  return offset == out_row;
}
PDI_CUDA_OPS(RunConcat, "concat");

// ---- split along `axis` into the outputs (their shapes come from inference).
bool RunSplit(OpContext& ctx, CudaEnv& env) {
  if (ctx.HasInput("AxisTensor") || ctx.HasInput("SectionsTensorList")) return false;
  const Tensor& x = ctx.Input("X");
  const int rank = x.rank();
  int64_t axis = ctx.attrs().GetInt("axis", 0);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return false;
  const size_t es = SizeOf(x.dtype());
  int64_t outer, inner_b;
  OuterInner(x.shape(), static_cast<int>(axis), es, &outer, &inner_b);
  const int64_t in_row = x.dim(static_cast<int>(axis)) * inner_b;
  int64_t offset = 0;
  for (size_t k = 0; k < ctx.OutputCount("Out"); ++k) {
    if (!ctx.HasOutput("Out", k)) return false;
    Tensor& o = ctx.Output("Out", k);
    if (o.rank() != rank) return false;
    const int64_t row = o.dim(static_cast<int>(axis)) * inner_b;
    if (row && outer)
      PDI_CUDA_CHECK(cudaMemcpy2DAsync(o.raw_data(), static_cast<size_t>(row),
                                       static_cast<const char*>(x.raw_data()) + offset,
                                       static_cast<size_t>(in_row), static_cast<size_t>(row),
                                       static_cast<size_t>(outer), cudaMemcpyDeviceToDevice,
                                       env.stream));
    offset += row;
  }
  return offset == in_row;
}
PDI_CUDA_OPS(RunSplit, "split");

// ---- slice: out[coord] = in[coord + start] over the un-decreased output shape.
template <typename W>
__global__ void SliceKernel(const W* in, W* out, int64_t n, Dims out_dims, Dims in_strides,
                            int64_t base) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t rem = i, src = base;
    for (int d = out_dims.rank - 1; d >= 0; --d) {
      src += (rem % out_dims.d[d]) * in_strides.d[d];
      rem /= out_dims.d[d];
    }
    out[i] = in[src];
  }
}

bool RunSlice(OpContext& ctx, CudaEnv& env) {
  for (const char* s : {"StartsTensor", "EndsTensor", "StartsTensorList", "EndsTensorList"})
    if (ctx.HasInput(s)) return false;
  const Tensor& x = ctx.Input("Input");
  Tensor& out = ctx.Output("Out");
  const auto& a = ctx.attrs();
  const std::vector<int64_t> axes = a.GetInts("axes", {});
  const std::vector<int64_t> starts = a.GetInts("starts", {});
  const std::vector<int64_t> ends = a.GetInts("ends", {});
  if (axes.size() != starts.size() || axes.size() != ends.size()) return false;
  Shape full = x.shape();
  std::vector<int64_t> begin(full.size(), 0);
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t ax = axes[i] < 0 ? axes[i] + x.rank() : axes[i];
    if (ax < 0 || ax >= x.rank()) return false;
    const int64_t dim = x.dim(static_cast<int>(ax));
    int64_t s = starts[i] < 0 ? starts[i] + dim : starts[i];
    int64_t e = ends[i] < 0 ? ends[i] + dim : ends[i];
    s = std::min(std::max<int64_t>(s, 0), dim);
    e = std::min(std::max<int64_t>(e, 0), dim);
    begin[static_cast<size_t>(ax)] = s;
    full[static_cast<size_t>(ax)] = std::max<int64_t>(e - s, 0);
  }
  if (NumElements(full) != out.numel()) return false;  // a rule this kernel lacks
  if (out.numel() == 0) return true;
  const std::vector<int64_t> xs = Strides(x.shape());
  int64_t base = 0;
  for (size_t d = 0; d < xs.size(); ++d) base += begin[d] * xs[d];
  const Dims od = MakeDims(full), st = MakeDims(xs);
  const int64_t n = out.numel();
  return ByWordSize(SizeOf(x.dtype()), [&](auto w) {
    using W = decltype(w);
    SliceKernel<W><<<GridFor(n), 256, 0, env.stream>>>(static_cast<const W*>(x.raw_data()),
                                                      static_cast<W*>(out.raw_data()), n, od, st, base);
  });
}
PDI_CUDA_OPS(RunSlice, "slice");

// ---- gather along `axis` / lookup_table_v2. Out-of-range indices give zeros (the host
// reference reports them as errors; a device kernel cannot, so it never reads outside X).
template <typename W, typename I>
__global__ void GatherKernel(const W* in, const I* index, W* out, int64_t outer, int64_t n_index,
                             int64_t axis_dim, int64_t inner, int64_t padding_idx) {
  const int64_t total = outer * n_index * inner;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t in_pos = i % inner;
    const int64_t k = (i / inner) % n_index;
    const int64_t o = i / (inner * n_index);
    int64_t idx = static_cast<int64_t>(index[k]);
    if (idx < 0) idx += axis_dim;
    const bool ok = idx >= 0 && idx < axis_dim && static_cast<int64_t>(index[k]) != padding_idx;
    out[i] = ok ? in[(o * axis_dim + idx) * inner + in_pos] : W(0);
  }
}

bool LaunchGather(const Tensor& x, const Tensor& index, Tensor& out, int axis, int64_t padding_idx,
                  cudaStream_t s) {
  if (index.dtype() != DataType::kInt64 && index.dtype() != DataType::kInt32) return false;
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= x.dim(i);
  for (int i = axis + 1; i < x.rank(); ++i) inner *= x.dim(i);
  const int64_t n_index = index.numel();
  if (outer * n_index * inner != out.numel()) return false;
  if (out.numel() == 0) return true;
  const int64_t axis_dim = x.dim(axis);
  return ByWordSize(SizeOf(x.dtype()), [&](auto w) {
    using W = decltype(w);
    const W* in = static_cast<const W*>(x.raw_data());
    W* o = static_cast<W*>(out.raw_data());
    const unsigned grid = GridFor(out.numel());
    if (index.dtype() == DataType::kInt64)
      GatherKernel<W, int64_t><<<grid, 256, 0, s>>>(in, index.data<int64_t>(), o, outer, n_index,
                                                    axis_dim, inner, padding_idx);
    else
      GatherKernel<W, int32_t><<<grid, 256, 0, s>>>(in, index.data<int32_t>(), o, outer, n_index,
                                                    axis_dim, inner, padding_idx);
  });
}

bool RunGather(OpContext& ctx, CudaEnv& env) {
  if (ctx.HasInput("Axis")) return false;
  const Tensor& x = ctx.Input("X");
  int64_t axis = ctx.attrs().GetInt("axis", 0);
  if (axis < 0) axis += x.rank();
  if (axis < 0 || axis >= x.rank()) return false;
  return LaunchGather(x, ctx.Input("Index"), ctx.Output("Out"), static_cast<int>(axis),
                      INT64_MIN, env.stream);
}
PDI_CUDA_OPS(RunGather, "gather");

bool RunEmbedding(OpContext& ctx, CudaEnv& env) {
  const Tensor& w = ctx.Input("W");
  if (w.rank() != 2) return false;
  const int64_t pad = ctx.attrs().GetInt("padding_idx", -1);  // -1: none (see embedding.cc)
  return LaunchGather(w, ctx.Input("Ids"), ctx.Output("Out"), 0, pad == -1 ? INT64_MIN : pad,
                      env.stream);
}
PDI_CUDA_OPS(RunEmbedding, "lookup_table_v2");

// Small host-computed values (shape tensors and the like) go up as kernel parameters:
// unlike a copy from pageable host memory, that is legal inside a CUDA Graph capture.
struct SmallPayload {
  unsigned char bytes[kSmallUploadBytes];
};

__global__ void UploadSmallKernel(unsigned char* dst, SmallPayload p, int n) {
  for (int i = threadIdx.x; i < n; i += blockDim.x) dst[i] = p.bytes[i];
}

}  // namespace

void UploadSmall(void* dst, const void* src, size_t bytes, cudaStream_t stream) {
  PDI_ENFORCE_INTERNAL(bytes <= kSmallUploadBytes, "UploadSmall: ", bytes, " bytes");
  if (!bytes) return;
  SmallPayload p;
  std::memcpy(p.bytes, src, bytes);
  UploadSmallKernel<<<1, 128, 0, stream>>>(static_cast<unsigned char*>(dst), p, static_cast<int>(bytes));
}

}  // namespace cuda
}  // namespace pdinfer
