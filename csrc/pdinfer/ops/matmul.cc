// Matrix products: matmul_v2, matmul (v1), mul, fc and bmm.
//
// All of them reduce to (possibly batched) row-major GEMMs on ops/gemm.h for float32
// and float64; integer types use a plain triple loop. Transposes never copy: they are
// passed to the GEMM as trans flags with the stored row strides.
//
// Shape rules (Paddle's):
//  - matmul_v2: a 1-D X is a row vector [1, K] and a 1-D Y a column vector [K, 1] (the
//    transpose flag of a 1-D operand is ignored); the added dim is dropped from the
//    result. Batch dims (all but the last two) broadcast NumPy-style.
//  - matmul (v1, transpose_X/transpose_Y/alpha): the same broadcasting product scaled by
//    alpha, as Paddle 3.x runs it, except that a 1-D X becomes [1, K] and a 1-D Y [K, 1]
//    *before* the transpose flags apply (the legacy rule, which Paddle's default oneDNN
//    CPU path keeps); a dim that came from a 1-D operand is dropped when it is 1. When
//    both operands have batch dims their batch sizes must also be equal.
#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

#include "pdinfer/ops/gemm.h"
#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

// ---------------------------------------------------------------- GEMM plumbing

template <typename T>
void NaiveGemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
               int64_t lda, const T* b, int64_t ldb, T* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    T* cr = c + i * ldc;
    for (int64_t j = 0; j < n; ++j) cr[j] = T(0);
    for (int64_t p = 0; p < k; ++p) {
      const T av = ta ? a[p * lda + i] : a[i * lda + p];
      if (!tb) {
        const T* br = b + p * ldb;
        for (int64_t j = 0; j < n; ++j) cr[j] += av * br[j];
      } else {
        for (int64_t j = 0; j < n; ++j) cr[j] += av * b[j * ldb + p];
      }
    }
    if (alpha != T(1))
      for (int64_t j = 0; j < n; ++j) cr[j] *= alpha;
  }
}

template <typename T>
void GemmT(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
           const T* b, int64_t ldb, T* c, int64_t ldc, ThreadPool* pool) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // an empty sum
    for (int64_t i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + n, T(0));
    return;
  }
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>)
    Gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, T(0), c, ldc, pool);
  else
    NaiveGemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, c, ldc);
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

// Runs out[b] = alpha * op(x[xoff[b]]) * op(y[yoff[b]]) for every batch b, where
// op(x) is m x k and op(y) is k x n and out is densely packed. Small problems are
// spread over threads by batch; large ones let the GEMM split each product.
template <typename T>
void RunBatches(ThreadPool& pool, const Operand& xo, const Operand& yo, int64_t m, int64_t n,
                int64_t k, T alpha, const T* x, const std::vector<int64_t>& xoff, const T* y,
                const std::vector<int64_t>& yoff, T* out) {
  const int64_t batches = static_cast<int64_t>(xoff.size());
  if (batches == 0 || m == 0 || n == 0) return;
  auto one = [&](int64_t b, ThreadPool* p) {
    GemmT<T>(xo.trans, yo.trans, m, n, k, alpha, x + xoff[b], xo.ld(), y + yoff[b], yo.ld(),
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

template <typename Fn>
void DispatchMatmulType(const OpContext& ctx, DataType dt, Fn&& fn) {
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

void CheckSameDType(const OpContext& ctx, const char* a, const char* b) {
  DataType da = ctx.InputDType(a), db = ctx.InputDType(b);
  PDI_ENFORCE_ARG(da == db, ctx.Where(), ": inputs ", a, " (", DataTypeName(da), ") and ", b,
                  " (", DataTypeName(db), ") must have the same dtype");
  DispatchMatmulType(ctx, da, [](auto) {});
}

bool Known(int64_t d) { return d >= 0; }

void CheckInner(const OpContext& ctx, int64_t kx, int64_t ky, const Shape& x, const Shape& y,
                const char* detail) {
  PDI_ENFORCE_ARG(!Known(kx) || !Known(ky) || kx == ky, ctx.Where(),
                  ": inner dimensions do not match: X ", ShapeToString(x), " gives K = ", kx,
                  ", Y ", ShapeToString(y), " gives K = ", ky, detail);
}

int64_t Product(const Shape& s) {
  int64_t p = 1;
  for (int64_t d : s) {
    if (d < 0) return -1;
    p *= d;
  }
  return p;
}

// ---------------------------------------------------------------- matmul_v2 / matmul

struct MatmulPlan {
  Operand x, y;
  bool x_vec = false, y_vec = false;
  Shape batch;  // broadcast batch dims
  Shape out;
};

// Attributes oneDNN fuse passes attach to a matmul that fold a reshape/transpose into it,
// and the MKL multi-head split: running without them would silently compute something else.
void RejectFusedAttrs(const OpContext& ctx) {
  for (const char* name : {"fused_reshape_X", "fused_transpose_X", "fused_reshape_Y",
                           "fused_transpose_Y", "fused_reshape_Out", "fused_transpose_Out"}) {
    PDI_CHECK(ctx.attrs().GetInts(name, {}).empty(), ErrorCode::kUnsupported, ctx.Where(),
              ": attribute '", name, "' (a fused reshape/transpose) is not supported");
  }
  const int64_t heads = ctx.attrs().GetInt("head_number", 1);
  PDI_CHECK(heads <= 1, ErrorCode::kUnsupported, ctx.Where(), ": head_number ", heads,
            " (multi-head split) is not supported");
}

// kLegacy selects matmul (v1): attribute names, and transposes that apply to 1-D operands.
template <bool kLegacy>
MatmulPlan PlanMatmul(const OpContext& ctx, const Shape& xs, const Shape& ys) {
  RejectFusedAttrs(ctx);
  PDI_ENFORCE_ARG(!xs.empty() && !ys.empty(), ctx.Where(),
                  ": X and Y must have rank >= 1, got X ", ShapeToString(xs), " and Y ",
                  ShapeToString(ys));
  MatmulPlan p;
  const AttributeMap& a = ctx.attrs();
  const bool tx = a.GetBool(kLegacy ? "transpose_X" : "trans_x", false);
  const bool ty = a.GetBool(kLegacy ? "transpose_Y" : "trans_y", false);
  p.x_vec = xs.size() == 1;
  p.y_vec = ys.size() == 1;
  if (p.x_vec) {
    p.x.rows = 1;
    p.x.cols = xs[0];
  } else {
    p.x.batch.assign(xs.begin(), xs.end() - 2);
    p.x.rows = xs[xs.size() - 2];
    p.x.cols = xs.back();
  }
  if (p.y_vec) {
    p.y.rows = ys[0];
    p.y.cols = 1;
  } else {
    p.y.batch.assign(ys.begin(), ys.end() - 2);
    p.y.rows = ys[ys.size() - 2];
    p.y.cols = ys.back();
  }
  p.x.trans = tx && (kLegacy || !p.x_vec);
  p.y.trans = ty && (kLegacy || !p.y_vec);
  CheckInner(ctx, p.x.out_cols(), p.y.out_rows(), xs, ys,
             kLegacy ? " (after transpose_X/transpose_Y; a 1-D X is a row [1, K] and a 1-D Y "
                       "a column [K, 1] before transposing)"
                     : " (after trans_x/trans_y; a 1-D operand is never transposed)");
  if (kLegacy && !p.x.batch.empty() && !p.y.batch.empty()) {
    // The legacy op also insists on equal batch sizes when both operands have batch dims.
    const int64_t bx = Product(p.x.batch), by = Product(p.y.batch);
    PDI_ENFORCE_ARG(bx < 0 || by < 0 || bx == by, ctx.Where(), ": batch sizes of X ",
                    ShapeToString(xs), " and Y ", ShapeToString(ys), " differ (", bx, " vs ", by,
                    "); they must be equal or one operand must have rank <= 2");
  }
  p.batch = BroadcastShapes(p.x.batch, p.y.batch, ctx.Where() + ": batch dims of X and Y");
  p.out = p.batch;
  const int64_t m = p.x.out_rows(), n = p.y.out_cols();
  if (kLegacy) {
    if (!(p.x_vec && m == 1)) p.out.push_back(m);
    if (!(p.y_vec && n == 1)) p.out.push_back(n);
  } else {
    if (!p.x_vec) p.out.push_back(m);
    if (!p.y_vec) p.out.push_back(n);
  }
  return p;
}

template <bool kLegacy>
void InferMatmul(OpContext& ctx) {
  CheckSameDType(ctx, "X", "Y");
  MatmulPlan p = PlanMatmul<kLegacy>(ctx, ctx.InputShape("X"), ctx.InputShape("Y"));
  ctx.SetOutput("Out", ctx.InputDType("X"), p.out);
}

// Offsets of each broadcast batch item inside an operand with batch dims `b` (fewer
// dims align to the right; size-1 dims repeat).
std::vector<int64_t> BatchOffsets(const Shape& out_batch, const Shape& b, int64_t mat_size) {
  const size_t r = out_batch.size();
  const int64_t count = Product(out_batch);
  std::vector<int64_t> stride(r, 0);
  int64_t s = mat_size;
  for (size_t i = r; i-- > 0;) {
    size_t off = r - b.size();
    int64_t d = i >= off ? b[i - off] : 1;
    stride[i] = d == 1 ? 0 : s;
    s *= d;
  }
  std::vector<int64_t> offs(static_cast<size_t>(count));
  std::vector<int64_t> idx(r, 0);
  int64_t cur = 0;
  for (int64_t n = 0; n < count; ++n) {
    offs[static_cast<size_t>(n)] = cur;
    for (size_t i = r; i-- > 0;) {
      ++idx[i];
      cur += stride[i];
      if (idx[i] < out_batch[i]) break;
      cur -= idx[i] * stride[i];
      idx[i] = 0;
    }
  }
  return offs;
}

template <bool kLegacy>
void ComputeMatmul(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  const Tensor& y = ctx.Input("Y");
  Tensor& out = ctx.Output("Out");
  MatmulPlan p = PlanMatmul<kLegacy>(ctx, x.shape(), y.shape());
  const int64_t m = p.x.out_rows(), n = p.y.out_cols(), k = p.x.out_cols();
  const double alpha = kLegacy ? ctx.attrs().GetFloat("alpha", 1.0) : 1.0;
  if (out.numel() == 0) return;
  DispatchMatmulType(ctx, x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* xd = x.data<T>();
    const T* yd = y.data<T>();
    T* od = out.data<T>();
    const T a = static_cast<T>(alpha);
    const int64_t nb = Product(p.batch);
    // Y shared by every batch item and X's rows contiguous: one tall GEMM.
    if (Product(p.y.batch) == 1 && !p.x.trans && Product(p.x.batch) == nb) {
      GemmT<T>(false, p.y.trans, nb * m, n, k, a, xd, p.x.ld(), yd, p.y.ld(), od, n,
               &ctx.pool());
      return;
    }
    RunBatches<T>(ctx.pool(), p.x, p.y, m, n, k, a, xd,
                  BatchOffsets(p.batch, p.x.batch, p.x.size()), yd,
                  BatchOffsets(p.batch, p.y.batch, p.y.size()), od);
  });
}

// ---------------------------------------------------------------- mul

struct FlatPlan {
  int64_t m = 0, k = 0, n = 0;
  Shape out;
};

FlatPlan PlanMul(const OpContext& ctx, const Shape& xs, const Shape& ys) {
  const int64_t xn = ctx.attrs().GetInt("x_num_col_dims", 1);
  const int64_t yn = ctx.attrs().GetInt("y_num_col_dims", 1);
  PDI_ENFORCE_ARG(xn >= 1 && xn < static_cast<int64_t>(xs.size()), ctx.Where(),
                  ": x_num_col_dims ", xn, " must be in [1, rank(X)) for X ", ShapeToString(xs));
  PDI_ENFORCE_ARG(yn >= 1 && yn < static_cast<int64_t>(ys.size()), ctx.Where(),
                  ": y_num_col_dims ", yn, " must be in [1, rank(Y)) for Y ", ShapeToString(ys));
  FlatPlan p;
  Shape x_lead(xs.begin(), xs.begin() + xn), x_tail(xs.begin() + xn, xs.end());
  Shape y_lead(ys.begin(), ys.begin() + yn), y_tail(ys.begin() + yn, ys.end());
  p.m = Product(x_lead);
  p.k = Product(x_tail);
  p.n = Product(y_tail);
  CheckInner(ctx, p.k, Product(y_lead), xs, ys,
             " (X flattened at x_num_col_dims, Y at y_num_col_dims)");
  p.out = x_lead;
  p.out.insert(p.out.end(), y_tail.begin(), y_tail.end());
  return p;
}

void InferMul(OpContext& ctx) {
  CheckSameDType(ctx, "X", "Y");
  FlatPlan p = PlanMul(ctx, ctx.InputShape("X"), ctx.InputShape("Y"));
  ctx.SetOutput("Out", ctx.InputDType("X"), p.out);
}

void ComputeMul(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  const Tensor& y = ctx.Input("Y");
  FlatPlan p = PlanMul(ctx, x.shape(), y.shape());
  Tensor& out = ctx.Output("Out");
  DispatchMatmulType(ctx, x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    GemmT<T>(false, false, p.m, p.n, p.k, T(1), x.data<T>(), p.k, y.data<T>(), p.n,
             out.data<T>(), p.n, &ctx.pool());
  });
}

// ---------------------------------------------------------------- fc

struct FcPlan {
  int64_t m = 0, k = 0, n = 0, ldw = 0;
  Shape out;
  bool relu = false;
};

FcPlan PlanFc(const OpContext& ctx, const Shape& in, const Shape& w) {
  const AttributeMap& a = ctx.attrs();
  const int64_t ncd = a.GetInt("in_num_col_dims", 1);
  PDI_ENFORCE_ARG(w.size() == 2, ctx.Where(), ": W must be 2-D, got shape ", ShapeToString(w));
  PDI_ENFORCE_ARG(ncd >= 1 && ncd < static_cast<int64_t>(in.size()), ctx.Where(),
                  ": in_num_col_dims ", ncd, " must be in [1, rank(Input)) for Input ",
                  ShapeToString(in));
  FcPlan p;
  const bool padded = a.GetBool("padding_weights", false);
  // Padded weights carry 4 extra rows and columns that take no part in the product.
  p.k = Known(w[0]) ? w[0] - (padded ? 4 : 0) : -1;
  p.n = Known(w[1]) ? w[1] - (padded ? 4 : 0) : -1;
  p.ldw = w[1];
  PDI_ENFORCE_ARG(!padded || ((!Known(p.k) || p.k >= 0) && (!Known(p.n) || p.n >= 0)),
                  ctx.Where(), ": padding_weights needs W of at least [4, 4], got ",
                  ShapeToString(w));
  Shape lead(in.begin(), in.begin() + ncd), tail(in.begin() + ncd, in.end());
  p.m = Product(lead);
  CheckInner(ctx, Product(tail), p.k, in, w,
             padded ? " (Input flattened at in_num_col_dims; W padded by 4)"
                    : " (Input flattened at in_num_col_dims)");
  p.out = lead;
  p.out.push_back(p.n);
  const std::string act = a.GetString("activation_type", "");
  PDI_CHECK(act.empty() || act == "relu" || act == "identity", ErrorCode::kUnsupported,
            ctx.Where(), ": activation_type '", act, "' is not supported (expected '' or 'relu')");
  p.relu = act == "relu";
  if (ctx.HasInput("Bias")) {
    const Shape& b = ctx.InputShape("Bias");
    int64_t bn = Product(b);
    bool shape_ok = b.size() == 1 || (b.size() == 2 && (b[0] == 1 || b[0] < 0));
    PDI_ENFORCE_ARG(shape_ok && (!Known(bn) || !Known(p.n) || bn == p.n), ctx.Where(),
                    ": Bias must be [", p.n, "] or [1, ", p.n, "], got ", ShapeToString(b));
    PDI_ENFORCE_ARG(ctx.InputDType("Bias") == ctx.InputDType("Input"), ctx.Where(),
                    ": Bias dtype ", DataTypeName(ctx.InputDType("Bias")),
                    " differs from Input dtype ", DataTypeName(ctx.InputDType("Input")));
  }
  return p;
}

void InferFc(OpContext& ctx) {
  CheckSameDType(ctx, "Input", "W");
  FcPlan p = PlanFc(ctx, ctx.InputShape("Input"), ctx.InputShape("W"));
  ctx.SetOutput("Out", ctx.InputDType("Input"), p.out);
}

void ComputeFc(OpContext& ctx) {
  const Tensor& in = ctx.Input("Input");
  const Tensor& w = ctx.Input("W");
  FcPlan p = PlanFc(ctx, in.shape(), w.shape());
  Tensor& out = ctx.Output("Out");
  DispatchMatmulType(ctx, in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* od = out.data<T>();
    GemmT<T>(false, false, p.m, p.n, p.k, T(1), in.data<T>(), p.k, w.data<T>(), p.ldw, od, p.n,
             &ctx.pool());
    const T* bias = ctx.HasInput("Bias") ? ctx.Input("Bias").data<T>() : nullptr;
    if (!bias && !p.relu) return;
    ctx.pool().ParallelFor(p.m, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, p.n)),
                           [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        T* row = od + r * p.n;
        if (bias)
          for (int64_t j = 0; j < p.n; ++j) row[j] += bias[j];
        if (p.relu)
          for (int64_t j = 0; j < p.n; ++j) row[j] = row[j] > T(0) ? row[j] : T(0);
      }
    });
  });
}

// ---------------------------------------------------------------- bmm

void CheckBmm(const OpContext& ctx, const Shape& x, const Shape& y) {
  PDI_ENFORCE_ARG(x.size() == 3 && y.size() == 3, ctx.Where(),
                  ": X and Y must be 3-D, got X ", ShapeToString(x), " and Y ", ShapeToString(y));
  PDI_ENFORCE_ARG(!Known(x[0]) || !Known(y[0]) || x[0] == y[0], ctx.Where(),
                  ": batch sizes differ: X ", ShapeToString(x), ", Y ", ShapeToString(y));
  CheckInner(ctx, x[2], y[1], x, y, "");
}

void InferBmm(OpContext& ctx) {
  CheckSameDType(ctx, "X", "Y");
  const Shape& x = ctx.InputShape("X");
  const Shape& y = ctx.InputShape("Y");
  CheckBmm(ctx, x, y);
  ctx.SetOutput("Out", ctx.InputDType("X"), {Known(x[0]) ? x[0] : y[0], x[1], y[2]});
}

void ComputeBmm(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  const Tensor& y = ctx.Input("Y");
  CheckBmm(ctx, x.shape(), y.shape());
  Tensor& out = ctx.Output("Out");
  Operand xo, yo;
  xo.rows = x.dim(1);
  xo.cols = x.dim(2);
  yo.rows = y.dim(1);
  yo.cols = y.dim(2);
  const int64_t b = x.dim(0);
  std::vector<int64_t> xoff(static_cast<size_t>(b)), yoff(static_cast<size_t>(b));
  for (int64_t i = 0; i < b; ++i) {
    xoff[i] = i * xo.size();
    yoff[i] = i * yo.size();
  }
  DispatchMatmulType(ctx, x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    RunBatches<T>(ctx.pool(), xo, yo, xo.rows, yo.cols, xo.cols, T(1), x.data<T>(), xoff,
                  y.data<T>(), yoff, out.data<T>());
  });
}

}  // namespace

PDI_REGISTER_OP(OpDef{"matmul_v2", {"X", "Y"}, {"Out"}, InferMatmul<false>,
                      ComputeMatmul<false>});
PDI_REGISTER_OP(OpDef{"matmul", {"X", "Y"}, {"Out"}, InferMatmul<true>, ComputeMatmul<true>});
PDI_REGISTER_OP(OpDef{"mul", {"X", "Y"}, {"Out"}, InferMul, ComputeMul});
PDI_REGISTER_OP(OpDef{"fc", {"Input", "W", "Bias?"}, {"Out"}, InferFc, ComputeFc});
PDI_REGISTER_OP(OpDef{"bmm", {"X", "Y"}, {"Out"}, InferBmm, ComputeBmm});

}  // namespace pdinfer
