// Embedding lookups: lookup_table_v2 (Out = Ids.shape + [D]) and the older lookup_table,
// whose Ids carry a trailing dim of 1 that is dropped (Out = Ids.shape[:-1] + [D]).
//
// padding_idx follows Paddle's kernel: -1 means "no padding"; any other value marks the
// id that yields a zero row, compared with the raw id (Paddle's Python layer already
// turns a negative padding_idx into vocab + padding_idx before writing the attribute).
// Every other id must lie in [0, rows); anything else is an InvalidArgument error, never
// an out-of-bounds read.
#include <algorithm>
#include <cstring>

#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace {

constexpr int64_t kNoPadding = -1;

void CheckTableAndIds(const OpContext& ctx, const Shape& w, DataType ids_dt) {
  PDI_ENFORCE_ARG(w.size() == 2, ctx.Where(), ": table W must be 2-D [rows, width], got shape ",
                  ShapeToString(w));
  PDI_CHECK(ids_dt == DataType::kInt32 || ids_dt == DataType::kInt64, ErrorCode::kUnsupported,
            ctx.Where(), ": Ids must be int32 or int64, got ", DataTypeName(ids_dt));
}

template <bool kV1>
void InferLookup(OpContext& ctx) {
  const Shape& w = ctx.InputShape("W");
  const Shape& ids = ctx.InputShape("Ids");
  CheckTableAndIds(ctx, w, ctx.InputDType("Ids"));
  Shape out;
  if (kV1) {
    PDI_ENFORCE_ARG(!ids.empty(), ctx.Where(),
                    ": Ids must have a trailing dim of 1, got a 0-D tensor");
    PDI_ENFORCE_ARG(ids.back() == 1 || ids.back() < 0, ctx.Where(),
                    ": the last dim of Ids must be 1, got shape ", ShapeToString(ids));
    out.assign(ids.begin(), ids.end() - 1);
  } else {
    out = ids;
  }
  out.push_back(w[1]);
  ctx.SetOutput("Out", ctx.InputDType("W"), out);
}

template <typename IdT>
void Gather(const OpContext& ctx, const IdT* ids, int64_t count, const char* table, int64_t rows,
            size_t row_bytes, int64_t padding_idx, char* out) {
  // Validate everything first so a bad id leaves no partial work behind a thread.
  for (int64_t i = 0; i < count; ++i) {
    int64_t id = static_cast<int64_t>(ids[i]);
    if (padding_idx != kNoPadding && id == padding_idx) continue;
    if (id < 0 || id >= rows)
      ThrowError(ErrorCode::kInvalidArgument, ctx.Where(), ": id ", id, " at position ", i,
                 " is out of range for a table of ", rows, " rows (expected 0 <= id < ", rows,
                 ")");
  }
  const int64_t min_chunk = std::max<int64_t>(1, static_cast<int64_t>(65536 / (row_bytes + 1)));
  ctx.pool().ParallelFor(count, min_chunk, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      int64_t id = static_cast<int64_t>(ids[i]);
      char* dst = out + static_cast<size_t>(i) * row_bytes;
      if (padding_idx != kNoPadding && id == padding_idx)
        std::memset(dst, 0, row_bytes);
      else
        std::memcpy(dst, table + static_cast<size_t>(id) * row_bytes, row_bytes);
    }
  });
}

void ComputeLookup(OpContext& ctx) {
  const Tensor& w = ctx.Input("W");
  const Tensor& ids = ctx.Input("Ids");
  Tensor& out = ctx.Output("Out");
  CheckTableAndIds(ctx, w.shape(), ids.dtype());
  const int64_t rows = w.dim(0);
  const size_t row_bytes = static_cast<size_t>(w.dim(1)) * SizeOf(w.dtype());
  const int64_t padding_idx = ctx.attrs().GetInt("padding_idx", kNoPadding);
  const int64_t count = ids.numel();
  if (count == 0) return;
  const char* table = static_cast<const char*>(w.raw_data());
  char* dst = static_cast<char*>(out.raw_data());
  if (ids.dtype() == DataType::kInt32)
    Gather(ctx, ids.data<int32_t>(), count, table, rows, row_bytes, padding_idx, dst);
  else
    Gather(ctx, ids.data<int64_t>(), count, table, rows, row_bytes, padding_idx, dst);
}

}  // namespace

PDI_REGISTER_OP(OpDef{"lookup_table_v2", {"Ids", "W"}, {"Out"}, InferLookup<false>, ComputeLookup});
PDI_REGISTER_OP(OpDef{"lookup_table", {"Ids", "W"}, {"Out"}, InferLookup<true>, ComputeLookup});

}  // namespace pdinfer
