// Helpers shared by several op files: shape inference shortcuts, Paddle's elementwise
// broadcast rule, strided iteration over broadcast operands, reading int lists / scalars
// that Paddle lets a model pass either as an attribute or as a tensor input, and dtype
// conversion.
//
// Sections are grouped by topic; add new helpers in a clearly separated section.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pdinfer/core/dtype.h"
#include "pdinfer/core/shape.h"
#include "pdinfer/core/tensor.h"
#include "pdinfer/core/thread_pool.h"
#include "pdinfer/ops/registry.h"

namespace pdinfer {

// ---------------------------------------------------------------------------------------
// Shape inference shortcuts
// ---------------------------------------------------------------------------------------

// Out gets X's dtype and shape.
void InferSameAsInput(OpContext& ctx);
// An InferFn copying dtype and shape of input `in` to output `out`.
InferFn InferSameAs(const std::string& in, const std::string& out);

// ---------------------------------------------------------------------------------------
// Broadcasting
// ---------------------------------------------------------------------------------------

// Paddle's elementwise broadcast rule (legacy `axis` attribute):
//  - axis == -1 (or any negative axis): trailing (NumPy) alignment of the lower-rank
//    operand; axis = -k aligns it k-1 dims earlier, as Paddle does.
//  - axis >= 0: the lower-rank operand's dims start at dim `axis` of the higher-rank one;
//    its trailing size-1 dims are dropped when it would otherwise run past the end.
// Both operands come back padded with 1s to the common rank; `out` (may be null) gets the
// broadcast shape. Unknown (-1) dims are allowed at load time and propagate.
// Throws InvalidArgument naming `what` and both shapes when they do not broadcast.
void AlignBroadcastShapes(const Shape& x, const Shape& y, int64_t axis, const std::string& what,
                          Shape* x_aligned, Shape* y_aligned, Shape* out);
// The broadcast output shape of the rule above.
Shape PaddleBroadcastShape(const Shape& x, const Shape& y, int64_t axis, const std::string& what);

// Iterates an output of shape `out` whose operands (each already padded to out's rank,
// dims equal to out's or 1) are read with broadcasting. Dims of size 1 are dropped and
// neighbouring dims with the same broadcast pattern merged, so the work becomes `rows()`
// rows of `inner()` elements; along a row each operand advances by 0 or 1 elements.
class BroadcastIndexer {
 public:
  static constexpr int kMaxOperands = 4;
  static constexpr int kMaxDims = 32;  // collapsed outer dims
  BroadcastIndexer(const Shape& out, const std::vector<Shape>& operands);

  int64_t rows() const { return rows_; }
  int64_t inner() const { return inner_; }
  // 1 when operand i is contiguous along a row, 0 when it is constant along it.
  int64_t inner_stride(int i) const { return inner_stride_[i]; }
  int num_operands() const { return num_operands_; }

  // Walks consecutive rows without a division per row.
  struct Cursor {
    int64_t offsets[kMaxOperands];  // element offset of every operand at the row start
    int64_t index[kMaxDims];
  };
  void Seek(int64_t row, Cursor* c) const;
  void Next(Cursor* c) const;
  // Element offsets of every operand at the start of row `row`.
  void RowOffsets(int64_t row, int64_t* offsets) const;

 private:
  int num_operands_ = 0;
  int num_dims_ = 0;  // collapsed dims before the inner one
  int64_t rows_ = 1, inner_ = 1;
  int64_t inner_stride_[kMaxOperands] = {0, 0, 0, 0};
  int64_t dims_[kMaxDims] = {};
  int64_t strides_[kMaxDims][kMaxOperands] = {};  // element strides, 0 = broadcast
};

// Calls fn(begin, end) over [0, n), in parallel when n is large enough to be worth it.
// `cost` is a rough per-item cost in "simple flops" (1 for add, ~20 for exp/erf...).
void ParallelForElements(ThreadPool& pool, int64_t n, int64_t cost,
                         const std::function<void(int64_t, int64_t)>& fn);

// ---------------------------------------------------------------------------------------
// Attribute-or-tensor inputs
// ---------------------------------------------------------------------------------------

// The values of an integer tensor (int32/int64; also int8/int16/uint8/bool) as int64.
std::vector<int64_t> TensorToInt64s(const Tensor& t, const std::string& what);
// The values of any numeric tensor as double.
std::vector<double> TensorToDoubles(const Tensor& t, const std::string& what);
// The single value of a one-element tensor of any numeric dtype, as double; throws
// InvalidArgument naming `what` when it does not hold exactly one element.
double TensorScalarAsDouble(const Tensor& t, const std::string& what);
int64_t TensorScalarAsInt(const Tensor& t, const std::string& what);

// An int list Paddle takes from (in priority order) a 1-D tensor input `tensor_slot`,
// a list of 1-element tensors `list_slot`, or the attribute `attr`. Either slot name may be
// empty. Returns nullopt when the list comes from a tensor whose data is not known yet
// (load time); the caller then leaves the dependent dims unknown. When only the count is
// needed at load time, `known_count` (may be null) receives the list length if it can be
// told from shapes alone (-1 otherwise).
std::optional<std::vector<int64_t>> ReadIntList(const OpContext& ctx, const std::string& attr,
                                                const std::string& tensor_slot,
                                                const std::string& list_slot,
                                                int64_t* known_count = nullptr);

// A scalar Paddle takes from a one-element tensor input `tensor_slot` (when connected)
// or the attribute `attr` (default `def`). nullopt when the tensor's data is not known yet.
std::optional<double> ReadScalar(const OpContext& ctx, const std::string& attr, double def,
                                 const std::string& tensor_slot);

// ---------------------------------------------------------------------------------------
// Dtypes (implemented in op_utils_dtype.cc)
// ---------------------------------------------------------------------------------------

bool IsFloatType(DataType t);    // float16/bfloat16/float32/float64
bool IsIntegerType(DataType t);  // int8/16/32/64, uint8 (not bool)
// Paddle's binary type promotion (bool < ints < floats; wider wins within a kind).
DataType PromoteTypes(DataType a, DataType b);
// Element-wise conversion of n values (numeric and bool; float -> int truncates toward
// zero, any -> bool is != 0). float16/bfloat16 are converted through float.
void CastElements(DataType src_type, const void* src, DataType dst_type, void* dst, int64_t n);
// A copy of `t` converted to `dtype` (shares t's storage when already that dtype).
Tensor CastTensor(const Tensor& t, DataType dtype);
// Function forms of PDI_DISPATCH_NUMERIC / PDI_DISPATCH_FLOAT (no macro-comma pitfalls):
// DispatchNumeric(dtype, ctx.Where(), [&](auto tag) { using T = decltype(tag); ... });
template <typename Fn>
void DispatchNumeric(DataType t, const std::string& what, Fn&& fn) {
  switch (t) {
    case DataType::kFloat32: fn(float{}); break;
    case DataType::kFloat64: fn(double{}); break;
    case DataType::kInt32: fn(int32_t{}); break;
    case DataType::kInt64: fn(int64_t{}); break;
    case DataType::kInt16: fn(int16_t{}); break;
    case DataType::kInt8: fn(int8_t{}); break;
    case DataType::kUInt8: fn(uint8_t{}); break;
    case DataType::kBool: fn(bool{}); break;
    default:
      ThrowError(ErrorCode::kUnsupported, what, ": unsupported dtype ", DataTypeName(t));
  }
}
template <typename Fn>
void DispatchFloat(DataType t, const std::string& what, Fn&& fn) {
  switch (t) {
    case DataType::kFloat32: fn(float{}); break;
    case DataType::kFloat64: fn(double{}); break;
    default:
      ThrowError(ErrorCode::kUnsupported, what, ": unsupported dtype ", DataTypeName(t),
                 " (expected float32 or float64)");
  }
}

// A DataType from Paddle's VarType number stored in attribute `attr` (e.g. cast's
// out_dtype, fill_constant's dtype), or from a dtype name string; -1, "undefined" or
// absent gives `def`. Throws Unsupported on a value that is not a tensor element type.
DataType DataTypeAttr(const OpContext& ctx, const std::string& attr, DataType def);

}  // namespace pdinfer

// ---------------------------------------------------------------------------------------
// Strided copies (appended section; used by the data-movement ops: transpose, slice,
// strided_slice, expand, tile)
// ---------------------------------------------------------------------------------------
namespace pdinfer {

// Copies the strided view of `src` described by `dims` and per-dim element `strides`
// (0 = broadcast, negative = reversed) into the contiguous buffer `dst`. `src` points at
// the view's first element. Elements are moved as raw `elem_size`-byte units, so every
// dtype works. Dims of size 1 are dropped and contiguous runs merged first, so an
// identity view is one memcpy; a view whose inner dim is not contiguous in `src`
// (a transpose) is copied in cache-sized tiles. Large copies are split over `pool`.
void CopyStrided(const void* src, const Shape& dims, const std::vector<int64_t>& strides,
                 size_t elem_size, void* dst, ThreadPool* pool);

// Contiguous (row-major) element strides of `shape`.
std::vector<int64_t> ContiguousStrides(const Shape& shape);

}  // namespace pdinfer
