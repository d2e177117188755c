#include "pdinfer/ops/conv_util.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace pdinfer {
namespace conv {

bool IsChannelLast(const std::string& data_format) {
  return data_format == "NHWC" || data_format == "NDHWC";
}

namespace {

std::vector<int64_t> ReadPair(const OpContext& ctx, const char* name, int64_t def,
                              int64_t min_value) {
  std::vector<int64_t> v = ctx.attrs().GetInts(name, {def, def});
  PDI_ENFORCE_ARG(v.size() == 2, ctx.Where(), ": attribute '", name,
                  "' must have 2 values for a 2-D op, got ", v.size());
  for (int64_t x : v)
    PDI_ENFORCE_ARG(x >= min_value, ctx.Where(), ": attribute '", name, "' values must be >= ",
                    min_value, ", got [", v[0], ", ", v[1], "]");
  return v;
}

// Reads strides, dilations and paddings, then applies padding_algorithm the way Paddle's
// UpdatePaddingAndDilation does: 2 paddings mean symmetric (h, w), 4 mean
// (top, bottom, left, right); SAME pads to ceil(in / stride) outputs (extra pad at the
// end) and forces dilation 1; VALID zeroes the paddings. `pads_known` is false when SAME
// needs an input dim that is unknown (load time).
void ReadWindowAttrs(const OpContext& ctx, Geom* g, bool* pads_known) {
  std::vector<int64_t> s = ReadPair(ctx, "strides", 1, 1);
  std::vector<int64_t> d = ReadPair(ctx, "dilations", 1, 1);
  g->stride_h = s[0];
  g->stride_w = s[1];
  g->dil_h = d[0];
  g->dil_w = d[1];
  std::vector<int64_t> p = ctx.attrs().GetInts("paddings", {0, 0});
  if (p.size() == 2) {
    p = {p[0], p[0], p[1], p[1]};
  } else {
    PDI_ENFORCE_ARG(p.size() == 4, ctx.Where(),
                    ": attribute 'paddings' must have 2 or 4 values, got ", p.size());
  }
  for (int64_t x : p)
    PDI_ENFORCE_ARG(x >= 0, ctx.Where(), ": attribute 'paddings' must be >= 0, got [", p[0],
                    ", ", p[1], ", ", p[2], ", ", p[3], "]");
  g->pad_t = p[0];
  g->pad_b = p[1];
  g->pad_l = p[2];
  g->pad_r = p[3];
  *pads_known = true;
  const std::string algo = ctx.attrs().GetString("padding_algorithm", "EXPLICIT");
  if (algo == "SAME") {
    auto same = [&](int64_t in, int64_t stride, int64_t k, int64_t* p0, int64_t* p1) {
      if (in < 0 || k < 0) {
        *pads_known = false;
        return;
      }
      const int64_t out = (in + stride - 1) / stride;
      const int64_t sum = std::max<int64_t>((out - 1) * stride + k - in, 0);
      *p0 = sum / 2;
      *p1 = sum - *p0;
    };
    same(g->h, g->stride_h, g->kh, &g->pad_t, &g->pad_b);
    same(g->w, g->stride_w, g->kw, &g->pad_l, &g->pad_r);
    g->dil_h = g->dil_w = 1;
  } else if (algo == "VALID") {
    g->pad_t = g->pad_b = g->pad_l = g->pad_r = 0;
  } else {
    PDI_ENFORCE_ARG(algo == "EXPLICIT" || algo.empty(), ctx.Where(),
                    ": attribute 'padding_algorithm' must be EXPLICIT, SAME or VALID, got '",
                    algo, "'");
  }
}

int64_t ConvOutDim(const OpContext& ctx, const char* which, int64_t in, int64_t k, int64_t dil,
                   int64_t p0, int64_t p1, int64_t stride, bool pads_known) {
  if (in < 0 || k < 0 || !pads_known) return -1;
  const int64_t extent = dil * (k - 1) + 1;
  const int64_t span = in + p0 + p1 - extent;
  PDI_ENFORCE_ARG(span >= 0, ctx.Where(), ": the ", which, " window (kernel ", k,
                  ", dilation ", dil, ", extent ", extent, ") does not fit the padded input ",
                  which, " ", in, " + ", p0, " + ", p1);
  return span / stride + 1;
}

void ReadInputDims(const OpContext& ctx, const Shape& x, Geom* g) {
  g->nhwc = IsChannelLast(ctx.attrs().GetString("data_format", "NCHW"));
  g->n = x[0];
  g->c_in = g->nhwc ? x[3] : x[1];
  g->h = g->nhwc ? x[1] : x[2];
  g->w = g->nhwc ? x[2] : x[3];
}

void CheckRanksAndTypes(const OpContext& ctx, const Shape& x, const Shape& f,
                        const char* filter_layout) {
  PDI_ENFORCE_ARG(x.size() == 4, ctx.Where(), ": Input must be a 4-D tensor, got shape ",
                  ShapeToString(x));
  PDI_ENFORCE_ARG(f.size() == 4, ctx.Where(), ": Filter must be a 4-D tensor ", filter_layout,
                  ", got shape ", ShapeToString(f));
  const DataType xt = ctx.InputDType("Input"), ft = ctx.InputDType("Filter");
  PDI_ENFORCE_ARG(xt == ft, ctx.Where(), ": Input is ", DataTypeName(xt), " but Filter is ",
                  DataTypeName(ft));
  for (int i = 2; i < 4; ++i)
    PDI_ENFORCE_ARG(f[i] != 0, ctx.Where(), ": Filter has an empty spatial dim, shape ",
                    ShapeToString(f));
}

}  // namespace

Geom ParseConv2d(const OpContext& ctx) {
  const Shape& x = ctx.InputShape("Input");
  const Shape& f = ctx.InputShape("Filter");
  CheckRanksAndTypes(ctx, x, f, "[C_out, C_in/groups, kh, kw]");
  Geom g;
  ReadInputDims(ctx, x, &g);
  g.c_out = f[0];
  g.kh = f[2];
  g.kw = f[3];
  g.groups = ctx.attrs().GetInt("groups", 1);
  PDI_ENFORCE_ARG(g.groups >= 1, ctx.Where(), ": attribute 'groups' must be >= 1, got ",
                  g.groups);
  if (g.c_in >= 0 && f[1] >= 0)
    PDI_ENFORCE_ARG(g.c_in == f[1] * g.groups, ctx.Where(), ": Input has ", g.c_in,
                    " channels (shape ", ShapeToString(x), ", data_format ",
                    g.nhwc ? "NHWC" : "NCHW", ") but Filter ", ShapeToString(f),
                    " with groups=", g.groups, " expects ", f[1] * g.groups);
  if (g.c_out >= 0)
    PDI_ENFORCE_ARG(g.c_out % g.groups == 0, ctx.Where(), ": Filter's output channels ",
                    g.c_out, " are not divisible by groups=", g.groups);
  bool pads_known = true;
  ReadWindowAttrs(ctx, &g, &pads_known);
  g.oh = ConvOutDim(ctx, "height", g.h, g.kh, g.dil_h, g.pad_t, g.pad_b, g.stride_h, pads_known);
  g.ow = ConvOutDim(ctx, "width", g.w, g.kw, g.dil_w, g.pad_l, g.pad_r, g.stride_w, pads_known);
  return g;
}

Geom ParseConv2dTranspose(const OpContext& ctx) {
  const Shape& x = ctx.InputShape("Input");
  const Shape& f = ctx.InputShape("Filter");
  CheckRanksAndTypes(ctx, x, f, "[C_in, C_out/groups, kh, kw]");
  Geom g;
  ReadInputDims(ctx, x, &g);
  g.kh = f[2];
  g.kw = f[3];
  g.groups = ctx.attrs().GetInt("groups", 1);
  PDI_ENFORCE_ARG(g.groups >= 1, ctx.Where(), ": attribute 'groups' must be >= 1, got ",
                  g.groups);
  if (g.c_in >= 0 && f[0] >= 0)
    PDI_ENFORCE_ARG(g.c_in == f[0], ctx.Where(), ": Input has ", g.c_in, " channels (shape ",
                    ShapeToString(x), ", data_format ", g.nhwc ? "NHWC" : "NCHW",
                    ") but Filter ", ShapeToString(f), " expects ", f[0]);
  if (g.c_in >= 0)
    PDI_ENFORCE_ARG(g.c_in % g.groups == 0, ctx.Where(), ": Input channels ", g.c_in,
                    " are not divisible by groups=", g.groups);
  g.c_out = f[1] >= 0 ? f[1] * g.groups : -1;
  bool pads_known = true;
  ReadWindowAttrs(ctx, &g, &pads_known);

  const std::vector<int64_t> out_size = ctx.attrs().GetInts("output_size", {});
  const std::vector<int64_t> out_pad = ctx.attrs().GetInts("output_padding", {});
  PDI_ENFORCE_ARG(out_size.empty() || out_size.size() == 2, ctx.Where(),
                  ": attribute 'output_size' must be empty or have 2 values, got ",
                  out_size.size());
  PDI_ENFORCE_ARG(out_pad.empty() || out_pad.size() == 2, ctx.Where(),
                  ": attribute 'output_padding' must be empty or have 2 values, got ",
                  out_pad.size());
  auto out_dim = [&](int i, int64_t in, int64_t k, int64_t stride, int64_t dil, int64_t p0,
                     int64_t p1) -> int64_t {
    const bool inferred_known = in >= 0 && k >= 0 && pads_known;
    const int64_t inferred =
        inferred_known ? (in - 1) * stride - p0 - p1 + dil * (k - 1) + 1 : -1;
    int64_t out = inferred;
    bool out_known = inferred_known;
    if (!out_size.empty()) {
      out = out_size[i];
      out_known = true;
      if (inferred_known)
        PDI_ENFORCE_ARG(out >= inferred && out < inferred + stride, ctx.Where(),
                        ": output_size[", i, "]=", out, " must be in [", inferred, ", ",
                        inferred + stride, ") (the inferred size up to inferred + stride)");
    } else if (!out_pad.empty()) {
      PDI_ENFORCE_ARG(out_pad[i] >= 0 && out_pad[i] < std::max(stride, dil), ctx.Where(),
                      ": output_padding[", i, "]=", out_pad[i],
                      " must be >= 0 and less than max(stride, dilation)=",
                      std::max(stride, dil));
      if (inferred_known) out = inferred + out_pad[i];
    }
    if (out_known)
      PDI_ENFORCE_ARG(out > 0, ctx.Where(), ": output ", i == 0 ? "height" : "width", " is ",
                      out, " (input ", in, ", kernel ", k, ", stride ", stride, ", paddings ",
                      p0, "+", p1, "); it must be > 0");
    return out;
  };
  g.oh = out_dim(0, g.h, g.kh, g.stride_h, g.dil_h, g.pad_t, g.pad_b);
  g.ow = out_dim(1, g.w, g.kw, g.stride_w, g.dil_w, g.pad_l, g.pad_r);
  return g;
}

Epilogue ParseEpilogue(const OpContext& ctx, const Geom& g) {
  Epilogue ep;
  const DataType xt = ctx.InputDType("Input");
  if (ctx.HasInput("Bias")) {
    ep.has_bias = true;
    const Shape& b = ctx.InputShape("Bias");
    PDI_ENFORCE_ARG(ctx.InputDType("Bias") == xt, ctx.Where(), ": Bias is ",
                    DataTypeName(ctx.InputDType("Bias")), ", Input is ", DataTypeName(xt));
    if (IsStatic(b) && g.c_out >= 0)
      PDI_ENFORCE_ARG(NumElements(b) == g.c_out, ctx.Where(), ": Bias shape ",
                      ShapeToString(b), " does not hold one value per output channel (",
                      g.c_out, ")");
  }
  if (ctx.HasInput("ResidualData") && ctx.attrs().GetBool("fuse_residual_connection", true)) {
    ep.has_residual = true;
    const Shape& r = ctx.InputShape("ResidualData");
    PDI_ENFORCE_ARG(ctx.InputDType("ResidualData") == xt, ctx.Where(), ": ResidualData is ",
                    DataTypeName(ctx.InputDType("ResidualData")), ", Input is ",
                    DataTypeName(xt));
    const Shape out = g.OutputShape();
    if (IsStatic(r) && IsStatic(out))
      PDI_ENFORCE_ARG(r == out, ctx.Where(), ": ResidualData shape ", ShapeToString(r),
                      " differs from the output shape ", ShapeToString(out));
  }
  std::string act = ctx.attrs().GetString("fuse_activation", "");
  if (act.empty() && ctx.attrs().GetBool("fuse_relu", false)) act = "relu";
  ep.alpha = static_cast<float>(ctx.attrs().GetFloat("fuse_alpha", 0.0));
  ep.beta = static_cast<float>(ctx.attrs().GetFloat("fuse_beta", 0.0));
  if (act.empty() || act == "identity") {
    ep.act = Act::kNone;
  } else if (act == "relu") {
    ep.act = Act::kRelu;
  } else if (act == "relu6") {
    ep.act = Act::kRelu6;
  } else if (act == "leaky_relu") {
    ep.act = Act::kLeakyRelu;
  } else if (act == "sigmoid") {
    ep.act = Act::kSigmoid;
  } else if (act == "tanh") {
    ep.act = Act::kTanh;
  } else if (act == "swish") {
    ep.act = Act::kSwish;
  } else if (act == "hard_swish") {
    ep.act = Act::kHardSwish;
  } else if (act == "hard_sigmoid") {
    ep.act = Act::kHardSigmoid;
  } else if (act == "gelu") {
    ep.act = Act::kGelu;
  } else if (act == "gelu_tanh") {
    ep.act = Act::kGeluTanh;
  } else {
    ThrowError(ErrorCode::kUnsupported, ctx.Where(), ": fused activation '", act,
               "' is not supported");
  }
  return ep;
}

namespace {

// Activation over a contiguous run; the switch sits outside the loops so each loop
// vectorizes on its own.
template <typename T>
void ApplyAct(Act act, float alpha, float beta, T* x, int64_t n) {
  switch (act) {
    case Act::kNone:
      return;
    case Act::kRelu:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] > T(0) ? x[i] : T(0);
      return;
    case Act::kRelu6: {
      const T hi = beta > 0.f ? T(beta) : T(6);
      for (int64_t i = 0; i < n; ++i) x[i] = std::min(std::max(x[i], T(0)), hi);
      return;
    }
    case Act::kLeakyRelu:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] > T(0) ? x[i] : T(alpha) * x[i];
      return;
    case Act::kSigmoid:
      for (int64_t i = 0; i < n; ++i) x[i] = T(1) / (T(1) + std::exp(-x[i]));
      return;
    case Act::kTanh:
      for (int64_t i = 0; i < n; ++i) x[i] = std::tanh(x[i]);
      return;
    case Act::kSwish: {
      const T b = alpha != 0.f ? T(alpha) : T(1);
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] / (T(1) + std::exp(-b * x[i]));
      return;
    }
    case Act::kHardSwish:
      for (int64_t i = 0; i < n; ++i)
        x[i] = x[i] * std::min(std::max(x[i] + T(3), T(0)), T(6)) / T(6);
      return;
    case Act::kHardSigmoid: {
      const T slope = alpha != 0.f ? T(alpha) : T(1.0 / 6.0);
      const T offset = beta != 0.f ? T(beta) : T(0.5);
      for (int64_t i = 0; i < n; ++i)
        x[i] = std::min(std::max(slope * x[i] + offset, T(0)), T(1));
      return;
    }
    case Act::kGelu:
      for (int64_t i = 0; i < n; ++i)
        x[i] = T(0.5) * x[i] * (T(1) + std::erf(x[i] * T(0.70710678118654752440)));
      return;
    case Act::kGeluTanh:
      for (int64_t i = 0; i < n; ++i) {
        const T v = x[i];
        x[i] = T(0.5) * v *
               (T(1) + std::tanh(T(0.79788456080286535588) * (v + T(0.044715) * v * v * v)));
      }
      return;
  }
}

}  // namespace

template <typename T>
void ApplyEpilogue(OpContext& ctx, const Epilogue& ep, const Geom& g, T* out) {
  if (ep.empty()) return;
  const T* bias = ep.has_bias ? ctx.Input("Bias").data<T>() : nullptr;
  const T* res = ep.has_residual ? ctx.Input("ResidualData").data<T>() : nullptr;
  const int64_t plane = g.oh * g.ow;
  // Rows of contiguous output: NCHW -> one channel plane each; NHWC -> one pixel each.
  const int64_t rows = g.nhwc ? g.n * plane : g.n * g.c_out;
  const int64_t len = g.nhwc ? g.c_out : plane;
  auto body = [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      T* o = out + r * len;
      const T* rr = res ? res + r * len : nullptr;
      if (bias && g.nhwc) {
        for (int64_t i = 0; i < len; ++i) o[i] += bias[i];
      } else if (bias) {
        const T b = bias[r % g.c_out];
        for (int64_t i = 0; i < len; ++i) o[i] += b;
      }
      if (rr)
        for (int64_t i = 0; i < len; ++i) o[i] += rr[i];
      ApplyAct(ep.act, ep.alpha, ep.beta, o, len);
    }
  };
  const int64_t min_rows = std::max<int64_t>(1, 16384 / std::max<int64_t>(len, 1));
  ctx.pool().ParallelFor(rows, min_rows, body);
}

template void ApplyEpilogue<float>(OpContext&, const Epilogue&, const Geom&, float*);
template void ApplyEpilogue<double>(OpContext&, const Epilogue&, const Geom&, double*);

bool CpuHasAvx2Fma() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  static const bool has = [] {
    // PDINFER_DISABLE_AVX2=1 runs the baseline variants (to test them on AVX2 machines).
    const char* off = std::getenv("PDINFER_DISABLE_AVX2");
    if (off && std::string(off) == "1") return false;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return has;
#else
  return false;
#endif
}

template <typename T>
T* ThreadScratch(size_t count, int slot) {
  thread_local std::vector<T> buffers[4];
  PDI_ENFORCE_INTERNAL(slot >= 0 && slot < 4, "ThreadScratch slot ", slot, " out of range");
  std::vector<T>& b = buffers[slot];
  if (b.size() < count) b.resize(count);
  return b.data();
}

template float* ThreadScratch<float>(size_t, int);
template double* ThreadScratch<double>(size_t, int);

}  // namespace conv
}  // namespace pdinfer
