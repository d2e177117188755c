// slice and strided_slice. starts/ends/strides come from a 1-D tensor, a list of
// 1-element tensors or the attributes (in that priority). Out-of-range bounds are clamped
// the way Paddle does; `decrease_axis` drops the sliced (size-1) dims; the data is read as
// a strided view (negative strides included) and copied by CopyStrided.
#include <algorithm>
#include <optional>
#include <vector>

#include "pdinfer/ops/op_utils.h"
#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

// Paddle's interval normalization for one axis of size d > 0: returns the element count
// of the slice and sets *first to its first index. Starts/ends past either end are
// clamped; an empty interval gives 0. With a negative step an end that clamps below 0
// means "through element 0".
int64_t NormalizeRange(int64_t st, int64_t ed, int64_t step, int64_t d, int64_t* first) {
  *first = 0;
  if (d <= 0) return 0;
  if (step > 0) {
    if (st >= d || ed <= -d) return 0;
    if (st < 0) st = st >= -d ? st + d : 0;
    if (ed < 0) ed += d;
    ed = std::min(ed, d);
    if (st >= ed) return 0;
    *first = st;
    return (ed - st + step - 1) / step;
  }
  if (st <= -d - 1 || ed >= d - 1) return 0;
  if (st < 0) st += d;
  st = std::min(st, d - 1);
  if (ed >= -d && ed < 0) ed += d;
  ed = std::max(ed, -d - 1);
  if (ed == -d - 1) {
    ed = -1;
  } else if (ed >= st) {
    return 0;
  }
  *first = st;
  return (st - ed - step - 1) / (-step);
}

struct SlicePlan {
  Shape sliced;                // dims before decrease_axis
  Shape out;                   // dims after
  std::vector<int64_t> first;  // per input dim: first index
  std::vector<int64_t> step;   // per input dim: step
};

SlicePlan PlanSlice(const OpContext& ctx, bool strided) {
  const Shape& x = ctx.InputShape("Input");
  const int rank = static_cast<int>(x.size());
  const AttributeMap& attrs = ctx.attrs();
  const std::vector<int64_t> axes_attr = attrs.GetInts("axes", {});
  const std::vector<int64_t> flags = attrs.GetInts("infer_flags", {});
  std::vector<int64_t> decrease = attrs.GetInts("decrease_axis", {});

  std::vector<int> axes;
  std::vector<bool> seen(x.size(), false);
  for (int64_t a : axes_attr) {
    int ax = NormalizeAxis(a, rank, StrCat(ctx.Where(), ": axes ", ShapeToString(axes_attr)));
    PDI_ENFORCE_ARG(!seen[static_cast<size_t>(ax)], ctx.Where(), ": axes ",
                    ShapeToString(axes_attr), " name dim ", ax, " twice");
    seen[static_cast<size_t>(ax)] = true;
    axes.push_back(ax);
  }
  for (int64_t& a : decrease)
    a = NormalizeAxis(a, rank, StrCat(ctx.Where(), ": decrease_axis ", ShapeToString(decrease)));
  auto decreased = [&](int ax) {
    return std::find(decrease.begin(), decrease.end(), ax) != decrease.end();
  };

  auto starts = ReadIntList(ctx, "starts", "StartsTensor", "StartsTensorList");
  auto ends = ReadIntList(ctx, "ends", "EndsTensor", "EndsTensorList");
  std::optional<std::vector<int64_t>> steps = std::vector<int64_t>(axes.size(), 1);
  if (strided) steps = ReadIntList(ctx, "strides", "StridesTensor", "StridesTensorList");
  const bool known = starts && ends && steps;
  if (known) {
    PDI_ENFORCE_ARG(starts->size() == axes.size() && ends->size() == axes.size() &&
                        steps->size() == axes.size(),
                    ctx.Where(), ": axes ", ShapeToString(axes_attr), " has ", axes.size(),
                    " entries but starts/ends", strided ? "/strides" : "", " have ",
                    starts->size(), "/", ends->size(), strided ? StrCat("/", steps->size()) : "");
  }

  SlicePlan p;
  p.sliced = x;
  p.first.assign(x.size(), 0);
  p.step.assign(x.size(), 1);
  for (size_t i = 0; i < axes.size(); ++i) {
    const int ax = axes[i];
    const size_t a = static_cast<size_t>(ax);
    const bool flag_unknown = i < flags.size() && flags[i] == -1;
    if (!known || x[a] < 0) {
      p.sliced[a] = decreased(ax) ? 1 : -1;
      continue;
    }
    const int64_t st = (*starts)[i], ed = (*ends)[i], sp = (*steps)[i];
    PDI_ENFORCE_ARG(sp != 0, ctx.Where(), ": stride for axis ", ax, " is 0");
    // x[-1] traced from dynamic code: start -1, end 0 selects the last element.
    if (flag_unknown && st == -1 && ed == 0 && decreased(ax)) {
      p.sliced[a] = x[a] > 0 ? 1 : 0;
      p.first[a] = x[a] > 0 ? x[a] - 1 : 0;
      continue;
    }
    p.sliced[a] = NormalizeRange(st, ed, sp, x[a], &p.first[a]);
    p.step[a] = sp;
  }
  for (size_t i = 0; i < x.size(); ++i) {
    if (decreased(static_cast<int>(i))) {
      PDI_ENFORCE_ARG(p.sliced[i] == 1 || p.sliced[i] < 0, ctx.Where(), ": decrease_axis ",
                      ShapeToString(decrease), " drops dim ", i, " but the slice there has size ",
                      p.sliced[i], " (expected 1); input shape ", ShapeToString(x));
      continue;
    }
    p.out.push_back(p.sliced[i]);
  }
  // Paddle's strided_slice kernel keeps one dim when every dim is decreased (slice gives
  // a 0-D tensor).
  if (strided && p.out.empty() && !decrease.empty()) p.out.push_back(1);
  return p;
}

void InferSlice(OpContext& ctx, bool strided) {
  ctx.SetOutput("Out", ctx.InputDType("Input"), PlanSlice(ctx, strided).out);
}

void ComputeSlice(OpContext& ctx, bool strided) {
  const Tensor& x = ctx.Input("Input");
  Tensor& out = ctx.Output("Out");
  SlicePlan p = PlanSlice(ctx, strided);
  if (out.numel() == 0) return;
  const std::vector<int64_t> xs = ContiguousStrides(x.shape());
  std::vector<int64_t> strides(x.shape().size());
  int64_t offset = 0;
  for (size_t i = 0; i < strides.size(); ++i) {
    strides[i] = xs[i] * p.step[i];
    offset += xs[i] * p.first[i];
  }
  const size_t e = SizeOf(x.dtype());
  CopyStrided(static_cast<const char*>(x.raw_data()) + offset * static_cast<int64_t>(e), p.sliced,
              strides, e, out.raw_data(), &ctx.pool());
}

}  // namespace

PDI_REGISTER_OP(OpDef{"slice",
                      {"Input", "StartsTensor?", "EndsTensor?", "StartsTensorList*",
                       "EndsTensorList*"},
                      {"Out"},
                      [](OpContext& ctx) { InferSlice(ctx, false); },
                      [](OpContext& ctx) { ComputeSlice(ctx, false); }});
PDI_REGISTER_OP(OpDef{"strided_slice",
                      {"Input", "StartsTensor?", "EndsTensor?", "StridesTensor?",
                       "StartsTensorList*", "EndsTensorList*", "StridesTensorList*"},
                      {"Out"},
                      [](OpContext& ctx) { InferSlice(ctx, true); },
                      [](OpContext& ctx) { ComputeSlice(ctx, true); }});

}  // namespace pdinfer
