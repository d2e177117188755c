#include "pdinfer/ops/matmul_util.h"

#include "pdinfer/ops/elementwise_kernel.h"
#include "pdinfer/ops/op_utils.h"

namespace pdinfer {
namespace matmul {

int64_t Product(const Shape& s) {
  int64_t p = 1;
  for (int64_t d : s) {
    if (d < 0) return -1;
    p *= d;
  }
  return p;
}

void CheckSameDType(const OpContext& ctx, const char* a, const char* b) {
  DataType da = ctx.InputDType(a), db = ctx.InputDType(b);
  PDI_ENFORCE_ARG(da == db, ctx.Where(), ": inputs ", a, " (", DataTypeName(da), ") and ", b,
                  " (", DataTypeName(db), ") must have the same dtype");
  DispatchType(ctx, da, [](auto) {});
}

void CheckInner(const OpContext& ctx, int64_t kx, int64_t ky, const Shape& x, const Shape& y,
                const char* detail) {
  PDI_ENFORCE_ARG(!Known(kx) || !Known(ky) || kx == ky, ctx.Where(),
                  ": inner dimensions do not match: X ", ShapeToString(x), " gives K = ", kx,
                  ", Y ", ShapeToString(y), " gives K = ", ky, detail);
}

void RejectFusedLayoutAttrs(const OpContext& ctx) {
  for (const char* name : {"fused_reshape_X", "fused_transpose_X", "fused_reshape_Y",
                           "fused_transpose_Y", "fused_reshape_Out", "fused_transpose_Out"}) {
    PDI_CHECK(ctx.attrs().GetInts(name, {}).empty(), ErrorCode::kUnsupported, ctx.Where(),
              ": attribute '", name, "' (a fused reshape/transpose) is not supported");
  }
  const int64_t heads = ctx.attrs().GetInt("head_number", 1);
  PDI_CHECK(heads <= 1, ErrorCode::kUnsupported, ctx.Where(), ": head_number ", heads,
            " (multi-head split) is not supported");
}

MatmulPlan PlanMatmul(const OpContext& ctx, const Shape& xs, const Shape& ys, bool legacy,
                      bool trans_x, bool trans_y) {
  RejectFusedLayoutAttrs(ctx);
  PDI_ENFORCE_ARG(!xs.empty() && !ys.empty(), ctx.Where(),
                  ": X and Y must have rank >= 1, got X ", ShapeToString(xs), " and Y ",
                  ShapeToString(ys));
  MatmulPlan p;
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
  p.x.trans = trans_x && (legacy || !p.x_vec);
  p.y.trans = trans_y && (legacy || !p.y_vec);
  CheckInner(ctx, p.x.out_cols(), p.y.out_rows(), xs, ys,
             legacy ? " (after transpose_X/transpose_Y; a 1-D X is a row [1, K] and a 1-D Y "
                      "a column [K, 1] before transposing)"
                    : " (after trans_x/trans_y; a 1-D operand is never transposed)");
  if (legacy && !p.x.batch.empty() && !p.y.batch.empty()) {
    // The legacy op also insists on equal batch sizes when both operands have batch dims.
    const int64_t bx = Product(p.x.batch), by = Product(p.y.batch);
    PDI_ENFORCE_ARG(bx < 0 || by < 0 || bx == by, ctx.Where(), ": batch sizes of X ",
                    ShapeToString(xs), " and Y ", ShapeToString(ys), " differ (", bx, " vs ", by,
                    "); they must be equal or one operand must have rank <= 2");
  }
  p.batch = BroadcastShapes(p.x.batch, p.y.batch, ctx.Where() + ": batch dims of X and Y");
  p.out = p.batch;
  const int64_t m = p.x.out_rows(), n = p.y.out_cols();
  if (legacy) {
    if (!(p.x_vec && m == 1)) p.out.push_back(m);
    if (!(p.y_vec && n == 1)) p.out.push_back(n);
  } else {
    if (!p.x_vec) p.out.push_back(m);
    if (!p.y_vec) p.out.push_back(n);
  }
  return p;
}

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

Shape EpilogueOutShape(const OpContext& ctx, const Shape& prod, const Shape* residual) {
  if (!residual) return prod;
  return BroadcastShapes(prod, *residual,
                         ctx.Where() + ": ResidualData must broadcast with the product");
}

FusedActivation EpilogueActivation(const OpContext& ctx, const std::string& name_in) {
  const AttributeMap& a = ctx.attrs();
  std::string name = name_in;
  AttributeMap m;
  if (name == "gelu_tanh" || name == "gelu_erf") {
    m.Set("fuse_alpha", name == "gelu_tanh" ? 1.0 : 0.0);
    name = "gelu";
  } else {
    for (const char* k : {"fuse_alpha", "fuse_beta", "fuse_gamma"})
      if (a.Has(k)) m.Set(k, a.GetFloat(k, 0.0));
  }
  m.Set("fuse_activation", name);
  return FusedActivation::FromAttrs(m, ctx.Where());
}

void CheckEpilogueBias(const OpContext& ctx, const char* slot, int64_t n, const char* like_slot) {
  if (!ctx.HasInput(slot)) return;
  const Shape& b = ctx.InputShape(slot);
  const int64_t bn = Product(b);
  const bool shape_ok = b.size() == 1 || (b.size() == 2 && (b[0] == 1 || b[0] < 0));
  PDI_ENFORCE_ARG(shape_ok && (!Known(bn) || !Known(n) || bn == n), ctx.Where(), ": ", slot,
                  " must be [", n, "] or [1, ", n, "], got ", ShapeToString(b));
  PDI_ENFORCE_ARG(ctx.InputDType(slot) == ctx.InputDType(like_slot), ctx.Where(), ": ", slot,
                  " dtype ", DataTypeName(ctx.InputDType(slot)), " differs from ", like_slot,
                  " dtype ", DataTypeName(ctx.InputDType(like_slot)));
}

namespace {

// Rows of `n` elements to hand one thread for a cheap per-element loop.
int64_t RowChunk(int64_t n) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, n)); }

template <typename T>
void FillRowsWithBias(ThreadPool& pool, T* dst, int64_t rows, int64_t n, const T* bias) {
  pool.ParallelFor(rows, RowChunk(n), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) std::copy(bias, bias + n, dst + r * n);
  });
}

template <typename T>
void AddBiasToRows(ThreadPool& pool, T* dst, int64_t rows, int64_t n, const T* bias) {
  pool.ParallelFor(rows, RowChunk(n), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      T* row = dst + r * n;
      for (int64_t j = 0; j < n; ++j) row[j] += bias[j];
    }
  });
}

}  // namespace

template <typename T>
void RunWithEpilogue(OpContext& ctx, const Shape& prod, const T* bias, const Tensor* residual,
                     const FusedActivation& act, Tensor& out,
                     const std::function<void(T* dst, T beta)>& product) {
  ThreadPool& pool = ctx.pool();
  const Shape& os = out.shape();
  if (out.numel() == 0) return;
  const int64_t n = prod.empty() ? 1 : prod.back();
  const int64_t prod_numel = Product(prod);
  const int64_t rows = n > 0 ? prod_numel / n : 0;
  T* od = out.data<T>();
  if (residual && os != prod) {
    // The residual enlarges the product: compute it apart, then broadcast-add.
    Tensor tmp(out.dtype(), prod);
    T* td = tmp.data<T>();
    product(td, T(0));
    if (bias) AddBiasToRows(pool, td, rows, n, bias);
    Shape ta, ra, s;
    AlignBroadcastShapes(prod, residual->shape(), -1, ctx.Where(), &ta, &ra, &s);
    BinaryBroadcast(pool, td, ta, residual->data<T>(), ra, od, os, 1,
                    [](T a, T b) { return static_cast<T>(a + b); });
  } else if (residual) {
    const T* rd = residual->data<T>();
    if (residual->shape() == os) {
      if (bias) {
        pool.ParallelFor(rows, RowChunk(n), [&](int64_t r0, int64_t r1) {
          for (int64_t r = r0; r < r1; ++r) {
            const T* rr = rd + r * n;
            T* o = od + r * n;
            for (int64_t j = 0; j < n; ++j) o[j] = rr[j] + bias[j];
          }
        });
      } else {
        ParallelForElements(pool, out.numel(), 1, [&](int64_t b, int64_t e) {
          std::copy(rd + b, rd + e, od + b);
        });
      }
    } else {
      Shape ra, oa, s;
      AlignBroadcastShapes(residual->shape(), os, -1, ctx.Where(), &ra, &oa, &s);
      Shape ba(os.size(), 1);
      const T zero = T(0);
      const T* bp = &zero;
      if (bias && !ba.empty()) {
        ba.back() = n;
        bp = bias;
      } else if (bias) {
        bp = bias;  // 0-D product: a single bias value
      }
      BinaryBroadcast(pool, rd, ra, bp, ba, od, os, 1,
                      [](T a, T b) { return static_cast<T>(a + b); });
    }
    product(od, T(1));
  } else if (bias) {
    FillRowsWithBias(pool, od, rows, n, bias);
    product(od, T(1));
  } else {
    product(od, T(0));
  }
  if (!act.identity()) act.Apply(od, out.numel(), &pool);
}

template void RunWithEpilogue<float>(OpContext&, const Shape&, const float*, const Tensor*,
                                     const FusedActivation&, Tensor&,
                                     const std::function<void(float*, float)>&);
template void RunWithEpilogue<double>(OpContext&, const Shape&, const double*, const Tensor*,
                                      const FusedActivation&, Tensor&,
                                      const std::function<void(double*, double)>&);

}  // namespace matmul
}  // namespace pdinfer
