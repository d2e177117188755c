// A small, bounded reader for the protobuf wire format. Paddle's schemas are fixed
// and tiny, so the frontends decode them by hand instead of linking libprotobuf
// (which would clash with other protobuf users in the same process and has a
// default 64 MiB message cap we must not have).
//
// Every read is bounds-checked against the enclosing message; malformed bytes throw
// Error(kInvalidModel) with the file name, the byte offset and the message path
// being decoded ("blocks[0].ops[12].attrs[3]"). Thread-safety: a Reader is a cursor
// over caller-owned bytes; use one per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "pdinfer/core/error.h"

namespace pdinfer {
namespace pb {

enum class WireType : uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

// Nested messages deeper than this are rejected (guards recursion and group skipping).
constexpr int kMaxDepth = 64;

// Shared by all Readers decoding one file: the file name for messages and the path of
// the message being decoded, which is only turned into text when an error is thrown.
class DecodeContext {
 public:
  explicit DecodeContext(std::string origin) : origin_(std::move(origin)) {}
  const std::string& origin() const { return origin_; }

  void Push(const char* field, int64_t index) { path_.push_back({field, index}); }
  void Pop() { path_.pop_back(); }
  // "blocks[0].ops[3].attrs[1]"; empty at the top level.
  std::string Path() const;

  template <typename... Args>
  [[noreturn]] void Fail(size_t offset, const Args&... args) const {
    FailWith(StrCat(args...), offset);
  }

 private:
  [[noreturn]] void FailWith(const std::string& what, size_t offset) const;

  std::string origin_;
  std::vector<std::pair<const char*, int64_t>> path_;
};

// RAII: records "field[index]" in the context while a sub-message is decoded.
class PathScope {
 public:
  PathScope(DecodeContext& ctx, const char* field, int64_t index = -1) : ctx_(ctx) {
    ctx_.Push(field, index);
  }
  ~PathScope() { ctx_.Pop(); }
  PathScope(const PathScope&) = delete;
  PathScope& operator=(const PathScope&) = delete;

 private:
  DecodeContext& ctx_;
};

// One decoded field. For length-delimited fields `data`/`size` view the payload.
struct Field {
  uint32_t number = 0;
  WireType wire = WireType::kVarint;
  uint64_t value = 0;  // varint value, or raw bits of a fixed32/fixed64
  const uint8_t* data = nullptr;
  size_t size = 0;
  size_t offset = 0;  // absolute byte offset of the tag (for messages)
  size_t data_offset = 0;  // absolute offset of the payload
};

class Reader {
 public:
  // `base_offset` is the absolute offset of data[0] in the file (for messages).
  Reader(const uint8_t* data, size_t size, DecodeContext& ctx, size_t base_offset = 0,
         int depth = 0)
      : data_(data), size_(size), base_(base_offset), depth_(depth), ctx_(ctx) {}

  // Reads the next field; returns false at the end of the message. Groups
  // (deprecated wire types 3/4) are skipped here, never returned.
  bool Next(Field* f);

  // A reader over a length-delimited field's payload, one nesting level deeper.
  Reader Sub(const Field& f) const;

  DecodeContext& context() const { return ctx_; }

  // Scalar decoders; each checks the wire type and names the field on mismatch.
  int64_t Int64(const Field& f, const char* name) const;
  // int32 fields: negatives are written as 10-byte sign-extended varints; values
  // outside int32 range are rejected.
  int32_t Int32(const Field& f, const char* name) const;
  bool Bool(const Field& f, const char* name) const;
  float Float(const Field& f, const char* name) const;
  double Double(const Field& f, const char* name) const;
  std::string String(const Field& f, const char* name) const;

  // Repeated scalars: append one element (unpacked) or all elements of a packed run.
  void AppendInt64s(const Field& f, const char* name, std::vector<int64_t>* out) const;
  void AppendInt32s(const Field& f, const char* name, std::vector<int32_t>* out) const;
  void AppendBools(const Field& f, const char* name, std::vector<bool>* out) const;
  void AppendFloats(const Field& f, const char* name, std::vector<float>* out) const;
  void AppendDoubles(const Field& f, const char* name, std::vector<double>* out) const;

  template <typename... Args>
  [[noreturn]] void Fail(size_t offset, const Args&... args) const {
    ctx_.Fail(offset, args...);
  }

 private:
  uint64_t ReadVarint(size_t* pos, const char* what) const;
  void SkipGroup(uint32_t number, size_t* pos, size_t tag_offset) const;
  void ExpectWire(const Field& f, WireType w, const char* name) const;
  // Calls fn(value) for each varint of a packed run.
  template <typename Fn>
  void ForEachPackedVarint(const Field& f, const char* name, Fn fn) const;

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  size_t base_;
  int depth_;
  DecodeContext& ctx_;
};

}  // namespace pb
}  // namespace pdinfer
