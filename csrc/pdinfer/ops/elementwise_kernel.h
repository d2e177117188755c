// Loop templates for element-wise kernels (unary maps, binary ops with broadcasting).
// Header-only so the functor inlines into contiguous inner loops the compiler vectorizes.
#pragma once

#include <algorithm>
#include <cstdint>

#include "pdinfer/ops/op_utils.h"

namespace pdinfer {

// out[i] = f(x[i]) for i in [0, n).
template <typename TI, typename TO, typename F>
void UnaryMap(ThreadPool& pool, const TI* x, TO* out, int64_t n, int64_t cost, F f) {
  ParallelForElements(pool, n, cost, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) out[i] = f(x[i]);
  });
}

// out = f(x, y) over `out_shape`; xa/ya are the operand shapes padded to out's rank
// (see AlignBroadcastShapes).
template <typename TX, typename TY, typename TO, typename F>
void BinaryBroadcast(ThreadPool& pool, const TX* x, const Shape& xa, const TY* y, const Shape& ya,
                     TO* out, const Shape& out_shape, int64_t cost, F f) {
  int64_t n = 1;
  for (int64_t d : out_shape) n *= d;
  if (n <= 0) return;
  if (xa == out_shape && ya == out_shape) {
    ParallelForElements(pool, n, cost, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) out[i] = f(x[i], y[i]);
    });
    return;
  }
  BroadcastIndexer ix(out_shape, {xa, ya});
  const int64_t inner = ix.inner();
  const int64_t sx = ix.inner_stride(0), sy = ix.inner_stride(1);
  ParallelForElements(pool, n, cost, [&](int64_t b, int64_t e) {
    int64_t col = b % inner;
    BroadcastIndexer::Cursor cur;
    ix.Seek(b / inner, &cur);
    const int64_t* off = cur.offsets;
    while (b < e) {
      const int64_t len = std::min(inner - col, e - b);
      const TX* xp = x + off[0] + col * sx;
      const TY* yp = y + off[1] + col * sy;
      TO* op = out + b;
      if (sx && sy) {
        for (int64_t k = 0; k < len; ++k) op[k] = f(xp[k], yp[k]);
      } else if (sx) {
        const TY yv = *yp;
        for (int64_t k = 0; k < len; ++k) op[k] = f(xp[k], yv);
      } else if (sy) {
        const TX xv = *xp;
        for (int64_t k = 0; k < len; ++k) op[k] = f(xv, yp[k]);
      } else {
        const TO v = f(*xp, *yp);
        for (int64_t k = 0; k < len; ++k) op[k] = v;
      }
      b += len;
      col = 0;
      if (b < e) ix.Next(&cur);
    }
  });
}

// Three operands (e.g. where(cond, x, y)); shapes padded to out's rank.
template <typename TA, typename TB, typename TC, typename TO, typename F>
void TernaryBroadcast(ThreadPool& pool, const TA* a, const Shape& as, const TB* b_, const Shape& bs,
                      const TC* c, const Shape& cs, TO* out, const Shape& out_shape, int64_t cost,
                      F f) {
  int64_t n = 1;
  for (int64_t d : out_shape) n *= d;
  if (n <= 0) return;
  BroadcastIndexer ix(out_shape, {as, bs, cs});
  const int64_t inner = ix.inner();
  const int64_t sa = ix.inner_stride(0), sb = ix.inner_stride(1), sc = ix.inner_stride(2);
  ParallelForElements(pool, n, cost, [&](int64_t b, int64_t e) {
    int64_t col = b % inner;
    BroadcastIndexer::Cursor cur;
    ix.Seek(b / inner, &cur);
    const int64_t* off = cur.offsets;
    while (b < e) {
      const int64_t len = std::min(inner - col, e - b);
      const TA* ap = a + off[0] + col * sa;
      const TB* bp = b_ + off[1] + col * sb;
      const TC* cp = c + off[2] + col * sc;
      TO* op = out + b;
      if (sa && sb && sc) {
        for (int64_t k = 0; k < len; ++k) op[k] = f(ap[k], bp[k], cp[k]);
      } else {
        for (int64_t k = 0; k < len; ++k) op[k] = f(ap[k * sa], bp[k * sb], cp[k * sc]);
      }
      b += len;
      col = 0;
      if (b < e) ix.Next(&cur);
    }
  });
}

}  // namespace pdinfer
