// pad (constant padding of every dim), pad2d and pad3d (constant / reflect / replicate
// (edge) / circular padding of the spatial dims, channel-first or channel-last).
// All three reduce to one row-wise kernel: the padded dims are mapped output index ->
// input index once per dim, each output row (last padded dim) is a fill, a memcpy of the
// interior plus its mapped edges. Channel-last layouts treat the C values of a pixel as
// one wide element. Negative paddings crop, as Paddle allows for pad3d.
#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "pdinfer/ops/op_utils.h"
#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

enum class PadMode { kConstant, kReflect, kReplicate, kCircular };

// Input index read for output index o of a dim of size d padded by `before`; -1 = fill.
int64_t MapIndex(int64_t o, int64_t before, int64_t d, PadMode mode) {
  int64_t i = o - before;
  switch (mode) {
    case PadMode::kConstant: return (i >= 0 && i < d) ? i : -1;
    case PadMode::kReflect:
      if (d == 1) return 0;
      i = std::abs(i);
      i %= 2 * (d - 1);
      return i < d ? i : 2 * (d - 1) - i;
    case PadMode::kReplicate: return std::min(std::max<int64_t>(i, 0), d - 1);
    case PadMode::kCircular: return ((i % d) + d) % d;
  }
  return -1;
}

// Pads `in` (dims in_dims, elements of `e` bytes each) into `out` (out_dims), with
// out = in shifted by `before` per dim. `fill` holds one element for constant mode.
void PadKernel(ThreadPool& pool, const char* in, const Shape& in_dims, char* out,
               const Shape& out_dims, const std::vector<int64_t>& before, PadMode mode,
               const std::vector<char>& fill, int64_t e) {
  const size_t r = out_dims.size();
  int64_t out_numel = 1;
  for (int64_t d : out_dims) out_numel *= d;
  if (out_numel == 0) return;
  if (r == 0) {
    std::memcpy(out, in, static_cast<size_t>(e));
    return;
  }
  // map[k][o] = input index for output index o of dim k (-1 = fill).
  std::vector<std::vector<int64_t>> map(r);
  for (size_t k = 0; k < r; ++k) {
    map[k].resize(static_cast<size_t>(out_dims[k]));
    for (int64_t o = 0; o < out_dims[k]; ++o)
      map[k][static_cast<size_t>(o)] = MapIndex(o, before[k], in_dims[k], mode);
  }
  const std::vector<int64_t> in_strides = ContiguousStrides(in_dims);
  const int64_t w_out = out_dims[r - 1], w_in = in_dims[r - 1], b = before[r - 1];
  const int64_t lo = std::max<int64_t>(0, b), hi = std::min(w_out, b + w_in);
  const int64_t rows = out_numel / w_out;
  const std::vector<int64_t>& wmap = map[r - 1];
  auto fill_run = [&](char* dst, int64_t n) {
    for (int64_t i = 0; i < n; ++i) std::memcpy(dst + i * e, fill.data(), static_cast<size_t>(e));
  };
  auto work = [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      char* dst = out + row * w_out * e;
      int64_t src_row = 0;
      bool inside = true;
      int64_t rem = row;
      for (size_t k = r - 1; k-- > 0;) {
        const int64_t o = rem % out_dims[k];
        rem /= out_dims[k];
        const int64_t i = map[k][static_cast<size_t>(o)];
        if (i < 0) {
          inside = false;
          break;
        }
        src_row += i * in_strides[k];
      }
      if (!inside) {
        fill_run(dst, w_out);
        continue;
      }
      const char* src = in + src_row * e;
      for (int64_t o = 0; o < w_out; ++o) {
        if (o == lo && hi > lo) {
          std::memcpy(dst + lo * e, src + (lo - b) * e, static_cast<size_t>((hi - lo) * e));
          o = hi - 1;
          continue;
        }
        const int64_t i = wmap[static_cast<size_t>(o)];
        if (i < 0) std::memcpy(dst + o * e, fill.data(), static_cast<size_t>(e));
        else std::memcpy(dst + o * e, src + i * e, static_cast<size_t>(e));
      }
    }
  };
  ParallelForElements(pool, rows, std::max<int64_t>(1, w_out * e / 8), work);
}

// One element of `dtype` holding `value`, repeated `times` (a channel-last pixel).
std::vector<char> FillBytes(DataType dtype, double value, int64_t times) {
  const size_t e = SizeOf(dtype);
  std::vector<char> one(e);
  CastElements(DataType::kFloat64, &value, dtype, one.data(), 1);
  std::vector<char> all;
  for (int64_t i = 0; i < times; ++i) all.insert(all.end(), one.begin(), one.end());
  return all;
}

PadMode ParseMode(const OpContext& ctx, const std::string& mode) {
  if (mode == "constant") return PadMode::kConstant;
  if (mode == "reflect") return PadMode::kReflect;
  if (mode == "replicate" || mode == "edge") return PadMode::kReplicate;
  if (mode == "circular") return PadMode::kCircular;
  ThrowError(ErrorCode::kInvalidArgument, ctx.Where(), ": unknown padding mode '", mode,
             "' (expected constant, reflect, replicate/edge or circular)");
}

// ---------------------------------------------------------------------------------------
// pad (every dim, constant)
// ---------------------------------------------------------------------------------------

std::vector<int64_t> PadPaddings(const OpContext& ctx, size_t rank) {
  std::vector<int64_t> p = ctx.attrs().GetInts("paddings", {});
  PDI_ENFORCE_ARG(p.size() == 2 * rank, ctx.Where(), ": paddings ", ShapeToString(p), " must have ",
                  2 * rank, " entries (before/after for each of the input's ", rank, " dims)");
  for (int64_t v : p)
    PDI_ENFORCE_ARG(v >= 0, ctx.Where(), ": paddings ", ShapeToString(p), " must be non-negative");
  return p;
}

void InferPad(OpContext& ctx) {
  const Shape& x = ctx.InputShape("X");
  const std::vector<int64_t> p = PadPaddings(ctx, x.size());
  Shape out(x.size());
  for (size_t i = 0; i < x.size(); ++i) out[i] = x[i] < 0 ? -1 : x[i] + p[2 * i] + p[2 * i + 1];
  ctx.SetOutput("Out", ctx.InputDType("X"), out);
}

void ComputePad(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  Tensor& out = ctx.Output("Out");
  const std::vector<int64_t> p = PadPaddings(ctx, x.shape().size());
  std::vector<int64_t> before(x.shape().size());
  for (size_t i = 0; i < before.size(); ++i) before[i] = p[2 * i];
  const std::vector<char> fill = FillBytes(x.dtype(), ctx.attrs().GetFloat("pad_value", 0.0), 1);
  PadKernel(ctx.pool(), static_cast<const char*>(x.raw_data()), x.shape(),
            static_cast<char*>(out.raw_data()), out.shape(), before, PadMode::kConstant, fill,
            static_cast<int64_t>(SizeOf(x.dtype())));
}

// ---------------------------------------------------------------------------------------
// pad2d / pad3d
// ---------------------------------------------------------------------------------------

// Spatial padding in Paddle's order: pad3d [left, right, top, bottom, front, back],
// pad2d [top, bottom, left, right]. Normalized to before/after per spatial dim in
// tensor order (D, H, W or H, W).
struct SpatialPad {
  std::vector<int64_t> before, after;
};

std::optional<SpatialPad> ReadSpatialPad(const OpContext& ctx, int nsp) {
  int64_t count = -1;
  auto p = ReadIntList(ctx, "paddings", "Paddings", "", &count);
  if (!p) return std::nullopt;
  PDI_ENFORCE_ARG(p->size() == static_cast<size_t>(2 * nsp), ctx.Where(), ": paddings ",
                  ShapeToString(*p), " must have ", 2 * nsp, " entries");
  SpatialPad s;
  s.before.resize(static_cast<size_t>(nsp));
  s.after.resize(static_cast<size_t>(nsp));
  if (nsp == 3) {  // [left, right, top, bottom, front, back] -> D, H, W
    for (int k = 0; k < 3; ++k) {
      s.before[static_cast<size_t>(2 - k)] = (*p)[static_cast<size_t>(2 * k)];
      s.after[static_cast<size_t>(2 - k)] = (*p)[static_cast<size_t>(2 * k + 1)];
    }
  } else {  // [top, bottom, left, right] -> H, W
    for (int k = 0; k < 2; ++k) {
      s.before[static_cast<size_t>(k)] = (*p)[static_cast<size_t>(2 * k)];
      s.after[static_cast<size_t>(k)] = (*p)[static_cast<size_t>(2 * k + 1)];
    }
  }
  return s;
}

struct LayoutInfo {
  bool channel_last;
  int nsp;  // spatial dims
};

LayoutInfo Layout(const OpContext& ctx, bool is3d) {
  const std::string fmt = ctx.attrs().GetString("data_format", is3d ? "NCDHW" : "NCHW");
  LayoutInfo l{false, is3d ? 3 : 2};
  if (fmt == (is3d ? "NCDHW" : "NCHW")) return l;
  if (fmt == (is3d ? "NDHWC" : "NHWC")) {
    l.channel_last = true;
    return l;
  }
  ThrowError(ErrorCode::kInvalidArgument, ctx.Where(), ": data_format '", fmt, "' is not ",
             is3d ? "NCDHW or NDHWC" : "NCHW or NHWC");
}

// Index of spatial dim k in the input tensor.
size_t SpatialDim(const LayoutInfo& l, int k) {
  return static_cast<size_t>(l.channel_last ? 1 + k : 2 + k);
}

void CheckSpatial(const OpContext& ctx, const Shape& x, const LayoutInfo& l, const SpatialPad& p,
                  PadMode mode) {
  int64_t spatial = 1;
  for (int k = 0; k < l.nsp; ++k) {
    const int64_t d = x[SpatialDim(l, k)];
    if (d < 0) return;
    spatial *= d;
    const size_t ks = static_cast<size_t>(k);
    PDI_ENFORCE_ARG(d + p.before[ks] + p.after[ks] >= 0, ctx.Where(), ": paddings crop more than the ",
                    "input has (input shape ", ShapeToString(x), ")");
    if (mode == PadMode::kReflect)
      PDI_ENFORCE_ARG(p.before[ks] < d && p.after[ks] < d, ctx.Where(),
                      ": reflect padding needs each padding smaller than its dim, got ",
                      p.before[ks], "/", p.after[ks], " for a dim of size ", d, " (input shape ",
                      ShapeToString(x), ")");
  }
  if (mode == PadMode::kReplicate || mode == PadMode::kCircular)
    PDI_ENFORCE_ARG(spatial != 0, ctx.Where(), ": ", mode == PadMode::kCircular ? "circular" : "replicate",
                    " padding needs a non-empty input, got shape ", ShapeToString(x));
}

std::string ModeAttr(const OpContext& ctx) { return ctx.attrs().GetString("mode", "constant"); }

void InferPadNd(OpContext& ctx, bool is3d) {
  const Shape& x = ctx.InputShape("X");
  const LayoutInfo l = Layout(ctx, is3d);
  PDI_ENFORCE_ARG(x.size() == static_cast<size_t>(l.nsp + 2), ctx.Where(), ": input must be ",
                  l.nsp + 2, "-D, got shape ", ShapeToString(x));
  const PadMode mode = ParseMode(ctx, ModeAttr(ctx));
  std::optional<SpatialPad> p = ReadSpatialPad(ctx, l.nsp);
  Shape out = x;
  for (int k = 0; k < l.nsp; ++k) {
    const size_t i = SpatialDim(l, k);
    const size_t ks = static_cast<size_t>(k);
    out[i] = (!p || x[i] < 0) ? -1 : x[i] + p->before[ks] + p->after[ks];
  }
  if (p) CheckSpatial(ctx, x, l, *p, mode);
  ctx.SetOutput("Out", ctx.InputDType("X"), out);
}

void ComputePadNd(OpContext& ctx, bool is3d) {
  const Tensor& x = ctx.Input("X");
  Tensor& out = ctx.Output("Out");
  const LayoutInfo l = Layout(ctx, is3d);
  const PadMode mode = ParseMode(ctx, ModeAttr(ctx));
  const SpatialPad p = *ReadSpatialPad(ctx, l.nsp);
  CheckSpatial(ctx, x.shape(), l, p, mode);
  const Shape& xs = x.shape();
  // Kernel view: [N*C, spatial...] with scalar elements (channel-first) or
  // [N, spatial...] with C-wide elements (channel-last).
  int64_t wide = 1;
  Shape in_dims, out_dims;
  std::vector<int64_t> before;
  if (l.channel_last) {
    wide = xs.back();
    in_dims.push_back(xs[0]);
    out_dims.push_back(xs[0]);
  } else {
    in_dims.push_back(xs[0] * xs[1]);
    out_dims.push_back(xs[0] * xs[1]);
  }
  before.push_back(0);
  for (int k = 0; k < l.nsp; ++k) {
    in_dims.push_back(xs[SpatialDim(l, k)]);
    out_dims.push_back(out.shape()[SpatialDim(l, k)]);
    before.push_back(p.before[static_cast<size_t>(k)]);
  }
  if (wide == 0) return;
  const double value = ctx.attrs().GetFloat(is3d ? "value" : "pad_value", 0.0);
  const std::vector<char> fill = FillBytes(x.dtype(), value, wide);
  PadKernel(ctx.pool(), static_cast<const char*>(x.raw_data()), in_dims,
            static_cast<char*>(out.raw_data()), out_dims, before, mode, fill,
            static_cast<int64_t>(SizeOf(x.dtype())) * wide);
}

}  // namespace

PDI_REGISTER_OP(OpDef{"pad", {"X"}, {"Out"}, InferPad, ComputePad});
PDI_REGISTER_OP(OpDef{"pad3d", {"X", "Paddings?"}, {"Out"},
                      [](OpContext& ctx) { InferPadNd(ctx, true); },
                      [](OpContext& ctx) { ComputePadNd(ctx, true); }});
PDI_REGISTER_OP(OpDef{"pad2d", {"X", "Paddings?"}, {"Out"},
                      [](OpContext& ctx) { InferPadNd(ctx, false); },
                      [](OpContext& ctx) { ComputePadNd(ctx, false); }});

}  // namespace pdinfer
