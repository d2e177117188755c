// Unary activations and math functions (X -> Out, same shape and dtype), plus prelu.
// Each functor reads its attributes once, then maps element by element; float32/float64
// everywhere, integer types for the ops Paddle defines on them (abs, sign, square, ...).
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

#include "pdinfer/ops/elementwise_kernel.h"
#include "pdinfer/ops/fused_activation.h"
#include "pdinfer/ops/op_utils.h"
#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

// Cost hints for ParallelForElements.
constexpr int64_t kCheap = 1;
constexpr int64_t kTranscendental = 16;

template <typename T>
inline T Sigmoid(T x) {
  return T(1) / (T(1) + std::exp(-x));
}

// ---- functors: F(attrs); template <T> T operator()(T) ------------------------------------

struct Relu {
  explicit Relu(const AttributeMap&) {}
  template <typename T> T operator()(T x) const { return x > T(0) ? x : T(0); }
};
struct Relu6 {
  double t;
  // Paddle >= 2.5 dropped the attribute (always 6); older programs may still carry it.
  explicit Relu6(const AttributeMap& a) : t(a.GetFloat("threshold", 6.0)) {}
  template <typename T> T operator()(T x) const {
    return std::min(std::max(x, T(0)), static_cast<T>(t));
  }
};
struct LeakyRelu {
  double alpha;
  explicit LeakyRelu(const AttributeMap& a) : alpha(a.GetFloat("alpha", 0.02)) {}
  template <typename T> T operator()(T x) const { return x > T(0) ? x : static_cast<T>(alpha) * x; }
};
struct Elu {
  double alpha;
  explicit Elu(const AttributeMap& a) : alpha(a.GetFloat("alpha", 1.0)) {}
  template <typename T> T operator()(T x) const {
    return x < T(0) ? static_cast<T>(alpha) * (std::exp(x) - T(1)) : x;
  }
};
struct Celu {
  double alpha;
  explicit Celu(const AttributeMap& a) : alpha(a.GetFloat("alpha", 1.0)) {}
  template <typename T> T operator()(T x) const {
    T al = static_cast<T>(alpha);
    return std::max(T(0), x) + std::min(T(0), al * (std::exp(x / al) - T(1)));
  }
};
struct Selu {
  double scale, alpha;
  explicit Selu(const AttributeMap& a)
      : scale(a.GetFloat("scale", 1.0507009873554804934193349852946)),
        alpha(a.GetFloat("alpha", 1.6732632423543772848170429916717)) {}
  template <typename T> T operator()(T x) const {
    T al = static_cast<T>(alpha);
    T r = x <= T(0) ? al * std::exp(x) - al : x;
    return r * static_cast<T>(scale);
  }
};
struct Gelu {
  bool approximate;
  explicit Gelu(const AttributeMap& a) : approximate(a.GetBool("approximate", false)) {}
  template <typename T> T operator()(T x) const {
    if (approximate) {
      // sqrt(2/pi) * (x + 0.044715 x^3)
      const T k = static_cast<T>(0.79788456080286535587989211986876);
      T inner = k * (x + static_cast<T>(0.044715) * x * x * x);
      return static_cast<T>(0.5) * x * (T(1) + std::tanh(inner));
    }
    return static_cast<T>(0.5) * x * (T(1) + std::erf(x * static_cast<T>(M_SQRT1_2)));
  }
};
struct SigmoidF {
  explicit SigmoidF(const AttributeMap&) {}
  template <typename T> T operator()(T x) const { return Sigmoid(x); }
};
struct LogSigmoid {
  explicit LogSigmoid(const AttributeMap&) {}
  // log(1 / (1 + e^-x)) computed without overflow for large |x|.
  template <typename T> T operator()(T x) const {
    T m = std::max(-x, T(0));
    return -m - std::log(std::exp(-m) + std::exp(-x - m));
  }
};
struct HardSigmoid {
  double slope, offset;
  explicit HardSigmoid(const AttributeMap& a)
      : slope(a.GetFloat("slope", 0.2)), offset(a.GetFloat("offset", 0.5)) {}
  template <typename T> T operator()(T x) const {
    T v = x * static_cast<T>(slope) + static_cast<T>(offset);
    return std::min(std::max(v, T(0)), T(1));
  }
};
struct HardSwish {
  double threshold, scale, offset;
  explicit HardSwish(const AttributeMap& a)
      : threshold(a.GetFloat("threshold", 6.0)),
        scale(a.GetFloat("scale", 6.0)),
        offset(a.GetFloat("offset", 3.0)) {}
  template <typename T> T operator()(T x) const {
    T v = std::min(std::max(x + static_cast<T>(offset), T(0)), static_cast<T>(threshold));
    return v * x / static_cast<T>(scale);
  }
};
struct Swish {
  double beta;
  explicit Swish(const AttributeMap& a) : beta(a.GetFloat("beta", 1.0)) {}
  template <typename T> T operator()(T x) const {
    return x / (T(1) + std::exp(-static_cast<T>(beta) * x));
  }
};
struct Silu {
  explicit Silu(const AttributeMap&) {}
  template <typename T> T operator()(T x) const { return x / (T(1) + std::exp(-x)); }
};
struct Mish {
  double threshold;
  explicit Mish(const AttributeMap& a) : threshold(a.GetFloat("threshold", 20.0)) {}
  template <typename T> T operator()(T x) const {
    T sp = x > static_cast<T>(threshold) ? x : std::log1p(std::exp(x));
    return x * std::tanh(sp);
  }
};
struct Softplus {
  double beta, threshold;
  explicit Softplus(const AttributeMap& a)
      : beta(a.GetFloat("beta", 1.0)), threshold(a.GetFloat("threshold", 20.0)) {}
  template <typename T> T operator()(T x) const {
    T xb = x * static_cast<T>(beta);
    return xb > static_cast<T>(threshold) ? x : std::log1p(std::exp(xb)) / static_cast<T>(beta);
  }
};
struct Softsign {
  explicit Softsign(const AttributeMap&) {}
  template <typename T> T operator()(T x) const { return x / (T(1) + std::abs(x)); }
};
struct TanhShrink {
  explicit TanhShrink(const AttributeMap&) {}
  template <typename T> T operator()(T x) const { return x - std::tanh(x); }
};
struct HardShrink {
  double t;
  explicit HardShrink(const AttributeMap& a) : t(a.GetFloat("threshold", 0.5)) {}
  template <typename T> T operator()(T x) const {
    // Paddle keeps values on the threshold itself, and multiplies (so -0 stays -0).
    T th = static_cast<T>(t);
    return x * static_cast<T>(x <= -th || x >= th);
  }
};
struct SoftShrink {
  double l;
  explicit SoftShrink(const AttributeMap& a) : l(a.GetFloat("lambda", 0.5)) {}
  template <typename T> T operator()(T x) const {
    T lam = static_cast<T>(l);
    return x > lam ? x - lam : (x < -lam ? x + lam : T(0));
  }
};
struct ThresholdedRelu {
  double t, value;
  explicit ThresholdedRelu(const AttributeMap& a)
      : t(a.GetFloat("threshold", 1.0)), value(a.GetFloat("value", 0.0)) {}
  template <typename T> T operator()(T x) const {
    return x > static_cast<T>(t) ? x : static_cast<T>(value);
  }
};
struct BRelu {
  double lo, hi;
  explicit BRelu(const AttributeMap& a) : lo(a.GetFloat("t_min", 0.0)), hi(a.GetFloat("t_max", 24.0)) {}
  template <typename T> T operator()(T x) const {
    return std::min(std::max(x, static_cast<T>(lo)), static_cast<T>(hi));
  }
};
struct STanh {
  double a_, b_;
  explicit STanh(const AttributeMap& a)
      : a_(a.GetFloat("scale_a", 0.67)), b_(a.GetFloat("scale_b", 1.7159)) {}
  template <typename T> T operator()(T x) const {
    return static_cast<T>(b_) * std::tanh(static_cast<T>(a_) * x);
  }
};
struct Round {
  int64_t decimals;
  explicit Round(const AttributeMap& a) : decimals(a.GetInt("decimals", 0)) {}
  // Ties go to even, as Paddle's kernel does.
  template <typename T> T operator()(T x) const {
    if constexpr (std::is_integral_v<T>) {
      return x;
    } else {
      if (decimals == 0) return std::nearbyint(x);
      if (decimals > 0) {
        T ten = static_cast<T>(std::pow(10.0, static_cast<double>(decimals)));
        return std::nearbyint(x * ten) / ten;
      }
      T ten = static_cast<T>(std::pow(10.0, static_cast<double>(-decimals)));
      return std::nearbyint(x / ten) * ten;
    }
  }
};

// Stateless one-liners.
#define PDI_SIMPLE_UNARY(NAME, EXPR)                         \
  struct NAME {                                              \
    explicit NAME(const AttributeMap&) {}                    \
    template <typename T> T operator()(T x) const { return EXPR; } \
  };
PDI_SIMPLE_UNARY(Tanh, std::tanh(x))
PDI_SIMPLE_UNARY(Exp, std::exp(x))
PDI_SIMPLE_UNARY(Expm1, std::expm1(x))
PDI_SIMPLE_UNARY(Log, std::log(x))
PDI_SIMPLE_UNARY(Log2, std::log2(x))
PDI_SIMPLE_UNARY(Log10, std::log10(x))
PDI_SIMPLE_UNARY(Log1p, std::log1p(x))
PDI_SIMPLE_UNARY(Sqrt, std::sqrt(x))
PDI_SIMPLE_UNARY(Rsqrt, T(1) / std::sqrt(x))
PDI_SIMPLE_UNARY(Reciprocal, T(1) / x)
PDI_SIMPLE_UNARY(Floor, std::floor(x))
PDI_SIMPLE_UNARY(Ceil, std::ceil(x))
PDI_SIMPLE_UNARY(Sin, std::sin(x))
PDI_SIMPLE_UNARY(Cos, std::cos(x))
PDI_SIMPLE_UNARY(Tan, std::tan(x))
PDI_SIMPLE_UNARY(Asin, std::asin(x))
PDI_SIMPLE_UNARY(Acos, std::acos(x))
PDI_SIMPLE_UNARY(Atan, std::atan(x))
PDI_SIMPLE_UNARY(Sinh, std::sinh(x))
PDI_SIMPLE_UNARY(Cosh, std::cosh(x))
PDI_SIMPLE_UNARY(Asinh, std::asinh(x))
PDI_SIMPLE_UNARY(Acosh, std::acosh(x))
PDI_SIMPLE_UNARY(Atanh, std::atanh(x))
PDI_SIMPLE_UNARY(Erf, std::erf(x))
#undef PDI_SIMPLE_UNARY

// Also defined on integers.
struct Abs {
  explicit Abs(const AttributeMap&) {}
  template <typename T> T operator()(T x) const {
    if constexpr (std::is_unsigned_v<T>) return x;
    else return x < T(0) ? static_cast<T>(-x) : x;
  }
};
struct Square {
  explicit Square(const AttributeMap&) {}
  template <typename T> T operator()(T x) const { return static_cast<T>(x * x); }
};
struct Sign {
  explicit Sign(const AttributeMap&) {}
  template <typename T> T operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(x)) return x;
    }
    return static_cast<T>((T(0) < x) - (x < T(0)));
  }
};
struct Negative {
  explicit Negative(const AttributeMap&) {}
  template <typename T> T operator()(T x) const { return static_cast<T>(-x); }
};

// ---- generic compute ----------------------------------------------------------------

enum class Types { kFloat, kSigned };  // kSigned: float and signed integers

template <typename F, Types kTypes>
void ComputeUnary(OpContext& ctx, int64_t cost) {
  const Tensor& x = ctx.Input("X");
  Tensor& out = ctx.Output("Out");
  const F f(ctx.attrs());
  auto run = [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool> ||
                  (kTypes == Types::kFloat && !std::is_floating_point_v<T>)) {
      ThrowError(ErrorCode::kUnsupported, ctx.Where(), ": unsupported dtype ",
                 DataTypeName(x.dtype()), " (expected float32 or float64)");
    } else {
      UnaryMap(ctx.pool(), x.data<T>(), out.data<T>(), x.numel(), cost,
               [&f](T v) { return f.template operator()<T>(v); });
    }
  };
  DispatchNumeric(x.dtype(), ctx.Where(), run);
}

template <typename F, Types kTypes = Types::kFloat>
void RegisterUnary(const char* name, int64_t cost) {
  OpRegistry::Global().Register(OpDef{name, {"X"}, {"Out"}, InferSameAsInput,
                                      [cost](OpContext& ctx) { ComputeUnary<F, kTypes>(ctx, cost); }});
}

// ---- activations applied in place by fused ops (see fused_activation.h) ----------------

template <typename F, typename T>
void ApplyInPlace(const AttributeMap& a, T* data, int64_t n, ThreadPool* pool, int64_t cost) {
  const F f(a);
  auto fn = [&f](T v) { return f.template operator()<T>(v); };
  if (pool) {
    UnaryMap(*pool, data, data, n, cost, fn);
  } else {
    for (int64_t i = 0; i < n; ++i) data[i] = fn(data[i]);
  }
}

template <typename T>
void ApplyActivationOpT(const std::string& op, const AttributeMap& a, T* d, int64_t n,
                        ThreadPool* pool) {
  if (op == "relu") return ApplyInPlace<Relu>(a, d, n, pool, kCheap);
  if (op == "relu6") return ApplyInPlace<Relu6>(a, d, n, pool, kCheap);
  if (op == "leaky_relu") return ApplyInPlace<LeakyRelu>(a, d, n, pool, kCheap);
  if (op == "elu") return ApplyInPlace<Elu>(a, d, n, pool, kTranscendental);
  if (op == "hard_sigmoid") return ApplyInPlace<HardSigmoid>(a, d, n, pool, kCheap);
  if (op == "hard_swish") return ApplyInPlace<HardSwish>(a, d, n, pool, kCheap);
  if (op == "swish") return ApplyInPlace<Swish>(a, d, n, pool, kTranscendental);
  if (op == "silu") return ApplyInPlace<Silu>(a, d, n, pool, kTranscendental);
  if (op == "sigmoid") return ApplyInPlace<SigmoidF>(a, d, n, pool, kTranscendental);
  if (op == "tanh") return ApplyInPlace<Tanh>(a, d, n, pool, kTranscendental);
  if (op == "gelu") return ApplyInPlace<Gelu>(a, d, n, pool, kTranscendental);
  if (op == "mish") return ApplyInPlace<Mish>(a, d, n, pool, kTranscendental);
  if (op == "softplus") return ApplyInPlace<Softplus>(a, d, n, pool, kTranscendental);
  if (op == "brelu") return ApplyInPlace<BRelu>(a, d, n, pool, kCheap);
  if (op == "abs") return ApplyInPlace<Abs>(a, d, n, pool, kCheap);
  if (op == "sqrt") return ApplyInPlace<Sqrt>(a, d, n, pool, kCheap);
  if (op == "exp") return ApplyInPlace<Exp>(a, d, n, pool, kTranscendental);
  if (op == "square") return ApplyInPlace<Square>(a, d, n, pool, kCheap);
  ThrowError(ErrorCode::kInvalidArgument, "activation '", op, "' cannot be fused");
}

}  // namespace

void ApplyActivationOp(const std::string& op, const AttributeMap& attrs, float* data, int64_t n,
                       ThreadPool* pool) {
  ApplyActivationOpT(op, attrs, data, n, pool);
}

void ApplyActivationOp(const std::string& op, const AttributeMap& attrs, double* data, int64_t n,
                       ThreadPool* pool) {
  ApplyActivationOpT(op, attrs, data, n, pool);
}

namespace {

// ---- pow: x ^ factor (factor attr or FactorTensor) ----------------------------------

void ComputePow(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  Tensor& out = ctx.Output("Out");
  std::optional<double> factor = ReadScalar(ctx, "factor", 1.0, "FactorTensor");
  PDI_ENFORCE_INTERNAL(factor.has_value(), ctx.Where(), ": FactorTensor has no data");
  DispatchNumeric(x.dtype(), ctx.Where(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      ThrowError(ErrorCode::kUnsupported, ctx.Where(), ": bool input is not supported");
    } else if constexpr (std::is_floating_point_v<T>) {
      const T p = static_cast<T>(static_cast<float>(*factor));
      if (p == T(2)) {
        UnaryMap(ctx.pool(), x.data<T>(), out.data<T>(), x.numel(), kCheap, [](T v) { return v * v; });
      } else if (p == T(1)) {
        UnaryMap(ctx.pool(), x.data<T>(), out.data<T>(), x.numel(), kCheap, [](T v) { return v; });
      } else {
        UnaryMap(ctx.pool(), x.data<T>(), out.data<T>(), x.numel(), kTranscendental,
                 [p](T v) { return std::pow(v, p); });
      }
    } else {
      // Integer base: computed in double, truncated back (as Paddle does).
      const double p = static_cast<float>(*factor);
      UnaryMap(ctx.pool(), x.data<T>(), out.data<T>(), x.numel(), kTranscendental, [p](T v) {
        double r = std::pow(static_cast<double>(v), p);
        double lim = std::ldexp(1.0, std::numeric_limits<T>::digits);
        if (!(r >= (std::is_signed_v<T> ? -lim : 0.0) && r < lim))
          return std::numeric_limits<T>::min();
        return static_cast<T>(r);
      });
    }
  });
}

// ---- prelu ---------------------------------------------------------------------------

struct PreluLayout {
  std::string mode;
  int64_t alpha_needed;  // number of alpha values the mode requires
  bool nhwc;
};

PreluLayout CheckPrelu(const OpContext& ctx, const Shape& xs, int64_t alpha_numel) {
  PreluLayout l;
  l.mode = ctx.attrs().GetString("mode", "all");
  std::string fmt = ctx.attrs().GetString("data_format", "NCHW");
  PDI_ENFORCE_ARG(fmt == "NCHW" || fmt == "NHWC" || fmt == "NCDHW" || fmt == "NDHWC" ||
                      fmt == "NCL" || fmt == "NLC" || fmt == "AnyLayout",
                  ctx.Where(), ": unsupported data_format '", fmt, "'");
  l.nhwc = fmt == "NHWC" || fmt == "NDHWC" || fmt == "NLC";
  if (l.mode == "all") {
    l.alpha_needed = 1;
  } else if (l.mode == "channel") {
    PDI_ENFORCE_ARG(!xs.empty(), ctx.Where(), ": mode 'channel' needs an input of rank >= 1");
    if (xs.size() == 1) l.alpha_needed = xs[0];
    else l.alpha_needed = l.nhwc ? xs.back() : xs[1];
  } else if (l.mode == "element") {
    PDI_ENFORCE_ARG(!xs.empty(), ctx.Where(), ": mode 'element' needs an input of rank >= 1");
    l.alpha_needed = 1;
    for (size_t i = 1; i < xs.size(); ++i) l.alpha_needed = xs[i] < 0 ? -1 : l.alpha_needed * xs[i];
  } else {
    ThrowError(ErrorCode::kInvalidArgument, ctx.Where(), ": mode must be 'all', 'channel' or ",
               "'element', got '", l.mode, "'");
  }
  if (alpha_numel >= 0 && l.alpha_needed >= 0)
    PDI_ENFORCE_ARG(alpha_numel == l.alpha_needed, ctx.Where(), ": Alpha has ", alpha_numel,
                    " values, mode '", l.mode, "' with input shape ", ShapeToString(xs),
                    " needs ", l.alpha_needed);
  return l;
}

void InferPrelu(OpContext& ctx) {
  const Shape& as = ctx.InputShape("Alpha");
  int64_t an = IsStatic(as) ? NumElements(as) : -1;
  CheckPrelu(ctx, ctx.InputShape("X"), an);
  InferSameAsInput(ctx);
}

void ComputePrelu(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  const Tensor& alpha_t = ctx.Input("Alpha");
  Tensor& out = ctx.Output("Out");
  PreluLayout l = CheckPrelu(ctx, x.shape(), alpha_t.numel());
  Tensor alpha_c = CastTensor(alpha_t, x.dtype());
  const Shape& xs = x.shape();
  const int64_t n = x.numel();
  DispatchFloat(x.dtype(), ctx.Where(), [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    const T* ap = alpha_c.data<T>();
    T* op = out.data<T>();
    if (l.mode == "all") {
      const T a = ap[0];
      UnaryMap(ctx.pool(), xp, op, n, kCheap, [a](T v) { return v > T(0) ? v : a * v; });
    } else if (l.mode == "element" || (l.mode == "channel" && (l.nhwc || xs.size() == 1))) {
      // alpha indexed by the position inside the trailing block of alpha_needed values
      const int64_t block = l.alpha_needed;
      ParallelForElements(ctx.pool(), n, kCheap, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
          T v = xp[i];
          op[i] = v > T(0) ? v : ap[i % block] * v;
        }
      });
    } else {  // channel, channels-first: alpha per dim 1
      const int64_t c = xs[1];
      int64_t inner = 1;
      for (size_t i = 2; i < xs.size(); ++i) inner *= xs[i];
      const int64_t planes = n / std::max<int64_t>(inner, 1);
      ParallelForElements(ctx.pool(), planes, inner, [&](int64_t b, int64_t e) {
        for (int64_t p = b; p < e; ++p) {
          const T a = ap[p % c];
          const T* src = xp + p * inner;
          T* dst = op + p * inner;
          for (int64_t k = 0; k < inner; ++k) dst[k] = src[k] > T(0) ? src[k] : a * src[k];
        }
      });
    }
  });
}

struct Registrations {
  Registrations() {
    RegisterUnary<Relu, Types::kSigned>("relu", kCheap);
    RegisterUnary<Relu6>("relu6", kCheap);
    RegisterUnary<LeakyRelu>("leaky_relu", kCheap);
    RegisterUnary<Elu>("elu", kTranscendental);
    RegisterUnary<Celu>("celu", kTranscendental);
    RegisterUnary<Selu>("selu", kTranscendental);
    RegisterUnary<Gelu>("gelu", kTranscendental);
    RegisterUnary<SigmoidF>("sigmoid", kTranscendental);
    RegisterUnary<LogSigmoid>("logsigmoid", kTranscendental);
    RegisterUnary<HardSigmoid>("hard_sigmoid", kCheap);
    RegisterUnary<HardSwish>("hard_swish", kCheap);
    RegisterUnary<Swish>("swish", kTranscendental);
    RegisterUnary<Silu>("silu", kTranscendental);
    RegisterUnary<Mish>("mish", kTranscendental);
    RegisterUnary<Softplus>("softplus", kTranscendental);
    RegisterUnary<Softsign>("softsign", kCheap);
    RegisterUnary<TanhShrink>("tanh_shrink", kTranscendental);
    RegisterUnary<HardShrink>("hard_shrink", kCheap);
    RegisterUnary<SoftShrink>("softshrink", kCheap);
    RegisterUnary<ThresholdedRelu>("thresholded_relu", kCheap);
    RegisterUnary<BRelu>("brelu", kCheap);
    RegisterUnary<STanh>("stanh", kTranscendental);
    RegisterUnary<Round, Types::kSigned>("round", kCheap);
    RegisterUnary<Tanh>("tanh", kTranscendental);
    RegisterUnary<Exp>("exp", kTranscendental);
    RegisterUnary<Expm1>("expm1", kTranscendental);
    RegisterUnary<Log>("log", kTranscendental);
    RegisterUnary<Log2>("log2", kTranscendental);
    RegisterUnary<Log10>("log10", kTranscendental);
    RegisterUnary<Log1p>("log1p", kTranscendental);
    RegisterUnary<Sqrt>("sqrt", kCheap);
    RegisterUnary<Rsqrt>("rsqrt", kCheap);
    RegisterUnary<Reciprocal>("reciprocal", kCheap);
    RegisterUnary<Floor, Types::kSigned>("floor", kCheap);
    RegisterUnary<Ceil, Types::kSigned>("ceil", kCheap);
    RegisterUnary<Sin>("sin", kTranscendental);
    RegisterUnary<Cos>("cos", kTranscendental);
    RegisterUnary<Tan>("tan", kTranscendental);
    RegisterUnary<Asin>("asin", kTranscendental);
    RegisterUnary<Acos>("acos", kTranscendental);
    RegisterUnary<Atan>("atan", kTranscendental);
    RegisterUnary<Sinh>("sinh", kTranscendental);
    RegisterUnary<Cosh>("cosh", kTranscendental);
    RegisterUnary<Asinh>("asinh", kTranscendental);
    RegisterUnary<Acosh>("acosh", kTranscendental);
    RegisterUnary<Atanh>("atanh", kTranscendental);
    RegisterUnary<Erf>("erf", kTranscendental);
    RegisterUnary<Abs, Types::kSigned>("abs", kCheap);
    RegisterUnary<Square, Types::kSigned>("square", kCheap);
    RegisterUnary<Sign, Types::kSigned>("sign", kCheap);
    RegisterUnary<Negative, Types::kSigned>("negative", kCheap);
    OpRegistry::Global().Register(
        OpDef{"pow", {"X", "FactorTensor?"}, {"Out"}, InferSameAsInput, ComputePow});
    OpRegistry::Global().Register(
        OpDef{"prelu", {"X", "Alpha"}, {"Out"}, InferPrelu, ComputePrelu});
  }
};
Registrations registrations;

}  // namespace
}  // namespace pdinfer
