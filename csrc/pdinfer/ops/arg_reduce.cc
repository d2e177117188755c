// Index-producing reductions and scans along one axis: arg_max, arg_min, top_k,
// top_k_v2 and cumsum. All view the input as [outer, n, inner] around the axis.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

template <typename T>
bool IsNan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  else return false;
}

struct AxisView {
  int64_t outer = 1, n = 1, inner = 1;
};

AxisView ViewAround(const Shape& x, int axis) {
  AxisView v;
  for (int i = 0; i < static_cast<int>(x.size()); ++i) {
    if (i < axis) v.outer *= x[i];
    else if (i == axis) v.n = x[i];
    else v.inner *= x[i];
  }
  return v;
}

// Axis attribute check; a 0-D input accepts 0 and -1 and yields -1.
int AxisOf(const OpContext& ctx, int64_t axis, int rank) {
  if (rank == 0) {
    PDI_ENFORCE_ARG(axis == 0 || axis == -1, ctx.Where(), ": axis ", axis,
                    " is out of range for a 0-D input (expected 0 or -1)");
    return -1;
  }
  return NormalizeAxis(axis, rank, ctx.Where() + " attribute 'axis'");
}

// ---------------------------------------------------------------- arg_max / arg_min

DataType ArgIndexDType(const OpContext& ctx) {
  int64_t d = ctx.attrs().GetInt("dtype", -1);
  if (d == -1 || d == static_cast<int64_t>(DataType::kInt64)) return DataType::kInt64;
  PDI_ENFORCE_ARG(d == static_cast<int64_t>(DataType::kInt32), ctx.Where(),
                  ": attribute dtype must be int32 (2) or int64 (3), got ", d);
  return DataType::kInt32;
}

void InferArg(OpContext& ctx) {
  const Shape& x = ctx.InputShape("X");
  const int rank = static_cast<int>(x.size());
  const bool flatten = ctx.attrs().GetBool("flatten", false);
  const bool keep = ctx.attrs().GetBool("keepdims", false);
  Shape out;
  if (flatten) {
    if (keep) out.assign(x.size(), 1);
  } else {
    int axis = AxisOf(ctx, ctx.attrs().GetInt("axis", -1), rank);
    for (int i = 0; i < rank; ++i) {
      if (i != axis) out.push_back(x[i]);
      else if (keep) out.push_back(1);
    }
  }
  ctx.SetOutput("Out", ArgIndexDType(ctx), out);
}

// Scans in index order with a strict comparison starting from (lowest, 0) for arg_max
// (highest for arg_min): ties keep the first index and NaN never wins, as in Paddle.
template <bool kMax>
void ComputeArg(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  Tensor& out = ctx.Output("Out");
  const bool flatten = ctx.attrs().GetBool("flatten", false);
  AxisView v;
  if (flatten) {
    v.n = x.numel();
  } else {
    int axis = AxisOf(ctx, ctx.attrs().GetInt("axis", -1), x.rank());
    if (axis >= 0) v = ViewAround(x.shape(), axis);
  }
  if (out.numel() == 0) return;
  PDI_ENFORCE_ARG(v.n > 0, ctx.Where(), ": cannot take arg_", kMax ? "max" : "min",
                  " over an axis of size 0 (input shape ", ShapeToString(x.shape()), ")");
  if (out.dtype() == DataType::kInt32)
    PDI_ENFORCE_ARG(v.n <= std::numeric_limits<int32_t>::max(), ctx.Where(), ": axis of ", v.n,
                    " elements does not fit int32 indices; use dtype int64");
  auto kernel = [&](auto tag) {
    using T = decltype(tag);
    using C = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;
    const T* xd = x.data<T>();
    std::vector<int64_t> idx(static_cast<size_t>(v.outer * v.inner), 0);
    ctx.pool().ParallelFor(v.outer, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, v.n * v.inner)),
                           [&](int64_t o0, int64_t o1) {
      std::vector<C> best(static_cast<size_t>(v.inner));
      for (int64_t o = o0; o < o1; ++o) {
        const T* xs = xd + o * v.n * v.inner;
        int64_t* id = idx.data() + o * v.inner;
        std::fill(best.begin(), best.end(),
                  kMax ? std::numeric_limits<C>::lowest() : std::numeric_limits<C>::max());
        for (int64_t j = 0; j < v.n; ++j) {
          const T* row = xs + j * v.inner;
          for (int64_t k = 0; k < v.inner; ++k) {
            C val = static_cast<C>(row[k]);
            bool better = kMax ? val > best[k] : val < best[k];
            if (better) {
              best[k] = val;
              id[k] = j;
            }
          }
        }
      }
    });
    if (out.dtype() == DataType::kInt32) {
      int32_t* o = out.data<int32_t>();
      for (size_t i = 0; i < idx.size(); ++i) o[i] = static_cast<int32_t>(idx[i]);
    } else {
      std::copy(idx.begin(), idx.end(), out.data<int64_t>());
    }
  };
  PDI_DISPATCH_NUMERIC(x.dtype(), ctx.Where(), kernel);
}

// ---------------------------------------------------------------- top_k / top_k_v2

// k from the K input when present (its value may be unknown at load time: returns -1),
// else from the attribute.
int64_t TopKValue(const OpContext& ctx) {
  if (ctx.HasInput("K")) {
    const Tensor* kt = ctx.InputValue("K");
    if (!kt) return -1;
    PDI_ENFORCE_ARG(kt->numel() == 1, ctx.Where(), ": input K must hold one value, got shape ",
                    ShapeToString(kt->shape()));
    int64_t k;
    if (kt->dtype() == DataType::kInt32) k = kt->data<int32_t>()[0];
    else if (kt->dtype() == DataType::kInt64) k = kt->data<int64_t>()[0];
    else
      ThrowError(ErrorCode::kInvalidArgument, ctx.Where(), ": input K must be int32 or int64, got ",
                 DataTypeName(kt->dtype()));
    PDI_ENFORCE_ARG(k >= 0, ctx.Where(), ": k must be >= 0, got ", k);
    return k;
  }
  int64_t k = ctx.attrs().GetInt("k", 1);
  PDI_ENFORCE_ARG(k >= 1, ctx.Where(), ": attribute k must be >= 1, got ", k);
  return k;
}

template <bool kV2>
int TopKAxis(const OpContext& ctx, int rank) {
  return AxisOf(ctx, kV2 ? ctx.attrs().GetInt("axis", -1) : -1, rank);
}

template <bool kV2>
void InferTopK(OpContext& ctx) {
  const Shape& x = ctx.InputShape("X");
  DataType dt = ctx.InputDType("X");
  const int rank = static_cast<int>(x.size());
  int axis = TopKAxis<kV2>(ctx, rank);
  int64_t k = TopKValue(ctx);
  Shape out = x;
  if (axis >= 0) {
    PDI_ENFORCE_ARG(k < 0 || x[axis] < 0 || k <= x[axis], ctx.Where(), ": k = ", k,
                    " exceeds the size ", x[axis], " of axis ", axis, " (input shape ",
                    ShapeToString(x), ")");
    out[axis] = k;
  }
  ctx.SetOutput("Out", dt, out);
  ctx.SetOutput("Indices", DataType::kInt64, out);
}

template <bool kV2>
void ComputeTopK(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  Tensor& out = ctx.Output("Out");
  int64_t* ind = ctx.HasOutput("Indices") ? ctx.Output("Indices").data<int64_t>() : nullptr;
  const int axis = TopKAxis<kV2>(ctx, x.rank());
  const bool largest = kV2 ? ctx.attrs().GetBool("largest", true) : true;
  AxisView v;
  int64_t k = 1;
  if (axis >= 0) {
    v = ViewAround(x.shape(), axis);
    k = TopKValue(ctx);
    PDI_ENFORCE_ARG(k <= v.n, ctx.Where(), ": k = ", k, " exceeds the size ", v.n, " of axis ",
                    axis);
  }
  auto kernel = [&](auto tag) {
    using T = decltype(tag);
    const T* xd = x.data<T>();
    T* od = out.data<T>();
    const int64_t lines = v.outer * v.inner;
    if (k == 0 || lines == 0) return;
    // Strict total order: NaN counts as the largest value, ties go to the lower index,
    // so the output is deterministic (and sorted even when `sorted` is false).
    auto before = [largest](const std::pair<T, int64_t>& a, const std::pair<T, int64_t>& b) {
      bool an = IsNan(a.first), bn = IsNan(b.first);
      if (an || bn) return (an && bn) ? a.second < b.second : (largest ? an : bn);
      if (a.first != b.first) return largest ? a.first > b.first : a.first < b.first;
      return a.second < b.second;
    };
    ctx.pool().ParallelFor(lines, std::max<int64_t>(1, 8192 / std::max<int64_t>(1, v.n)),
                           [&](int64_t l0, int64_t l1) {
      std::vector<std::pair<T, int64_t>> buf(static_cast<size_t>(v.n));
      for (int64_t l = l0; l < l1; ++l) {
        const int64_t o = l / v.inner, i = l % v.inner;
        const T* src = xd + o * v.n * v.inner + i;
        for (int64_t j = 0; j < v.n; ++j) buf[j] = {src[j * v.inner], j};
        std::partial_sort(buf.begin(), buf.begin() + k, buf.end(), before);
        T* dst = od + o * k * v.inner + i;
        int64_t* di = ind ? ind + o * k * v.inner + i : nullptr;
        for (int64_t j = 0; j < k; ++j) {
          dst[j * v.inner] = buf[j].first;
          if (di) di[j * v.inner] = buf[j].second;
        }
      }
    });
  };
  PDI_DISPATCH_NUMERIC(x.dtype(), ctx.Where(), kernel);
}

// ---------------------------------------------------------------- cumsum

void InferCumsum(OpContext& ctx) {
  const Shape& x = ctx.InputShape("X");
  DataType dt = ctx.InputDType("X");
  if (ctx.attrs().GetBool("flatten", false)) {
    int64_t n = 1;
    for (int64_t d : x) n = (d < 0 || n < 0) ? -1 : n * d;
    ctx.SetOutput("Out", dt, {n});
    return;
  }
  AxisOf(ctx, ctx.attrs().GetInt("axis", -1), static_cast<int>(x.size()));
  ctx.SetOutput("Out", dt, x);
}

void ComputeCumsum(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  Tensor& out = ctx.Output("Out");
  AxisView v;
  if (ctx.attrs().GetBool("flatten", false)) {
    v.n = x.numel();
  } else {
    int axis = AxisOf(ctx, ctx.attrs().GetInt("axis", -1), x.rank());
    if (axis >= 0) v = ViewAround(x.shape(), axis);
  }
  const bool exclusive = ctx.attrs().GetBool("exclusive", false);
  const bool reverse = ctx.attrs().GetBool("reverse", false);
  if (x.numel() == 0) return;
  auto kernel = [&](auto tag) {
    using T = decltype(tag);
    // Floats accumulate in double: long scans would otherwise drift.
    using Acc = std::conditional_t<std::is_floating_point_v<T>, double,
                                   std::conditional_t<std::is_same_v<T, bool>, int64_t, T>>;
    const T* xd = x.data<T>();
    T* od = out.data<T>();
    const int64_t lane = std::min<int64_t>(v.inner, 512);
    const int64_t blocks = (v.inner + lane - 1) / lane;
    ctx.pool().ParallelFor(v.outer * blocks,
                           std::max<int64_t>(1, 16384 / std::max<int64_t>(1, v.n * lane)),
                           [&](int64_t t0, int64_t t1) {
      std::vector<Acc> acc(static_cast<size_t>(lane));
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t o = t / blocks, k0 = (t % blocks) * lane;
        const int64_t w = std::min(v.inner, k0 + lane) - k0;
        std::fill(acc.begin(), acc.begin() + w, Acc(0));
        const T* xs = xd + o * v.n * v.inner + k0;
        T* os = od + o * v.n * v.inner + k0;
        for (int64_t s = 0; s < v.n; ++s) {
          const int64_t j = reverse ? v.n - 1 - s : s;
          const T* xr = xs + j * v.inner;
          T* orow = os + j * v.inner;
          if (exclusive) {
            for (int64_t q = 0; q < w; ++q) {
              orow[q] = static_cast<T>(acc[q]);
              acc[q] += static_cast<Acc>(xr[q]);
            }
          } else {
            for (int64_t q = 0; q < w; ++q) {
              acc[q] += static_cast<Acc>(xr[q]);
              orow[q] = static_cast<T>(acc[q]);
            }
          }
        }
      }
    });
  };
  PDI_DISPATCH_NUMERIC(x.dtype(), ctx.Where(), kernel);
}

}  // namespace

PDI_REGISTER_OP(OpDef{"arg_max", {"X"}, {"Out"}, InferArg, ComputeArg<true>});
PDI_REGISTER_OP(OpDef{"arg_min", {"X"}, {"Out"}, InferArg, ComputeArg<false>});
PDI_REGISTER_OP(OpDef{"top_k", {"X", "K?"}, {"Out", "Indices?"}, InferTopK<false>,
                      ComputeTopK<false>});
PDI_REGISTER_OP(OpDef{"top_k_v2", {"X", "K?"}, {"Out", "Indices?"}, InferTopK<true>,
                      ComputeTopK<true>});
PDI_REGISTER_OP(OpDef{"cumsum", {"X"}, {"Out"}, InferCumsum, ComputeCumsum});

}  // namespace pdinfer
