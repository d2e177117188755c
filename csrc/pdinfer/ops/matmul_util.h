// Shared plumbing of the matrix-product ops (matmul_v2, matmul, mul, bmm in matmul.cc;
// fc in fc.cc; fused_matmul in fused_matmul.cc): shape planning with Paddle's rules,
// batched GEMM dispatch and the fused epilogue (+ Bias, + ResidualData, activation).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "pdinfer/ops/fused_activation.h"
#include "pdinfer/ops/gemm.h"
#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace matmul {

inline bool Known(int64_t d) { return d >= 0; }

// Product of dims, -1 when any is unknown.
int64_t Product(const Shape& s);

template <typename Fn>
void DispatchType(const OpContext& ctx, DataType dt, Fn&& fn) {
  switch (dt) {
    case DataType::kFloat32: fn(float{}); break;
    case DataType::kFloat64: fn(double{}); break;
    case DataType::kInt32: fn(int32_t{}); break;
    case DataType::kInt64: fn(int64_t{}); break;
    default:
      ThrowError(ErrorCode::kUnsupported, ctx.Where(), ": unsupported dtype ", DataTypeName(dt),
                 " (expected float32, float64, int32 or int64)");
  }
}

// X and Y must share a dtype that DispatchType accepts.
void CheckSameDType(const OpContext& ctx, const char* a, const char* b);
// Throws InvalidArgument when two known inner dimensions differ.
void CheckInner(const OpContext& ctx, int64_t kx, int64_t ky, const Shape& x, const Shape& y,
                const char* detail);

// ---------------------------------------------------------------- GEMM

template <typename T>
void NaiveGemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
               int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  std::vector<T> acc(static_cast<size_t>(n));
  for (int64_t i = 0; i < m; ++i) {
    T* cr = c + i * ldc;
    std::fill(acc.begin(), acc.end(), T(0));
    for (int64_t p = 0; p < k; ++p) {
      const T av = ta ? a[p * lda + i] : a[i * lda + p];
      if (!tb) {
        const T* br = b + p * ldb;
        for (int64_t j = 0; j < n; ++j) acc[j] += av * br[j];
      } else {
        for (int64_t j = 0; j < n; ++j) acc[j] += av * b[j * ldb + p];
      }
    }
    for (int64_t j = 0; j < n; ++j)
      cr[j] = static_cast<T>(alpha * acc[j] + (beta == T(0) ? T(0) : beta * cr[j]));
  }
}

// C = alpha * op(A) op(B) + beta * C (beta == 0 never reads C).
template <typename T>
void GemmT(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
           const T* b, int64_t ldb, T beta, T* c, int64_t ldc, ThreadPool* pool) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {  // an empty sum
    for (int64_t i = 0; i < m; ++i) {
      T* cr = c + i * ldc;
      for (int64_t j = 0; j < n; ++j) cr[j] = beta == T(0) ? T(0) : static_cast<T>(beta * cr[j]);
    }
    return;
  }
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>)
    Gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, pool);
  else
    NaiveGemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// One matrix operand as stored: leading (batch) dims, then rows x cols.
struct Operand {
  Shape batch;
  int64_t rows = 1, cols = 1;
  bool trans = false;
  int64_t ld() const { return cols; }
  int64_t size() const { return rows * cols; }
  int64_t out_rows() const { return trans ? cols : rows; }  // rows of op(A)
  int64_t out_cols() const { return trans ? rows : cols; }
};

// Runs out[b] = alpha * op(x[xoff[b]]) * op(y[yoff[b]]) + beta * out[b] for every batch b,
// where op(x) is m x k and op(y) is k x n and out is densely packed. Small problems are
// spread over threads by batch; large ones let the GEMM split each product.
template <typename T>
void RunBatches(ThreadPool& pool, const Operand& xo, const Operand& yo, int64_t m, int64_t n,
                int64_t k, T alpha, const T* x, const std::vector<int64_t>& xoff, const T* y,
                const std::vector<int64_t>& yoff, T beta, T* out) {
  const int64_t batches = static_cast<int64_t>(xoff.size());
  if (batches == 0 || m == 0 || n == 0) return;
  auto one = [&](int64_t b, ThreadPool* p) {
    GemmT<T>(xo.trans, yo.trans, m, n, k, alpha, x + xoff[b], xo.ld(), y + yoff[b], yo.ld(), beta,
             out + b * m * n, n, p);
  };
  const int64_t macs = m * n * std::max<int64_t>(k, 1);
  if (batches > 1 && macs < (int64_t{1} << 20)) {
    pool.ParallelFor(batches, std::max<int64_t>(1, (int64_t{1} << 18) / macs),
                     [&](int64_t b0, int64_t b1) {
                       for (int64_t b = b0; b < b1; ++b) one(b, nullptr);
                     });
  } else {
    for (int64_t b = 0; b < batches; ++b) one(b, &pool);
  }
}

// ---------------------------------------------------------------- matmul_v2 / matmul plans

struct MatmulPlan {
  Operand x, y;
  bool x_vec = false, y_vec = false;
  Shape batch;  // broadcast batch dims
  Shape out;
};

// Rejects attributes of Paddle's oneDNN matmul fusions that fold a reshape/transpose into
// the op, and the multi-head split: running without them would compute something else.
void RejectFusedLayoutAttrs(const OpContext& ctx);

// legacy selects matmul (v1) rules: transposes also apply to 1-D operands, a dim that came
// from a 1-D operand is dropped only when it is 1, and batch sizes must be equal when
// both operands have batch dims.
MatmulPlan PlanMatmul(const OpContext& ctx, const Shape& xs, const Shape& ys, bool legacy,
                      bool trans_x, bool trans_y);

// Offsets of each broadcast batch item inside an operand with batch dims `b` (fewer dims
// align to the right; size-1 dims repeat).
std::vector<int64_t> BatchOffsets(const Shape& out_batch, const Shape& b, int64_t mat_size);

// Computes the plan's product into `out` (dense, shape plan.out): out = alpha*X*Y + beta*out.
template <typename T>
void RunMatmul(ThreadPool& pool, const MatmulPlan& p, T alpha, const T* xd, const T* yd, T beta,
               T* od) {
  const int64_t m = p.x.out_rows(), n = p.y.out_cols(), k = p.x.out_cols();
  const int64_t nb = Product(p.batch);
  if (nb == 0 || m == 0 || n == 0) return;
  // Y shared by every batch item and X's rows contiguous: one tall GEMM.
  if (Product(p.y.batch) == 1 && !p.x.trans && Product(p.x.batch) == nb) {
    GemmT<T>(false, p.y.trans, nb * m, n, k, alpha, xd, p.x.ld(), yd, p.y.ld(), beta, od, n, &pool);
    return;
  }
  RunBatches<T>(pool, p.x, p.y, m, n, k, alpha, xd, BatchOffsets(p.batch, p.x.batch, p.x.size()),
                yd, BatchOffsets(p.batch, p.y.batch, p.y.size()), beta, od);
}

// ---------------------------------------------------------------- fused epilogue

// Output shape of a product of shape `prod` followed by `+ residual` (NumPy broadcast).
Shape EpilogueOutShape(const OpContext& ctx, const Shape& prod, const Shape* residual);

// The activation `name` with parameters from the node's fuse_alpha/beta/gamma. Paddle's
// oneDNN spellings gelu_tanh / gelu_erf are accepted too. Unknown names throw.
FusedActivation EpilogueActivation(const OpContext& ctx, const std::string& name);

// Validates an optional Bias added along the last dim of the product (n = that dim, -1
// when unknown): 1-D of n elements, or [1, n]; same dtype as `like_slot`.
void CheckEpilogueBias(const OpContext& ctx, const char* slot, int64_t n, const char* like_slot);

// Fills `out` (float32/float64) with act(P + bias + residual), where `product(dst, beta)`
// writes dst = P + beta * dst for the dense product P of shape `prod`; bias (may be null)
// has prod.back() elements (1 for a 0-D product) and residual (may be null) broadcasts
// NumPy-style to out's shape, which is `EpilogueOutShape(prod, residual)`. Bias and
// residual are preloaded into `out` so the GEMM accumulates onto them (no extra pass);
// only a residual that enlarges the product needs a temporary.
template <typename T>
void RunWithEpilogue(OpContext& ctx, const Shape& prod, const T* bias, const Tensor* residual,
                     const FusedActivation& act, Tensor& out,
                     const std::function<void(T* dst, T beta)>& product);

}  // namespace matmul
}  // namespace pdinfer
