// A small, bounded JSON reader for Paddle's PIR program files. It builds a DOM of
// JsonValue nodes; every limit (depth, string length, element count) is checked and a
// violation or a syntax error throws Error(kInvalidModel) naming the byte offset.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pdinfer {

struct JsonLimits {
  int max_depth = 256;
  size_t max_string_bytes = size_t{1} << 28;
  size_t max_elements = size_t{1} << 27;  // values in the whole document
};

class JsonValue {
 public:
  enum class Kind { kNull, kBool, kInt, kDouble, kString, kArray, kObject };

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
  const std::vector<JsonValue>& AsArray(const char* what) const;

  // Object member lookup; nullptr when absent (or when this is not an object).
  const JsonValue* Find(std::string_view key) const;
  // Member that must exist.
  const JsonValue& At(std::string_view key, const char* context) const;
  const std::vector<std::pair<std::string, JsonValue>>& members() const { return object_; }
  size_t size() const { return kind_ == Kind::kArray ? array_.size() : object_.size(); }

  static const char* KindName(Kind k);

 private:
  friend class JsonParser;
  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  int64_t int_ = 0;
  double double_ = 0;
  std::string string_;
  std::vector<JsonValue> array_;
  std::vector<std::pair<std::string, JsonValue>> object_;
};

// Parses a complete document (trailing whitespace allowed, nothing else). `source`
// names the file in error messages.
JsonValue ParseJson(std::string_view text, const std::string& source,
                    const JsonLimits& limits = JsonLimits());

}  // namespace pdinfer
