#include "pdinfer/frontend/protobuf_reader.h"

#include <cstring>
#include <limits>

namespace pdinfer {
namespace pb {

std::string DecodeContext::Path() const {
  std::string s;
  for (const auto& p : path_) {
    if (!s.empty()) s += '.';
    s += p.first;
    if (p.second >= 0) s += StrCat('[', p.second, ']');
  }
  return s;
}

void DecodeContext::FailWith(const std::string& what, size_t offset) const {
  std::string path = Path();
  ThrowError(ErrorCode::kInvalidModel, origin_, ": ", what, " at byte offset ", offset,
             path.empty() ? std::string() : StrCat(" (in ", path, ")"));
}

uint64_t Reader::ReadVarint(size_t* pos, const char* what) const {
  uint64_t v = 0;
  size_t start = *pos;
  for (int shift = 0; shift < 70; shift += 7) {
    if (*pos >= size_) Fail(base_ + start, "truncated varint (", what, ")");
    uint8_t b = data_[(*pos)++];
    // The 10th byte may only carry the top bit of a 64-bit value.
    if (shift == 63 && b > 1) Fail(base_ + start, "varint overflows 64 bits (", what, ")");
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  Fail(base_ + start, "varint longer than 10 bytes (", what, ")");
}

void Reader::SkipGroup(uint32_t number, size_t* pos, size_t tag_offset) const {
  // Groups nest; track the open group numbers without recursion.
  std::vector<uint32_t> open{number};
  while (!open.empty()) {
    if (static_cast<int>(open.size()) + depth_ > kMaxDepth)
      Fail(base_ + tag_offset, "groups nested deeper than ", kMaxDepth);
    size_t at = *pos;
    uint64_t tag = ReadVarint(pos, "tag inside group");
    uint32_t wire = static_cast<uint32_t>(tag & 7);
    uint64_t num = tag >> 3;
    switch (wire) {
      case 0: ReadVarint(pos, "varint inside group"); break;
      case 1:
        if (size_ - *pos < 8) Fail(base_ + at, "truncated 64-bit field inside group");
        *pos += 8;
        break;
      case 5:
        if (size_ - *pos < 4) Fail(base_ + at, "truncated 32-bit field inside group");
        *pos += 4;
        break;
      case 2: {
        uint64_t len = ReadVarint(pos, "length inside group");
        if (len > size_ - *pos) Fail(base_ + at, "length ", len, " exceeds the ", size_ - *pos,
                                     " bytes left inside group");
        *pos += static_cast<size_t>(len);
        break;
      }
      case 3: open.push_back(static_cast<uint32_t>(num)); break;
      case 4:
        if (num != open.back())
          Fail(base_ + at, "end-group tag ", num, " does not match open group ", open.back());
        open.pop_back();
        break;
      default: Fail(base_ + at, "invalid wire type ", wire, " inside group");
    }
  }
}

bool Reader::Next(Field* f) {
  while (pos_ < size_) {
    size_t at = pos_;
    uint64_t tag = ReadVarint(&pos_, "field tag");
    uint64_t number = tag >> 3;
    uint32_t wire = static_cast<uint32_t>(tag & 7);
    if (number == 0 || number > 536870911u)
      Fail(base_ + at, "invalid field number ", number);
    f->number = static_cast<uint32_t>(number);
    f->offset = base_ + at;
    f->data = nullptr;
    f->size = 0;
    f->value = 0;
    switch (wire) {
      case 0:
        f->wire = WireType::kVarint;
        f->value = ReadVarint(&pos_, "varint field");
        return true;
      case 1:
        if (size_ - pos_ < 8) Fail(base_ + at, "truncated 64-bit field ", number);
        f->wire = WireType::kFixed64;
        for (int i = 7; i >= 0; --i) f->value = (f->value << 8) | data_[pos_ + i];
        pos_ += 8;
        return true;
      case 5:
        if (size_ - pos_ < 4) Fail(base_ + at, "truncated 32-bit field ", number);
        f->wire = WireType::kFixed32;
        for (int i = 3; i >= 0; --i) f->value = (f->value << 8) | data_[pos_ + i];
        pos_ += 4;
        return true;
      case 2: {
        uint64_t len = ReadVarint(&pos_, "length");
        if (len > size_ - pos_)
          Fail(base_ + at, "field ", number, " declares ", len, " bytes but only ", size_ - pos_,
               " remain in the enclosing message");
        f->wire = WireType::kLengthDelimited;
        f->data = data_ + pos_;
        f->size = static_cast<size_t>(len);
        f->data_offset = base_ + pos_;
        pos_ += static_cast<size_t>(len);
        return true;
      }
      case 3:
        SkipGroup(f->number, &pos_, at);
        continue;  // groups are never fields of Paddle's schemas
      case 4:
        Fail(base_ + at, "unexpected end-group tag for field ", number);
      default:
        Fail(base_ + at, "invalid wire type ", wire, " for field ", number);
    }
  }
  return false;
}

Reader Reader::Sub(const Field& f) const {
  if (f.wire != WireType::kLengthDelimited)
    Fail(f.offset, "field ", f.number, " should be a sub-message (wire type 2), got wire type ",
         static_cast<int>(f.wire));
  if (depth_ + 1 > kMaxDepth) Fail(f.offset, "messages nested deeper than ", kMaxDepth);
  return Reader(f.data, f.size, ctx_, f.data_offset, depth_ + 1);
}

void Reader::ExpectWire(const Field& f, WireType w, const char* name) const {
  if (f.wire != w)
    Fail(f.offset, "field '", name, "' (", f.number, ") has wire type ",
         static_cast<int>(f.wire), ", expected ", static_cast<int>(w));
}

int64_t Reader::Int64(const Field& f, const char* name) const {
  ExpectWire(f, WireType::kVarint, name);
  return static_cast<int64_t>(f.value);
}

namespace {
bool FitsInt32(uint64_t raw) {
  int64_t v = static_cast<int64_t>(raw);
  // Sign-extended negatives (the standard encoding) and, leniently, the 32-bit
  // two's complement form some writers emit.
  return (v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max()) ||
         (raw <= std::numeric_limits<uint32_t>::max());
}
}  // namespace

int32_t Reader::Int32(const Field& f, const char* name) const {
  ExpectWire(f, WireType::kVarint, name);
  if (!FitsInt32(f.value))
    Fail(f.offset, "field '", name, "' value ", static_cast<int64_t>(f.value),
         " is out of int32 range");
  return static_cast<int32_t>(static_cast<uint32_t>(f.value));
}

bool Reader::Bool(const Field& f, const char* name) const {
  ExpectWire(f, WireType::kVarint, name);
  return f.value != 0;
}

float Reader::Float(const Field& f, const char* name) const {
  ExpectWire(f, WireType::kFixed32, name);
  uint32_t bits = static_cast<uint32_t>(f.value);
  float v;
  std::memcpy(&v, &bits, sizeof(v));
  return v;
}

double Reader::Double(const Field& f, const char* name) const {
  ExpectWire(f, WireType::kFixed64, name);
  double v;
  std::memcpy(&v, &f.value, sizeof(v));
  return v;
}

std::string Reader::String(const Field& f, const char* name) const {
  ExpectWire(f, WireType::kLengthDelimited, name);
  return std::string(reinterpret_cast<const char*>(f.data), f.size);
}

template <typename Fn>
void Reader::ForEachPackedVarint(const Field& f, const char* name, Fn fn) const {
  Reader r(f.data, f.size, ctx_, f.data_offset, depth_ + 1);
  size_t pos = 0;
  while (pos < r.size_) {
    size_t at = pos;
    uint64_t v = r.ReadVarint(&pos, name);
    fn(v, f.data_offset + at);
  }
}

void Reader::AppendInt64s(const Field& f, const char* name, std::vector<int64_t>* out) const {
  if (f.wire == WireType::kLengthDelimited) {
    ForEachPackedVarint(f, name, [&](uint64_t v, size_t) { out->push_back(static_cast<int64_t>(v)); });
  } else {
    out->push_back(Int64(f, name));
  }
}

void Reader::AppendInt32s(const Field& f, const char* name, std::vector<int32_t>* out) const {
  if (f.wire == WireType::kLengthDelimited) {
    ForEachPackedVarint(f, name, [&](uint64_t v, size_t at) {
      if (!FitsInt32(v))
        Fail(at, "element of '", name, "' value ", static_cast<int64_t>(v),
             " is out of int32 range");
      out->push_back(static_cast<int32_t>(static_cast<uint32_t>(v)));
    });
  } else {
    out->push_back(Int32(f, name));
  }
}

void Reader::AppendBools(const Field& f, const char* name, std::vector<bool>* out) const {
  if (f.wire == WireType::kLengthDelimited) {
    ForEachPackedVarint(f, name, [&](uint64_t v, size_t) { out->push_back(v != 0); });
  } else {
    out->push_back(Bool(f, name));
  }
}

void Reader::AppendFloats(const Field& f, const char* name, std::vector<float>* out) const {
  if (f.wire == WireType::kLengthDelimited) {
    if (f.size % 4 != 0)
      Fail(f.offset, "packed float field '", name, "' has ", f.size,
           " bytes, not a multiple of 4");
    size_t n = f.size / 4;
    out->reserve(out->size() + n);
    for (size_t i = 0; i < n; ++i) {
      uint32_t bits = 0;
      for (int b = 3; b >= 0; --b) bits = (bits << 8) | f.data[i * 4 + static_cast<size_t>(b)];
      float v;
      std::memcpy(&v, &bits, sizeof(v));
      out->push_back(v);
    }
  } else {
    out->push_back(Float(f, name));
  }
}

void Reader::AppendDoubles(const Field& f, const char* name, std::vector<double>* out) const {
  if (f.wire == WireType::kLengthDelimited) {
    if (f.size % 8 != 0)
      Fail(f.offset, "packed double field '", name, "' has ", f.size,
           " bytes, not a multiple of 8");
    size_t n = f.size / 8;
    out->reserve(out->size() + n);
    for (size_t i = 0; i < n; ++i) {
      uint64_t bits = 0;
      for (int b = 7; b >= 0; --b) bits = (bits << 8) | f.data[i * 8 + static_cast<size_t>(b)];
      double v;
      std::memcpy(&v, &bits, sizeof(v));
      out->push_back(v);
    }
  } else {
    out->push_back(Double(f, name));
  }
}

}  // namespace pb
}  // namespace pdinfer
