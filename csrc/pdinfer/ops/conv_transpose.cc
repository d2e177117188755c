// conv2d_transpose and depthwise_conv2d_transpose (Paddle legacy ops, same semantics).
// Per (image, group): a GEMM turns every input pixel into its kh*kw*C_out/groups
// contributions (the "column" matrix), then col2im adds them into the zeroed output.
// Output positions no window reaches (output_size / output_padding) stay zero (+ bias).
#include <algorithm>

#include "pdinfer/ops/conv_util.h"
#include "pdinfer/ops/gemm.h"
#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

using conv::Geom;

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Input indices [lo, hi) of `count` whose output index idx*stride + off lies in [0, limit).
void ValidRange(int64_t limit, int64_t count, int64_t stride, int64_t off, int64_t* lo,
                int64_t* hi) {
  *lo = off >= 0 ? 0 : CeilDiv(-off, stride);
  *hi = (limit - off) > 0 ? CeilDiv(limit - off, stride) : 0;
  *hi = std::min(*hi, count);
  *lo = std::min(*lo, *hi);
}

void InferConv2dTranspose(OpContext& ctx) {
  const Geom g = conv::ParseConv2dTranspose(ctx);
  conv::ParseEpilogue(ctx, g);
  ctx.SetOutput("Output", ctx.InputDType("Input"), g.OutputShape());
}

// NCHW col2im of input rows [h0, h1) for output channels [c0, c1) of one group:
// col [cog*kh*kw, (h1-h0)*w] rows (co, i, j); og [cog, oh, ow].
template <typename T>
void Col2ImNchw(const Geom& g, const T* col, T* og, int64_t c0, int64_t c1, int64_t h0,
                int64_t h1) {
  const int64_t hw = (h1 - h0) * g.w, plane = g.oh * g.ow;
  for (int64_t co = c0; co < c1; ++co) {
    T* o = og + co * plane;
    for (int64_t i = 0; i < g.kh; ++i) {
      for (int64_t j = 0; j < g.kw; ++j) {
        const T* src = col + ((co * g.kh + i) * g.kw + j) * hw;
        const int64_t off = j * g.dil_w - g.pad_l;
        int64_t lo, hi;
        ValidRange(g.ow, g.w, g.stride_w, off, &lo, &hi);
        for (int64_t ih = h0; ih < h1; ++ih) {
          const int64_t oh = ih * g.stride_h - g.pad_t + i * g.dil_h;
          if (oh < 0 || oh >= g.oh) continue;
          T* orow = o + oh * g.ow;
          const T* srow = src + (ih - h0) * g.w;
          if (g.stride_w == 1) {
            for (int64_t iw = lo; iw < hi; ++iw) orow[iw + off] += srow[iw];
          } else {
            for (int64_t iw = lo; iw < hi; ++iw) orow[iw * g.stride_w + off] += srow[iw];
          }
        }
      }
    }
  }
}

// NHWC col2im of input rows [h0, h1) of one group of one image: col
// [(h1-h0)*w, kh*kw*cog] columns (i, j, co); on points at channel (group * cog) of output
// pixel (0, 0).
template <typename T>
void Col2ImNhwc(const Geom& g, const T* col, T* on, int64_t h0, int64_t h1) {
  const int64_t cog = g.cout_g();
  const int64_t rows = g.kh * g.kw * cog;
  for (int64_t ih = h0; ih < h1; ++ih) {
    for (int64_t iw = 0; iw < g.w; ++iw) {
      const T* s = col + ((ih - h0) * g.w + iw) * rows;
      for (int64_t i = 0; i < g.kh; ++i) {
        const int64_t oh = ih * g.stride_h - g.pad_t + i * g.dil_h;
        if (oh < 0 || oh >= g.oh) continue;
        for (int64_t j = 0; j < g.kw; ++j) {
          const int64_t ow = iw * g.stride_w - g.pad_l + j * g.dil_w;
          if (ow < 0 || ow >= g.ow) continue;
          T* o = on + (oh * g.ow + ow) * g.c_out;
          const T* sj = s + (i * g.kw + j) * cog;
          for (int64_t co = 0; co < cog; ++co) o[co] += sj[co];
        }
      }
    }
  }
}

}  // namespace

namespace conv {

template <typename T>
void Conv2dTransposeForward(OpContext& ctx, const Geom& g, T* out) {
  const int64_t total = NumElements(g.OutputShape());
  if (total == 0) return;
  const T* x = ctx.Input("Input").data<T>();
  const T* w = ctx.Input("Filter").data<T>();
  ThreadPool& pool = ctx.pool();

  const int64_t cig = g.cin_g(), cog = g.cout_g();
  const int64_t taps = g.kh * g.kw, rows = cog * taps;
  const int64_t hw = g.h * g.w, plane = g.oh * g.ow;
  const bool direct = taps == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_t == 0 &&
                      g.pad_l == 0 && g.oh == g.h && g.ow == g.w;
  if (!direct || cig == 0) {
    pool.ParallelFor(total, 1 << 16, [&](int64_t b, int64_t e) {
      std::fill(out + b, out + e, T(0));
    });
  }
  if (cig == 0 || hw == 0) return;

  // NHWC: filter reordered to (ci, i, j, co) so GEMM rows match the col2im layout.
  const T* w_rows = w;
  if (g.nhwc && !direct) {
    T* wr = conv::ThreadScratch<T>(static_cast<size_t>(g.c_in * rows), 2);
    for (int64_t ci = 0; ci < g.c_in; ++ci)
      for (int64_t co = 0; co < cog; ++co)
        for (int64_t t = 0; t < taps; ++t)
          wr[ci * rows + t * cog + co] = w[(ci * cog + co) * taps + t];
    w_rows = wr;
  }

  const int64_t items = g.n * g.groups;
  const bool split = conv::SplitOverItems(ctx, items);
  // Input rows per GEMM + col2im step: about 512 KiB of columns (float), kept in cache.
  const int64_t band =
      std::min(g.h, std::max<int64_t>(1, 131072 / std::max<int64_t>(rows * g.w, 1)));
  auto run_item = [&](int64_t item, ThreadPool* inner) {
    const int64_t ni = item / g.groups, gi = item % g.groups;
    const T* wg = w_rows + gi * cig * rows;  // [cig, rows]
    if (!g.nhwc) {
      const T* xg = x + (ni * g.c_in + gi * cig) * hw;  // [cig, hw]
      T* og = out + (ni * g.c_out + gi * cog) * plane;
      if (direct) {
        Gemm(true, false, cog, hw, cig, T(1), wg, rows, xg, hw, T(0), og, hw, inner);
        return;
      }
      for (int64_t h0 = 0; h0 < g.h; h0 += band) {
        const int64_t h1 = std::min(g.h, h0 + band), cols = (h1 - h0) * g.w;
        T* col = conv::ThreadScratch<T>(static_cast<size_t>(rows * cols), 0);
        Gemm(true, false, rows, cols, cig, T(1), wg, rows, xg + h0 * g.w, hw, T(0), col, cols,
             inner);
        if (inner) {
          inner->ParallelFor(cog, 1, [&](int64_t c0, int64_t c1) {
            Col2ImNchw<T>(g, col, og, c0, c1, h0, h1);
          });
        } else {
          Col2ImNchw<T>(g, col, og, 0, cog, h0, h1);
        }
      }
    } else {
      const T* xg = x + ni * hw * g.c_in + gi * cig;  // [hw, cig], row stride c_in
      T* on = out + ni * plane * g.c_out + gi * cog;
      if (direct) {
        Gemm(false, false, hw, cog, cig, T(1), xg, g.c_in, wg, rows, T(0), on, g.c_out, inner);
        return;
      }
      for (int64_t h0 = 0; h0 < g.h; h0 += band) {
        const int64_t h1 = std::min(g.h, h0 + band), cols = (h1 - h0) * g.w;
        T* col = conv::ThreadScratch<T>(static_cast<size_t>(rows * cols), 0);
        Gemm(false, false, cols, rows, cig, T(1), xg + h0 * g.w * g.c_in, g.c_in, wg, rows, T(0),
             col, rows, inner);
        Col2ImNhwc<T>(g, col, on, h0, h1);
      }
    }
  };
  if (split) {
    pool.ParallelFor(items, 1, [&](int64_t b, int64_t e) {
      for (int64_t it = b; it < e; ++it) run_item(it, nullptr);
    });
  } else {
    for (int64_t it = 0; it < items; ++it) run_item(it, &pool);
  }
}

template void Conv2dTransposeForward<float>(OpContext&, const Geom&, float*);
template void Conv2dTransposeForward<double>(OpContext&, const Geom&, double*);

}  // namespace conv

namespace {

template <typename T>
void ComputeConv2dTransposeT(OpContext& ctx) {
  const Geom g = conv::ParseConv2dTranspose(ctx);
  const conv::Epilogue ep = conv::ParseEpilogue(ctx, g);
  Tensor& out_t = ctx.Output("Output");
  if (out_t.numel() == 0) return;
  T* out = out_t.data<T>();
  conv::Conv2dTransposeForward<T>(ctx, g, out);
  conv::ApplyEpilogue<T>(ctx, ep, g, out);
}

void ComputeConv2dTranspose(OpContext& ctx) {
  PDI_DISPATCH_FLOAT(ctx.InputDType("Input"), ctx.Where(), [&](auto tag) {
    ComputeConv2dTransposeT<decltype(tag)>(ctx);
  });
}

const std::vector<std::string> kInputs = {"Input", "Filter", "Bias?"};

PDI_REGISTER_OP(OpDef{"conv2d_transpose", kInputs, {"Output"}, InferConv2dTranspose,
                      ComputeConv2dTranspose});
PDI_REGISTER_OP(OpDef{"depthwise_conv2d_transpose", kInputs, {"Output"}, InferConv2dTranspose,
                      ComputeConv2dTranspose});

}  // namespace
}  // namespace pdinfer
