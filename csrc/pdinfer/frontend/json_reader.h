// A small, bounded JSON reader for Paddle's PIR program files. It builds a read-only DOM
// of JsonValue nodes owned by a JsonDocument; every limit (depth, string length, element
// count) is checked and a violation or a syntax error throws Error(kInvalidModel) naming
// the byte offset. Strings must be valid UTF-8.
//
// Nodes are small trivially-copyable records stored in arena blocks of the document (a
// BERT-base program has ~30k values; one heap object per node made parsing and freeing
// the tree the largest part of loading such a program).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pdinfer {

struct JsonLimits {
  int max_depth = 256;
  size_t max_string_bytes = size_t{1} << 28;
  size_t max_elements = size_t{1} << 27;  // values in the whole document
};

class JsonValue;

// The elements of an array value (a view into the document).
class JsonArray {
 public:
  JsonArray() = default;
  JsonArray(const JsonValue* data, size_t size) : data_(data), size_(size) {}
  const JsonValue* begin() const { return data_; }
  inline const JsonValue* end() const;
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  inline const JsonValue& operator[](size_t i) const;

 private:
  const JsonValue* data_ = nullptr;
  size_t size_ = 0;
};

class JsonValue {
 public:
  enum class Kind : uint8_t { kNull, kBool, kInt, kDouble, kString, kArray, kObject };

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_number() const { return kind_ == Kind::kInt || kind_ == Kind::kDouble; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_object() const { return kind_ == Kind::kObject; }

  // Typed access; `what` names the field in the error thrown on a kind mismatch.
  bool AsBool(const char* what) const;
  int64_t AsInt(const char* what) const;  // exact integers only
  double AsDouble(const char* what) const;
  const std::string& AsString(const char* what) const;
  JsonArray AsArray(const char* what) const;

  // Object member lookup; nullptr when absent (or when this is not an object). With
  // duplicate names the first wins.
  const JsonValue* Find(std::string_view key) const;
  // Member that must exist.
  const JsonValue& At(std::string_view key, const char* context) const;
  // Elements of an array / members of an object (0 for scalars).
  size_t size() const { return (kind_ == Kind::kArray || kind_ == Kind::kObject) ? count_ : 0; }
  // Name of this value when it is an object member (empty otherwise).
  const std::string& key() const;

  static const char* KindName(Kind k);

 private:
  friend class JsonParser;
  Kind kind_ = Kind::kNull;
  uint32_t count_ = 0;                 // array elements / object members
  const std::string* key_ = nullptr;   // member name, owned by the document
  union {
    bool bool_;
    int64_t int_ = 0;
    double double_;
    const std::string* string_;        // owned by the document
    const JsonValue* children_;        // array elements / object members, in order
  };
};

inline const JsonValue* JsonArray::end() const { return data_ + size_; }
inline const JsonValue& JsonArray::operator[](size_t i) const { return data_[i]; }

// Owns every node and string of a parsed document; values stay valid while it lives.
class JsonDocument {
 public:
  const JsonValue& root() const { return root_; }

 private:
  friend class JsonParser;
  JsonValue root_;
  std::deque<std::string> strings_;
  std::vector<std::unique_ptr<JsonValue[]>> blocks_;
};

// Parses a complete document (trailing whitespace allowed, nothing else). `source`
// names the file in error messages.
JsonDocument ParseJson(std::string_view text, const std::string& source,
                       const JsonLimits& limits = JsonLimits());

}  // namespace pdinfer
