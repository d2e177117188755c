// Direct depthwise convolution: every output channel co reads input channel
// co / multiplier only, so im2col + GEMM would be a GEMM with K = kh*kw; a direct loop
// whose inner dimension is contiguous (output columns for NCHW, channels for NHWC)
// vectorizes better and needs no scratch.
#include <algorithm>
#include <vector>

#include "pdinfer/ops/conv_util.h"

namespace pdinfer {
namespace conv {
namespace {

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

template <typename T>
void DepthwiseNchw(OpContext& ctx, const Geom& g, const T* x, const T* w, T* out) {
  const int64_t mult = g.c_out / g.c_in;
  const int64_t plane_in = g.h * g.w, plane_out = g.oh * g.ow;
  // Per filter column j: output columns whose input column stays inside the image.
  std::vector<int64_t> lo(static_cast<size_t>(g.kw)), hi(static_cast<size_t>(g.kw));
  for (int64_t j = 0; j < g.kw; ++j) {
    const int64_t off = j * g.dil_w - g.pad_l;
    int64_t l = off >= 0 ? 0 : CeilDiv(-off, g.stride_w);
    int64_t h = (g.w - off) > 0 ? CeilDiv(g.w - off, g.stride_w) : 0;
    h = std::min(h, g.ow);
    lo[j] = std::min(l, h);
    hi[j] = h;
  }
  auto body = [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t ni = p / g.c_out, co = p % g.c_out;
      const T* xin = x + (ni * g.c_in + co / mult) * plane_in;
      const T* wk = w + co * g.kh * g.kw;
      T* o = out + p * plane_out;
      for (int64_t oh = 0; oh < g.oh; ++oh) {
        T* orow = o + oh * g.ow;
        std::fill(orow, orow + g.ow, T(0));
        for (int64_t i = 0; i < g.kh; ++i) {
          const int64_t ih = oh * g.stride_h - g.pad_t + i * g.dil_h;
          if (ih < 0 || ih >= g.h) continue;
          const T* irow = xin + ih * g.w;
          for (int64_t j = 0; j < g.kw; ++j) {
            const T wv = wk[i * g.kw + j];
            const int64_t off = j * g.dil_w - g.pad_l;
            const int64_t a = lo[j], b = hi[j];
            if (g.stride_w == 1) {
              for (int64_t ow = a; ow < b; ++ow) orow[ow] += wv * irow[ow + off];
            } else if (g.stride_w == 2) {
              for (int64_t ow = a; ow < b; ++ow) orow[ow] += wv * irow[2 * ow + off];
            } else {
              for (int64_t ow = a; ow < b; ++ow) orow[ow] += wv * irow[ow * g.stride_w + off];
            }
          }
        }
      }
    }
  };
  const int64_t per_plane = std::max<int64_t>(1, plane_out * g.kh * g.kw);
  ctx.pool().ParallelFor(g.n * g.c_out, std::max<int64_t>(1, 32768 / per_plane), body);
}

template <typename T>
void DepthwiseNhwc(OpContext& ctx, const Geom& g, const T* x, const T* w, T* out) {
  const int64_t mult = g.c_out / g.c_in;
  const int64_t taps = g.kh * g.kw;
  // Filter as (tap, co) so the inner loop over channels reads it contiguously.
  T* wt = ThreadScratch<T>(static_cast<size_t>(taps * g.c_out), 2);
  for (int64_t co = 0; co < g.c_out; ++co)
    for (int64_t t = 0; t < taps; ++t) wt[t * g.c_out + co] = w[co * taps + t];
  auto body = [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t ni = r / g.oh, oh = r % g.oh;
      for (int64_t ow = 0; ow < g.ow; ++ow) {
        T* o = out + ((ni * g.oh + oh) * g.ow + ow) * g.c_out;
        std::fill(o, o + g.c_out, T(0));
        for (int64_t i = 0; i < g.kh; ++i) {
          const int64_t ih = oh * g.stride_h - g.pad_t + i * g.dil_h;
          if (ih < 0 || ih >= g.h) continue;
          for (int64_t j = 0; j < g.kw; ++j) {
            const int64_t iw = ow * g.stride_w - g.pad_l + j * g.dil_w;
            if (iw < 0 || iw >= g.w) continue;
            const T* xp = x + ((ni * g.h + ih) * g.w + iw) * g.c_in;
            const T* wv = wt + (i * g.kw + j) * g.c_out;
            if (mult == 1) {
              for (int64_t c = 0; c < g.c_out; ++c) o[c] += wv[c] * xp[c];
            } else {
              for (int64_t c = 0; c < g.c_out; ++c) o[c] += wv[c] * xp[c / mult];
            }
          }
        }
      }
    }
  };
  const int64_t per_row = std::max<int64_t>(1, g.ow * g.c_out * taps);
  ctx.pool().ParallelFor(g.n * g.oh, std::max<int64_t>(1, 32768 / per_row), body);
}

}  // namespace

template <typename T>
void DepthwiseConv2d(OpContext& ctx, const Geom& g, const T* x, const T* w, T* out) {
  if (g.nhwc) {
    DepthwiseNhwc<T>(ctx, g, x, w, out);
  } else {
    DepthwiseNchw<T>(ctx, g, x, w, out);
  }
}

template void DepthwiseConv2d<float>(OpContext&, const Geom&, const float*, const float*, float*);
template void DepthwiseConv2d<double>(OpContext&, const Geom&, const double*, const double*,
                                      double*);

}  // namespace conv
}  // namespace pdinfer
