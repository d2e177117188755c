// pool2d (max / avg; explicit, SAME, VALID, global, adaptive, ceil_mode, exclusive;
// NCHW and NHWC) and max_pool2d_with_index (max value + flat argmax per plane).
//
// Semantics are those of paddle.inference's default (oneDNN) configuration, which
// runs pool2d through oneDNN except for adaptive pooling whose input size is not a
// multiple of the output size (then Paddle's CPU kernel runs). Consequences:
//  - a non-exclusive average always divides by kh*kw (ceil_mode overhang and
//    asymmetric paddings count as padding);
//  - adaptive "max" with non-divisible sizes keeps Paddle's CPU-kernel behaviour: the
//    windows are NOT adaptive there (kernel = output size, placed with `strides`), only
//    the output size follows `adaptive`. With divisible sizes the windows are the exact
//    adaptive bins.
#include <algorithm>
#include <cfloat>
#include <string>
#include <vector>

#include "pdinfer/ops/conv_util.h"
#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

struct PoolGeom {
  bool nhwc = false, is_max = true, adaptive = false, exclusive = true;
  int64_t n = -1, c = -1, h = -1, w = -1;
  int64_t kh = -1, kw = -1, sh = 1, sw = 1;
  int64_t pad_t = 0, pad_b = 0, pad_l = 0, pad_r = 0;
  int64_t oh = -1, ow = -1;
  Shape OutputShape() const { return nhwc ? Shape{n, oh, ow, c} : Shape{n, c, oh, ow}; }
};

// One output index's window along one axis: input rows [begin, end).
struct Window {
  int64_t begin, end;
};

std::vector<int64_t> Pair(const OpContext& ctx, const char* name, std::vector<int64_t> def) {
  std::vector<int64_t> v = ctx.attrs().GetInts(name, def);
  PDI_ENFORCE_ARG(v.size() == 2, ctx.Where(), ": attribute '", name,
                  "' must have 2 values for 2-D pooling, got ", v.size());
  return v;
}

// Paddle's PoolOutputSize: plain C++ integer arithmetic, as Paddle computes it; -1 when
// unknown, an error when negative.
int64_t PoolOutDim(const OpContext& ctx, int64_t in, int64_t k, int64_t p0, int64_t p1,
                   int64_t s, bool ceil_mode) {
  if (in < 0 || k < 0) return -1;
  const int64_t out =
      ceil_mode ? (in - k + p0 + p1 + s - 1) / s + 1 : (in - k + p0 + p1) / s + 1;
  PDI_ENFORCE_ARG(out >= 0, ctx.Where(), ": pooling window ", k, " with paddings ", p0, "+",
                  p1, " and stride ", s, " gives a negative output size for input size ", in);
  return out;
}

PoolGeom ParsePool2d(const OpContext& ctx) {
  const Shape& x = ctx.InputShape("X");
  PDI_ENFORCE_ARG(x.size() == 4, ctx.Where(), ": X must be a 4-D tensor, got shape ",
                  ShapeToString(x));
  PoolGeom g;
  const std::string type = ctx.attrs().GetString("pooling_type", "");
  PDI_ENFORCE_ARG(type == "max" || type == "avg", ctx.Where(),
                  ": attribute 'pooling_type' must be 'max' or 'avg', got '", type, "'");
  g.is_max = type == "max";
  g.nhwc = conv::IsChannelLast(ctx.attrs().GetString("data_format", "NCHW"));
  g.n = x[0];
  g.c = g.nhwc ? x[3] : x[1];
  g.h = g.nhwc ? x[1] : x[2];
  g.w = g.nhwc ? x[2] : x[3];
  const bool global = ctx.attrs().GetBool("global_pooling", false);
  g.adaptive = ctx.attrs().GetBool("adaptive", false);
  g.exclusive = ctx.attrs().GetBool("exclusive", true);
  const bool ceil_mode = ctx.attrs().GetBool("ceil_mode", false);
  std::vector<int64_t> k = Pair(ctx, "ksize", {});
  std::vector<int64_t> s = Pair(ctx, "strides", {1, 1});
  std::vector<int64_t> p = ctx.attrs().GetInts("paddings", {0, 0});
  if (p.size() == 2) p = {p[0], p[0], p[1], p[1]};
  PDI_ENFORCE_ARG(p.size() == 4, ctx.Where(),
                  ": attribute 'paddings' must have 2 or 4 values, got ", p.size());
  for (int64_t v : p)
    PDI_ENFORCE_ARG(v >= 0, ctx.Where(), ": attribute 'paddings' must be >= 0");
  if (!global)
    PDI_ENFORCE_ARG(k[0] >= 1 && k[1] >= 1, ctx.Where(), ": attribute 'ksize' must be >= 1, got [",
                    k[0], ", ", k[1], "]");
  if (!g.adaptive)
    PDI_ENFORCE_ARG(s[0] >= 1 && s[1] >= 1, ctx.Where(),
                    ": attribute 'strides' must be >= 1, got [", s[0], ", ", s[1], "]");
  const std::string algo = ctx.attrs().GetString("padding_algorithm", "EXPLICIT");
  bool out_known = true;
  if (algo == "SAME") {
    const int64_t in[2] = {g.h, g.w};
    for (int i = 0; i < 2; ++i) {
      if (in[i] < 0 || s[i] < 1) {
        out_known = out_known && g.adaptive;
        continue;
      }
      const int64_t out = (in[i] + s[i] - 1) / s[i];
      const int64_t sum = std::max<int64_t>((out - 1) * s[i] + k[i] - in[i], 0);
      p[2 * i] = sum / 2;
      p[2 * i + 1] = sum - sum / 2;
    }
  } else if (algo == "VALID") {
    p = {0, 0, 0, 0};
  } else {
    PDI_ENFORCE_ARG(algo == "EXPLICIT" || algo.empty(), ctx.Where(),
                    ": attribute 'padding_algorithm' must be EXPLICIT, SAME or VALID, got '",
                    algo, "'");
  }
  if (global || g.adaptive) p = {0, 0, 0, 0};
  if (global) {
    k = {g.h, g.w};
    out_known = true;
  }
  g.kh = k[0];
  g.kw = k[1];
  g.sh = s[0];
  g.sw = s[1];
  g.pad_t = p[0];
  g.pad_b = p[1];
  g.pad_l = p[2];
  g.pad_r = p[3];
  if (g.adaptive) {
    g.oh = g.kh;
    g.ow = g.kw;
  } else if (out_known) {
    g.oh = PoolOutDim(ctx, g.h, g.kh, g.pad_t, g.pad_b, g.sh, ceil_mode);
    g.ow = PoolOutDim(ctx, g.w, g.kw, g.pad_l, g.pad_r, g.sw, ceil_mode);
  }
  return g;
}

// Windows along one axis: adaptive bins [floor(o*in/out), ceil((o+1)*in/out)), else
// [o*stride - pad, +k) clipped to the input.
std::vector<Window> Windows(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t pad,
                            bool adaptive) {
  std::vector<Window> v(static_cast<size_t>(std::max<int64_t>(out, 0)));
  for (int64_t o = 0; o < out; ++o) {
    Window& wd = v[static_cast<size_t>(o)];
    if (adaptive) {
      wd.begin = (o * in) / out;
      wd.end = ((o + 1) * in + out - 1) / out;
    } else {
      const int64_t b = o * stride - pad;
      wd.begin = std::max<int64_t>(b, 0);
      wd.end = std::min(b + k, in);
    }
    wd.end = std::max(wd.end, wd.begin);
  }
  return v;
}

void InferPool2d(OpContext& ctx) {
  const PoolGeom g = ParsePool2d(ctx);
  ctx.SetOutput("Out", ctx.InputDType("X"), g.OutputShape());
}

template <typename T>
void ComputePool2dT(OpContext& ctx) {
  const PoolGeom g = ParsePool2d(ctx);
  Tensor& out_t = ctx.Output("Out");
  if (out_t.numel() == 0) return;
  T* out = out_t.data<T>();
  const T* x = ctx.Input("X").data<T>();
  // Max windows use the adaptive placement only where Paddle runs oneDNN (sizes
  // divisible); its CPU kernel, used otherwise, places max windows non-adaptively.
  const bool divisible = g.oh > 0 && g.ow > 0 && g.h % g.oh == 0 && g.w % g.ow == 0;
  const bool adaptive_windows = g.adaptive && (!g.is_max || divisible);
  const std::vector<Window> wh = Windows(g.h, g.oh, g.kh, g.sh, g.pad_t, adaptive_windows);
  const std::vector<Window> ww = Windows(g.w, g.ow, g.kw, g.sw, g.pad_l, adaptive_windows);
  const bool count_valid = g.exclusive || g.adaptive;
  const T lowest = static_cast<T>(-FLT_MAX);
  auto divisor = [&](const Window& a, const Window& b) -> int64_t {
    return count_valid ? (a.end - a.begin) * (b.end - b.begin) : g.kh * g.kw;
  };
  const int64_t work_per_out = std::max<int64_t>(1, g.kh * g.kw);
  if (!g.nhwc) {
    const int64_t plane_in = g.h * g.w, plane_out = g.oh * g.ow;
    auto body = [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        const T* xi = x + p * plane_in;
        T* o = out + p * plane_out;
        for (int64_t oh = 0; oh < g.oh; ++oh) {
          const Window& a = wh[static_cast<size_t>(oh)];
          for (int64_t ow = 0; ow < g.ow; ++ow) {
            const Window& b = ww[static_cast<size_t>(ow)];
            T acc = g.is_max ? lowest : T(0);
            for (int64_t ih = a.begin; ih < a.end; ++ih) {
              const T* row = xi + ih * g.w;
              if (g.is_max) {
                for (int64_t iw = b.begin; iw < b.end; ++iw) acc = row[iw] > acc ? row[iw] : acc;
              } else {
                for (int64_t iw = b.begin; iw < b.end; ++iw) acc += row[iw];
              }
            }
            if (!g.is_max) {
              const int64_t d = divisor(a, b);
              acc = d > 0 ? acc / static_cast<T>(d) : T(0);
            }
            o[oh * g.ow + ow] = acc;
          }
        }
      }
    };
    const int64_t per_plane = std::max<int64_t>(1, plane_out * work_per_out);
    ctx.pool().ParallelFor(g.n * g.c, std::max<int64_t>(1, 65536 / per_plane), body);
  } else {
    auto body = [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t ni = r / g.oh, oh = r % g.oh;
        const Window& a = wh[static_cast<size_t>(oh)];
        const T* xn = x + ni * g.h * g.w * g.c;
        for (int64_t ow = 0; ow < g.ow; ++ow) {
          const Window& b = ww[static_cast<size_t>(ow)];
          T* o = out + ((ni * g.oh + oh) * g.ow + ow) * g.c;
          std::fill(o, o + g.c, g.is_max ? lowest : T(0));
          for (int64_t ih = a.begin; ih < a.end; ++ih) {
            for (int64_t iw = b.begin; iw < b.end; ++iw) {
              const T* xp = xn + (ih * g.w + iw) * g.c;
              if (g.is_max) {
                for (int64_t ch = 0; ch < g.c; ++ch) o[ch] = xp[ch] > o[ch] ? xp[ch] : o[ch];
              } else {
                for (int64_t ch = 0; ch < g.c; ++ch) o[ch] += xp[ch];
              }
            }
          }
          if (!g.is_max) {
            const int64_t d = divisor(a, b);
            if (d > 0) {
              const T inv = T(1) / static_cast<T>(d);
              for (int64_t ch = 0; ch < g.c; ++ch) o[ch] *= inv;
            } else {
              std::fill(o, o + g.c, T(0));
            }
          }
        }
      }
    };
    const int64_t per_row = std::max<int64_t>(1, g.ow * g.c * work_per_out);
    ctx.pool().ParallelFor(g.n * g.oh, std::max<int64_t>(1, 65536 / per_row), body);
  }
}

void ComputePool2d(OpContext& ctx) {
  PDI_DISPATCH_FLOAT(ctx.InputDType("X"), ctx.Where(), [&](auto tag) {
    ComputePool2dT<decltype(tag)>(ctx);
  });
}

// ---- max_pool2d_with_index (NCHW only; Mask = argmax as h * W + w within the plane) ----

PoolGeom ParseMaxPoolWithIndex(const OpContext& ctx) {
  const Shape& x = ctx.InputShape("X");
  PDI_ENFORCE_ARG(x.size() == 4, ctx.Where(), ": X must be a 4-D NCHW tensor, got shape ",
                  ShapeToString(x));
  PoolGeom g;
  g.n = x[0];
  g.c = x[1];
  g.h = x[2];
  g.w = x[3];
  const bool global = ctx.attrs().GetBool("global_pooling", false);
  g.adaptive = ctx.attrs().GetBool("adaptive", false);
  const bool ceil_mode = ctx.attrs().GetBool("ceil_mode", false);
  std::vector<int64_t> k = Pair(ctx, "ksize", {});
  std::vector<int64_t> s = Pair(ctx, "strides", {1, 1});
  std::vector<int64_t> p = ctx.attrs().GetInts("paddings", {0, 0});
  if (p.size() == 4) {
    PDI_ENFORCE_ARG(p[0] == p[1] && p[2] == p[3], ctx.Where(),
                    ": max_pool2d_with_index supports only symmetric paddings, got [", p[0],
                    ", ", p[1], ", ", p[2], ", ", p[3], "]");
    p = {p[0], p[2]};
  }
  PDI_ENFORCE_ARG(p.size() == 2, ctx.Where(), ": attribute 'paddings' must have 2 values, got ",
                  p.size());
  PDI_ENFORCE_ARG(p[0] >= 0 && p[1] >= 0, ctx.Where(), ": attribute 'paddings' must be >= 0");
  if (global) {
    k = {g.h, g.w};
    p = {0, 0};
  } else {
    PDI_ENFORCE_ARG(k[0] >= 1 && k[1] >= 1, ctx.Where(), ": attribute 'ksize' must be >= 1");
  }
  if (!g.adaptive)
    PDI_ENFORCE_ARG(s[0] >= 1 && s[1] >= 1, ctx.Where(), ": attribute 'strides' must be >= 1");
  g.kh = k[0];
  g.kw = k[1];
  g.sh = s[0];
  g.sw = s[1];
  g.pad_t = g.pad_b = p[0];
  g.pad_l = g.pad_r = p[1];
  if (g.adaptive) {
    g.oh = g.kh;
    g.ow = g.kw;
  } else {
    g.oh = PoolOutDim(ctx, g.h, g.kh, p[0], p[0], g.sh, ceil_mode);
    g.ow = PoolOutDim(ctx, g.w, g.kw, p[1], p[1], g.sw, ceil_mode);
  }
  return g;
}

void InferMaxPoolWithIndex(OpContext& ctx) {
  const PoolGeom g = ParseMaxPoolWithIndex(ctx);
  ctx.SetOutput("Out", ctx.InputDType("X"), g.OutputShape());
  ctx.SetOutput("Mask", DataType::kInt32, g.OutputShape());
}

template <typename T>
void ComputeMaxPoolWithIndexT(OpContext& ctx) {
  const PoolGeom g = ParseMaxPoolWithIndex(ctx);
  Tensor& out_t = ctx.Output("Out");
  if (out_t.numel() == 0) return;
  T* out = out_t.data<T>();
  int32_t* mask = ctx.HasOutput("Mask") ? ctx.Output("Mask").data<int32_t>() : nullptr;
  const T* x = ctx.Input("X").data<T>();
  const std::vector<Window> wh = Windows(g.h, g.oh, g.kh, g.sh, g.pad_t, g.adaptive);
  const std::vector<Window> ww = Windows(g.w, g.ow, g.kw, g.sw, g.pad_l, g.adaptive);
  const int64_t plane_in = g.h * g.w, plane_out = g.oh * g.ow;
  const T lowest = static_cast<T>(-FLT_MAX);
  auto body = [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const T* xi = x + p * plane_in;
      for (int64_t oh = 0; oh < g.oh; ++oh) {
        const Window& a = wh[static_cast<size_t>(oh)];
        for (int64_t ow = 0; ow < g.ow; ++ow) {
          const Window& b = ww[static_cast<size_t>(ow)];
          T best = lowest;
          int64_t arg = -1;
          for (int64_t ih = a.begin; ih < a.end; ++ih)
            for (int64_t iw = b.begin; iw < b.end; ++iw)
              if (best < xi[ih * g.w + iw]) {
                best = xi[ih * g.w + iw];
                arg = ih * g.w + iw;
              }
          out[p * plane_out + oh * g.ow + ow] = best;
          if (mask) mask[p * plane_out + oh * g.ow + ow] = static_cast<int32_t>(arg);
        }
      }
    }
  };
  const int64_t per_plane = std::max<int64_t>(1, plane_out * g.kh * g.kw);
  ctx.pool().ParallelFor(g.n * g.c, std::max<int64_t>(1, 65536 / per_plane), body);
}

void ComputeMaxPoolWithIndex(OpContext& ctx) {
  PDI_DISPATCH_FLOAT(ctx.InputDType("X"), ctx.Where(), [&](auto tag) {
    ComputeMaxPoolWithIndexT<decltype(tag)>(ctx);
  });
}

PDI_REGISTER_OP(OpDef{"pool2d", {"X"}, {"Out"}, InferPool2d, ComputePool2d});
PDI_REGISTER_OP(OpDef{"max_pool2d_with_index", {"X"}, {"Out", "Mask?"}, InferMaxPoolWithIndex,
                      ComputeMaxPoolWithIndex});

}  // namespace
}  // namespace pdinfer
