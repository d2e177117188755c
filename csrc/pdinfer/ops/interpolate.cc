// Resize ops: {nearest,bilinear,bicubic,linear,trilinear}_interp_v2 and their v1
// predecessors (nearest_interp, bilinear_interp, ...; same semantics, but `scale` is one
// float applied to every spatial dim).
//
// Output size, by priority: SizeTensor (one int tensor per spatial dim), then OutSize
// (one int tensor with all dims) over the scale (Scale tensor, else the `scale`
// attribute) over out_d / out_h / out_w. Source coordinates follow Paddle's CPU kernels
// (float ratio, truncating casts):
//   ratio = align_corners ? (in-1)/(out-1) : a scale was given ? 1/scale : in/out
// align_mode 0 (half-pixel) applies only to the linear family without align_corners.
// When every output dim equals the input's, the input is copied.
//
// One exception mirrors paddle.inference's default (oneDNN) configuration on legacy
// programs: nearest_interp_v2 without OutSize / SizeTensor runs oneDNN's nearest
// resampling there, which ignores align_corners, picks
// src = round((dst + 0.5) * in / out - 0.5) and computes a scaled size in float (Paddle's
// CPU kernel uses double). For PIR programs paddle.inference cannot run that oneDNN
// kernel (it fails converting the `scale` attribute), so their references come from the
// CPU kernel: a frontend sets the bool attribute use_onednn_resampling=false to get it.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

enum class Method { kNearest, kLinear, kBilinear, kTrilinear, kBicubic };

struct InterpGeom {
  Method method = Method::kNearest;
  bool channel_last = false;
  bool align_corners = false;
  bool onednn_nearest = false;  // see the file comment
  int align_mode = 1;
  int dims = 2;  // spatial dims: 1, 2 or 3 (d, h, w; missing leading ones are 1)
  int64_t n = -1, c = -1;
  int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1};
  float scale[3] = {-1.f, -1.f, -1.f};
  Shape OutputShape() const {
    Shape s{n};
    if (!channel_last) s.push_back(c);
    for (int i = 3 - dims; i < 3; ++i) s.push_back(out[i]);
    if (channel_last) s.push_back(c);
    return s;
  }
};

Method MethodFromName(const OpContext& ctx, const std::string& name) {
  if (name == "nearest") return Method::kNearest;
  if (name == "linear") return Method::kLinear;
  if (name == "bilinear") return Method::kBilinear;
  if (name == "trilinear") return Method::kTrilinear;
  if (name == "bicubic") return Method::kBicubic;
  ThrowError(ErrorCode::kInvalidArgument, ctx.Where(), ": unknown interp_method '", name, "'");
}

// Reads one integer from a 1-element int32/int64 tensor (or element k of a longer one).
int64_t ReadInt(const OpContext& ctx, const Tensor& t, int64_t k, const char* what) {
  PDI_ENFORCE_ARG(k < t.numel(), ctx.Where(), ": ", what, " has ", t.numel(),
                  " values, need at least ", k + 1);
  switch (t.dtype()) {
    case DataType::kInt32:
      return t.data<int32_t>()[k];
    case DataType::kInt64:
      return t.data<int64_t>()[k];
    default:
      ThrowError(ErrorCode::kInvalidArgument, ctx.Where(), ": ", what,
                 " must be int32 or int64, got ", DataTypeName(t.dtype()));
  }
}

float ReadFloat(const OpContext& ctx, const Tensor& t, int64_t k) {
  switch (t.dtype()) {
    case DataType::kFloat32:
      return t.data<float>()[k];
    case DataType::kFloat64:
      return static_cast<float>(t.data<double>()[k]);
    default:
      ThrowError(ErrorCode::kInvalidArgument, ctx.Where(), ": Scale must be float32 or float64, got ",
                 DataTypeName(t.dtype()));
  }
}

InterpGeom ParseInterp(const OpContext& ctx, bool v1, bool onednn_nearest_op,
                       const std::string& default_method) {
  const Shape& x = ctx.InputShape("X");
  InterpGeom g;
  g.method = MethodFromName(ctx, ctx.attrs().GetString("interp_method", default_method));
  const int rank = static_cast<int>(x.size());
  PDI_ENFORCE_ARG(rank >= 3 && rank <= 5, ctx.Where(), ": X must have rank 3, 4 or 5, got shape ",
                  ShapeToString(x));
  g.dims = rank - 2;
  const bool ok = (g.dims == 1 && g.method == Method::kLinear) ||
                  (g.dims == 2 && (g.method == Method::kNearest || g.method == Method::kBilinear ||
                                   g.method == Method::kBicubic)) ||
                  (g.dims == 3 && (g.method == Method::kNearest || g.method == Method::kTrilinear));
  PDI_ENFORCE_ARG(ok, ctx.Where(), ": interp_method '",
                  ctx.attrs().GetString("interp_method", default_method),
                  "' does not apply to a rank-", rank, " input ", ShapeToString(x));
  const std::string layout = ctx.attrs().GetString("data_layout", "NCHW");
  g.channel_last = layout == "NHWC" || layout == "NDHWC" || layout == "NWC";
  g.align_corners = ctx.attrs().GetBool("align_corners", true);
  g.align_mode = static_cast<int>(ctx.attrs().GetInt("align_mode", 1));
  g.n = x[0];
  g.c = g.channel_last ? x[rank - 1] : x[1];
  const int first = 3 - g.dims;
  for (int i = 0; i < g.dims; ++i) {
    g.in[first + i] = g.channel_last ? x[1 + i] : x[2 + i];
    PDI_ENFORCE_ARG(g.in[first + i] != 0, ctx.Where(), ": X has an empty spatial dim, shape ",
                    ShapeToString(x));
  }

  const char* attr_names[3] = {"out_d", "out_h", "out_w"};
  for (int i = first; i < 3; ++i) g.out[i] = ctx.attrs().GetInt(attr_names[i], 0);

  const size_t size_tensors = ctx.InputCount("SizeTensor");
  bool have_size_tensor = false;
  for (size_t k = 0; k < size_tensors; ++k) have_size_tensor |= ctx.HasInput("SizeTensor", k);
  g.onednn_nearest = onednn_nearest_op && g.method == Method::kNearest && !have_size_tensor &&
                     !ctx.HasInput("OutSize") &&
                     ctx.attrs().GetBool("use_onednn_resampling", true);
  if (have_size_tensor) {
    PDI_ENFORCE_ARG(size_tensors == static_cast<size_t>(g.dims), ctx.Where(), ": SizeTensor has ",
                    size_tensors, " tensors, expected ", g.dims, " for a rank-", rank, " input");
    for (int i = 0; i < g.dims; ++i) {
      const Tensor* t = ctx.InputValue("SizeTensor", static_cast<size_t>(i));
      g.out[first + i] = t ? ReadInt(ctx, *t, 0, "SizeTensor") : -1;
    }
  } else {
    bool scaled = false;
    if (ctx.HasInput("Scale")) {
      const Tensor* t = ctx.InputValue("Scale");
      if (t) {
        PDI_ENFORCE_ARG(t->numel() >= 1, ctx.Where(), ": Scale is empty");
        for (int i = 0; i < g.dims; ++i) {
          const int64_t k = t->numel() > 1 ? std::min<int64_t>(i, t->numel() - 1) : 0;
          g.scale[first + i] = ReadFloat(ctx, *t, k);
        }
        scaled = true;
      } else {
        for (int i = first; i < 3; ++i) g.out[i] = -1;
      }
    } else if (v1) {
      const float s = static_cast<float>(ctx.attrs().GetFloat("scale", 0.0));
      if (s > 0.f) {
        for (int i = first; i < 3; ++i) g.scale[i] = s;
        scaled = true;
      }
    } else {
      const std::vector<double> s = ctx.attrs().GetFloats("scale", {});
      if (!s.empty()) {
        for (int i = 0; i < g.dims; ++i)
          g.scale[first + i] = static_cast<float>(s.size() >= static_cast<size_t>(g.dims) ? s[i] : s[0]);
        scaled = true;
      }
    }
    if (scaled) {
      for (int i = first; i < 3; ++i) {
        PDI_ENFORCE_ARG(g.scale[i] > 0.f, ctx.Where(), ": scale values must be > 0, got ",
                        g.scale[i]);
        if (g.in[i] < 0) {
          g.out[i] = -1;
        } else if (g.onednn_nearest) {
          g.out[i] = static_cast<int64_t>(static_cast<float>(g.in[i]) * g.scale[i]);
        } else {
          g.out[i] = static_cast<int64_t>(static_cast<double>(g.in[i]) *
                                          static_cast<double>(g.scale[i]));
        }
      }
    }
    if (ctx.HasInput("OutSize")) {
      const Tensor* t = ctx.InputValue("OutSize");
      if (t) {
        PDI_ENFORCE_ARG(t->numel() == g.dims, ctx.Where(), ": OutSize has ", t->numel(),
                        " values, expected ", g.dims);
        for (int i = 0; i < g.dims; ++i) g.out[first + i] = ReadInt(ctx, *t, i, "OutSize");
      } else {
        for (int i = first; i < 3; ++i) g.out[i] = -1;
      }
    }
  }
  // -1 marks a size only known at run time; anything else must be positive.
  for (int i = first; i < 3; ++i)
    if (ctx.runtime() || g.out[i] != -1)
      PDI_ENFORCE_ARG(g.out[i] > 0, ctx.Where(), ": output size along spatial dim ", i - first,
                      " is ", g.out[i], "; it must be > 0 (input shape ", ShapeToString(x), ")");
  return g;
}

// Paddle's AreaPixelComputeScale; 2-D/3-D kernels then zero the ratio of a size-1 output.
float Ratio(const InterpGeom& g, int i) {
  const int64_t in = g.in[i], out = g.out[i];
  if (out <= 1 && g.dims > 1) return 0.f;
  if (g.align_corners) {
    return out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.f;
  }
  if (g.scale[i] > 0.f) return static_cast<float>(1.0 / static_cast<double>(g.scale[i]));
  return out > 0 ? static_cast<float>(in) / static_cast<float>(out) : 0.f;
}

std::vector<int64_t> NearestTable(int64_t in, int64_t out, float ratio, bool align_corners,
                                  bool onednn) {
  std::vector<int64_t> t(static_cast<size_t>(out));
  for (int64_t k = 0; k < out; ++k) {
    int64_t s;
    if (onednn) {
      s = static_cast<int64_t>(std::round((static_cast<float>(k) + 0.5f) *
                                              static_cast<float>(in) / static_cast<float>(out) -
                                          0.5f));
    } else if (align_corners) {
      s = std::lround(ratio * static_cast<float>(k));
    } else {
      s = static_cast<int64_t>(ratio * static_cast<float>(k));
    }
    t[static_cast<size_t>(k)] = std::min(std::max<int64_t>(s, 0), in - 1);
  }
  return t;
}

// Linear taps along one axis: lo/hi source indices and the weight of each.
struct LinearTable {
  std::vector<int64_t> lo, hi;
  std::vector<float> w_lo, w_hi;
};

// `float_src`: Paddle computes the half-pixel source coordinate in float for some axes
// (bilinear width, trilinear) and in double for others; kept for bit-exact weights.
LinearTable MakeLinearTable(int64_t in, int64_t out, float ratio, bool align_corners,
                            int align_mode, bool float_src) {
  const bool half_pixel = align_mode == 0 && !align_corners;
  LinearTable t;
  t.lo.resize(static_cast<size_t>(out));
  t.hi.resize(static_cast<size_t>(out));
  t.w_lo.resize(static_cast<size_t>(out));
  t.w_hi.resize(static_cast<size_t>(out));
  for (int64_t k = 0; k < out; ++k) {
    int64_t lo = half_pixel ? static_cast<int64_t>(ratio * (k + 0.5) - 0.5)
                            : static_cast<int64_t>(ratio * static_cast<float>(k));
    lo = std::min(std::max<int64_t>(lo, 0), in - 1);
    const int64_t hi = std::min(lo + 1, in - 1);
    float src = float_src ? ratio * (static_cast<float>(k) + 0.5f) - 0.5f
                          : static_cast<float>(ratio * (k + 0.5) - 0.5);
    src = src > 0 ? src : 0;
    const float d = half_pixel ? src - static_cast<float>(lo)
                               : ratio * static_cast<float>(k) - static_cast<float>(lo);
    const size_t i = static_cast<size_t>(k);
    t.lo[i] = lo;
    t.hi[i] = hi;
    t.w_hi[i] = d;
    t.w_lo[i] = 1.f - d;
  }
  return t;
}

template <typename T>
T CubicConv1(T x, T a) {
  return ((a + 2) * x - (a + 3)) * x * x + 1;
}
template <typename T>
T CubicConv2(T x, T a) {
  return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
}
template <typename T>
T CubicInterp(T x0, T x1, T x2, T x3, T t) {
  const T a = static_cast<T>(-0.75);
  const T c0 = CubicConv2<T>(static_cast<T>(t + 1.0), a);
  const T c1 = CubicConv1<T>(t, a);
  const T t2 = static_cast<T>(1.0 - t);
  const T c2 = CubicConv1<T>(t2, a);
  const T c3 = CubicConv2<T>(static_cast<T>(t2 + 1.0), a);
  return x0 * c0 + x1 * c1 + x2 * c2 + x3 * c3;
}

// Work is split into rows: (image, out_d, out_h); an image is one (n, c) plane for
// channel-first data (ce = 1) or one n for channel-last data (ce = C channels per pixel).
template <typename T>
void RunInterp(OpContext& ctx, const InterpGeom& g, const T* x, T* y) {
  const int64_t ce = g.channel_last ? g.c : 1;
  const int64_t images = g.channel_last ? g.n : g.n * g.c;
  const int64_t ind = g.in[0], inh = g.in[1], inw = g.in[2];
  const int64_t od = g.out[0], oh = g.out[1], ow = g.out[2];
  const int64_t in_img = ind * inh * inw * ce, out_img = od * oh * ow * ce;
  const float rd = Ratio(g, 0), rh = Ratio(g, 1), rw = Ratio(g, 2);
  const int64_t rows = images * od * oh;
  auto pix = [&](int64_t d, int64_t h, int64_t w) { return ((d * inh + h) * inw + w) * ce; };
  const int64_t min_rows = std::max<int64_t>(1, 16384 / std::max<int64_t>(ow * ce, 1));

  if (g.method == Method::kNearest) {
    const auto td = NearestTable(ind, od, rd, g.align_corners, g.onednn_nearest);
    const auto th = NearestTable(inh, oh, rh, g.align_corners, g.onednn_nearest);
    const auto tw = NearestTable(inw, ow, rw, g.align_corners, g.onednn_nearest);
    std::vector<int64_t> col(static_cast<size_t>(ow));
    for (int64_t w = 0; w < ow; ++w) col[w] = tw[w] * ce;
    const int64_t row_len = ow * ce;
    ctx.pool().ParallelFor(rows, min_rows, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t img = r / (od * oh), d = (r / oh) % od, h = r % oh;
        T* yr = y + img * out_img + (d * oh + h) * row_len;
        // Upsampling repeats source rows: copy the previous output row when it has the
        // same source (and was written by this chunk).
        if (r > r0 && h > 0 && th[h] == th[h - 1]) {
          std::memcpy(yr, yr - row_len, sizeof(T) * row_len);
          continue;
        }
        const T* srow = x + img * in_img + pix(td[d], th[h], 0);
        if (ce == 1) {
          for (int64_t w = 0; w < ow; ++w) yr[w] = srow[col[w]];
        } else {
          for (int64_t w = 0; w < ow; ++w) std::memcpy(yr + w * ce, srow + col[w], sizeof(T) * ce);
        }
      }
    });
    return;
  }
  if (g.method == Method::kBicubic) {
    ctx.pool().ParallelFor(rows, min_rows, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t img = r / oh, h = r % oh;
        const T* xi = x + img * in_img;
        T* yr = y + img * out_img + h * ow * ce;
        const T yn = g.align_corners ? static_cast<T>(rh * static_cast<float>(h))
                                     : static_cast<T>(rh * (h + 0.5) - 0.5);
        const int64_t iy = static_cast<int64_t>(std::floor(yn));
        const T yt = yn - static_cast<T>(iy);
        int64_t ys[4];
        for (int k = 0; k < 4; ++k) ys[k] = std::min(std::max<int64_t>(iy - 1 + k, 0), inh - 1);
        for (int64_t w = 0; w < ow; ++w) {
          const T xn = g.align_corners ? static_cast<T>(rw * static_cast<float>(w))
                                       : static_cast<T>(rw * (w + 0.5) - 0.5);
          const int64_t ix = static_cast<int64_t>(std::floor(xn));
          const T xt = xn - static_cast<T>(ix);
          int64_t xs[4];
          for (int k = 0; k < 4; ++k) xs[k] = std::min(std::max<int64_t>(ix - 1 + k, 0), inw - 1);
          for (int64_t c = 0; c < ce; ++c) {
            T coef[4];
            for (int k = 0; k < 4; ++k) {
              const T* row = xi + pix(0, ys[k], 0) + c;
              coef[k] = CubicInterp<T>(row[xs[0] * ce], row[xs[1] * ce], row[xs[2] * ce],
                                       row[xs[3] * ce], xt);
            }
            yr[w * ce + c] = CubicInterp<T>(coef[0], coef[1], coef[2], coef[3], yt);
          }
        }
      }
    });
    return;
  }

  const bool trilinear = g.method == Method::kTrilinear;
  const LinearTable tw = MakeLinearTable(inw, ow, rw, g.align_corners, g.align_mode,
                                         g.method != Method::kLinear);
  if (g.method == Method::kLinear) {
    ctx.pool().ParallelFor(rows, min_rows, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* xi = x + r * in_img;
        T* yr = y + r * out_img;
        for (int64_t w = 0; w < ow; ++w) {
          const T* a = xi + tw.lo[w] * ce;
          const T* b = xi + tw.hi[w] * ce;
          const float we = tw.w_lo[w], ww = tw.w_hi[w];
          for (int64_t c = 0; c < ce; ++c) yr[w * ce + c] = static_cast<T>(a[c] * we + b[c] * ww);
        }
      }
    });
    return;
  }
  const LinearTable th = MakeLinearTable(inh, oh, rh, g.align_corners, g.align_mode, trilinear);
  if (g.method == Method::kBilinear) {
    ctx.pool().ParallelFor(rows, min_rows, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t img = r / oh, h = r % oh;
        const T* xi = x + img * in_img;
        T* yr = y + img * out_img + h * ow * ce;
        const T* rn = xi + pix(0, th.lo[h], 0);
        const T* rs = xi + pix(0, th.hi[h], 0);
        const float dn = th.w_hi[h], ds = th.w_lo[h];
        if (ce == 1) {
          for (int64_t w = 0; w < ow; ++w) {
            const int64_t xw = tw.lo[w], xe = tw.hi[w];
            const float dw = tw.w_hi[w], de = tw.w_lo[w];
            yr[w] = static_cast<T>(rn[xw] * ds * de + rs[xw] * dn * de + rn[xe] * ds * dw +
                                   rs[xe] * dn * dw);
          }
          continue;
        }
        for (int64_t w = 0; w < ow; ++w) {
          const int64_t xw = tw.lo[w] * ce, xe = tw.hi[w] * ce;
          const float dw = tw.w_hi[w], de = tw.w_lo[w];
          for (int64_t c = 0; c < ce; ++c)
            yr[w * ce + c] = static_cast<T>(rn[xw + c] * ds * de + rs[xw + c] * dn * de +
                                            rn[xe + c] * ds * dw + rs[xe + c] * dn * dw);
        }
      }
    });
    return;
  }
  const LinearTable td = MakeLinearTable(ind, od, rd, g.align_corners, g.align_mode, true);
  ctx.pool().ParallelFor(rows, min_rows, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t img = r / (od * oh), d = (r / oh) % od, h = r % oh;
      const T* xi = x + img * in_img;
      T* yr = y + img * out_img + (d * oh + h) * ow * ce;
      const T* fn = xi + pix(td.lo[d], th.lo[h], 0);
      const T* fs = xi + pix(td.lo[d], th.hi[h], 0);
      const T* bn = xi + pix(td.hi[d], th.lo[h], 0);
      const T* bs = xi + pix(td.hi[d], th.hi[h], 0);
      const float df = td.w_hi[d], db = td.w_lo[d], dn = th.w_hi[h], ds = th.w_lo[h];
      for (int64_t w = 0; w < ow; ++w) {
        const int64_t xw = tw.lo[w] * ce, xe = tw.hi[w] * ce;
        const float dw = tw.w_hi[w], de = tw.w_lo[w];
        for (int64_t c = 0; c < ce; ++c)
          yr[w * ce + c] = static_cast<T>(
              fn[xw + c] * db * ds * de + fn[xe + c] * db * ds * dw + fs[xw + c] * db * dn * de +
              fs[xe + c] * db * dn * dw + bn[xw + c] * df * ds * de + bn[xe + c] * df * ds * dw +
              bs[xw + c] * df * dn * de + bs[xe + c] * df * dn * dw);
      }
    }
  });
}

struct InterpOp {
  bool v1;
  bool onednn_nearest;  // nearest_interp_v2: see the file comment
  std::string method;

  void Infer(OpContext& ctx) const {
    const InterpGeom g = ParseInterp(ctx, v1, onednn_nearest, method);
    ctx.SetOutput("Out", ctx.InputDType("X"), g.OutputShape());
  }

  void Compute(OpContext& ctx) const {
    const InterpGeom g = ParseInterp(ctx, v1, onednn_nearest, method);
    const Tensor& xt = ctx.Input("X");
    Tensor& yt = ctx.Output("Out");
    if (yt.numel() == 0) return;
    if (g.in[0] == g.out[0] && g.in[1] == g.out[1] && g.in[2] == g.out[2]) {
      std::memcpy(yt.raw_data(), xt.raw_data(), xt.nbytes());
      return;
    }
    const DataType dt = xt.dtype();
    const bool cubic = g.method == Method::kBicubic;
    if (dt == DataType::kFloat32) {
      RunInterp<float>(ctx, g, xt.data<float>(), yt.data<float>());
    } else if (dt == DataType::kFloat64) {
      RunInterp<double>(ctx, g, xt.data<double>(), yt.data<double>());
    } else if (dt == DataType::kUInt8 && !cubic) {
      RunInterp<uint8_t>(ctx, g, xt.data<uint8_t>(), yt.data<uint8_t>());
    } else {
      ThrowError(ErrorCode::kUnsupported, ctx.Where(), ": unsupported dtype ", DataTypeName(dt),
                 cubic ? " (bicubic supports float32, float64)"
                       : " (supported: float32, float64, uint8)");
    }
  }
};

OpDef MakeInterpDef(const std::string& name, bool v1, const std::string& method) {
  auto op = std::make_shared<InterpOp>(InterpOp{v1, name == "nearest_interp_v2", method});
  return OpDef{name,
               {"X", "OutSize?", "SizeTensor*", "Scale?"},
               {"Out"},
               [op](OpContext& ctx) { op->Infer(ctx); },
               [op](OpContext& ctx) { op->Compute(ctx); }};
}

PDI_REGISTER_OP(MakeInterpDef("nearest_interp_v2", false, "nearest"));
PDI_REGISTER_OP(MakeInterpDef("bilinear_interp_v2", false, "bilinear"));
PDI_REGISTER_OP(MakeInterpDef("bicubic_interp_v2", false, "bicubic"));
PDI_REGISTER_OP(MakeInterpDef("linear_interp_v2", false, "linear"));
PDI_REGISTER_OP(MakeInterpDef("trilinear_interp_v2", false, "trilinear"));
PDI_REGISTER_OP(MakeInterpDef("nearest_interp", true, "nearest"));
PDI_REGISTER_OP(MakeInterpDef("bilinear_interp", true, "bilinear"));
PDI_REGISTER_OP(MakeInterpDef("bicubic_interp", true, "bicubic"));
PDI_REGISTER_OP(MakeInterpDef("linear_interp", true, "linear"));
PDI_REGISTER_OP(MakeInterpDef("trilinear_interp", true, "trilinear"));

}  // namespace
}  // namespace pdinfer
