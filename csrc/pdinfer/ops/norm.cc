// Normalization ops computed from the input's own statistics: layer_norm, group_norm,
// instance_norm and rms_norm. (batch_norm uses stored statistics and lives elsewhere.)
//
// Statistics are accumulated in double with a two-pass mean/variance, which keeps long
// rows accurate; the normalization itself runs in the tensor's type.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

void CheckFloat(const OpContext& ctx, const char* slot, DataType dt) {
  PDI_CHECK(dt == DataType::kFloat32 || dt == DataType::kFloat64, ErrorCode::kUnsupported,
            ctx.Where(), ": input ", slot, " has dtype ", DataTypeName(dt),
            ", expected float32 or float64");
}

int64_t Prod(const Shape& s, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end; ++i) {
    if (s[i] < 0) return -1;
    p *= s[i];
  }
  return p;
}

// An optional per-feature parameter (Scale/Bias) must be 1-D of `expected` elements and
// share X's dtype; unknown sizes (-1) are accepted at load time.
void CheckParam(const OpContext& ctx, const char* slot, int64_t expected, const char* what) {
  if (!ctx.HasInput(slot)) return;
  const Shape& s = ctx.InputShape(slot);
  PDI_ENFORCE_ARG(s.size() == 1, ctx.Where(), ": ", slot, " must be 1-D, got shape ",
                  ShapeToString(s));
  PDI_ENFORCE_ARG(expected < 0 || s[0] < 0 || s[0] == expected, ctx.Where(), ": ", slot,
                  " has ", s[0], " elements, expected ", expected, " (", what, ")");
  PDI_CHECK(ctx.InputDType(slot) == ctx.InputDType("X"), ErrorCode::kUnsupported, ctx.Where(),
            ": ", slot, " has dtype ", DataTypeName(ctx.InputDType(slot)), " but X has ",
            DataTypeName(ctx.InputDType("X")));
}

template <typename T>
const T* OptionalData(const OpContext& ctx, const char* slot) {
  return ctx.HasInput(slot) ? ctx.Input(slot).data<T>() : nullptr;
}

template <typename T>
T* OptionalOutput(OpContext& ctx, const char* slot) {
  return ctx.HasOutput(slot) ? ctx.Output(slot).data<T>() : nullptr;
}

// Mean and (biased) variance of n contiguous values.
template <typename T>
void RowMoments(const T* x, int64_t n, double* mean, double* var) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(x[i]);
  double m = n > 0 ? s / static_cast<double>(n) : 0.0;
  double q = 0;
  for (int64_t i = 0; i < n; ++i) {
    double d = static_cast<double>(x[i]) - m;
    q += d * d;
  }
  *mean = m;
  *var = n > 0 ? q / static_cast<double>(n) : 0.0;
}

// ---------------------------------------------------------------- layer_norm

int LayerNormAxis(const OpContext& ctx, size_t rank) {
  int64_t begin = ctx.attrs().GetInt("begin_norm_axis", 1);
  int64_t r = static_cast<int64_t>(rank);
  if (begin < 0) begin += r;
  PDI_ENFORCE_ARG(rank >= 1 && begin >= 0 && begin < r, ctx.Where(), ": begin_norm_axis ",
                  ctx.attrs().GetInt("begin_norm_axis", 1), " is out of range for rank ", rank);
  return static_cast<int>(begin);
}

void InferLayerNorm(OpContext& ctx) {
  const Shape& x = ctx.InputShape("X");
  DataType dt = ctx.InputDType("X");
  CheckFloat(ctx, "X", dt);
  int begin = LayerNormAxis(ctx, x.size());
  int64_t right = Prod(x, static_cast<size_t>(begin), x.size());
  CheckParam(ctx, "Scale", right, "the product of X's dims from begin_norm_axis");
  CheckParam(ctx, "Bias", right, "the product of X's dims from begin_norm_axis");
  ctx.SetOutput("Y", dt, x);
  Shape stats(x.begin(), x.begin() + begin);
  ctx.SetOutput("Mean", dt, stats);
  ctx.SetOutput("Variance", dt, stats);
}

void ComputeLayerNorm(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  int begin = LayerNormAxis(ctx, static_cast<size_t>(x.rank()));
  const int64_t rows = Prod(x.shape(), 0, static_cast<size_t>(begin));
  const int64_t cols = Prod(x.shape(), static_cast<size_t>(begin), x.shape().size());
  const double eps = ctx.attrs().GetFloat("epsilon", 1e-5);
  auto kernel = [&](auto tag) {
    using T = decltype(tag);
    const T* xd = x.data<T>();
    T* yd = ctx.Output("Y").data<T>();
    const T* scale = OptionalData<T>(ctx, "Scale");
    const T* bias = OptionalData<T>(ctx, "Bias");
    T* mean_out = OptionalOutput<T>(ctx, "Mean");
    T* var_out = OptionalOutput<T>(ctx, "Variance");
    ctx.pool().ParallelFor(rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(1, cols)),
                           [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* xr = xd + r * cols;
        T* yr = yd + r * cols;
        double mean, var;
        RowMoments(xr, cols, &mean, &var);
        const T m = static_cast<T>(mean);
        const T inv = static_cast<T>(1.0 / std::sqrt(var + eps));
        if (scale && bias) {
          for (int64_t j = 0; j < cols; ++j) yr[j] = (xr[j] - m) * inv * scale[j] + bias[j];
        } else if (scale) {
          for (int64_t j = 0; j < cols; ++j) yr[j] = (xr[j] - m) * inv * scale[j];
        } else if (bias) {
          for (int64_t j = 0; j < cols; ++j) yr[j] = (xr[j] - m) * inv + bias[j];
        } else {
          for (int64_t j = 0; j < cols; ++j) yr[j] = (xr[j] - m) * inv;
        }
        if (mean_out) mean_out[r] = m;
        if (var_out) var_out[r] = static_cast<T>(var);
      }
    });
  };
  PDI_DISPATCH_FLOAT(x.dtype(), ctx.Where(), kernel);
}

// ---------------------------------------------------------------- group_norm

struct GroupLayout {
  bool channels_last = false;
  int64_t n = 0, c = 0, spatial = 1;
};

GroupLayout GetGroupLayout(const OpContext& ctx, const Shape& x) {
  PDI_ENFORCE_ARG(x.size() >= 2, ctx.Where(), ": X must have rank >= 2, got shape ",
                  ShapeToString(x));
  std::string layout = ctx.attrs().GetString("data_layout", "NCHW");
  GroupLayout g;
  g.channels_last = layout == "NHWC" || layout == "NDHWC" || layout == "NLC";
  PDI_ENFORCE_ARG(g.channels_last || layout == "NCHW" || layout == "NCDHW" || layout == "NCL" ||
                      layout == "AnyLayout",
                  ctx.Where(), ": unsupported data_layout '", layout, "'");
  g.n = x[0];
  g.c = g.channels_last ? x.back() : x[1];
  g.spatial = g.channels_last ? Prod(x, 1, x.size() - 1) : Prod(x, 2, x.size());
  return g;
}

int64_t CheckGroups(const OpContext& ctx, int64_t channels) {
  int64_t groups = ctx.attrs().GetInt("groups", 1);
  PDI_ENFORCE_ARG(groups >= 1, ctx.Where(), ": groups must be >= 1, got ", groups);
  if (channels >= 0) {
    PDI_ENFORCE_ARG(groups <= channels && channels % groups == 0, ctx.Where(), ": ", channels,
                    " channels cannot be split into ", groups, " groups");
  }
  return groups;
}

void InferGroupNorm(OpContext& ctx) {
  const Shape& x = ctx.InputShape("X");
  DataType dt = ctx.InputDType("X");
  CheckFloat(ctx, "X", dt);
  GroupLayout g = GetGroupLayout(ctx, x);
  int64_t groups = CheckGroups(ctx, g.c);
  CheckParam(ctx, "Scale", g.c, "the number of channels");
  CheckParam(ctx, "Bias", g.c, "the number of channels");
  ctx.SetOutput("Y", dt, x);
  ctx.SetOutput("Mean", dt, {x[0], groups});
  ctx.SetOutput("Variance", dt, {x[0], groups});
}

void ComputeGroupNorm(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  GroupLayout g = GetGroupLayout(ctx, x.shape());
  const int64_t groups = CheckGroups(ctx, g.c);
  const int64_t cpg = g.c / groups;
  const double eps = ctx.attrs().GetFloat("epsilon", 1e-5);
  auto kernel = [&](auto tag) {
    using T = decltype(tag);
    const T* xd = x.data<T>();
    T* yd = ctx.Output("Y").data<T>();
    const T* scale = OptionalData<T>(ctx, "Scale");
    const T* bias = OptionalData<T>(ctx, "Bias");
    T* mean_out = OptionalOutput<T>(ctx, "Mean");
    T* var_out = OptionalOutput<T>(ctx, "Variance");
    const int64_t group_size = cpg * g.spatial;
    ctx.pool().ParallelFor(g.n * groups, std::max<int64_t>(1, 8192 / std::max<int64_t>(1, group_size)),
                           [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t n = t / groups, grp = t % groups, c0 = grp * cpg;
        double mean = 0, var = 0;
        if (!g.channels_last) {
          // The group's channels are one contiguous run of cpg * spatial values.
          const T* xs = xd + (n * g.c + c0) * g.spatial;
          T* ys = yd + (n * g.c + c0) * g.spatial;
          RowMoments(xs, group_size, &mean, &var);
          const double inv = 1.0 / std::sqrt(var + eps);
          for (int64_t c = 0; c < cpg; ++c) {
            T a = static_cast<T>(inv * (scale ? static_cast<double>(scale[c0 + c]) : 1.0));
            T b = static_cast<T>((bias ? static_cast<double>(bias[c0 + c]) : 0.0) -
                                 mean * static_cast<double>(a));
            const T* xc = xs + c * g.spatial;
            T* yc = ys + c * g.spatial;
            for (int64_t s = 0; s < g.spatial; ++s) yc[s] = xc[s] * a + b;
          }
        } else {
          const T* xs = xd + n * g.spatial * g.c + c0;
          T* ys = yd + n * g.spatial * g.c + c0;
          double sum = 0;
          for (int64_t s = 0; s < g.spatial; ++s)
            for (int64_t c = 0; c < cpg; ++c) sum += static_cast<double>(xs[s * g.c + c]);
          mean = group_size > 0 ? sum / static_cast<double>(group_size) : 0.0;
          double q = 0;
          for (int64_t s = 0; s < g.spatial; ++s)
            for (int64_t c = 0; c < cpg; ++c) {
              double d = static_cast<double>(xs[s * g.c + c]) - mean;
              q += d * d;
            }
          var = group_size > 0 ? q / static_cast<double>(group_size) : 0.0;
          const double inv = 1.0 / std::sqrt(var + eps);
          std::vector<T> a(static_cast<size_t>(cpg)), b(static_cast<size_t>(cpg));
          for (int64_t c = 0; c < cpg; ++c) {
            a[c] = static_cast<T>(inv * (scale ? static_cast<double>(scale[c0 + c]) : 1.0));
            b[c] = static_cast<T>((bias ? static_cast<double>(bias[c0 + c]) : 0.0) -
                                  mean * static_cast<double>(a[c]));
          }
          for (int64_t s = 0; s < g.spatial; ++s)
            for (int64_t c = 0; c < cpg; ++c) ys[s * g.c + c] = xs[s * g.c + c] * a[c] + b[c];
        }
        if (mean_out) mean_out[t] = static_cast<T>(mean);
        if (var_out) var_out[t] = static_cast<T>(var);
      }
    });
  };
  PDI_DISPATCH_FLOAT(x.dtype(), ctx.Where(), kernel);
}

// ---------------------------------------------------------------- instance_norm

void InferInstanceNorm(OpContext& ctx) {
  const Shape& x = ctx.InputShape("X");
  DataType dt = ctx.InputDType("X");
  CheckFloat(ctx, "X", dt);
  PDI_ENFORCE_ARG(x.size() >= 2, ctx.Where(), ": X must have rank >= 2 ([N, C, ...]), got shape ",
                  ShapeToString(x));
  CheckParam(ctx, "Scale", x[1], "the number of channels");
  CheckParam(ctx, "Bias", x[1], "the number of channels");
  ctx.SetOutput("Y", dt, x);
  int64_t nc = (x[0] < 0 || x[1] < 0) ? -1 : x[0] * x[1];
  ctx.SetOutput("SavedMean", dt, {nc});
  ctx.SetOutput("SavedVariance", dt, {nc});
}

void ComputeInstanceNorm(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  PDI_ENFORCE_ARG(x.rank() >= 2, ctx.Where(), ": X must have rank >= 2");
  const int64_t c_count = x.dim(1);
  const int64_t nc = x.dim(0) * c_count;
  const int64_t spatial = Prod(x.shape(), 2, x.shape().size());
  const double eps = ctx.attrs().GetFloat("epsilon", 1e-5);
  auto kernel = [&](auto tag) {
    using T = decltype(tag);
    const T* xd = x.data<T>();
    T* yd = ctx.Output("Y").data<T>();
    const T* scale = OptionalData<T>(ctx, "Scale");
    const T* bias = OptionalData<T>(ctx, "Bias");
    T* mean_out = OptionalOutput<T>(ctx, "SavedMean");
    T* inv_out = OptionalOutput<T>(ctx, "SavedVariance");
    ctx.pool().ParallelFor(nc, std::max<int64_t>(1, 8192 / std::max<int64_t>(1, spatial)),
                           [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t c = t % c_count;
        double mean, var;
        RowMoments(xd + t * spatial, spatial, &mean, &var);
        // Paddle saves the inverse standard deviation, not the variance.
        const double inv = 1.0 / std::sqrt(var + eps);
        T a = static_cast<T>(inv * (scale ? static_cast<double>(scale[c]) : 1.0));
        T b = static_cast<T>((bias ? static_cast<double>(bias[c]) : 0.0) -
                             mean * static_cast<double>(a));
        const T* xs = xd + t * spatial;
        T* ys = yd + t * spatial;
        for (int64_t s = 0; s < spatial; ++s) ys[s] = xs[s] * a + b;
        if (mean_out) mean_out[t] = static_cast<T>(mean);
        if (inv_out) inv_out[t] = static_cast<T>(inv);
      }
    });
  };
  PDI_DISPATCH_FLOAT(x.dtype(), ctx.Where(), kernel);
}

// ---------------------------------------------------------------- rms_norm
// Paddle's `rms_norm` op: x, scale? -> y, invvar; attrs normalized_shape (the trailing
// dims normalized together) and epsilon. y = x / sqrt(mean(x^2) + epsilon) * scale, and
// invvar holds 1 / sqrt(mean(x^2) + epsilon) per normalized row, flattened to [rows].
// (Paddle only has a GPU kernel for it; this follows its documented semantics.)

int RmsBegin(const OpContext& ctx, const Shape& x) {
  std::vector<int64_t> ns = ctx.attrs().GetInts("normalized_shape", {});
  PDI_ENFORCE_ARG(!ns.empty() && ns.size() <= x.size(), ctx.Where(), ": normalized_shape has ",
                  ns.size(), " dims, expected 1..", x.size(), " for input shape ",
                  ShapeToString(x));
  size_t begin = x.size() - ns.size();
  for (size_t i = 0; i < ns.size(); ++i)
    PDI_ENFORCE_ARG(x[begin + i] < 0 || x[begin + i] == ns[i], ctx.Where(),
                    ": normalized_shape ", ShapeToString(ns),
                    " does not match the trailing dims of input shape ", ShapeToString(x));
  return static_cast<int>(begin);
}

void InferRmsNorm(OpContext& ctx) {
  const Shape& x = ctx.InputShape("x");
  DataType dt = ctx.InputDType("x");
  CheckFloat(ctx, "x", dt);
  int begin = RmsBegin(ctx, x);
  if (ctx.HasInput("scale")) {
    int64_t right = Prod(x, static_cast<size_t>(begin), x.size());
    int64_t wn = Prod(ctx.InputShape("scale"), 0, ctx.InputShape("scale").size());
    PDI_ENFORCE_ARG(right < 0 || wn < 0 || right == wn, ctx.Where(), ": scale has ", wn,
                    " elements, expected ", right, " (the product of normalized_shape)");
    PDI_CHECK(ctx.InputDType("scale") == dt, ErrorCode::kUnsupported, ctx.Where(),
              ": scale dtype ", DataTypeName(ctx.InputDType("scale")), " differs from x dtype ",
              DataTypeName(dt));
  }
  ctx.SetOutput("y", dt, x);
  ctx.SetOutput("invvar", dt, {Prod(x, 0, static_cast<size_t>(begin))});
}

void ComputeRmsNorm(OpContext& ctx) {
  const Tensor& x = ctx.Input("x");
  int begin = RmsBegin(ctx, x.shape());
  const int64_t rows = Prod(x.shape(), 0, static_cast<size_t>(begin));
  const int64_t cols = Prod(x.shape(), static_cast<size_t>(begin), x.shape().size());
  const double eps = ctx.attrs().GetFloat("epsilon", 1e-5);
  auto kernel = [&](auto tag) {
    using T = decltype(tag);
    const T* xd = x.data<T>();
    T* yd = ctx.Output("y").data<T>();
    T* inv_out = OptionalOutput<T>(ctx, "invvar");
    const T* w = OptionalData<T>(ctx, "scale");
    ctx.pool().ParallelFor(rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(1, cols)),
                           [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* xr = xd + r * cols;
        T* yr = yd + r * cols;
        double q = 0;
        for (int64_t j = 0; j < cols; ++j) q += static_cast<double>(xr[j]) * xr[j];
        const double inv = 1.0 / std::sqrt((cols > 0 ? q / static_cast<double>(cols) : 0.0) + eps);
        const T ti = static_cast<T>(inv);
        if (w)
          for (int64_t j = 0; j < cols; ++j) yr[j] = xr[j] * ti * w[j];
        else
          for (int64_t j = 0; j < cols; ++j) yr[j] = xr[j] * ti;
        if (inv_out) inv_out[r] = ti;
      }
    });
  };
  PDI_DISPATCH_FLOAT(x.dtype(), ctx.Where(), kernel);
}

}  // namespace

PDI_REGISTER_OP(OpDef{"layer_norm", {"X", "Scale?", "Bias?"}, {"Y", "Mean?", "Variance?"},
                      InferLayerNorm, ComputeLayerNorm});
PDI_REGISTER_OP(OpDef{"group_norm", {"X", "Scale?", "Bias?"}, {"Y", "Mean?", "Variance?"},
                      InferGroupNorm, ComputeGroupNorm});
PDI_REGISTER_OP(OpDef{"instance_norm", {"X", "Scale?", "Bias?"},
                      {"Y", "SavedMean?", "SavedVariance?"}, InferInstanceNorm,
                      ComputeInstanceNorm});
PDI_REGISTER_OP(OpDef{"rms_norm", {"x", "scale?"}, {"y", "invvar?"}, InferRmsNorm,
                      ComputeRmsNorm});

}  // namespace pdinfer
