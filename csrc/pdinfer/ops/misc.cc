// Small data-movement and selection ops: cast, clip, assign, share_data, memcpy*,
// dropout (inference semantics) and where.
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>

#include "pdinfer/ops/elementwise_kernel.h"
#include "pdinfer/ops/op_utils.h"
#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

void CopyInto(const Tensor& src, Tensor& dst) {
  if (src.numel() == 0 || src.raw_data() == dst.raw_data()) return;
  std::memcpy(dst.raw_data(), src.raw_data(), src.nbytes());
}

// ---- cast -------------------------------------------------------------------------------

void InferCast(OpContext& ctx) {
  DataType out = DataTypeAttr(ctx, "out_dtype", DataType::kUndefined);
  PDI_ENFORCE_MODEL(out != DataType::kUndefined, ctx.Where(), ": missing attribute out_dtype");
  ctx.SetOutput("Out", out, ctx.InputShape("X"));
}

void ComputeCast(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  Tensor& out = ctx.Output("Out");
  const int64_t n = x.numel();
  const size_t is = SizeOf(x.dtype()), os = SizeOf(out.dtype());
  ParallelForElements(ctx.pool(), n, 2, [&](int64_t b, int64_t e) {
    CastElements(x.dtype(), static_cast<const char*>(x.raw_data()) + static_cast<size_t>(b) * is,
                 out.dtype(), static_cast<char*>(out.raw_data()) + static_cast<size_t>(b) * os,
                 e - b);
  });
}

// ---- clip -------------------------------------------------------------------------------

void ComputeClip(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  Tensor& out = ctx.Output("Out");
  std::optional<double> lo = ReadScalar(ctx, "min", std::numeric_limits<float>::lowest(), "Min");
  std::optional<double> hi = ReadScalar(ctx, "max", std::numeric_limits<float>::max(), "Max");
  PDI_ENFORCE_INTERNAL(lo && hi, ctx.Where(), ": Min/Max has no data");
  DispatchNumeric(x.dtype(), ctx.Where(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      ThrowError(ErrorCode::kUnsupported, ctx.Where(), ": bool input is not supported");
    } else {
      // Paddle converts the bounds to the element type before comparing.
      T l, h;
      CastElements(DataType::kFloat64, &*lo, x.dtype(), &l, 1);
      CastElements(DataType::kFloat64, &*hi, x.dtype(), &h, 1);
      if constexpr (std::is_floating_point_v<T>) {
        // A float attribute's default may exceed float range for doubles: keep it infinite.
        if (!ctx.HasInput("Min") && !ctx.attrs().Has("min")) l = -std::numeric_limits<T>::infinity();
        if (!ctx.HasInput("Max") && !ctx.attrs().Has("max")) h = std::numeric_limits<T>::infinity();
      }
      PDI_ENFORCE_ARG(!(h < l), ctx.Where(), ": max (", *hi, ") must be >= min (", *lo, ")");
      UnaryMap(ctx.pool(), x.data<T>(), out.data<T>(), x.numel(), 1,
               [l, h](T v) { return v < l ? l : (v > h ? h : v); });
    }
  });
}

// ---- assign / share_data / memcpy -------------------------------------------------------

void ComputeCopy(OpContext& ctx) { CopyInto(ctx.Input("X"), ctx.Output("Out")); }

// ---- dropout (inference) ----------------------------------------------------------------

void InferDropout(OpContext& ctx) {
  ctx.SetOutput("Out", ctx.InputDType("X"), ctx.InputShape("X"));
  ctx.SetOutput("Mask", DataType::kUInt8, ctx.InputShape("X"));
}

void ComputeDropout(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  Tensor& out = ctx.Output("Out");
  // Inference always runs the test-time formula, whatever is_test says: Paddle's
  // inference passes force is_test on.
  const std::string impl = ctx.attrs().GetString("dropout_implementation", "downgrade_in_infer");
  const double p = ctx.attrs().GetFloat("dropout_prob", 0.5);
  PDI_ENFORCE_ARG(p >= 0 && p <= 1, ctx.Where(), ": dropout_prob must be in [0, 1], got ", p);
  if (ctx.HasOutput("Mask")) {
    Tensor& m = ctx.Output("Mask");
    if (m.numel() > 0) std::memset(m.raw_data(), 1, m.nbytes());
  }
  if (impl == "upscale_in_train") {
    CopyInto(x, out);
    return;
  }
  PDI_ENFORCE_ARG(impl == "downgrade_in_infer", ctx.Where(),
                  ": dropout_implementation must be 'downgrade_in_infer' or 'upscale_in_train', got '",
                  impl, "'");
  DispatchFloat(x.dtype(), ctx.Where(), [&](auto tag) {
    using T = decltype(tag);
    const T keep = static_cast<T>(1.0f - static_cast<float>(p));
    UnaryMap(ctx.pool(), x.data<T>(), out.data<T>(), x.numel(), 1, [keep](T v) { return v * keep; });
  });
}

// ---- where ------------------------------------------------------------------------------

void InferWhere(OpContext& ctx) {
  const Shape& c = ctx.InputShape("Condition");
  Shape xy = PaddleBroadcastShape(ctx.InputShape("X"), ctx.InputShape("Y"), -1, ctx.Where());
  ctx.SetOutput("Out", PromoteTypes(ctx.InputDType("X"), ctx.InputDType("Y")),
                PaddleBroadcastShape(c, xy, -1, ctx.Where()));
}

Shape PadTo(const Shape& s, size_t rank) {
  Shape r(rank - s.size(), 1);
  r.insert(r.end(), s.begin(), s.end());
  return r;
}

void ComputeWhere(OpContext& ctx) {
  const Tensor& c = ctx.Input("Condition");
  const Tensor& x = ctx.Input("X");
  const Tensor& y = ctx.Input("Y");
  Tensor& out = ctx.Output("Out");
  const Shape& os = out.shape();
  const size_t rank = os.size();
  PDI_ENFORCE_INTERNAL(c.rank() <= static_cast<int>(rank) && x.rank() <= static_cast<int>(rank) &&
                           y.rank() <= static_cast<int>(rank),
                       ctx.Where(), ": output rank below an input rank");
  Tensor cb = CastTensor(c, DataType::kBool);
  Tensor xc = CastTensor(x, out.dtype()), yc = CastTensor(y, out.dtype());
  DispatchNumeric(out.dtype(), ctx.Where(), [&](auto tag) {
    using T = decltype(tag);
    TernaryBroadcast(ctx.pool(), cb.data<bool>(), PadTo(c.shape(), rank), xc.data<T>(),
                     PadTo(x.shape(), rank), yc.data<T>(), PadTo(y.shape(), rank), out.data<T>(),
                     os, 1, [](bool k, T a, T b) { return k ? a : b; });
  });
}

struct Registrations {
  Registrations() {
    auto& r = OpRegistry::Global();
    r.Register(OpDef{"cast", {"X"}, {"Out"}, InferCast, ComputeCast});
    r.Register(OpDef{"clip", {"X", "Min?", "Max?"}, {"Out"}, InferSameAsInput, ComputeClip});
    r.Register(OpDef{"assign", {"X"}, {"Out"}, InferSameAsInput, ComputeCopy});
    r.Register(OpDef{"share_data", {"X"}, {"Out"}, InferSameAsInput, ComputeCopy});
    r.Register(OpDef{"memcpy", {"X"}, {"Out"}, InferSameAsInput, ComputeCopy});
    r.Register(OpDef{"memcpy_d2h", {"X"}, {"Out"}, InferSameAsInput, ComputeCopy});
    r.Register(OpDef{"memcpy_h2d", {"X"}, {"Out"}, InferSameAsInput, ComputeCopy});
    r.Register(OpDef{"dropout", {"X", "Seed?"}, {"Out", "Mask?"}, InferDropout, ComputeDropout});
    r.Register(OpDef{"where", {"Condition", "X", "Y"}, {"Out"}, InferWhere, ComputeWhere});
  }
};
Registrations registrations;

}  // namespace
}  // namespace pdinfer
