// Ops that create tensors from attributes or small tensor inputs: fill_constant,
// fill_constant_batch_size_like, fill_any_like, fill_zeros_like, assign_value, range,
// linspace.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <variant>

#include "pdinfer/ops/op_utils.h"
#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

// Fill n elements of `dtype` at `dst` with `v` (converted like a Paddle cast).
void FillValue(void* dst, DataType dtype, int64_t n, double v, int64_t exact_int, bool use_int) {
  if (n <= 0) return;
  // Convert one element, then replicate the bytes.
  const size_t es = SizeOf(dtype);
  PDI_ENFORCE_INTERNAL(es > 0, "fill: undefined dtype");
  if (use_int) CastElements(DataType::kInt64, &exact_int, dtype, dst, 1);
  else CastElements(DataType::kFloat64, &v, dtype, dst, 1);
  char* p = static_cast<char*>(dst);
  for (int64_t i = 1; i < n; ++i) std::memcpy(p + static_cast<size_t>(i) * es, p, es);
}

struct FillScalar {
  double v = 0;
  int64_t i = 0;
  bool use_int = false;  // the exact integer `i` is authoritative (large int64 values)
};

// Paddle's `str_value` wins over `value` when set; it may spell inf/-inf/nan.
FillScalar ReadFillScalar(const OpContext& ctx, DataType dtype) {
  FillScalar s;
  std::string str = ctx.attrs().GetString("str_value", "");
  if (str.empty()) {
    s.v = ctx.attrs().GetFloat("value", 0.0);
    return s;
  }
  if (str == "inf" || str == "+inf") {
    s.v = std::numeric_limits<double>::infinity();
  } else if (str == "-inf") {
    s.v = -std::numeric_limits<double>::infinity();
  } else if (str == "nan" || str == "-nan") {
    s.v = std::numeric_limits<double>::quiet_NaN();
  } else {
    // Paddle parses the string as a double whatever the dtype (large int64 values round).
    const char* b = str.c_str();
    char* end = nullptr;
    s.v = std::strtod(b, &end);
    PDI_ENFORCE_MODEL(end != b, ctx.Where(), ": str_value '", str, "' is not a number");
  }
  return s;
}

// ---- fill_constant ----------------------------------------------------------------------

std::optional<Shape> FillConstantShape(const OpContext& ctx, int64_t* rank) {
  std::optional<std::vector<int64_t>> dims =
      ReadIntList(ctx, "shape", "ShapeTensor", "ShapeTensorList", rank);
  if (!dims) return std::nullopt;
  return Shape(dims->begin(), dims->end());
}

void InferFillConstant(OpContext& ctx) {
  DataType dt = DataTypeAttr(ctx, "dtype", DataType::kFloat32);
  int64_t rank = -1;
  std::optional<Shape> s = FillConstantShape(ctx, &rank);
  if (!s) {
    ctx.SetOutput("Out", dt, Shape(static_cast<size_t>(rank >= 0 ? rank : 1), -1));
    return;
  }
  for (int64_t d : *s)
    PDI_ENFORCE_ARG(d >= 0 || (!ctx.runtime() && d == -1), ctx.Where(), ": shape ",
                    ShapeToString(*s), " has a negative dim");
  ctx.SetOutput("Out", dt, *s);
}

void ComputeFillConstant(OpContext& ctx) {
  Tensor& out = ctx.Output("Out");
  FillScalar s;
  if (ctx.HasInput("ValueTensor")) {
    const Tensor& vt = ctx.Input("ValueTensor");
    PDI_ENFORCE_ARG(vt.numel() == 1, ctx.Where(), ": ValueTensor must hold one value, got shape ",
                    ShapeToString(vt.shape()));
    if (IsIntegerType(vt.dtype())) {
      s.i = TensorScalarAsInt(vt, ctx.Where());
      s.v = static_cast<double>(s.i);
      s.use_int = true;
    } else {
      s.v = TensorScalarAsDouble(vt, ctx.Where());
    }
  } else {
    s = ReadFillScalar(ctx, out.dtype());
  }
  FillValue(out.raw_data(), out.dtype(), out.numel(), s.v, s.i, s.use_int);
}

// ---- fill_constant_batch_size_like ------------------------------------------------------

void InferFillBatchSizeLike(OpContext& ctx) {
  DataType dt = DataTypeAttr(ctx, "dtype", DataType::kFloat32);
  std::vector<int64_t> shape = ctx.attrs().GetInts("shape", {});
  const Shape& in = ctx.InputShape("Input");
  int64_t in_idx = ctx.attrs().GetInt("input_dim_idx", 0);
  int64_t out_idx = ctx.attrs().GetInt("output_dim_idx", 0);
  PDI_ENFORCE_ARG(in_idx >= 0 && in_idx < static_cast<int64_t>(in.size()), ctx.Where(),
                  ": input_dim_idx ", in_idx, " is out of range for Input shape ",
                  ShapeToString(in));
  PDI_ENFORCE_ARG(out_idx >= 0 && out_idx < static_cast<int64_t>(shape.size()), ctx.Where(),
                  ": output_dim_idx ", out_idx, " is out of range for shape attribute ",
                  ShapeToString(shape));
  Shape out(shape.begin(), shape.end());
  out[static_cast<size_t>(out_idx)] = in[static_cast<size_t>(in_idx)];
  for (size_t i = 0; i < out.size(); ++i)
    PDI_ENFORCE_ARG(out[i] >= 0 || (!ctx.runtime() && out[i] == -1), ctx.Where(), ": shape ",
                    ShapeToString(out), " has a negative dim");
  ctx.SetOutput("Out", dt, out);
}

void ComputeFillBatchSizeLike(OpContext& ctx) {
  Tensor& out = ctx.Output("Out");
  FillScalar s = ReadFillScalar(ctx, out.dtype());
  FillValue(out.raw_data(), out.dtype(), out.numel(), s.v, s.i, s.use_int);
}

// ---- fill_any_like / fill_zeros_like ----------------------------------------------------

void InferFillAnyLike(OpContext& ctx) {
  DataType dt = DataTypeAttr(ctx, "dtype", ctx.InputDType("X"));
  ctx.SetOutput("Out", dt, ctx.InputShape("X"));
}

void ComputeFillAnyLike(OpContext& ctx) {
  Tensor& out = ctx.Output("Out");
  double v = ctx.attrs().GetFloat("value", 0.0);
  FillValue(out.raw_data(), out.dtype(), out.numel(), v, 0, false);
}

void ComputeFillZerosLike(OpContext& ctx) {
  Tensor& out = ctx.Output("Out");
  FillValue(out.raw_data(), out.dtype(), out.numel(), 0.0, 0, false);
}

// ---- assign_value -----------------------------------------------------------------------

// The values as doubles, or as exact int64 when they came as integers.
struct AssignValues {
  std::vector<double> f;
  std::vector<int64_t> i;
  bool is_int = false;
  size_t size() const { return is_int ? i.size() : f.size(); }
};

bool ReadValuesAttr(const Attribute* a, AssignValues* out) {
  if (!a) return false;
  if (auto p = std::get_if<std::vector<double>>(a)) {
    out->f = *p;
  } else if (auto p = std::get_if<std::vector<int64_t>>(a)) {
    out->i = *p;
    out->is_int = true;
  } else if (auto p = std::get_if<std::vector<bool>>(a)) {
    for (bool b : *p) out->i.push_back(b ? 1 : 0);
    out->is_int = true;
  } else if (auto p = std::get_if<double>(a)) {
    out->f = {*p};
  } else if (auto p = std::get_if<int64_t>(a)) {
    out->i = {*p};
    out->is_int = true;
  } else if (auto p = std::get_if<bool>(a)) {
    out->i = {*p ? 1 : 0};
    out->is_int = true;
  } else {
    return false;
  }
  return true;
}

AssignValues ReadAssignValues(const OpContext& ctx, DataType dt) {
  AssignValues v;
  const AttributeMap& attrs = ctx.attrs();
  // Older programs carry one typed list; newer ones a `values` list of scalars.
  const char* typed[] = {"fp32_values", "fp64_values", "int32_values", "int64_values", "bool_values"};
  for (const char* name : typed) {
    AssignValues t;
    if (ReadValuesAttr(attrs.Find(name), &t) && t.size() > 0) return t;
  }
  if (ReadValuesAttr(attrs.Find("values"), &v)) return v;
  return v;
}

void InferAssignValue(OpContext& ctx) {
  DataType dt = DataTypeAttr(ctx, "dtype", DataType::kFloat32);
  std::vector<int64_t> shape = ctx.attrs().GetInts("shape", {});
  Shape s(shape.begin(), shape.end());
  int64_t n = NumElements(s, ctx.Where());
  if (!ctx.HasInput("ValuesTensor")) {
    AssignValues v = ReadAssignValues(ctx, dt);
    PDI_ENFORCE_MODEL(static_cast<int64_t>(v.size()) == n, ctx.Where(), ": shape ",
                      ShapeToString(s), " needs ", n, " values, the attributes hold ", v.size());
  }
  ctx.SetOutput("Out", dt, s);
}

void ComputeAssignValue(OpContext& ctx) {
  Tensor& out = ctx.Output("Out");
  if (ctx.HasInput("ValuesTensor")) {
    const Tensor& t = ctx.Input("ValuesTensor");
    PDI_ENFORCE_ARG(t.numel() == out.numel(), ctx.Where(), ": ValuesTensor has ", t.numel(),
                    " values, shape ", ShapeToString(out.shape()), " needs ", out.numel());
    CastElements(t.dtype(), t.raw_data(), out.dtype(), out.raw_data(), out.numel());
    return;
  }
  AssignValues v = ReadAssignValues(ctx, out.dtype());
  PDI_ENFORCE_MODEL(static_cast<int64_t>(v.size()) == out.numel(), ctx.Where(), ": ",
                    v.size(), " values for ", out.numel(), " elements");
  if (v.is_int) CastElements(DataType::kInt64, v.i.data(), out.dtype(), out.raw_data(), out.numel());
  else CastElements(DataType::kFloat64, v.f.data(), out.dtype(), out.raw_data(), out.numel());
}

// ---- range ------------------------------------------------------------------------------

// Element count as Paddle computes it: in double when any input is floating point, in
// int64 otherwise; a step pointing away from `end` gives an empty range.
int64_t RangeSize(const OpContext& ctx, const Tensor& start, const Tensor& end,
                  const Tensor& step) {
  bool any_float = IsFloatType(start.dtype()) || IsFloatType(end.dtype()) || IsFloatType(step.dtype());
  if (any_float) {
    double s = TensorScalarAsDouble(start, ctx.Where() + ": Start");
    double e = TensorScalarAsDouble(end, ctx.Where() + ": End");
    double st = TensorScalarAsDouble(step, ctx.Where() + ": Step");
    PDI_ENFORCE_ARG(st != 0, ctx.Where(), ": the step of range must not be 0");
    if ((s < e && st < 0) || (s > e && st > 0)) return 0;
    double n = std::ceil(std::abs((e - s) / st));
    PDI_ENFORCE_ARG(std::isfinite(n) && n < 9.0e18, ctx.Where(), ": range size ", n,
                    " is not a valid element count");
    return static_cast<int64_t>(n);
  }
  int64_t s = TensorScalarAsInt(start, ctx.Where() + ": Start");
  int64_t e = TensorScalarAsInt(end, ctx.Where() + ": End");
  int64_t st = TensorScalarAsInt(step, ctx.Where() + ": Step");
  PDI_ENFORCE_ARG(st != 0, ctx.Where(), ": the step of range must not be 0");
  if ((s < e && st < 0) || (s > e && st > 0)) return 0;
  // |e - s| may overflow int64; compute in unsigned.
  uint64_t dist = s < e ? static_cast<uint64_t>(e) - static_cast<uint64_t>(s)
                        : static_cast<uint64_t>(s) - static_cast<uint64_t>(e);
  uint64_t ast = st < 0 ? 0 - static_cast<uint64_t>(st) : static_cast<uint64_t>(st);
  uint64_t n = dist / ast + (dist % ast != 0 ? 1 : 0);
  PDI_ENFORCE_ARG(n < (uint64_t(1) << 62), ctx.Where(), ": range size is too large");
  return static_cast<int64_t>(n);
}

void InferRange(OpContext& ctx) {
  DataType dt = ctx.InputDType("Start");
  const Tensor* s = ctx.InputValue("Start");
  const Tensor* e = ctx.InputValue("End");
  const Tensor* st = ctx.InputValue("Step");
  int64_t n = (s && e && st) ? RangeSize(ctx, *s, *e, *st) : -1;
  ctx.SetOutput("Out", dt, Shape{n});
}

void ComputeRange(OpContext& ctx) {
  Tensor& out = ctx.Output("Out");
  const Tensor& start = ctx.Input("Start");
  const Tensor& step = ctx.Input("Step");
  const int64_t n = out.numel();
  DispatchNumeric(out.dtype(), ctx.Where(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      ThrowError(ErrorCode::kUnsupported, ctx.Where(), ": bool range is not supported");
    } else {
      T* o = out.data<T>();
      T v, dv;
      CastElements(start.dtype(), start.raw_data(), out.dtype(), &v, 1);
      CastElements(step.dtype(), step.raw_data(), out.dtype(), &dv, 1);
      // Accumulated like Paddle's kernel (not start + i * step), so float rounding matches.
      for (int64_t i = 0; i < n; ++i) {
        o[i] = v;
        v = static_cast<T>(v + dv);
      }
    }
  });
}

// ---- linspace ---------------------------------------------------------------------------

void InferLinspace(OpContext& ctx) {
  DataType dt = DataTypeAttr(ctx, "dtype", DataType::kFloat32);
  const Tensor* num = ctx.InputValue("Num");
  int64_t n = -1;
  if (num) {
    n = TensorScalarAsInt(*num, ctx.Where() + ": Num");
    PDI_ENFORCE_ARG(n >= 0, ctx.Where(), ": Num must be >= 0, got ", n);
  }
  ctx.SetOutput("Out", dt, Shape{n});
}

void ComputeLinspace(OpContext& ctx) {
  Tensor& out = ctx.Output("Out");
  const int64_t num = out.numel();
  if (num == 0) return;
  DispatchNumeric(out.dtype(), ctx.Where(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      ThrowError(ErrorCode::kUnsupported, ctx.Where(), ": bool linspace is not supported");
    } else {
      T start, stop;
      CastElements(ctx.Input("Start").dtype(), ctx.Input("Start").raw_data(), out.dtype(), &start, 1);
      CastElements(ctx.Input("Stop").dtype(), ctx.Input("Stop").raw_data(), out.dtype(), &stop, 1);
      T* o = out.data<T>();
      if (num == 1) {
        o[0] = start;
        return;
      }
      // Symmetric fill from both ends so the last element is exactly `stop`.
      const double step = static_cast<double>(stop - start) / static_cast<double>(num - 1);
      const int64_t half = num / 2;
      for (int64_t i = 0; i < num; ++i) {
        double v = i < half ? start + step * static_cast<double>(i)
                            : stop - step * static_cast<double>(num - i - 1);
        CastElements(DataType::kFloat64, &v, out.dtype(), &o[i], 1);
      }
    }
  });
}

struct Registrations {
  Registrations() {
    auto& r = OpRegistry::Global();
    r.Register(OpDef{"fill_constant",
                     {"ValueTensor?", "ShapeTensor?", "ShapeTensorList*"},
                     {"Out"},
                     InferFillConstant,
                     ComputeFillConstant});
    r.Register(OpDef{"fill_constant_batch_size_like", {"Input"}, {"Out"}, InferFillBatchSizeLike,
                     ComputeFillBatchSizeLike});
    r.Register(OpDef{"fill_any_like", {"X"}, {"Out"}, InferFillAnyLike, ComputeFillAnyLike});
    r.Register(OpDef{"fill_zeros_like", {"X"}, {"Out"}, InferFillAnyLike, ComputeFillZerosLike});
    r.Register(OpDef{"fill_zeros_like2", {"X"}, {"Out"}, InferFillAnyLike, ComputeFillZerosLike});
    r.Register(OpDef{"assign_value", {"ValuesTensor?"}, {"Out"}, InferAssignValue,
                     ComputeAssignValue});
    r.Register(OpDef{"range", {"Start", "End", "Step"}, {"Out"}, InferRange, ComputeRange});
    r.Register(OpDef{"linspace", {"Start", "Stop", "Num"}, {"Out"}, InferLinspace,
                     ComputeLinspace});
  }
};
Registrations registrations;

}  // namespace
}  // namespace pdinfer
