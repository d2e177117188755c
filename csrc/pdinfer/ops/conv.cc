// conv2d and depthwise_conv2d (Paddle legacy ops; same semantics, the name only picks
// Paddle's kernel). Grouped convolution is lowered to GEMM: for every (image, group,
// tile of output positions) the input patches are unfolded (im2col) into a small
// column buffer that stays in cache, then multiplied by the group's filter matrix.
// 1x1 / stride-1 / unpadded convs multiply the input directly; depthwise convs
// (groups == input channels) use a direct kernel (conv_depthwise.cc).
#include <algorithm>
#include <cstring>

#include "pdinfer/ops/conv_util.h"
#include "pdinfer/ops/gemm.h"
#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

using conv::Geom;

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

void InferConv2d(OpContext& ctx) {
  const Geom g = conv::ParseConv2d(ctx);
  conv::ParseEpilogue(ctx, g);
  ctx.SetOutput("Output", ctx.InputDType("Input"), g.OutputShape());
}

// Output columns [lo, hi) whose input column ow*stride + off lies inside [0, w).
void ValidRange(int64_t w, int64_t ow_count, int64_t stride, int64_t off, int64_t* lo,
                int64_t* hi) {
  *lo = off >= 0 ? 0 : CeilDiv(-off, stride);
  *hi = (w - off) > 0 ? CeilDiv(w - off, stride) : 0;
  *hi = std::min(*hi, ow_count);
  *lo = std::min(*lo, *hi);
}

// NCHW unfold of output positions [p0, p1) of one group of one image.
// x: [cin_g, h, w]; col: [cin_g*kh*kw, p1-p0], row (ci, i, j).
template <typename T>
void Im2ColNchw(const Geom& g, const T* x, int64_t p0, int64_t p1, T* col) {
  const int64_t pt = p1 - p0;
  for (int64_t ci = 0; ci < g.cin_g(); ++ci) {
    const T* xc = x + ci * g.h * g.w;
    for (int64_t i = 0; i < g.kh; ++i) {
      for (int64_t j = 0; j < g.kw; ++j) {
        T* dst = col + ((ci * g.kh + i) * g.kw + j) * pt;
        const int64_t off_w = j * g.dil_w - g.pad_l;
        int64_t lo, hi;
        ValidRange(g.w, g.ow, g.stride_w, off_w, &lo, &hi);
        int64_t p = p0;
        while (p < p1) {
          const int64_t oh = p / g.ow;
          const int64_t a = p % g.ow;
          const int64_t b = std::min(g.ow, a + (p1 - p));
          const int64_t base = (p - p0) - a;  // dst[base + ow] is position (oh, ow)
          const int64_t ih = oh * g.stride_h - g.pad_t + i * g.dil_h;
          if (ih < 0 || ih >= g.h) {
            std::fill(dst + base + a, dst + base + b, T(0));
          } else {
            const T* src = xc + ih * g.w + off_w;
            const int64_t va = std::max(a, lo), vb = std::min(b, hi);
            if (va < vb) {
              std::fill(dst + base + a, dst + base + va, T(0));
              if (g.stride_w == 1) {
                std::memcpy(dst + base + va, src + va, sizeof(T) * (vb - va));
              } else {
                for (int64_t ow = va; ow < vb; ++ow) dst[base + ow] = src[ow * g.stride_w];
              }
              std::fill(dst + base + vb, dst + base + b, T(0));
            } else {
              std::fill(dst + base + a, dst + base + b, T(0));
            }
          }
          p += b - a;
        }
      }
    }
  }
}

// NHWC unfold of output positions [p0, p1): x points at channel (group * cin_g) of
// pixel (0, 0) of one image; col: [p1-p0, kh*kw*cin_g], column (i, j, ci).
template <typename T>
void Im2ColNhwc(const Geom& g, const T* x, int64_t p0, int64_t p1, T* col) {
  const int64_t cg = g.cin_g();
  const int64_t k = g.kh * g.kw * cg;
  for (int64_t p = p0; p < p1; ++p) {
    const int64_t oh = p / g.ow, ow = p % g.ow;
    T* d = col + (p - p0) * k;
    for (int64_t i = 0; i < g.kh; ++i) {
      const int64_t ih = oh * g.stride_h - g.pad_t + i * g.dil_h;
      const bool row_ok = ih >= 0 && ih < g.h;
      for (int64_t j = 0; j < g.kw; ++j) {
        const int64_t iw = ow * g.stride_w - g.pad_l + j * g.dil_w;
        T* dd = d + (i * g.kw + j) * cg;
        if (row_ok && iw >= 0 && iw < g.w) {
          std::memcpy(dd, x + (ih * g.w + iw) * g.c_in, sizeof(T) * cg);
        } else {
          std::fill(dd, dd + cg, T(0));
        }
      }
    }
  }
}

}  // namespace

namespace conv {

template <typename T>
void Conv2dForward(OpContext& ctx, const Geom& g, T* out) {
  if (NumElements(g.OutputShape()) == 0) return;
  const T* x = ctx.Input("Input").data<T>();
  const T* w = ctx.Input("Filter").data<T>();
  ThreadPool& pool = ctx.pool();
  const int threads = pool.num_threads();

  if (ctx.attrs().GetBool("fuse_relu_before_depthwise_conv", false)) {
    const int64_t numel = ctx.Input("Input").numel();
    T* relu_x = conv::ThreadScratch<T>(static_cast<size_t>(numel), 3);
    pool.ParallelFor(numel, 1 << 16, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) relu_x[i] = x[i] > T(0) ? x[i] : T(0);
    });
    x = relu_x;
  }

  if (g.groups > 1 && g.groups == g.c_in) {
    conv::DepthwiseConv2d<T>(ctx, g, x, w, out);
    return;
  }

  const int64_t cig = g.cin_g(), cog = g.cout_g();
  const int64_t k = cig * g.kh * g.kw;
  const int64_t positions = g.oh * g.ow;
  const bool direct = g.kh == 1 && g.kw == 1 && g.stride_h == 1 && g.stride_w == 1 &&
                      g.pad_t == 0 && g.pad_b == 0 && g.pad_l == 0 && g.pad_r == 0;
  const int64_t outer = g.n * g.groups;
  // Column tile: about 512 KiB of unfolded input (float) so it stays in L2 between
  // im2col and the GEMM, but at least 256 columns so the filter matrix, repacked for
  // every tile, is reused enough; smaller when that is needed to give every thread work.
  int64_t tile = direct ? positions
                        : std::max<int64_t>(256, (131072 / std::max<int64_t>(k, 1)) / 16 * 16);
  tile = std::min(tile, positions);
  while (threads > 1 && outer * CeilDiv(positions, tile) < 2 * threads && tile > 64)
    tile = std::max<int64_t>(64, (tile / 2 + 15) / 16 * 16);
  tile = std::max<int64_t>(tile, 1);
  const int64_t tiles = CeilDiv(positions, tile);
  const int64_t items = outer * tiles;

  // NHWC multiplies unfolded rows by the filter transposed; the filter is reordered once
  // to (co, i, j, ci) so a row of it matches a row of the unfolded input.
  const T* w_rows = w;
  if (g.nhwc && !direct) {
    T* wr = conv::ThreadScratch<T>(static_cast<size_t>(g.c_out * k), 2);
    for (int64_t co = 0; co < g.c_out; ++co)
      for (int64_t ci = 0; ci < cig; ++ci)
        for (int64_t i = 0; i < g.kh; ++i)
          for (int64_t j = 0; j < g.kw; ++j)
            wr[co * k + (i * g.kw + j) * cig + ci] = w[((co * cig + ci) * g.kh + i) * g.kw + j];
    w_rows = wr;
  }

  auto run_item = [&](int64_t item, ThreadPool* gemm_pool) {
    const int64_t t = item % tiles;
    const int64_t gi = (item / tiles) % g.groups;
    const int64_t ni = item / (tiles * g.groups);
    const int64_t p0 = t * tile, p1 = std::min(positions, p0 + tile), pt = p1 - p0;
    const T* wg = w_rows + gi * cog * k;
    if (!g.nhwc) {
      const T* xg = x + (ni * g.c_in + gi * cig) * g.h * g.w;
      T* og = out + (ni * g.c_out + gi * cog) * positions + p0;
      if (direct) {
        Gemm(false, false, cog, pt, k, T(1), wg, k, xg + p0, positions, T(0), og, positions,
             gemm_pool);
      } else {
        T* col = conv::ThreadScratch<T>(static_cast<size_t>(k * pt), 0);
        Im2ColNchw<T>(g, xg, p0, p1, col);
        Gemm(false, false, cog, pt, k, T(1), wg, k, col, pt, T(0), og, positions, gemm_pool);
      }
    } else {
      const T* xn = x + ni * g.h * g.w * g.c_in + gi * cig;
      T* on = out + (ni * positions + p0) * g.c_out + gi * cog;
      if (direct) {
        Gemm(false, true, pt, cog, k, T(1), xn + p0 * g.c_in, g.c_in, wg, k, T(0), on, g.c_out,
             gemm_pool);
      } else {
        T* col = conv::ThreadScratch<T>(static_cast<size_t>(k * pt), 0);
        Im2ColNhwc<T>(g, xn, p0, p1, col);
        Gemm(false, true, pt, cog, k, T(1), col, k, wg, k, T(0), on, g.c_out, gemm_pool);
      }
    }
  };
  if (conv::SplitOverItems(ctx, items)) {
    pool.ParallelFor(items, 1, [&](int64_t b, int64_t e) {
      for (int64_t it = b; it < e; ++it) run_item(it, nullptr);
    });
  } else {
    for (int64_t it = 0; it < items; ++it) run_item(it, &pool);
  }
}

template void Conv2dForward<float>(OpContext&, const Geom&, float*);
template void Conv2dForward<double>(OpContext&, const Geom&, double*);

}  // namespace conv

namespace {

template <typename T>
void ComputeConv2dT(OpContext& ctx) {
  const Geom g = conv::ParseConv2d(ctx);
  const conv::Epilogue ep = conv::ParseEpilogue(ctx, g);
  Tensor& out_t = ctx.Output("Output");
  if (out_t.numel() == 0) return;
  T* out = out_t.data<T>();
  conv::Conv2dForward<T>(ctx, g, out);
  conv::ApplyEpilogue<T>(ctx, ep, g, out);
}

void ComputeConv2d(OpContext& ctx) {
  PDI_DISPATCH_FLOAT(ctx.InputDType("Input"), ctx.Where(), [&](auto tag) {
    ComputeConv2dT<decltype(tag)>(ctx);
  });
}

const std::vector<std::string> kConvInputs = {"Input", "Filter", "Bias?", "ResidualData?"};

PDI_REGISTER_OP(OpDef{"conv2d", kConvInputs, {"Output"}, InferConv2d, ComputeConv2d});
PDI_REGISTER_OP(OpDef{"depthwise_conv2d", kConvInputs, {"Output"}, InferConv2d, ComputeConv2d});

}  // namespace
}  // namespace pdinfer
