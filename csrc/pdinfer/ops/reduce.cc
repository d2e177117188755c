// Reductions over a set of axes: reduce_sum/mean/max/min/prod/all/any, and p_norm.
//
// The input's dims are coalesced first: size-1 dims are dropped and neighbours that are
// both reduced or both kept are merged, so every reduction becomes a walk over
// contiguous rows where the innermost run is either reduced (a horizontal sum) or kept
// (an element-wise update of a contiguous output row). Both inner loops vectorize.
// Accumulation happens in a wider type (double for floats, int64 for integers) and is
// converted to the output dtype once at the end. Splits across threads depend only on
// the shape, never on the thread count, so results are reproducible.
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

template <typename T>
bool IsNan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  else return false;
}

// ---------------------------------------------------------------- attributes / shapes

struct ReduceSpec {
  std::vector<bool> reduced;  // per input axis
  Shape out_shape;
};

ReduceSpec ParseReduce(const OpContext& ctx, const Shape& x) {
  const AttributeMap& a = ctx.attrs();
  std::vector<int64_t> dims = a.Has("dim") ? a.GetInts("dim", {}) : a.GetInts("axis", {});
  const bool keep = a.GetBool("keep_dim", a.GetBool("keepdim", false));
  const int rank = static_cast<int>(x.size());
  ReduceSpec s;
  s.reduced.assign(x.size(), false);
  bool all = a.GetBool("reduce_all", false) || dims.empty();
  for (int64_t d : dims) {
    if (rank == 0) {
      PDI_ENFORCE_ARG(d == 0 || d == -1, ctx.Where(), ": reduce dim ", d,
                      " is out of range for a 0-D input (expected 0 or -1)");
      continue;
    }
    s.reduced[NormalizeAxis(d, rank, ctx.Where() + " attribute 'dim'")] = true;
  }
  for (int i = 0; i < rank; ++i) {
    if (all) s.reduced[i] = true;
    if (!s.reduced[i]) s.out_shape.push_back(x[i]);
    else if (keep) s.out_shape.push_back(1);
  }
  return s;
}

DataType AttrDType(const OpContext& ctx, const char* name) {
  int64_t v = ctx.attrs().GetInt(name, -1);
  if (v < 0) return DataType::kUndefined;
  PDI_ENFORCE_MODEL(IsValidDataTypeNumber(static_cast<int>(v)), ctx.Where(), ": attribute '",
                    name, "' holds unknown dtype number ", v);
  return static_cast<DataType>(v);
}

enum class Kind { kSum, kMean, kMax, kMin, kProd, kAll, kAny };

DataType ReduceOutDType(const OpContext& ctx, Kind kind, DataType in) {
  if (kind == Kind::kAll || kind == Kind::kAny) return DataType::kBool;
  DataType out = AttrDType(ctx, "out_dtype");
  if (out != DataType::kUndefined) return out;
  if (kind == Kind::kSum && (in == DataType::kBool || in == DataType::kInt32))
    return DataType::kInt64;
  return in;
}

// ---------------------------------------------------------------- reduction operators

// Acc: accumulator type for input type T.
template <typename T>
using WideOf = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

template <typename T>
struct SumOp {
  using Acc = WideOf<T>;
  static Acc Identity() { return Acc(0); }
  static Acc Load(T v) { return static_cast<Acc>(v); }
  static Acc Combine(Acc a, Acc b) { return a + b; }
  static Acc Run(const T* x, int64_t n) {
    // Independent partial sums: keeps the loop vectorizable without reassociating a
    // single accumulator chain.
    Acc p[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
      for (int k = 0; k < 8; ++k) p[k] += static_cast<Acc>(x[i + k]);
    Acc s = ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
    for (; i < n; ++i) s += static_cast<Acc>(x[i]);
    return s;
  }
};

template <typename T>
struct ProdOp {
  using Acc = WideOf<T>;
  static Acc Identity() { return Acc(1); }
  static Acc Load(T v) { return static_cast<Acc>(v); }
  static Acc Combine(Acc a, Acc b) { return a * b; }
  static Acc Run(const T* x, int64_t n) {
    Acc s = 1;
    for (int64_t i = 0; i < n; ++i) s *= static_cast<Acc>(x[i]);
    return s;
  }
};

// max/min propagate NaN like Paddle's kernels.
template <typename T, bool kMax>
struct ExtremeOp {
  using Acc = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;
  static Acc Identity() {
    if constexpr (std::is_floating_point_v<T>)
      return kMax ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
    else
      return kMax ? std::numeric_limits<Acc>::lowest() : std::numeric_limits<Acc>::max();
  }
  static Acc Load(T v) { return static_cast<Acc>(v); }
  static Acc Combine(Acc a, Acc b) {
    if (IsNan(a)) return a;
    if (IsNan(b)) return b;
    return kMax ? (b > a ? b : a) : (b < a ? b : a);
  }
  static Acc Run(const T* x, int64_t n) {
    Acc s = Identity();
    for (int64_t i = 0; i < n; ++i) s = Combine(s, Load(x[i]));
    return s;
  }
};

template <typename T, bool kAll>
struct LogicOp {
  using Acc = uint8_t;
  static Acc Identity() { return kAll ? 1 : 0; }
  static Acc Load(T v) { return v != T(0) ? 1 : 0; }
  static Acc Combine(Acc a, Acc b) { return kAll ? (a & b) : (a | b); }
  static Acc Run(const T* x, int64_t n) {
    Acc s = Identity();
    for (int64_t i = 0; i < n; ++i) s = Combine(s, Load(x[i]));
    return s;
  }
};

// ---------------------------------------------------------------- the reduction walk

struct Plan {
  std::vector<int64_t> dims;    // coalesced input dims
  std::vector<bool> reduced;
  std::vector<int64_t> in_stride;
  std::vector<int64_t> out_stride;  // 0 for reduced dims
};

Plan MakePlan(const Shape& x, const std::vector<bool>& reduced) {
  Plan p;
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i] == 1) continue;
    if (!p.dims.empty() && p.reduced.back() == reduced[i]) {
      p.dims.back() *= x[i];
    } else {
      p.dims.push_back(x[i]);
      p.reduced.push_back(reduced[i]);
    }
  }
  if (p.dims.empty()) {  // a single element: nothing to reduce
    p.dims.push_back(1);
    p.reduced.push_back(false);
  }
  const size_t r = p.dims.size();
  p.in_stride.assign(r, 1);
  p.out_stride.assign(r, 0);
  int64_t is = 1, os = 1;
  for (size_t i = r; i-- > 0;) {
    p.in_stride[i] = is;
    is *= p.dims[i];
    if (!p.reduced[i]) {
      p.out_stride[i] = os;
      os *= p.dims[i];
    }
  }
  return p;
}

// Accumulates x's slice with dims[0] in [b, e) into acc.
template <typename Op, typename T>
void WalkRange(const T* x, typename Op::Acc* acc, const Plan& p, int64_t b, int64_t e) {
  using Acc = typename Op::Acc;
  const int r = static_cast<int>(p.dims.size());
  const bool inner_reduced = p.reduced[r - 1];
  if (r == 1) {
    if (inner_reduced) acc[0] = Op::Combine(acc[0], Op::Run(x + b, e - b));
    else
      for (int64_t j = b; j < e; ++j) acc[j] = Op::Combine(acc[j], Op::Load(x[j]));
    return;
  }
  const int64_t len = p.dims[r - 1];
  std::vector<int64_t> idx(static_cast<size_t>(r - 1), 0);
  idx[0] = b;
  int64_t in_off = b * p.in_stride[0];
  int64_t out_off = b * p.out_stride[0];
  if (b >= e) return;
  for (;;) {
    const T* xr = x + in_off;
    if (inner_reduced) {
      acc[out_off] = Op::Combine(acc[out_off], Op::Run(xr, len));
    } else {
      Acc* ar = acc + out_off;
      for (int64_t j = 0; j < len; ++j) ar[j] = Op::Combine(ar[j], Op::Load(xr[j]));
    }
    in_off += len;
    int d = r - 2;
    for (; d >= 0; --d) {
      ++idx[d];
      out_off += p.out_stride[d];
      if (idx[d] < (d == 0 ? e : p.dims[d])) break;
      if (d == 0) return;
      out_off -= idx[d] * p.out_stride[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

template <typename Op, typename T>
void Accumulate(ThreadPool& pool, const T* x, typename Op::Acc* acc, int64_t out_numel,
                const Plan& p) {
  using Acc = typename Op::Acc;
  std::fill(acc, acc + out_numel, Op::Identity());
  const int r = static_cast<int>(p.dims.size());
  int64_t total = 1;
  for (int64_t d : p.dims) total *= d;
  const int64_t d0_work = total / std::max<int64_t>(1, p.dims[0]);
  if (!p.reduced[0]) {
    // Distinct dims[0] indices write distinct outputs.
    pool.ParallelFor(p.dims[0], std::max<int64_t>(1, 32768 / std::max<int64_t>(1, d0_work)),
                     [&](int64_t b, int64_t e) { WalkRange<Op>(x, acc, p, b, e); });
  } else if (r == 1) {
    // Full reduction of one contiguous run: fixed blocks, combined in order.
    const int64_t n = p.dims[0];
    const int64_t block = 1 << 15;
    const int64_t nblocks = (n + block - 1) / block;
    std::vector<Acc> part(static_cast<size_t>(nblocks), Op::Identity());
    pool.ParallelFor(nblocks, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i)
        part[i] = Op::Run(x + i * block, std::min(block, n - i * block));
    });
    for (const Acc& v : part) acc[0] = Op::Combine(acc[0], v);
  } else if (r == 2) {
    // [rows reduced, cols kept]: split the columns.
    const int64_t rows = p.dims[0], cols = p.dims[1];
    pool.ParallelFor(cols, std::max<int64_t>(64, 32768 / std::max<int64_t>(1, rows)),
                     [&](int64_t c0, int64_t c1) {
      for (int64_t i = 0; i < rows; ++i) {
        const T* xr = x + i * cols;
        for (int64_t c = c0; c < c1; ++c) acc[c] = Op::Combine(acc[c], Op::Load(xr[c]));
      }
    });
  } else {
    WalkRange<Op>(x, acc, p, 0, p.dims[0]);
  }
}

// Converts accumulators into the output tensor, dividing by `count` for a mean.
template <typename Acc>
void StoreResult(const OpContext& ctx, const std::vector<Acc>& acc, bool mean, int64_t count,
                 Tensor& out) {
  auto kernel = [&](auto otag) {
    using O = decltype(otag);
    O* o = out.data<O>();
    const int64_t n = static_cast<int64_t>(acc.size());
    if (mean) {
      if constexpr (std::is_floating_point_v<Acc>) {
        const double c = static_cast<double>(count);
        for (int64_t i = 0; i < n; ++i) o[i] = static_cast<O>(acc[i] / c);  // 0/0 -> NaN
      } else {
        PDI_ENFORCE_ARG(count > 0, ctx.Where(),
                        ": mean of an integer tensor over an empty axis is undefined");
        for (int64_t i = 0; i < n; ++i) o[i] = static_cast<O>(acc[i] / count);
      }
    } else {
      for (int64_t i = 0; i < n; ++i) o[i] = static_cast<O>(acc[i]);
    }
  };
  PDI_DISPATCH_NUMERIC(out.dtype(), ctx.Where(), kernel);
}

template <Kind K>
void InferReduce(OpContext& ctx) {
  const Shape& x = ctx.InputShape("X");
  DataType in = ctx.InputDType("X");
  ReduceSpec s = ParseReduce(ctx, x);
  ctx.SetOutput("Out", ReduceOutDType(ctx, K, in), s.out_shape);
}

template <Kind K, typename T>
void RunReduce(OpContext& ctx, const Tensor& x, const ReduceSpec& s, Tensor& out) {
  const int64_t out_numel = out.numel();
  int64_t count = 1;
  for (size_t i = 0; i < s.reduced.size(); ++i)
    if (s.reduced[i]) count *= x.dim(static_cast<int>(i));
  auto run = [&](auto op_tag) {
    using Op = decltype(op_tag);
    std::vector<typename Op::Acc> acc(static_cast<size_t>(out_numel), Op::Identity());
    if (x.numel() > 0) {
      Plan p = MakePlan(x.shape(), s.reduced);
      Accumulate<Op>(ctx.pool(), x.data<T>(), acc.data(), out_numel, p);
    }
    StoreResult(ctx, acc, K == Kind::kMean, count, out);
  };
  if constexpr (K == Kind::kSum || K == Kind::kMean) run(SumOp<T>{});
  else if constexpr (K == Kind::kProd) run(ProdOp<T>{});
  else if constexpr (K == Kind::kMax) run(ExtremeOp<T, true>{});
  else if constexpr (K == Kind::kMin) run(ExtremeOp<T, false>{});
  else if constexpr (K == Kind::kAll) run(LogicOp<T, true>{});
  else run(LogicOp<T, false>{});
}

template <Kind K>
void ComputeReduce(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  Tensor& out = ctx.Output("Out");
  ReduceSpec s = ParseReduce(ctx, x.shape());
  if (out.numel() == 0) return;
  if constexpr (K == Kind::kMax || K == Kind::kMin) {
    for (size_t i = 0; i < s.reduced.size(); ++i)
      PDI_ENFORCE_ARG(!(s.reduced[i] && x.dim(static_cast<int>(i)) == 0), ctx.Where(),
                      ": cannot reduce along axis ", i, " of size 0 (input shape ",
                      ShapeToString(x.shape()), ")");
  }
  auto kernel = [&](auto tag) {
    using T = decltype(tag);
    RunReduce<K, T>(ctx, x, s, out);
  };
  PDI_DISPATCH_NUMERIC(x.dtype(), ctx.Where(), kernel);
}

// ---------------------------------------------------------------- p_norm

struct PNormSpec {
  int64_t outer = 1, n = 1, inner = 1;
  Shape out_shape;
};

PNormSpec ParsePNorm(const OpContext& ctx, const Shape& x) {
  const int rank = static_cast<int>(x.size());
  const bool keep = ctx.attrs().GetBool("keepdim", false);
  const bool asvector = ctx.attrs().GetBool("asvector", false) || rank == 0;
  PNormSpec s;
  if (asvector) {
    s.n = 1;
    for (int64_t d : x) s.n = (d < 0 || s.n < 0) ? -1 : s.n * d;
    if (keep) s.out_shape.assign(x.size(), 1);
    return s;
  }
  int axis = NormalizeAxis(ctx.attrs().GetInt("axis", -1), rank, ctx.Where() + " attribute 'axis'");
  for (int i = 0; i < rank; ++i) {
    if (i < axis) s.outer *= x[i];
    else if (i == axis) s.n = x[i];
    else s.inner *= x[i];
    if (i != axis) s.out_shape.push_back(x[i]);
    else if (keep) s.out_shape.push_back(1);
  }
  return s;
}

void InferPNorm(OpContext& ctx) {
  DataType dt = ctx.InputDType("X");
  PDI_CHECK(dt == DataType::kFloat32 || dt == DataType::kFloat64, ErrorCode::kUnsupported,
            ctx.Where(), ": input X has dtype ", DataTypeName(dt), ", expected float32 or float64");
  ctx.SetOutput("Out", dt, ParsePNorm(ctx, ctx.InputShape("X")).out_shape);
}

void ComputePNorm(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  PNormSpec s = ParsePNorm(ctx, x.shape());
  const double p = ctx.attrs().GetFloat("porder", 2.0);
  auto kernel = [&](auto tag) {
    using T = decltype(tag);
    const T* xd = x.data<T>();
    T* od = ctx.Output("Out").data<T>();
    const int64_t lines = s.outer * s.inner;
    ctx.pool().ParallelFor(lines, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, s.n)),
                           [&](int64_t b, int64_t e) {
      for (int64_t l = b; l < e; ++l) {
        const T* v = xd + (l / s.inner) * s.n * s.inner + (l % s.inner);
        double r;
        if (std::isinf(p)) {
          double m = p > 0 ? 0.0 : std::numeric_limits<double>::infinity();
          for (int64_t j = 0; j < s.n; ++j) {
            double a = std::fabs(static_cast<double>(v[j * s.inner]));
            if (std::isnan(a)) { m = a; break; }
            m = p > 0 ? std::max(m, a) : std::min(m, a);
          }
          r = m;
        } else if (p == 0) {
          double c = 0;
          for (int64_t j = 0; j < s.n; ++j) c += v[j * s.inner] != T(0) ? 1.0 : 0.0;
          r = c;
        } else {
          double acc = 0;
          if (p == 2) {
            for (int64_t j = 0; j < s.n; ++j) {
              double a = static_cast<double>(v[j * s.inner]);
              acc += a * a;
            }
            r = std::sqrt(acc);
          } else {
            for (int64_t j = 0; j < s.n; ++j)
              acc += std::pow(std::fabs(static_cast<double>(v[j * s.inner])), p);
            r = std::pow(acc, 1.0 / p);
          }
        }
        od[l] = static_cast<T>(r);
      }
    });
  };
  PDI_DISPATCH_FLOAT(x.dtype(), ctx.Where(), kernel);
}

}  // namespace

PDI_REGISTER_OP(OpDef{"reduce_sum", {"X"}, {"Out"}, InferReduce<Kind::kSum>,
                      ComputeReduce<Kind::kSum>});
PDI_REGISTER_OP(OpDef{"reduce_mean", {"X"}, {"Out"}, InferReduce<Kind::kMean>,
                      ComputeReduce<Kind::kMean>});
PDI_REGISTER_OP(OpDef{"reduce_max", {"X"}, {"Out"}, InferReduce<Kind::kMax>,
                      ComputeReduce<Kind::kMax>});
PDI_REGISTER_OP(OpDef{"reduce_min", {"X"}, {"Out"}, InferReduce<Kind::kMin>,
                      ComputeReduce<Kind::kMin>});
PDI_REGISTER_OP(OpDef{"reduce_prod", {"X"}, {"Out"}, InferReduce<Kind::kProd>,
                      ComputeReduce<Kind::kProd>});
PDI_REGISTER_OP(OpDef{"reduce_all", {"X"}, {"Out"}, InferReduce<Kind::kAll>,
                      ComputeReduce<Kind::kAll>});
PDI_REGISTER_OP(OpDef{"reduce_any", {"X"}, {"Out"}, InferReduce<Kind::kAny>,
                      ComputeReduce<Kind::kAny>});
PDI_REGISTER_OP(OpDef{"p_norm", {"X"}, {"Out"}, InferPNorm, ComputePNorm});

}  // namespace pdinfer
