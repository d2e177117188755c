// Direct depthwise convolution: every output channel co reads input channel
// co / multiplier only, so im2col + GEMM would be a GEMM with K = kh*kw; a direct loop
// whose inner dimension is contiguous (output columns for NCHW, channels for NHWC)
// vectorizes better and needs no scratch. The loops are compiled twice for float: for
// the baseline ISA and for AVX2+FMA, picked at run time.
#include <algorithm>
#include <vector>

#include "pdinfer/ops/conv_util.h"

namespace pdinfer {
namespace conv {
namespace {

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

template <typename T>
struct Tap {
  const T* row;
  int64_t off;
  T weight;
};

// NCHW, output planes [p0, p1) (plane = n * c_out + co). Each output element sums its
// taps in registers (kBlock outputs at a time in the interior, where no tap leaves the
// image) and is stored once.
template <typename T>
__attribute__((always_inline)) inline void NchwPlanes(const Geom& g, const T* x, const T* w,
                                                       T* out, int64_t p0, int64_t p1) {
  constexpr int64_t kBlock = 16;
  const int64_t mult = g.c_out / g.c_in;
  const int64_t plane_in = g.h * g.w, plane_out = g.oh * g.ow;
  const int64_t sw = g.stride_w;
  // Output columns whose every tap column lies inside the image.
  const int64_t off_first = -g.pad_l, off_last = (g.kw - 1) * g.dil_w - g.pad_l;
  int64_t inner_lo = off_first >= 0 ? 0 : CeilDiv(-off_first, sw);
  int64_t inner_hi = (g.w - off_last) > 0 ? CeilDiv(g.w - off_last, sw) : 0;
  inner_hi = std::min(inner_hi, g.ow);
  inner_lo = std::min(inner_lo, inner_hi);
  std::vector<Tap<T>> taps(static_cast<size_t>(g.kh * g.kw));
  for (int64_t p = p0; p < p1; ++p) {
    const int64_t ni = p / g.c_out, co = p % g.c_out;
    const T* xin = x + (ni * g.c_in + co / mult) * plane_in;
    const T* wk = w + co * g.kh * g.kw;
    T* o = out + p * plane_out;
    for (int64_t oh = 0; oh < g.oh; ++oh) {
      size_t nt = 0;
      for (int64_t i = 0; i < g.kh; ++i) {
        const int64_t ih = oh * g.stride_h - g.pad_t + i * g.dil_h;
        if (ih < 0 || ih >= g.h) continue;
        for (int64_t j = 0; j < g.kw; ++j)
          taps[nt++] = Tap<T>{xin + ih * g.w, j * g.dil_w - g.pad_l, wk[i * g.kw + j]};
      }
      T* orow = o + oh * g.ow;
      // Border columns: taps outside the image contribute nothing.
      auto border = [&](int64_t ow) {
        T acc = T(0);
        for (size_t t = 0; t < nt; ++t) {
          const int64_t iw = ow * sw + taps[t].off;
          if (iw >= 0 && iw < g.w) acc += taps[t].weight * taps[t].row[iw];
        }
        orow[ow] = acc;
      };
      for (int64_t ow = 0; ow < inner_lo; ++ow) border(ow);
      for (int64_t ow = inner_hi; ow < g.ow; ++ow) border(ow);
      int64_t ow = inner_lo;
      for (; ow + kBlock <= inner_hi; ow += kBlock) {
        T acc[kBlock] = {};
        for (size_t t = 0; t < nt; ++t) {
          const T* src = taps[t].row;
          const int64_t off = taps[t].off;
          const T wv = taps[t].weight;
          if (sw == 1) {
            for (int64_t b = 0; b < kBlock; ++b) acc[b] += wv * src[ow + b + off];
          } else {
            for (int64_t b = 0; b < kBlock; ++b) acc[b] += wv * src[(ow + b) * sw + off];
          }
        }
        for (int64_t b = 0; b < kBlock; ++b) orow[ow + b] = acc[b];
      }
      for (; ow < inner_hi; ++ow) {
        T acc = T(0);
        for (size_t t = 0; t < nt; ++t) acc += taps[t].weight * taps[t].row[ow * sw + taps[t].off];
        orow[ow] = acc;
      }
    }
  }
}

// NHWC, output rows [r0, r1) (row = n * oh + oh). wt is the filter as (tap, co).
template <typename T>
__attribute__((always_inline)) inline void NhwcRows(const Geom& g, const T* x, const T* wt,
                                                     T* out, int64_t r0, int64_t r1) {
  const int64_t mult = g.c_out / g.c_in;
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
}

template <typename T>
void NchwPlanesBase(const Geom& g, const T* x, const T* w, T* out, int64_t p0, int64_t p1) {
  NchwPlanes<T>(g, x, w, out, p0, p1);
}
template <typename T>
void NhwcRowsBase(const Geom& g, const T* x, const T* w, T* out, int64_t r0, int64_t r1) {
  NhwcRows<T>(g, x, w, out, r0, r1);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PDI_DW_AVX2 1
__attribute__((target("avx2,fma"))) void NchwPlanesAvx2(const Geom& g, const float* x,
                                                         const float* w, float* out, int64_t p0,
                                                         int64_t p1) {
  NchwPlanes<float>(g, x, w, out, p0, p1);
}
__attribute__((target("avx2,fma"))) void NhwcRowsAvx2(const Geom& g, const float* x,
                                                       const float* w, float* out, int64_t r0,
                                                       int64_t r1) {
  NhwcRows<float>(g, x, w, out, r0, r1);
}
#endif

template <typename T>
using RangeFn = void (*)(const Geom&, const T*, const T*, T*, int64_t, int64_t);

template <typename T>
RangeFn<T> PickNchw() {
  return NchwPlanesBase<T>;
}
template <typename T>
RangeFn<T> PickNhwc() {
  return NhwcRowsBase<T>;
}
#ifdef PDI_DW_AVX2
template <>
RangeFn<float> PickNchw<float>() {
  return CpuHasAvx2Fma() ? NchwPlanesAvx2 : NchwPlanesBase<float>;
}
template <>
RangeFn<float> PickNhwc<float>() {
  return CpuHasAvx2Fma() ? NhwcRowsAvx2 : NhwcRowsBase<float>;
}
#endif

}  // namespace

template <typename T>
void DepthwiseConv2d(OpContext& ctx, const Geom& g, const T* x, const T* w, T* out) {
  const int64_t taps = g.kh * g.kw;
  if (g.nhwc) {
    // Filter as (tap, co) so the inner loop over channels reads it contiguously.
    T* wt = ThreadScratch<T>(static_cast<size_t>(taps * g.c_out), 2);
    for (int64_t co = 0; co < g.c_out; ++co)
      for (int64_t t = 0; t < taps; ++t) wt[t * g.c_out + co] = w[co * taps + t];
    static const RangeFn<T> fn = PickNhwc<T>();
    const int64_t per_row = std::max<int64_t>(1, g.ow * g.c_out * taps);
    ctx.pool().ParallelFor(g.n * g.oh, std::max<int64_t>(1, 32768 / per_row),
                           [&](int64_t r0, int64_t r1) { fn(g, x, wt, out, r0, r1); });
  } else {
    static const RangeFn<T> fn = PickNchw<T>();
    const int64_t per_plane = std::max<int64_t>(1, g.oh * g.ow * taps);
    ctx.pool().ParallelFor(g.n * g.c_out, std::max<int64_t>(1, 32768 / per_plane),
                           [&](int64_t p0, int64_t p1) { fn(g, x, w, out, p0, p1); });
  }
}

template void DepthwiseConv2d<float>(OpContext&, const Geom&, const float*, const float*, float*);
template void DepthwiseConv2d<double>(OpContext&, const Geom&, const double*, const double*,
                                      double*);

}  // namespace conv
}  // namespace pdinfer
