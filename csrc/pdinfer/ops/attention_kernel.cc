#include "pdinfer/ops/attention_kernel.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "pdinfer/core/thread_pool.h"
#include "pdinfer/ops/conv_util.h"  // CpuHasAvx2Fma
#include "pdinfer/ops/gemm.h"

namespace pdinfer {
namespace {

// The clamps and selects below only vectorize when the compiler may ignore floating-point
// exception flags, which nothing here reads.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("no-trapping-math")
#endif

#if defined(__GNUC__) || defined(__clang__)
#define PDI_ATTN_INLINE inline __attribute__((always_inline))
#else
#define PDI_ATTN_INLINE inline
#endif

// e^x for the softmax's x - max <= 0 (any x is accepted; NaN stays NaN). 2^n * e^r with
// n = round(x / ln 2) and |r| <= ln2 / 2; e^r by its Taylor series to degree 7 (truncation
// below 1e-8 relative). Results below e^-87 are flushed to 0: next to the row maximum's
// e^0 = 1 in the sum they are far below float precision.
PDI_ATTN_INLINE float ExpNonPositive(float x0) {
  const bool is_nan = x0 != x0;
  const bool tiny = x0 < -87.0f;
  float x = tiny ? -87.0f : x0;
  x = x > 0.0f ? 0.0f : x;  // only reached by +inf or a caller bug; keeps 2^n finite
  x = is_nan ? 0.0f : x;
  const float kRound = 12582912.0f;  // 1.5 * 2^23: adding and subtracting rounds to an integer
  const float fn = (x * 1.44269504088896341f + kRound) - kRound;
  float r = x - fn * 0.693145751953125f;  // ln 2 split in a short high part ...
  r = r - fn * 1.428606765330187e-6f;     // ... and the rest, so r stays exact
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(fn) + 127) << 23;
  float two_n;
  std::memcpy(&two_n, &bits, sizeof two_n);
  const float y = tiny ? 0.0f : p * two_n;
  return is_nan ? x0 : y;
}

// One score row in place: x += mask (key stride ms; m may be null), then x = e^(x - max);
// returns 1 / sum. Eight independent lanes keep the max and the sum vectorizable without
// reassociating a single accumulator.
PDI_ATTN_INLINE float SoftmaxRowBody(float* x, int64_t n, const float* m, int64_t ms) {
  constexpr int kL = 8;
  float mx[kL];
  for (int k = 0; k < kL; ++k) mx[k] = -std::numeric_limits<float>::infinity();
  int64_t j = 0;
  if (m && ms == 1) {
    for (; j + kL <= n; j += kL)
      for (int k = 0; k < kL; ++k) {
        const float v = x[j + k] + m[j + k];
        x[j + k] = v;
        mx[k] = v > mx[k] ? v : mx[k];
      }
    for (; j < n; ++j) {
      x[j] += m[j];
      mx[0] = x[j] > mx[0] ? x[j] : mx[0];
    }
  } else {
    if (m) {
      for (int64_t t = 0; t < n; ++t) x[t] += m[t * ms];
    }
    for (; j + kL <= n; j += kL)
      for (int k = 0; k < kL; ++k) mx[k] = x[j + k] > mx[k] ? x[j + k] : mx[k];
    for (; j < n; ++j) mx[0] = x[j] > mx[0] ? x[j] : mx[0];
  }
  float rmax = mx[0];
  for (int k = 1; k < kL; ++k) rmax = mx[k] > rmax ? mx[k] : rmax;

  float s[kL];
  for (int k = 0; k < kL; ++k) s[k] = 0.0f;
  j = 0;
  for (; j + kL <= n; j += kL)
    for (int k = 0; k < kL; ++k) {
      const float e = ExpNonPositive(x[j + k] - rmax);
      x[j + k] = e;
      s[k] += e;
    }
  for (; j < n; ++j) {
    const float e = ExpNonPositive(x[j] - rmax);
    x[j] = e;
    s[0] += e;
  }
  float sum = 0.0f;
  for (int k = 0; k < kL; ++k) sum += s[k];
  return 1.0f / sum;
}

using SoftmaxRowFn = float (*)(float*, int64_t, const float*, int64_t);

float SoftmaxRowBase(float* x, int64_t n, const float* m, int64_t ms) {
  return SoftmaxRowBody(x, n, m, ms);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PDI_ATTN_AVX2 1
__attribute__((target("avx2,fma"))) float SoftmaxRowAvx2(float* x, int64_t n, const float* m,
                                                         int64_t ms) {
  return SoftmaxRowBody(x, n, m, ms);
}
#endif

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

SoftmaxRowFn PickSoftmaxRow() {
#ifdef PDI_ATTN_AVX2
  if (conv::CpuHasAvx2Fma()) return SoftmaxRowAvx2;
#endif
  return SoftmaxRowBase;
}

// Query rows per task: big enough to amortise packing K and V inside the GEMMs, small
// enough that the score block (rows x seq floats) stays in L2 and that batch-1 inputs
// still split into several tasks per head.
constexpr int64_t kRowBlock = 96;

// Per-thread scratch for score blocks (kRowBlock x seq floats), reused across calls: the
// pool's threads live as long as the predictor.
float* ScoreScratch(size_t count) {
  thread_local std::vector<float> buf;
  if (buf.size() < count) {
    buf.clear();
    buf.shrink_to_fit();
    buf.resize(count);
  }
  return buf.data();
}

}  // namespace

void MultiHeadSelfAttention(const AttentionDims& dims, const float* input, const float* w,
                            const float* bias, const AttentionMask& mask, float alpha,
                            float* out, ThreadPool* pool) {
  const int64_t B = dims.batch, S = dims.seq, Hin = dims.in_hidden, H = dims.hidden;
  if (B <= 0 || S <= 0 || H <= 0) return;  // empty output
  const int64_t rows = B * S, ld = 3 * H;
  // [Q | K | V] = input · W + bias: seed every row with the bias, accumulate the GEMM.
  std::unique_ptr<float[]> qkv(new float[static_cast<size_t>(rows * ld)]);
  auto fill = [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) std::memcpy(qkv.get() + r * ld, bias, sizeof(float) * ld);
  };
  if (pool)
    pool->ParallelFor(rows, std::max<int64_t>(1, 16384 / ld), fill);
  else
    fill(0, rows);
  if (Hin > 0)
    Gemm(false, false, rows, ld, Hin, 1.0f, input, Hin, w, ld, 1.0f, qkv.get(), ld, pool);
  AttentionFromQkv(dims, qkv.get(), mask, alpha, out, pool);
}

void AttentionFromQkv(const AttentionDims& dims, const float* qkv, const AttentionMask& mask,
                      float alpha, float* out, ThreadPool* pool) {
  const int64_t B = dims.batch, S = dims.seq, H = dims.hidden;
  const int64_t heads = dims.heads;
  if (B <= 0 || S <= 0 || H <= 0) return;  // empty output
  const int64_t hd = H / heads;
  const int64_t ld = 3 * H;
  // One task per (batch, head, block of query rows).
  const int64_t rb = std::min(S, kRowBlock);
  const int64_t nblk = (S + rb - 1) / rb;
  const int64_t tasks = B * heads * nblk;
  const SoftmaxRowFn softmax_row = PickSoftmaxRow();
  const float* base = qkv;
  auto run = [&](int64_t t0, int64_t t1) {
    float* scores = ScoreScratch(static_cast<size_t>(rb * S + rb));
    float* inv = scores + rb * S;
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t blk = t % nblk;
      const int64_t h = (t / nblk) % heads;
      const int64_t b = t / (nblk * heads);
      const int64_t q0 = blk * rb;
      const int64_t nq = std::min(rb, S - q0);
      const float* q = base + (b * S + q0) * ld + h * hd;
      const float* k = base + b * S * ld + H + h * hd;
      const float* v = base + b * S * ld + 2 * H + h * hd;
      Gemm(false, true, nq, S, hd, alpha, q, ld, k, ld, 0.0f, scores, S, nullptr);
      const float* mrow0 =
          mask.data ? mask.data + b * mask.stride[0] + h * mask.stride[1] : nullptr;
      for (int64_t i = 0; i < nq; ++i) {
        const float* m = mrow0 ? mrow0 + (q0 + i) * mask.stride[2] : nullptr;
        inv[i] = softmax_row(scores + i * S, S, m, mask.stride[3]);
      }
      float* o = out + (b * S + q0) * H + h * hd;
      Gemm(false, false, nq, hd, S, 1.0f, scores, S, v, ld, 0.0f, o, H, nullptr);
      for (int64_t i = 0; i < nq; ++i) {
        float* orow = o + i * H;
        const float f = inv[i];
        for (int64_t j = 0; j < hd; ++j) orow[j] *= f;
      }
    }
  };
  if (pool)
    pool->ParallelFor(tasks, 1, run);
  else
    run(0, tasks);
}

}  // namespace pdinfer
