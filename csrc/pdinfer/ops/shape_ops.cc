// Ops that only change a tensor's shape: reshape/reshape2, squeeze/squeeze2,
// unsqueeze/unsqueeze2, flatten_contiguous_range, flatten/flatten2 — plus `shape`, `size`
// and `shape64` (PIR's int64 `shape`), which read it. The reshaping ops copy the data
// byte for byte, so every dtype works.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>

#include "pdinfer/ops/op_utils.h"
#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

// Output = input bytes under the inferred shape.
void ComputeCopy(OpContext& ctx) {
  const Tensor& x = ctx.Input("X");
  Tensor& out = ctx.Output("Out");
  PDI_ENFORCE_INTERNAL(out.nbytes() == x.nbytes(), ctx.Where(), ": output holds ", out.nbytes(),
                       " bytes, input ", x.nbytes());
  if (x.nbytes() && out.raw_data() != x.raw_data())
    std::memcpy(out.raw_data(), x.raw_data(), x.nbytes());
}

int64_t KnownProduct(const Shape& s, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end; ++i) {
    if (s[i] < 0) return -1;
    p *= s[i];
  }
  return p;
}

// ---------------------------------------------------------------------------------------
// reshape / reshape2
// ---------------------------------------------------------------------------------------

// Paddle's rule for the target shape: 0 copies the input dim at that index (a literal 0
// when the input is zero-size), one -1 is inferred from the element count.
Shape ReshapeTarget(const OpContext& ctx, const Shape& x, const std::vector<int64_t>& shape) {
  const bool known = IsStatic(x);
  const int64_t numel = known ? NumElements(x) : -1;
  auto bad = [&](const auto&... why) {
    ThrowError(ErrorCode::kInvalidArgument, ctx.Where(), ": cannot reshape tensor of shape ",
               ShapeToString(x), " to ", ShapeToString(shape), ": ", why...);
  };
  Shape out(shape.size());
  int unk = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    const int64_t s = shape[i];
    if (s == -1) {
      if (unk >= 0) bad("only one dim may be -1, got -1 at index ", unk, " and ", i);
      unk = static_cast<int>(i);
      out[i] = -1;
    } else if (s == 0) {
      if (i < x.size()) {
        out[i] = (known && numel == 0) ? 0 : x[i];
      } else {
        if (known && numel != 0)
          bad("0 at index ", i, " is past the input's rank ", x.size(),
              " (allowed only for a zero-size input)");
        out[i] = 0;
      }
    } else if (s < 0) {
      bad("dim ", i, " is ", s, " (dims must be positive, 0 = copy, or one -1)");
    } else {
      out[i] = s;
    }
  }
  if (!known) return out;  // a -1 stays unknown until the input's size is
  if (unk >= 0) {
    int64_t capacity = 1;
    for (size_t i = 0; i < out.size(); ++i)
      if (static_cast<int>(i) != unk) {
        if (out[i] < 0) return out;  // a copied unknown dim
        capacity *= out[i];
      }
    if (capacity == 0) {
      // Zero-size input with 0s in the target: -1 covers the product of the non-zero
      // dims, provided the zeros line up one to one.
      int64_t zin = 0, zout = 0, pin = 1, pout = 1;
      for (int64_t v : x) {
        if (v == 0) ++zin;
        else pin *= v;
      }
      for (size_t i = 0; i < out.size(); ++i) {
        if (static_cast<int>(i) == unk) continue;
        if (out[i] == 0) ++zout;
        else pout *= out[i];
      }
      if (zin != zout) bad("the -1 dim is ambiguous for a zero-size input");
      if (pin % pout != 0)
        bad("the non-zero dims (product ", pout, ") do not divide the input's (product ", pin,
            ")");
      out[unk] = pin / pout;
      return out;
    }
    if (numel % capacity != 0)
      bad("the input's ", numel, " elements are not divisible by the known dims' product ",
          capacity);
    out[unk] = numel / capacity;
    return out;
  }
  int64_t capacity = NumElements(out, ctx.Where());
  if (capacity != numel)
    bad("element counts differ (", numel, " vs ", capacity, ")");
  return out;
}

void InferReshape(OpContext& ctx) {
  const Shape& x = ctx.InputShape("X");
  std::optional<std::vector<int64_t>> shape;
  int64_t count = -1;
  // Paddle's priority: ShapeTensor (list of 1-element tensors) > Shape > attr.
  if (ctx.HasInput("ShapeTensor", 0))
    shape = ReadIntList(ctx, "shape", "", "ShapeTensor", &count);
  else
    shape = ReadIntList(ctx, "shape", "Shape", "", &count);
  if (!shape) {
    if (count < 0) count = static_cast<int64_t>(ctx.attrs().GetInts("shape", {}).size());
    ctx.SetOutput("Out", ctx.InputDType("X"), Shape(static_cast<size_t>(std::max<int64_t>(count, 0)), -1));
    return;
  }
  ctx.SetOutput("Out", ctx.InputDType("X"), ReshapeTarget(ctx, x, *shape));
}

// ---------------------------------------------------------------------------------------
// squeeze / unsqueeze
// ---------------------------------------------------------------------------------------

void InferSqueeze(OpContext& ctx) {
  const Shape& x = ctx.InputShape("X");
  const std::vector<int64_t> axes = ctx.attrs().GetInts("axes", {});
  const int rank = static_cast<int>(x.size());
  std::vector<bool> drop(x.size(), false);
  if (axes.empty()) {
    for (size_t i = 0; i < x.size(); ++i) drop[i] = x[i] == 1;
  } else {
    for (int64_t a : axes) {
      if (rank == 0) {
        PDI_ENFORCE_ARG(a == 0 || a == -1, ctx.Where(), ": squeeze axis ", a,
                        " is out of range for a 0-D input (expected 0 or -1)");
        continue;
      }
      int ax = NormalizeAxis(a, rank, ctx.Where());
      // A dim that is not 1 is kept, as Paddle does. Before run time an unknown dim is
      // assumed to be 1, matching the shapes Paddle recorded in the model.
      if (x[ax] == 1 || (!ctx.runtime() && x[ax] < 0)) drop[ax] = true;
    }
  }
  Shape out;
  for (size_t i = 0; i < x.size(); ++i)
    if (!drop[i]) out.push_back(x[i]);
  ctx.SetOutput("Out", ctx.InputDType("X"), out);
}

void InferUnsqueeze(OpContext& ctx) {
  const Shape& x = ctx.InputShape("X");
  int64_t count = -1;
  auto axes = ReadIntList(ctx, "axes", "AxesTensor", "AxesTensorList", &count);
  if (!axes) {
    if (count < 0) count = static_cast<int64_t>(ctx.attrs().GetInts("axes", {}).size());
    ctx.SetOutput("Out", ctx.InputDType("X"), Shape(x.size() + static_cast<size_t>(count), -1));
    return;
  }
  // Insert the new 1s one after another: a negative axis counts from the end of the
  // shape as it is at that point.
  std::vector<int8_t> is_new(x.size(), 0);
  for (int64_t a : *axes) {
    const int64_t cur = static_cast<int64_t>(is_new.size());
    const int64_t pos = a < 0 ? a + cur + 1 : a;
    PDI_ENFORCE_ARG(pos >= 0 && pos <= cur, ctx.Where(), ": unsqueeze axis ", a,
                    " is out of range for a tensor of rank ", cur, " (input shape ",
                    ShapeToString(x), ", axes ", ShapeToString(*axes), ")");
    is_new.insert(is_new.begin() + pos, 1);
  }
  Shape out(is_new.size());
  size_t in = 0;
  for (size_t i = 0; i < out.size(); ++i) out[i] = is_new[i] ? 1 : x[in++];
  ctx.SetOutput("Out", ctx.InputDType("X"), out);
}

// ---------------------------------------------------------------------------------------
// flatten
// ---------------------------------------------------------------------------------------

void InferFlattenRange(OpContext& ctx) {
  const Shape& x = ctx.InputShape("X");
  const int rank = static_cast<int>(x.size());
  int64_t start = ctx.attrs().GetInt("start_axis", 1);
  int64_t stop = ctx.attrs().GetInt("stop_axis", -1);
  if (rank == 0) {
    PDI_ENFORCE_ARG((start == 0 || start == -1) && (stop == 0 || stop == -1), ctx.Where(),
                    ": start_axis/stop_axis must be 0 or -1 for a 0-D input, got ", start, "/",
                    stop);
    ctx.SetOutput("Out", ctx.InputDType("X"), Shape{1});
    return;
  }
  int s = NormalizeAxis(start, rank, StrCat(ctx.Where(), ": start_axis"));
  int e = NormalizeAxis(stop, rank, StrCat(ctx.Where(), ": stop_axis"));
  PDI_ENFORCE_ARG(s <= e, ctx.Where(), ": start_axis (", start, ") must not come after stop_axis (",
                  stop, ") for input shape ", ShapeToString(x));
  Shape out(x.begin(), x.begin() + s);
  out.push_back(KnownProduct(x, static_cast<size_t>(s), static_cast<size_t>(e) + 1));
  out.insert(out.end(), x.begin() + e + 1, x.end());
  ctx.SetOutput("Out", ctx.InputDType("X"), out);
}

void InferFlatten2(OpContext& ctx) {
  const Shape& x = ctx.InputShape("X");
  const int64_t axis = ctx.attrs().GetInt("axis", 1);
  PDI_ENFORCE_ARG(axis >= 0 && axis <= static_cast<int64_t>(x.size()), ctx.Where(),
                  ": axis ", axis, " must be in [0, ", x.size(), "] for input shape ",
                  ShapeToString(x));
  const size_t a = static_cast<size_t>(axis);
  ctx.SetOutput("Out", ctx.InputDType("X"),
                Shape{KnownProduct(x, 0, a), KnownProduct(x, a, x.size())});
}

// ---------------------------------------------------------------------------------------
// shape / size
// ---------------------------------------------------------------------------------------

void InferShapeOp(OpContext& ctx) {
  ctx.SetOutput("Out", DataType::kInt32,
                Shape{static_cast<int64_t>(ctx.InputShape("Input").size())});
}

void ComputeShapeOp(OpContext& ctx) {
  const Shape& s = ctx.Input("Input").shape();
  int32_t* out = ctx.Output("Out").data<int32_t>();
  for (size_t i = 0; i < s.size(); ++i) {
    PDI_ENFORCE_ARG(s[i] <= INT32_MAX, ctx.Where(), ": dim ", i, " (", s[i],
                    ") does not fit the int32 output");
    out[i] = static_cast<int32_t>(s[i]);
  }
}

// shape64: PIR's int64 variant of `shape` (what paddle.shape lowers to in PIR programs).
void InferShape64Op(OpContext& ctx) {
  ctx.SetOutput("Out", DataType::kInt64,
                Shape{static_cast<int64_t>(ctx.InputShape("Input").size())});
}

void ComputeShape64Op(OpContext& ctx) {
  const Shape& s = ctx.Input("Input").shape();
  int64_t* out = ctx.Output("Out").data<int64_t>();
  for (size_t i = 0; i < s.size(); ++i) out[i] = s[i];
}

void InferSizeOp(OpContext& ctx) { ctx.SetOutput("Out", DataType::kInt64, Shape{}); }

void ComputeSizeOp(OpContext& ctx) {
  *ctx.Output("Out").data<int64_t>() = ctx.Input("Input").numel();
}

}  // namespace

PDI_REGISTER_OP(OpDef{"reshape2", {"X", "Shape?", "ShapeTensor*"}, {"Out", "XShape?"},
                      InferReshape, ComputeCopy});
PDI_REGISTER_OP(OpDef{"reshape", {"X", "Shape?", "ShapeTensor*"}, {"Out"}, InferReshape,
                      ComputeCopy});
PDI_REGISTER_OP(OpDef{"squeeze2", {"X"}, {"Out", "XShape?"}, InferSqueeze, ComputeCopy});
PDI_REGISTER_OP(OpDef{"squeeze", {"X"}, {"Out"}, InferSqueeze, ComputeCopy});
PDI_REGISTER_OP(OpDef{"unsqueeze2", {"X", "AxesTensor?", "AxesTensorList*"}, {"Out", "XShape?"},
                      InferUnsqueeze, ComputeCopy});
PDI_REGISTER_OP(OpDef{"unsqueeze", {"X", "AxesTensor?", "AxesTensorList*"}, {"Out"},
                      InferUnsqueeze, ComputeCopy});
PDI_REGISTER_OP(OpDef{"flatten_contiguous_range", {"X"}, {"Out", "XShape?"}, InferFlattenRange,
                      ComputeCopy});
PDI_REGISTER_OP(OpDef{"flatten2", {"X"}, {"Out", "XShape?"}, InferFlatten2, ComputeCopy});
PDI_REGISTER_OP(OpDef{"flatten", {"X"}, {"Out"}, InferFlatten2, ComputeCopy});
PDI_REGISTER_OP(OpDef{"shape", {"Input"}, {"Out"}, InferShapeOp, ComputeShapeOp});
PDI_REGISTER_OP(OpDef{"shape64", {"Input"}, {"Out"}, InferShape64Op, ComputeShape64Op});
PDI_REGISTER_OP(OpDef{"size", {"Input"}, {"Out"}, InferSizeOp, ComputeSizeOp});

}  // namespace pdinfer
