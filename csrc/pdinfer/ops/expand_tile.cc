// expand_v2 / expand_as_v2 (broadcast to a shape) and tile / expand (repeat). Both are
// strided views of the input (stride 0 along broadcast dims; a tiled dim is split into
// [repeat, dim] with stride 0 on the repeat part) copied by CopyStrided.
#include <algorithm>
#include <optional>
#include <vector>

#include "pdinfer/ops/op_utils.h"
#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

// Output dims of broadcasting x to `target` (aligned at the trailing end). In `target`,
// -1 keeps x's dim when `minus_one_keeps`; otherwise (a shape read from another tensor
// before run time) it means unknown.
Shape ExpandShape(const OpContext& ctx, const Shape& x, const std::vector<int64_t>& target,
                  bool minus_one_keeps) {
  PDI_ENFORCE_ARG(target.size() >= x.size(), ctx.Where(), ": target shape ",
                  ShapeToString(target), " has lower rank than the input shape ",
                  ShapeToString(x));
  const size_t diff = target.size() - x.size();
  Shape out(target.size());
  for (size_t i = 0; i < target.size(); ++i) {
    const int64_t t = target[i];
    if (t == -1 && !minus_one_keeps) {
      out[i] = (i >= diff && x[i - diff] >= 0 && x[i - diff] != 1) ? x[i - diff] : -1;
      continue;
    }
    if (i < diff) {
      PDI_ENFORCE_ARG(t >= 0, ctx.Where(), ": target shape ", ShapeToString(target),
                      " has ", t, " at dim ", i, ", which the input (shape ", ShapeToString(x),
                      ") does not have; new dims must be given explicitly (>= 0)");
      out[i] = t;
      continue;
    }
    const int64_t d = x[i - diff];
    if (t == -1) {
      out[i] = d;
    } else {
      PDI_ENFORCE_ARG(t >= 0, ctx.Where(), ": target shape ", ShapeToString(target), " has ",
                      t, " at dim ", i, " (only -1 may be negative)");
      PDI_ENFORCE_ARG(d < 0 || d == 1 || d == t, ctx.Where(), ": cannot expand input of shape ",
                      ShapeToString(x), " to ", ShapeToString(target), ": dim ", i, " is ", d,
                      " (must be 1 or ", t, ")");
      out[i] = t;
    }
  }
  return out;
}

// Copies x broadcast to `out`'s shape (ranks aligned at the trailing end).
void BroadcastCopy(OpContext& ctx, const Tensor& x, Tensor& out) {
  if (out.numel() == 0) return;
  const Shape& os = out.shape();
  const size_t diff = os.size() - x.shape().size();
  const std::vector<int64_t> xs = ContiguousStrides(x.shape());
  std::vector<int64_t> strides(os.size(), 0);
  for (size_t i = diff; i < os.size(); ++i)
    strides[i] = x.shape()[i - diff] == 1 ? 0 : xs[i - diff];
  CopyStrided(x.raw_data(), os, strides, SizeOf(x.dtype()), out.raw_data(), &ctx.pool());
}

// ---------------------------------------------------------------------------------------
// expand_v2 / expand_as_v2
// ---------------------------------------------------------------------------------------

void InferExpand(OpContext& ctx) {
  const Shape& x = ctx.InputShape("X");
  int64_t count = -1;
  auto shape = ReadIntList(ctx, "shape", "Shape", "expand_shapes_tensor", &count);
  if (!shape) {
    if (count < 0) count = static_cast<int64_t>(ctx.attrs().GetInts("shape", {}).size());
    count = std::max<int64_t>(count, static_cast<int64_t>(x.size()));
    ctx.SetOutput("Out", ctx.InputDType("X"), Shape(static_cast<size_t>(count), -1));
    return;
  }
  ctx.SetOutput("Out", ctx.InputDType("X"), ExpandShape(ctx, x, *shape, true));
}

void InferExpandAs(OpContext& ctx) {
  const Shape& x = ctx.InputShape("X");
  Shape out;
  if (ctx.HasInput("Y")) {
    out = ExpandShape(ctx, x, ctx.InputShape("Y"), ctx.runtime());
  } else {
    out = ExpandShape(ctx, x, ctx.attrs().GetInts("target_shape", {}), true);
  }
  ctx.SetOutput("Out", ctx.InputDType("X"), out);
}

void ComputeBroadcast(OpContext& ctx) { BroadcastCopy(ctx, ctx.Input("X"), ctx.Output("Out")); }

// ---------------------------------------------------------------------------------------
// tile / expand (v1)
// ---------------------------------------------------------------------------------------

// Pads x's shape and the repeat counts with leading 1s to a common rank.
void AlignRepeats(const OpContext& ctx, const Shape& x, std::vector<int64_t> reps, Shape* x_out,
                  std::vector<int64_t>* reps_out) {
  for (int64_t r : reps)
    PDI_ENFORCE_ARG(r >= 0, ctx.Where(), ": repeat counts ", ShapeToString(reps),
                    " must be non-negative");
  Shape xa = x;
  if (reps.size() < xa.size()) reps.insert(reps.begin(), xa.size() - reps.size(), 1);
  if (xa.size() < reps.size()) xa.insert(xa.begin(), reps.size() - xa.size(), 1);
  *x_out = xa;
  *reps_out = reps;
}

std::optional<std::vector<int64_t>> ReadRepeats(const OpContext& ctx, bool tile, int64_t* count) {
  if (tile) return ReadIntList(ctx, "repeat_times", "RepeatTimes", "repeat_times_tensor", count);
  return ReadIntList(ctx, "expand_times", "ExpandTimes", "expand_times_tensor", count);
}

void InferTile(OpContext& ctx, bool tile) {
  const Shape& x = ctx.InputShape("X");
  int64_t count = -1;
  auto reps = ReadRepeats(ctx, tile, &count);
  if (!reps) {
    if (count < 0)
      count = static_cast<int64_t>(
          ctx.attrs().GetInts(tile ? "repeat_times" : "expand_times", {}).size());
    count = std::max<int64_t>(count, static_cast<int64_t>(x.size()));
    ctx.SetOutput("Out", ctx.InputDType("X"), Shape(static_cast<size_t>(count), -1));
    return;
  }
  if (!tile)
    PDI_ENFORCE_ARG(reps->size() == x.size(), ctx.Where(), ": expand_times ",
                    ShapeToString(*reps), " must have one entry per input dim (input shape ",
                    ShapeToString(x), ")");
  Shape xa;
  std::vector<int64_t> r;
  AlignRepeats(ctx, x, *reps, &xa, &r);
  Shape out(xa.size());
  for (size_t i = 0; i < xa.size(); ++i) out[i] = xa[i] < 0 ? -1 : xa[i] * r[i];
  ctx.SetOutput("Out", ctx.InputDType("X"), out);
}

void ComputeTile(OpContext& ctx, bool tile) {
  const Tensor& x = ctx.Input("X");
  Tensor& out = ctx.Output("Out");
  if (out.numel() == 0) return;
  Shape xa;
  std::vector<int64_t> r;
  AlignRepeats(ctx, x.shape(), *ReadRepeats(ctx, tile, nullptr), &xa, &r);
  // View the output as [r0, d0, r1, d1, ...]; the repeat dims read with stride 0.
  const std::vector<int64_t> xs = ContiguousStrides(xa);
  Shape dims;
  std::vector<int64_t> strides;
  for (size_t i = 0; i < xa.size(); ++i) {
    dims.push_back(r[i]);
    strides.push_back(0);
    dims.push_back(xa[i]);
    strides.push_back(xs[i]);
  }
  CopyStrided(x.raw_data(), dims, strides, SizeOf(x.dtype()), out.raw_data(), &ctx.pool());
}

}  // namespace

PDI_REGISTER_OP(OpDef{"expand_v2", {"X", "Shape?", "expand_shapes_tensor*"}, {"Out"}, InferExpand,
                      ComputeBroadcast});
PDI_REGISTER_OP(OpDef{"expand_as_v2", {"X", "Y?"}, {"Out"}, InferExpandAs, ComputeBroadcast});
PDI_REGISTER_OP(OpDef{"tile", {"X", "RepeatTimes?", "repeat_times_tensor*"}, {"Out"},
                      [](OpContext& ctx) { InferTile(ctx, true); },
                      [](OpContext& ctx) { ComputeTile(ctx, true); }});
PDI_REGISTER_OP(OpDef{"expand", {"X", "ExpandTimes?", "expand_times_tensor*"}, {"Out"},
                      [](OpContext& ctx) { InferTile(ctx, false); },
                      [](OpContext& ctx) { ComputeTile(ctx, false); }});

}  // namespace pdinfer
