// Comparisons (bool output, Paddle's `axis` broadcast rule), logical and bitwise ops,
// and the isnan/isinf/isfinite family.
#include <cmath>
#include <type_traits>

#include "pdinfer/ops/elementwise_kernel.h"
#include "pdinfer/ops/op_utils.h"
#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

enum class Cmp { kEq, kNe, kLt, kLe, kGt, kGe };

// Exact equality for every dtype (Paddle >= 2.6 dropped the 1e-8 float tolerance); NaN is
// unequal to everything.
template <typename T>
inline bool PaddleEqual(T a, T b) {
  return a == b;
}

template <Cmp kOp, typename T>
struct CmpFn {
  bool operator()(T a, T b) const {
    if constexpr (kOp == Cmp::kEq) return PaddleEqual(a, b);
    else if constexpr (kOp == Cmp::kNe) return !PaddleEqual(a, b);
    else if constexpr (kOp == Cmp::kLt) return a < b;
    else if constexpr (kOp == Cmp::kLe) return a <= b;
    else if constexpr (kOp == Cmp::kGt) return a > b;
    else return a >= b;
  }
};

void InferCompare(OpContext& ctx) {
  Shape out = PaddleBroadcastShape(ctx.InputShape("X"), ctx.InputShape("Y"),
                                   ctx.attrs().GetInt("axis", -1), ctx.Where());
  ctx.SetOutput("Out", DataType::kBool, out);
}

template <Cmp kOp>
void ComputeCompare(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  const Tensor& y = ctx.Input("Y");
  Shape xa, ya, os;
  AlignBroadcastShapes(x.shape(), y.shape(), ctx.attrs().GetInt("axis", -1), ctx.Where(), &xa,
                       &ya, &os);
  const DataType dt = PromoteTypes(x.dtype(), y.dtype());
  Tensor xc = CastTensor(x, dt), yc = CastTensor(y, dt);
  Tensor& out = ctx.Output("Out");
  DispatchNumeric(dt, ctx.Where(), [&](auto tag) {
    using T = decltype(tag);
    BinaryBroadcast(ctx.pool(), xc.data<T>(), xa, yc.data<T>(), ya, out.data<bool>(), os, 1,
                    CmpFn<kOp, T>());
  });
}

// ---- logical: any dtype, non-zero is true, bool output ---------------------------------

enum class Logic { kAnd, kOr, kXor };

void InferLogicalBinary(OpContext& ctx) {
  Shape out = PaddleBroadcastShape(ctx.InputShape("X"), ctx.InputShape("Y"), -1, ctx.Where());
  ctx.SetOutput("Out", DataType::kBool, out);
}

template <Logic kOp>
void ComputeLogicalBinary(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  const Tensor& y = ctx.Input("Y");
  Shape xa, ya, os;
  AlignBroadcastShapes(x.shape(), y.shape(), -1, ctx.Where(), &xa, &ya, &os);
  Tensor xb = CastTensor(x, DataType::kBool), yb = CastTensor(y, DataType::kBool);
  Tensor& out = ctx.Output("Out");
  BinaryBroadcast(ctx.pool(), xb.data<bool>(), xa, yb.data<bool>(), ya, out.data<bool>(), os, 1,
                  [](bool a, bool b) {
                    if constexpr (kOp == Logic::kAnd) return a && b;
                    else if constexpr (kOp == Logic::kOr) return a || b;
                    else return a != b;
                  });
}

void InferBoolLikeX(OpContext& ctx) {
  ctx.SetOutput("Out", DataType::kBool, ctx.InputShape("X"));
}

void ComputeLogicalNot(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  Tensor xb = CastTensor(x, DataType::kBool);
  UnaryMap(ctx.pool(), xb.data<bool>(), ctx.Output("Out").data<bool>(), x.numel(), 1,
           [](bool v) { return !v; });
}

// ---- bitwise: integers and bool, same dtype out ----------------------------------------

enum class Bit { kAnd, kOr, kXor };

void InferBitwiseBinary(OpContext& ctx) {
  Shape out = PaddleBroadcastShape(ctx.InputShape("X"), ctx.InputShape("Y"), -1, ctx.Where());
  ctx.SetOutput("Out", PromoteTypes(ctx.InputDType("X"), ctx.InputDType("Y")), out);
}

template <Bit kOp>
void ComputeBitwiseBinary(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  const Tensor& y = ctx.Input("Y");
  Shape xa, ya, os;
  AlignBroadcastShapes(x.shape(), y.shape(), -1, ctx.Where(), &xa, &ya, &os);
  const DataType dt = PromoteTypes(x.dtype(), y.dtype());
  Tensor xc = CastTensor(x, dt), yc = CastTensor(y, dt);
  Tensor& out = ctx.Output("Out");
  DispatchNumeric(dt, ctx.Where(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      ThrowError(ErrorCode::kUnsupported, ctx.Where(), ": bitwise ops need integer or bool inputs");
    } else {
      BinaryBroadcast(ctx.pool(), xc.data<T>(), xa, yc.data<T>(), ya, out.data<T>(), os, 1,
                      [](T a, T b) -> T {
                        if constexpr (kOp == Bit::kAnd) return static_cast<T>(a & b);
                        else if constexpr (kOp == Bit::kOr) return static_cast<T>(a | b);
                        else return static_cast<T>(a ^ b);
                      });
    }
  });
}

void ComputeBitwiseNot(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  Tensor& out = ctx.Output("Out");
  DispatchNumeric(x.dtype(), ctx.Where(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      ThrowError(ErrorCode::kUnsupported, ctx.Where(), ": bitwise_not needs integer or bool input");
    } else if constexpr (std::is_same_v<T, bool>) {
      UnaryMap(ctx.pool(), x.data<T>(), out.data<T>(), x.numel(), 1, [](bool v) { return !v; });
    } else {
      UnaryMap(ctx.pool(), x.data<T>(), out.data<T>(), x.numel(), 1,
               [](T v) { return static_cast<T>(~v); });
    }
  });
}

// ---- isnan / isinf / isfinite -----------------------------------------------------------

enum class Cls { kNan, kInf, kFinite };

template <Cls kOp, typename T>
inline bool Classify(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    if constexpr (kOp == Cls::kNan) return std::isnan(v);
    else if constexpr (kOp == Cls::kInf) return std::isinf(v);
    else return std::isfinite(v);
  } else {
    return kOp == Cls::kFinite;
  }
}

template <Cls kOp>
void ComputeClassify(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  bool* o = ctx.Output("Out").data<bool>();
  DispatchNumeric(x.dtype(), ctx.Where(), [&](auto tag) {
    using T = decltype(tag);
    UnaryMap(ctx.pool(), x.data<T>(), o, x.numel(), 1, [](T v) { return Classify<kOp, T>(v); });
  });
}

// Legacy v1 ops reduce to one bool: isnan/isinf = any, isfinite = all.
void InferClassifyReduce(OpContext& ctx) { ctx.SetOutput("Out", DataType::kBool, Shape{1}); }

template <Cls kOp>
void ComputeClassifyReduce(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  bool result = kOp == Cls::kFinite;
  DispatchNumeric(x.dtype(), ctx.Where(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = x.data<T>();
    for (int64_t i = 0; i < x.numel(); ++i) {
      bool c = Classify<kOp, T>(p[i]);
      if (kOp == Cls::kFinite ? !c : c) {
        result = !result;
        break;
      }
    }
  });
  ctx.Output("Out").data<bool>()[0] = result;
}

struct Registrations {
  Registrations() {
    auto& r = OpRegistry::Global();
    r.Register(OpDef{"equal", {"X", "Y"}, {"Out"}, InferCompare, ComputeCompare<Cmp::kEq>});
    r.Register(OpDef{"not_equal", {"X", "Y"}, {"Out"}, InferCompare, ComputeCompare<Cmp::kNe>});
    r.Register(OpDef{"less_than", {"X", "Y"}, {"Out"}, InferCompare, ComputeCompare<Cmp::kLt>});
    r.Register(OpDef{"less_equal", {"X", "Y"}, {"Out"}, InferCompare, ComputeCompare<Cmp::kLe>});
    r.Register(OpDef{"greater_than", {"X", "Y"}, {"Out"}, InferCompare, ComputeCompare<Cmp::kGt>});
    r.Register(OpDef{"greater_equal", {"X", "Y"}, {"Out"}, InferCompare, ComputeCompare<Cmp::kGe>});
    r.Register(OpDef{"logical_and", {"X", "Y"}, {"Out"}, InferLogicalBinary,
                     ComputeLogicalBinary<Logic::kAnd>});
    r.Register(OpDef{"logical_or", {"X", "Y"}, {"Out"}, InferLogicalBinary,
                     ComputeLogicalBinary<Logic::kOr>});
    r.Register(OpDef{"logical_xor", {"X", "Y"}, {"Out"}, InferLogicalBinary,
                     ComputeLogicalBinary<Logic::kXor>});
    r.Register(OpDef{"logical_not", {"X"}, {"Out"}, InferBoolLikeX, ComputeLogicalNot});
    r.Register(OpDef{"bitwise_and", {"X", "Y"}, {"Out"}, InferBitwiseBinary,
                     ComputeBitwiseBinary<Bit::kAnd>});
    r.Register(OpDef{"bitwise_or", {"X", "Y"}, {"Out"}, InferBitwiseBinary,
                     ComputeBitwiseBinary<Bit::kOr>});
    r.Register(OpDef{"bitwise_xor", {"X", "Y"}, {"Out"}, InferBitwiseBinary,
                     ComputeBitwiseBinary<Bit::kXor>});
    r.Register(OpDef{"bitwise_not", {"X"}, {"Out"}, InferSameAsInput, ComputeBitwiseNot});
    r.Register(OpDef{"isnan_v2", {"X"}, {"Out"}, InferBoolLikeX, ComputeClassify<Cls::kNan>});
    r.Register(OpDef{"isinf_v2", {"X"}, {"Out"}, InferBoolLikeX, ComputeClassify<Cls::kInf>});
    r.Register(OpDef{"isfinite_v2", {"X"}, {"Out"}, InferBoolLikeX, ComputeClassify<Cls::kFinite>});
    r.Register(OpDef{"isnan", {"X"}, {"Out"}, InferClassifyReduce, ComputeClassifyReduce<Cls::kNan>});
    r.Register(OpDef{"isinf", {"X"}, {"Out"}, InferClassifyReduce, ComputeClassifyReduce<Cls::kInf>});
    r.Register(OpDef{"isfinite", {"X"}, {"Out"}, InferClassifyReduce,
                     ComputeClassifyReduce<Cls::kFinite>});
  }
};
Registrations registrations;

}  // namespace
}  // namespace pdinfer
