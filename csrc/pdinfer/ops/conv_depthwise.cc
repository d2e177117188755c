// Direct depthwise convolution: every output channel co reads input channel
// co / multiplier only, so im2col + GEMM would be a GEMM with K = kh*kw; a direct loop
// whose inner dimension is contiguous (output columns for NCHW, channels for NHWC)
// vectorizes better and needs no scratch. The loops are compiled twice for float: for
// the baseline ISA and for AVX2+FMA, picked at run time.
#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "pdinfer/ops/conv_util.h"

namespace pdinfer {
namespace conv {
namespace {

template <typename T>
struct Tap {
  const T* row;
  int64_t off;
  T weight;
};

// 32-byte vectors (GCC/Clang vector extension): two AVX registers, or two pairs of SSE
// registers on the baseline ISA.
template <typename T>
struct VecTraits {
  static constexpr int64_t kLanes = 32 / sizeof(T);
  typedef T Vec __attribute__((vector_size(32)));
  // Integer vector of the same lane count/width, for __builtin_shuffle masks.
  typedef typename std::conditional<sizeof(T) == 8, int64_t, int32_t>::type Lane;
  typedef Lane Mask __attribute__((vector_size(32)));
};

// Loads 2 * kLanes elements src[start + k * kStride] into v0 (first half) and v1.
template <typename T, int kStride>
__attribute__((always_inline)) inline void LoadStrided(const T* src, int64_t start,
                                                        int64_t stride,
                                                        typename VecTraits<T>::Vec* v0,
                                                        typename VecTraits<T>::Vec* v1) {
  using Vec = typename VecTraits<T>::Vec;
  constexpr int64_t kLanes = VecTraits<T>::kLanes;
  const T* s = src + start;
  if (kStride == 1) {
    std::memcpy(v0, s, sizeof(Vec));
    std::memcpy(v1, s + kLanes, sizeof(Vec));
  } else if (kStride == 2) {
    // Even elements of four consecutive vectors.
    using Mask = typename VecTraits<T>::Mask;
    Mask even;
    for (int64_t k = 0; k < kLanes; ++k) even[k] = 2 * k;
    Vec a, b;
    std::memcpy(&a, s, sizeof(Vec));
    std::memcpy(&b, s + kLanes, sizeof(Vec));
    *v0 = __builtin_shuffle(a, b, even);
    std::memcpy(&a, s + 2 * kLanes, sizeof(Vec));
    std::memcpy(&b, s + 3 * kLanes, sizeof(Vec));
    *v1 = __builtin_shuffle(a, b, even);
  } else {
    T tmp[2 * kLanes];
    for (int64_t k = 0; k < 2 * kLanes; ++k) tmp[k] = s[k * stride];
    std::memcpy(v0, tmp, sizeof(Vec));
    std::memcpy(v1, tmp + kLanes, sizeof(Vec));
  }
}

// Interior outputs [lo, hi) of one row (all taps inside the image), kBlock at a time;
// a ragged end is covered by one more block ending at hi (it rewrites a few outputs
// with the same values), so only rows shorter than a block go scalar.
template <typename T, int kStride>
__attribute__((always_inline)) inline void InteriorRow(const Tap<T>* taps, size_t nt,
                                                        int64_t stride, int64_t lo, int64_t hi,
                                                        T* orow) {
  using Vec = typename VecTraits<T>::Vec;
  constexpr int64_t kLanes = VecTraits<T>::kLanes;
  constexpr int64_t kBlock = 2 * kLanes;
  auto block = [&](int64_t ow) {
    Vec a0 = Vec{}, a1 = Vec{};
    for (size_t t = 0; t < nt; ++t) {
      Vec v0, v1;
      LoadStrided<T, kStride>(taps[t].row, ow * stride + taps[t].off, stride, &v0, &v1);
      a0 += taps[t].weight * v0;
      a1 += taps[t].weight * v1;
    }
    std::memcpy(orow + ow, &a0, sizeof(Vec));
    std::memcpy(orow + ow + kLanes, &a1, sizeof(Vec));
  };
  if (hi - lo < kBlock) {
    for (int64_t ow = lo; ow < hi; ++ow) {
      T acc = T(0);
      for (size_t t = 0; t < nt; ++t) acc += taps[t].weight * taps[t].row[ow * stride + taps[t].off];
      orow[ow] = acc;
    }
    return;
  }
  int64_t ow = lo;
  for (; ow + kBlock <= hi; ow += kBlock) block(ow);
  if (ow < hi) block(hi - kBlock);
}

// NCHW, output planes [p0, p1) (plane = n * c_out + co). Each output element sums its
// taps in registers and is stored once. With padding, each input plane is first copied
// into a zero-bordered buffer so that every tap reads inside it (no bounds checks); so
// it is with stride 2, whose vector loads read one element past the last one used.
template <typename T>
__attribute__((always_inline)) inline void NchwPlanes(const Geom& g, const T* x, const T* w,
                                                       T* out, int64_t p0, int64_t p1) {
  const int64_t mult = g.c_out / g.c_in;
  const int64_t plane_in = g.h * g.w, plane_out = g.oh * g.ow;
  const int64_t sw = g.stride_w;
  const bool padded =
      g.pad_t > 0 || g.pad_b > 0 || g.pad_l > 0 || g.pad_r > 0 || sw == 2;
  const int64_t hp = g.h + g.pad_t + g.pad_b, wp = g.w + g.pad_l + g.pad_r;
  const int64_t slack = 4 * VecTraits<T>::kLanes;
  T* buf = nullptr;
  if (padded) {
    buf = ThreadScratch<T>(static_cast<size_t>(hp * wp + slack), 1);
    std::fill(buf, buf + hp * wp + slack, T(0));
  }
  std::vector<Tap<T>> taps(static_cast<size_t>(g.kh * g.kw));
  for (int64_t p = p0; p < p1; ++p) {
    const int64_t ni = p / g.c_out, co = p % g.c_out;
    const T* xin = x + (ni * g.c_in + co / mult) * plane_in;
    const T* src = xin;
    int64_t ld = g.w;
    if (padded) {
      for (int64_t r = 0; r < g.h; ++r)
        std::memcpy(buf + (r + g.pad_t) * wp + g.pad_l, xin + r * g.w, sizeof(T) * g.w);
      src = buf;
      ld = wp;
    }
    const T* wk = w + co * g.kh * g.kw;
    T* o = out + p * plane_out;
    for (int64_t oh = 0; oh < g.oh; ++oh) {
      size_t nt = 0;
      for (int64_t i = 0; i < g.kh; ++i) {
        // Row in the (padded) source; the output size guarantees it exists.
        const int64_t ih = oh * g.stride_h + i * g.dil_h;
        for (int64_t j = 0; j < g.kw; ++j)
          taps[nt++] = Tap<T>{src + ih * ld, j * g.dil_w, wk[i * g.kw + j]};
      }
      T* orow = o + oh * g.ow;
      if (sw == 1) {
        InteriorRow<T, 1>(taps.data(), nt, sw, 0, g.ow, orow);
      } else if (sw == 2) {
        InteriorRow<T, 2>(taps.data(), nt, sw, 0, g.ow, orow);
      } else {
        InteriorRow<T, 0>(taps.data(), nt, sw, 0, g.ow, orow);
      }
    }
  }
}

// NHWC, output rows [r0, r1) (row = n * oh + oh). wt is the filter as (tap, co). For a
// multiplier of 1 every pixel's channels are summed over the taps in registers, kBlock
// channels at a time (a ragged end reuses an overlapping block).
template <typename T>
__attribute__((always_inline)) inline void NhwcRows(const Geom& g, const T* x, const T* wt,
                                                     T* out, int64_t r0, int64_t r1) {
  using Vec = typename VecTraits<T>::Vec;
  constexpr int64_t kLanes = VecTraits<T>::kLanes;
  constexpr int64_t kBlock = 2 * kLanes;
  const int64_t mult = g.c_out / g.c_in;
  const int64_t c = g.c_out;
  std::vector<const T*> xs(static_cast<size_t>(g.kh * g.kw));
  std::vector<const T*> ws(static_cast<size_t>(g.kh * g.kw));
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t ni = r / g.oh, oh = r % g.oh;
    for (int64_t ow = 0; ow < g.ow; ++ow) {
      T* o = out + ((ni * g.oh + oh) * g.ow + ow) * c;
      size_t nt = 0;
      for (int64_t i = 0; i < g.kh; ++i) {
        const int64_t ih = oh * g.stride_h - g.pad_t + i * g.dil_h;
        if (ih < 0 || ih >= g.h) continue;
        for (int64_t j = 0; j < g.kw; ++j) {
          const int64_t iw = ow * g.stride_w - g.pad_l + j * g.dil_w;
          if (iw < 0 || iw >= g.w) continue;
          xs[nt] = x + ((ni * g.h + ih) * g.w + iw) * g.c_in;
          ws[nt] = wt + (i * g.kw + j) * c;
          ++nt;
        }
      }
      if (mult != 1 || c < kBlock) {
        for (int64_t ch = 0; ch < c; ++ch) {
          T acc = T(0);
          for (size_t t = 0; t < nt; ++t) acc += ws[t][ch] * xs[t][ch / mult];
          o[ch] = acc;
        }
        continue;
      }
      auto block = [&](int64_t ch) {
        Vec a0 = Vec{}, a1 = Vec{};
        for (size_t t = 0; t < nt; ++t) {
          Vec x0, x1, w0, w1;
          std::memcpy(&x0, xs[t] + ch, sizeof(Vec));
          std::memcpy(&x1, xs[t] + ch + kLanes, sizeof(Vec));
          std::memcpy(&w0, ws[t] + ch, sizeof(Vec));
          std::memcpy(&w1, ws[t] + ch + kLanes, sizeof(Vec));
          a0 += w0 * x0;
          a1 += w1 * x1;
        }
        std::memcpy(o + ch, &a0, sizeof(Vec));
        std::memcpy(o + ch + kLanes, &a1, sizeof(Vec));
      };
      int64_t ch = 0;
      for (; ch + kBlock <= c; ch += kBlock) block(ch);
      if (ch < c) block(c - kBlock);
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
