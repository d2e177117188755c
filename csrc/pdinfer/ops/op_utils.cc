#include "pdinfer/ops/op_utils.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <variant>

namespace pdinfer {

// ---------------------------------------------------------------------------------------
// Shape inference shortcuts
// ---------------------------------------------------------------------------------------

void InferSameAsInput(OpContext& ctx) {
  ctx.SetOutput("Out", ctx.InputDType("X"), ctx.InputShape("X"));
}

InferFn InferSameAs(const std::string& in, const std::string& out) {
  return [in, out](OpContext& ctx) { ctx.SetOutput(out, ctx.InputDType(in), ctx.InputShape(in)); };
}

// ---------------------------------------------------------------------------------------
// Broadcasting
// ---------------------------------------------------------------------------------------

void AlignBroadcastShapes(const Shape& x, const Shape& y, int64_t axis, const std::string& what,
                          Shape* x_aligned, Shape* y_aligned, Shape* out) {
  const bool x_big = x.size() >= y.size();
  const Shape& big = x_big ? x : y;
  Shape small = x_big ? y : x;
  const int64_t max_rank = static_cast<int64_t>(big.size());
  const int64_t diff = max_rank - static_cast<int64_t>(small.size());
  auto fail = [&](const std::string& why) {
    ThrowError(ErrorCode::kInvalidArgument, what, ": shapes X ", ShapeToString(x), " and Y ",
               ShapeToString(y), " cannot be broadcast with axis=", axis, " (", why, ")");
  };
  int64_t start;
  if (diff == 0) {
    // Equal ranks align dim by dim whatever the axis (Paddle ignores it for equal shapes
    // and only accepts -1 or 0 otherwise, which mean the same).
    start = 0;
  } else if (axis < 0) {
    // Paddle maps a negative axis to |rank(X) - rank(Y)| + axis + 1.
    if (axis < -max_rank) fail("axis out of range");
    start = diff + axis + 1;
  } else {
    if (axis >= max_rank) fail("axis out of range");
    start = axis;
  }
  if (start < 0) fail("axis out of range");
  // Trailing size-1 dims of the smaller operand may hang past the end: drop them.
  while (start + static_cast<int64_t>(small.size()) > max_rank && !small.empty() &&
         small.back() == 1)
    small.pop_back();
  if (start + static_cast<int64_t>(small.size()) > max_rank)
    fail(StrCat("the smaller operand does not fit at dim ", start));

  Shape padded(static_cast<size_t>(max_rank), 1);
  for (size_t i = 0; i < small.size(); ++i) padded[static_cast<size_t>(start) + i] = small[i];
  const Shape& xa = x_big ? big : padded;
  const Shape& ya = x_big ? padded : big;
  Shape o(static_cast<size_t>(max_rank));
  for (size_t i = 0; i < o.size(); ++i) {
    int64_t a = xa[i], b = ya[i];
    if (a == b) o[i] = a;
    else if (a == 1) o[i] = b;
    else if (b == 1) o[i] = a;
    else if (a < 0 || b < 0) o[i] = a < 0 ? b : a;  // unknown: must match the known one
    else
      fail(StrCat("dim ", i, ": ", a, " vs ", b));
  }
  if (x_aligned) *x_aligned = xa;
  if (y_aligned) *y_aligned = ya;
  if (out) *out = std::move(o);
}

Shape PaddleBroadcastShape(const Shape& x, const Shape& y, int64_t axis, const std::string& what) {
  Shape out;
  AlignBroadcastShapes(x, y, axis, what, nullptr, nullptr, &out);
  return out;
}

BroadcastIndexer::BroadcastIndexer(const Shape& out, const std::vector<Shape>& operands) {
  num_operands_ = static_cast<int>(operands.size());
  PDI_ENFORCE_INTERNAL(num_operands_ <= kMaxOperands, "BroadcastIndexer: too many operands");
  for (const Shape& s : operands)
    PDI_ENFORCE_INTERNAL(s.size() == out.size(), "BroadcastIndexer: operand rank ", s.size(),
                         " != output rank ", out.size());
  for (int64_t d : out)
    if (d == 0) {
      rows_ = 0;
      inner_ = 0;
      return;
    }
  // Collapse: drop size-1 output dims, merge neighbours with equal broadcast masks.
  std::vector<int64_t> sizes;
  std::vector<unsigned> masks;
  for (size_t d = 0; d < out.size(); ++d) {
    if (out[d] == 1) continue;
    unsigned mask = 0;
    for (int i = 0; i < num_operands_; ++i) {
      int64_t od = operands[static_cast<size_t>(i)][d];
      PDI_ENFORCE_INTERNAL(od == out[d] || od == 1, "BroadcastIndexer: operand dim ", od,
                           " does not broadcast to ", out[d]);
      if (od == 1) mask |= 1u << i;
    }
    if (!masks.empty() && masks.back() == mask) {
      sizes.back() *= out[d];
    } else {
      sizes.push_back(out[d]);
      masks.push_back(mask);
    }
  }
  if (sizes.empty()) {
    rows_ = 1;
    inner_ = 1;
    return;
  }
  inner_ = sizes.back();
  for (int i = 0; i < num_operands_; ++i) inner_stride_[i] = (masks.back() >> i) & 1u ? 0 : 1;
  num_dims_ = static_cast<int>(sizes.size()) - 1;
  PDI_ENFORCE_ARG(num_dims_ <= kMaxDims, "broadcast of rank ", out.size(), " is not supported");
  rows_ = 1;
  for (int d = 0; d < num_dims_; ++d) {
    dims_[d] = sizes[static_cast<size_t>(d)];
    rows_ *= dims_[d];
  }
  for (int i = 0; i < num_operands_; ++i) {
    int64_t stride = (masks.back() >> i) & 1u ? 1 : inner_;
    for (int d = num_dims_ - 1; d >= 0; --d) {
      bool bcast = (masks[static_cast<size_t>(d)] >> i) & 1u;
      strides_[d][i] = bcast ? 0 : stride;
      if (!bcast) stride *= dims_[d];
    }
  }
}

void BroadcastIndexer::Seek(int64_t row, Cursor* c) const {
  for (int i = 0; i < num_operands_; ++i) c->offsets[i] = 0;
  for (int d = num_dims_ - 1; d >= 0; --d) {
    int64_t idx = row % dims_[d];
    row /= dims_[d];
    c->index[d] = idx;
    for (int i = 0; i < num_operands_; ++i) c->offsets[i] += idx * strides_[d][i];
  }
}

void BroadcastIndexer::Next(Cursor* c) const {
  for (int d = num_dims_ - 1; d >= 0; --d) {
    for (int i = 0; i < num_operands_; ++i) c->offsets[i] += strides_[d][i];
    if (++c->index[d] < dims_[d]) return;
    for (int i = 0; i < num_operands_; ++i) c->offsets[i] -= strides_[d][i] * dims_[d];
    c->index[d] = 0;
  }
}

void BroadcastIndexer::RowOffsets(int64_t row, int64_t* offsets) const {
  Cursor c;
  Seek(row, &c);
  for (int i = 0; i < num_operands_; ++i) offsets[i] = c.offsets[i];
}

void ParallelForElements(ThreadPool& pool, int64_t n, int64_t cost,
                         const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  // ~64K simple operations per chunk amortizes the wake-up of a worker.
  constexpr int64_t kWorkPerChunk = 1 << 16;
  cost = std::max<int64_t>(1, cost);
  if (pool.num_threads() <= 1 || n * cost < 2 * kWorkPerChunk) {
    fn(0, n);
    return;
  }
  pool.ParallelFor(n, std::max<int64_t>(1, kWorkPerChunk / cost), fn);
}

// ---------------------------------------------------------------------------------------
// Attribute-or-tensor inputs
// ---------------------------------------------------------------------------------------

std::vector<int64_t> TensorToInt64s(const Tensor& t, const std::string& what) {
  PDI_ENFORCE_ARG(!IsFloatType(t.dtype()), what, ": expected an integer tensor, got ",
                  DataTypeName(t.dtype()));
  std::vector<int64_t> r(static_cast<size_t>(t.numel()));
  CastElements(t.dtype(), t.raw_data(), DataType::kInt64, r.data(), t.numel());
  return r;
}

std::vector<double> TensorToDoubles(const Tensor& t, const std::string& what) {
  std::vector<double> r(static_cast<size_t>(t.numel()));
  CastElements(t.dtype(), t.raw_data(), DataType::kFloat64, r.data(), t.numel());
  return r;
}

double TensorScalarAsDouble(const Tensor& t, const std::string& what) {
  PDI_ENFORCE_ARG(t.numel() == 1, what, ": expected a tensor with one element, got shape ",
                  ShapeToString(t.shape()));
  double v = 0;
  CastElements(t.dtype(), t.raw_data(), DataType::kFloat64, &v, 1);
  return v;
}

int64_t TensorScalarAsInt(const Tensor& t, const std::string& what) {
  PDI_ENFORCE_ARG(t.numel() == 1, what, ": expected a tensor with one element, got shape ",
                  ShapeToString(t.shape()));
  int64_t v = 0;
  CastElements(t.dtype(), t.raw_data(), DataType::kInt64, &v, 1);
  return v;
}

std::optional<std::vector<int64_t>> ReadIntList(const OpContext& ctx, const std::string& attr,
                                                const std::string& tensor_slot,
                                                const std::string& list_slot,
                                                int64_t* known_count) {
  if (known_count) *known_count = -1;
  if (!tensor_slot.empty() && ctx.HasInput(tensor_slot)) {
    const Tensor* t = ctx.InputValue(tensor_slot);
    if (!t) {
      const Shape& s = ctx.InputShape(tensor_slot);
      if (known_count && s.size() == 1 && s[0] >= 0) *known_count = s[0];
      if (known_count && s.empty()) *known_count = 1;
      return std::nullopt;
    }
    std::vector<int64_t> v = TensorToInt64s(*t, StrCat(ctx.Where(), ": input '", tensor_slot, "'"));
    if (known_count) *known_count = static_cast<int64_t>(v.size());
    return v;
  }
  if (!list_slot.empty() && ctx.HasInput(list_slot, 0)) {
    size_t n = ctx.InputCount(list_slot);
    if (known_count) *known_count = static_cast<int64_t>(n);
    std::vector<int64_t> v;
    for (size_t k = 0; k < n; ++k) {
      const Tensor* t = ctx.InputValue(list_slot, k);
      if (!t) return std::nullopt;
      v.push_back(TensorScalarAsInt(*t, StrCat(ctx.Where(), ": input '", list_slot, "'[", k, "]")));
    }
    return v;
  }
  std::vector<int64_t> v = ctx.attrs().GetInts(attr, {});
  if (known_count) *known_count = static_cast<int64_t>(v.size());
  return v;
}

std::optional<double> ReadScalar(const OpContext& ctx, const std::string& attr, double def,
                                 const std::string& tensor_slot) {
  if (!tensor_slot.empty() && ctx.HasInput(tensor_slot)) {
    const Tensor* t = ctx.InputValue(tensor_slot);
    if (!t) return std::nullopt;
    return TensorScalarAsDouble(*t, StrCat(ctx.Where(), ": input '", tensor_slot, "'"));
  }
  return ctx.attrs().GetFloat(attr, def);
}

}  // namespace pdinfer

// ---------------------------------------------------------------------------------------
// Strided copies (appended section; see op_utils.h)
// ---------------------------------------------------------------------------------------
namespace pdinfer {
namespace {

// Moves n elements of E bytes, reading with element stride `stride`. A fixed-size
// memcpy compiles to one load/store and keeps the copy type-agnostic.
template <size_t E>
void CopyRunFixed(const char* src, int64_t stride, int64_t n, char* dst) {
  if (stride == 1) {
    std::memcpy(dst, src, static_cast<size_t>(n) * E);
  } else if (stride == 0) {
    for (int64_t i = 0; i < n; ++i) std::memcpy(dst + i * E, src, E);
  } else {
    const int64_t step = stride * static_cast<int64_t>(E);
    for (int64_t i = 0; i < n; ++i) std::memcpy(dst + i * E, src + i * step, E);
  }
}

void CopyRun(const char* src, int64_t stride, int64_t n, size_t e, char* dst) {
  switch (e) {
    case 1: CopyRunFixed<1>(src, stride, n, dst); return;
    case 2: CopyRunFixed<2>(src, stride, n, dst); return;
    case 4: CopyRunFixed<4>(src, stride, n, dst); return;
    case 8: CopyRunFixed<8>(src, stride, n, dst); return;
    default: break;
  }
  const int64_t step = stride * static_cast<int64_t>(e);
  if (stride == 1) {
    std::memcpy(dst, src, static_cast<size_t>(n) * e);
    return;
  }
  for (int64_t i = 0; i < n; ++i) std::memcpy(dst + i * static_cast<int64_t>(e), src + i * step, e);
}

// One tile of a transpose: `na` elements contiguous in src (stride 1) that are strided
// (dst_a) in dst, times `nb` elements strided (src_b) in src and contiguous in dst.
// Staging through a small buffer makes every src and dst access a contiguous run, so
// power-of-two strides (which map all rows of a tile to one cache set) do not thrash;
// long runs along `a` (1 KB) keep the number of pages touched per element low.
constexpr int64_t kTileRunBytes = 1024;
constexpr int64_t kTileB = 16;
int64_t TileA(size_t e) { return std::max<int64_t>(16, kTileRunBytes / static_cast<int64_t>(e)); }

template <size_t E>
void CopyTile(const char* src, int64_t src_b, char* dst, int64_t dst_a, int64_t na, int64_t nb) {
  constexpr int64_t es = static_cast<int64_t>(E);
  constexpr int64_t ta = std::max<int64_t>(16, kTileRunBytes / es);
  alignas(64) unsigned char buf[ta * kTileB * E];  // buf[b][a]
  for (int64_t b = 0; b < nb; ++b)
    std::memcpy(buf + b * ta * es, src + b * src_b * es, static_cast<size_t>(na) * E);
  for (int64_t a = 0; a < na; ++a) {
    char* d = dst + a * dst_a * es;
    for (int64_t b = 0; b < nb; ++b) std::memcpy(d + b * es, buf + (b * ta + a) * es, E);
  }
}

void CopyTileAny(const char* src, int64_t src_b, char* dst, int64_t dst_a, int64_t na,
                 int64_t nb, size_t e) {
  switch (e) {
    case 1: CopyTile<1>(src, src_b, dst, dst_a, na, nb); return;
    case 2: CopyTile<2>(src, src_b, dst, dst_a, na, nb); return;
    case 4: CopyTile<4>(src, src_b, dst, dst_a, na, nb); return;
    case 8: CopyTile<8>(src, src_b, dst, dst_a, na, nb); return;
    default: break;
  }
  const int64_t es = static_cast<int64_t>(e);
  for (int64_t a = 0; a < na; ++a)
    for (int64_t b = 0; b < nb; ++b)
      std::memcpy(dst + (a * dst_a + b) * es, src + (a + b * src_b) * es, e);
}

// Offset (in elements) of multi-index `idx` of `dims` under `strides`, for a flat index.
int64_t OffsetOf(int64_t flat, const std::vector<int64_t>& dims,
                 const std::vector<int64_t>& strides) {
  int64_t off = 0;
  for (size_t k = dims.size(); k-- > 0;) {
    off += (flat % dims[k]) * strides[k];
    flat /= dims[k];
  }
  return off;
}

}  // namespace

std::vector<int64_t> ContiguousStrides(const Shape& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (size_t k = shape.size(); k-- > 1;) s[k - 1] = s[k] * std::max<int64_t>(shape[k], 1);
  return s;
}

void CopyStrided(const void* src_v, const Shape& dims_in, const std::vector<int64_t>& strides_in,
                 size_t e, void* dst_v, ThreadPool* pool) {
  PDI_ENFORCE_INTERNAL(dims_in.size() == strides_in.size(), "CopyStrided: rank mismatch");
  const char* src = static_cast<const char*>(src_v);
  char* dst = static_cast<char*>(dst_v);
  const int64_t es = static_cast<int64_t>(e);
  // Drop size-1 dims and merge dims that are contiguous with respect to each other.
  std::vector<int64_t> d, s;
  for (size_t k = 0; k < dims_in.size(); ++k) {
    if (dims_in[k] == 0) return;
    if (dims_in[k] == 1) continue;
    if (!d.empty() && s.back() == strides_in[k] * dims_in[k]) {
      d.back() *= dims_in[k];
      s.back() = strides_in[k];
    } else {
      d.push_back(dims_in[k]);
      s.push_back(strides_in[k]);
    }
  }
  if (d.empty()) {
    std::memcpy(dst, src, e);
    return;
  }
  const size_t r = d.size();
  const int64_t inner = d[r - 1];
  const int64_t inner_stride = s[r - 1];
  int64_t total = 1;
  for (int64_t v : d) total *= v;

  // Transpose-like: the dst-inner dim is strided in src while another dim is contiguous
  // there. Copy in tiles so both sides stay in cache.
  int tile_dim = -1;
  if (inner_stride != 1 && inner_stride != 0 && inner >= 4) {
    for (size_t k = 0; k + 1 < r; ++k)
      if (s[k] == 1 && d[k] >= 4) tile_dim = static_cast<int>(k);
  }
  if (tile_dim >= 0) {
    const int64_t tile_a = TileA(e);
    const std::vector<int64_t> dst_strides = ContiguousStrides(d);
    // Outer dims: every dim except tile_dim and the inner one.
    std::vector<int64_t> od, os_src, os_dst;
    for (size_t k = 0; k + 1 < r; ++k)
      if (static_cast<int>(k) != tile_dim) {
        od.push_back(d[k]);
        os_src.push_back(s[k]);
        os_dst.push_back(dst_strides[k]);
      }
    int64_t outer = 1;
    for (int64_t v : od) outer *= v;
    const int64_t na_total = d[tile_dim];
    const int64_t a_blocks = (na_total + tile_a - 1) / tile_a;
    const int64_t dst_a = dst_strides[tile_dim];
    auto work = [&](int64_t begin, int64_t end) {
      for (int64_t w = begin; w < end; ++w) {
        const int64_t o = w / a_blocks, ab = w % a_blocks;
        const int64_t a0 = ab * tile_a, na = std::min(tile_a, na_total - a0);
        const char* sb = src + (OffsetOf(o, od, os_src) + a0) * es;
        char* db = dst + (OffsetOf(o, od, os_dst) + a0 * dst_a) * es;
        for (int64_t b0 = 0; b0 < inner; b0 += kTileB) {
          const int64_t nb = std::min(kTileB, inner - b0);
          CopyTileAny(sb + b0 * inner_stride * es, inner_stride, db + b0 * es, dst_a, na, nb, e);
        }
      }
    };
    const int64_t items = outer * a_blocks;
    if (pool) ParallelForElements(*pool, items, tile_a * inner * 2, work);
    else work(0, items);
    return;
  }

  // Row-wise: rows are the dst-inner dim; each row is a memcpy (contiguous), a fill
  // (broadcast) or a strided gather.
  const int64_t rows = total / inner;
  std::vector<int64_t> od(d.begin(), d.end() - 1), os(s.begin(), s.end() - 1);
  auto work = [&](int64_t begin, int64_t end) {
    if (begin >= end) return;
    // Walk the outer multi-index incrementally from `begin`.
    std::vector<int64_t> idx(od.size(), 0);
    int64_t flat = begin, off = 0;
    for (size_t k = od.size(); k-- > 0;) {
      idx[k] = flat % od[k];
      flat /= od[k];
      off += idx[k] * os[k];
    }
    for (int64_t row = begin; row < end; ++row) {
      CopyRun(src + off * es, inner_stride, inner, e, dst + row * inner * es);
      for (size_t k = od.size(); k-- > 0;) {
        off += os[k];
        if (++idx[k] < od[k]) break;
        off -= os[k] * od[k];
        idx[k] = 0;
      }
    }
  };
  if (pool) ParallelForElements(*pool, rows, std::max<int64_t>(1, inner * es / 4), work);
  else work(0, rows);
}

}  // namespace pdinfer
