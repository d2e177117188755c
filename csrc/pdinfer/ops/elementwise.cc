// Binary element-wise arithmetic (elementwise_add/sub/mul/div/max/min/pow/mod/floordiv/
// fmax/fmin) with Paddle's legacy `axis` broadcast rule, plus the add-n `sum` and `scale`.
#include <cmath>
#include <limits>
#include <type_traits>

#include "pdinfer/ops/elementwise.h"
#include "pdinfer/ops/elementwise_kernel.h"
#include "pdinfer/ops/op_utils.h"
#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

enum class BinOp { kAdd, kSub, kMul, kDiv, kMax, kMin, kPow, kMod, kFloorDiv, kFMax, kFMin };

constexpr bool AllowsBool(BinOp op) {
  return op == BinOp::kAdd || op == BinOp::kMul || op == BinOp::kMax || op == BinOp::kMin;
}

[[noreturn]] void ThrowIntDivZero() {
  ThrowError(ErrorCode::kInvalidArgument,
             "integer division by zero in elementwise (floor) divide / mod");
}

// Float -> integer of the same width without UB: out-of-range and NaN give the minimum.
template <typename T>
T SaturatingFromDouble(double v) {
  const double hi = std::ldexp(1.0, std::numeric_limits<T>::digits);  // exclusive bound
  const double lo = std::is_signed_v<T> ? -hi : 0.0;
  if (!(v >= lo && v < hi)) return std::numeric_limits<T>::min();
  return static_cast<T>(v);
}

template <BinOp kOp, typename T>
struct BinaryFn;

template <typename T>
struct BinaryFn<BinOp::kAdd, T> {
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) return a || b;
    else return static_cast<T>(a + b);
  }
};
template <typename T>
struct BinaryFn<BinOp::kSub, T> {
  T operator()(T a, T b) const { return static_cast<T>(a - b); }
};
template <typename T>
struct BinaryFn<BinOp::kMul, T> {
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) return a && b;
    else return static_cast<T>(a * b);
  }
};
template <typename T>
struct BinaryFn<BinOp::kDiv, T> {
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) {
      if (b == 0) ThrowIntDivZero();
      // C++ division truncates toward zero, as Paddle's integer divide does; -MIN/-1 wraps.
      if constexpr (std::is_signed_v<T>)
        if (b == T(-1)) return static_cast<T>(T(0) - static_cast<std::make_unsigned_t<T>>(a));
      return static_cast<T>(a / b);
    } else {
      return a / b;
    }
  }
};
template <typename T>
struct BinaryFn<BinOp::kMax, T> {
  // A NaN on either side propagates (as Paddle's maximum does).
  T operator()(T a, T b) const { return (a > b || a != a) ? a : b; }
};
template <typename T>
struct BinaryFn<BinOp::kMin, T> {
  T operator()(T a, T b) const { return (a < b || a != a) ? a : b; }
};
template <typename T>
struct BinaryFn<BinOp::kFMax, T> {
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) return std::fmax(a, b);
    else return a > b ? a : b;
  }
};
template <typename T>
struct BinaryFn<BinOp::kFMin, T> {
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) return std::fmin(a, b);
    else return a < b ? a : b;
  }
};
template <typename T>
struct BinaryFn<BinOp::kPow, T> {
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      return std::pow(a, b);
    } else {
      // Paddle computes integer powers in double and truncates.
      return SaturatingFromDouble<T>(std::pow(static_cast<double>(a), static_cast<double>(b)));
    }
  }
};
template <typename T>
struct BinaryFn<BinOp::kMod, T> {
  // The remainder takes the sign of the divisor (Python semantics).
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      T r = std::fmod(a, b);
      if (r != 0 && ((r < 0) != (b < 0))) r += b;
      return r;
    } else {
      if (b == 0) ThrowIntDivZero();
      if constexpr (std::is_signed_v<T>)
        if (b == T(-1)) return T(0);
      T r = static_cast<T>(a % b);
      if constexpr (std::is_signed_v<T>)
        if (r != 0 && ((r < 0) != (b < 0))) r = static_cast<T>(r + b);
      return r;
    }
  }
};
template <typename T>
struct BinaryFn<BinOp::kFloorDiv, T> {
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      if (b == 0) return a / b;
      T mod = std::fmod(a, b);
      T div = (a - mod) / b;
      if (mod != 0 && ((b < 0) != (mod < 0))) div -= T(1);
      if (div == 0) return std::copysign(T(0), a / b);
      T fl = std::floor(div);
      if (div - fl > T(0.5)) fl += T(1);
      return fl;
    } else {
      if (b == 0) ThrowIntDivZero();
      if constexpr (std::is_signed_v<T>) {
        if (b == T(-1)) return static_cast<T>(T(0) - static_cast<std::make_unsigned_t<T>>(a));
        T q = static_cast<T>(a / b);
        if ((a < 0) != (b < 0) && static_cast<T>(a % b) != 0) --q;
        return q;
      } else {
        return static_cast<T>(a / b);
      }
    }
  }
};

// elementwise_fmax/fmin have no `axis` attribute in Paddle: plain NumPy broadcasting.
constexpr bool HasAxis(BinOp op) { return op != BinOp::kFMax && op != BinOp::kFMin; }

template <BinOp kOp>
int64_t BinaryAxis(const OpContext& ctx) {
  return HasAxis(kOp) ? ctx.attrs().GetInt("axis", -1) : -1;
}

template <BinOp kOp>
void InferBinary(OpContext& ctx) {
  const Shape& xs = ctx.InputShape("X");
  const Shape& ys = ctx.InputShape("Y");
  Shape out = PaddleBroadcastShape(xs, ys, BinaryAxis<kOp>(ctx), ctx.Where());
  ctx.SetOutput("Out", PromoteTypes(ctx.InputDType("X"), ctx.InputDType("Y")), out);
}

template <BinOp kOp>
void ComputeBinary(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  const Tensor& y = ctx.Input("Y");
  Shape xa, ya, os;
  AlignBroadcastShapes(x.shape(), y.shape(), BinaryAxis<kOp>(ctx), ctx.Where(), &xa, &ya, &os);
  const DataType dt = PromoteTypes(x.dtype(), y.dtype());
  Tensor xc = CastTensor(x, dt), yc = CastTensor(y, dt);
  Tensor& out = ctx.Output("Out");
  PDI_ENFORCE_INTERNAL(out.shape() == os && out.dtype() == dt, ctx.Where(),
                       ": output not resized to ", ShapeToString(os));
  const int64_t cost = (kOp == BinOp::kPow || kOp == BinOp::kMod || kOp == BinOp::kFloorDiv) ? 16 : 1;
  auto run = [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool> && !AllowsBool(kOp)) {
      ThrowError(ErrorCode::kUnsupported, ctx.Where(), ": bool inputs are not supported");
    } else {
      BinaryBroadcast(ctx.pool(), xc.data<T>(), xa, yc.data<T>(), ya, out.data<T>(), os, cost,
                      BinaryFn<kOp, T>());
    }
  };
  try {
    DispatchNumeric(dt, ctx.Where(), run);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kInvalidArgument && e.message().rfind("integer division", 0) == 0)
      ThrowError(ErrorCode::kInvalidArgument, ctx.Where(), ": ", e.message());
    throw;
  }
}

template <BinOp kOp>
void RegisterBinary(const char* name) {
  OpRegistry::Global().Register(OpDef{name, {"X", "Y"}, {"Out"}, InferBinary<kOp>, ComputeBinary<kOp>});
}

// ---- sum: add-n over the X list -------------------------------------------------------

void InferSum(OpContext& ctx) {
  size_t n = ctx.InputCount("X");
  PDI_ENFORCE_MODEL(n > 0, ctx.Where(), ": needs at least one input");
  DataType dt = ctx.InputDType("X", 0);
  // Empty inputs are ignored (Paddle skips them); the others must agree.
  const Shape* ref = nullptr;
  for (size_t k = 0; k < n; ++k) {
    const Shape& s = ctx.InputShape("X", k);
    PDI_ENFORCE_ARG(ctx.InputDType("X", k) == dt, ctx.Where(), ": input X[", k, "] is ",
                    DataTypeName(ctx.InputDType("X", k)), ", expected ", DataTypeName(dt));
    bool empty = false;
    for (int64_t d : s) empty |= d == 0;
    if (empty) continue;
    if (!ref) {
      ref = &s;
      continue;
    }
    bool ok = s.size() == ref->size();
    for (size_t i = 0; ok && i < s.size(); ++i)
      ok = s[i] == (*ref)[i] || s[i] < 0 || (*ref)[i] < 0;
    PDI_ENFORCE_ARG(ok, ctx.Where(), ": input X[", k, "] has shape ", ShapeToString(s),
                    ", expected ", ShapeToString(*ref), " like the other inputs");
  }
  ctx.SetOutput("Out", dt, ref ? *ref : ctx.InputShape("X", 0));
}

void ComputeSum(OpContext& ctx) {
  Tensor& out = ctx.Output("Out");
  const int64_t n = out.numel();
  std::vector<const Tensor*> ins;
  for (size_t k = 0; k < ctx.InputCount("X"); ++k) {
    const Tensor& t = ctx.Input("X", k);
    if (t.numel() == 0) continue;
    PDI_ENFORCE_ARG(t.numel() == n, ctx.Where(), ": input X[", k, "] has shape ",
                    ShapeToString(t.shape()), ", output ", ShapeToString(out.shape()));
    ins.push_back(&t);
  }
  DispatchNumeric(out.dtype(), ctx.Where(), [&](auto tag) {
    using T = decltype(tag);
    T* o = out.data<T>();
    ParallelForElements(ctx.pool(), n, static_cast<int64_t>(ins.size()), [&](int64_t b, int64_t e) {
      if (ins.empty()) {
        for (int64_t i = b; i < e; ++i) o[i] = T(0);
        return;
      }
      const T* first = ins[0]->data<T>();
      for (int64_t i = b; i < e; ++i) o[i] = first[i];
      for (size_t k = 1; k < ins.size(); ++k) {
        const T* p = ins[k]->data<T>();
        if constexpr (std::is_same_v<T, bool>) {
          for (int64_t i = b; i < e; ++i) o[i] = o[i] || p[i];
        } else {
          for (int64_t i = b; i < e; ++i) o[i] = static_cast<T>(o[i] + p[i]);
        }
      }
    });
  });
}

// ---- scale: out = scale * x + bias (or scale * (x + bias)) ------------------------------

void ComputeScale(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  Tensor& out = ctx.Output("Out");
  std::optional<double> scale = ReadScalar(ctx, "scale", 1.0, "ScaleTensor");
  PDI_ENFORCE_INTERNAL(scale.has_value(), ctx.Where(), ": ScaleTensor has no data");
  // Paddle stores bias as a float32 attribute (or takes it from BiasTensor); round through
  // float to match.
  std::optional<double> bias_v = ReadScalar(ctx, "bias", 0.0, "BiasTensor");
  PDI_ENFORCE_INTERNAL(bias_v.has_value(), ctx.Where(), ": BiasTensor has no data");
  const double bias = static_cast<float>(*bias_v);
  const bool after = ctx.attrs().GetBool("bias_after_scale", true);
  DispatchNumeric(x.dtype(), ctx.Where(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      ThrowError(ErrorCode::kUnsupported, ctx.Where(), ": bool input is not supported");
    } else {
      // Paddle converts scale and bias to the element type first (integers truncate).
      T s, bb;
      if constexpr (std::is_floating_point_v<T>) {
        s = static_cast<T>(*scale);
        bb = static_cast<T>(bias);
      } else {
        s = SaturatingFromDouble<T>(*scale);
        bb = SaturatingFromDouble<T>(bias);
      }
      if (after)
        UnaryMap(ctx.pool(), x.data<T>(), out.data<T>(), x.numel(), 1,
                 [s, bb](T v) { return static_cast<T>(v * s + bb); });
      else
        UnaryMap(ctx.pool(), x.data<T>(), out.data<T>(), x.numel(), 1,
                 [s, bb](T v) { return static_cast<T>((v + bb) * s); });
    }
  });
}

struct Registrations {
  Registrations() {
    RegisterBinary<BinOp::kAdd>("elementwise_add");
    RegisterBinary<BinOp::kSub>("elementwise_sub");
    RegisterBinary<BinOp::kMul>("elementwise_mul");
    RegisterBinary<BinOp::kDiv>("elementwise_div");
    RegisterBinary<BinOp::kMax>("elementwise_max");
    RegisterBinary<BinOp::kMin>("elementwise_min");
    RegisterBinary<BinOp::kPow>("elementwise_pow");
    RegisterBinary<BinOp::kMod>("elementwise_mod");
    RegisterBinary<BinOp::kFloorDiv>("elementwise_floordiv");
    RegisterBinary<BinOp::kFMax>("elementwise_fmax");
    RegisterBinary<BinOp::kFMin>("elementwise_fmin");
    OpRegistry::Global().Register(OpDef{"sum", {"X+"}, {"Out"}, InferSum, ComputeSum});
    OpRegistry::Global().Register(
        OpDef{"scale", {"X", "ScaleTensor?", "BiasTensor?"}, {"Out"}, InferSameAsInput, ComputeScale});
  }
};
Registrations registrations;

}  // namespace

// ---- entry points for wrapping ops (elementwise.h) ----------------------------------------

namespace {
template <typename Fn>
void WithArithOp(const OpContext& ctx, const std::string& op, Fn&& fn) {
  if (op == "add") fn(std::integral_constant<BinOp, BinOp::kAdd>());
  else if (op == "sub") fn(std::integral_constant<BinOp, BinOp::kSub>());
  else if (op == "mul") fn(std::integral_constant<BinOp, BinOp::kMul>());
  else if (op == "div") fn(std::integral_constant<BinOp, BinOp::kDiv>());
  else ThrowError(ErrorCode::kInternal, ctx.Where(), ": unknown element-wise op '", op, "'");
}
}  // namespace

void InferElementwiseArith(OpContext& ctx, const std::string& op) {
  WithArithOp(ctx, op, [&](auto k) { InferBinary<decltype(k)::value>(ctx); });
}

void ComputeElementwiseArith(OpContext& ctx, const std::string& op) {
  WithArithOp(ctx, op, [&](auto k) { ComputeBinary<decltype(k)::value>(ctx); });
}

}  // namespace pdinfer
