#include "pdinfer/frontend/json_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <deque>

#include "pdinfer/core/error.h"

namespace pdinfer {

const char* JsonValue::KindName(Kind k) {
  switch (k) {
    case Kind::kNull: return "null";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "integer";
    case Kind::kDouble: return "number";
    case Kind::kString: return "string";
    case Kind::kArray: return "array";
    case Kind::kObject: return "object";
  }
  return "?";
}

namespace {
[[noreturn]] void KindError(const char* what, const char* want, JsonValue::Kind got) {
  ThrowError(ErrorCode::kInvalidModel, "PIR JSON: ", what, " should be ", want, ", got ",
             JsonValue::KindName(got));
}
}  // namespace

bool JsonValue::AsBool(const char* what) const {
  if (kind_ == Kind::kBool) return bool_;
  if (kind_ == Kind::kInt && (int_ == 0 || int_ == 1)) return int_ != 0;
  KindError(what, "a bool", kind_);
}

int64_t JsonValue::AsInt(const char* what) const {
  if (kind_ == Kind::kInt) return int_;
  if (kind_ == Kind::kBool) return bool_ ? 1 : 0;
  if (kind_ == Kind::kDouble && std::nearbyint(double_) == double_ && std::fabs(double_) < 9.2e18)
    return static_cast<int64_t>(double_);
  KindError(what, "an integer", kind_);
}

double JsonValue::AsDouble(const char* what) const {
  if (kind_ == Kind::kDouble) return double_;
  if (kind_ == Kind::kInt) return static_cast<double>(int_);
  KindError(what, "a number", kind_);
}

const std::string& JsonValue::AsString(const char* what) const {
  if (kind_ == Kind::kString) return *string_;
  KindError(what, "a string", kind_);
}

JsonArray JsonValue::AsArray(const char* what) const {
  if (kind_ == Kind::kArray) return JsonArray(children_, count_);
  KindError(what, "an array", kind_);
}

const std::string& JsonValue::key() const {
  static const std::string empty;
  return key_ ? *key_ : empty;
}

const JsonValue* JsonValue::Find(std::string_view key) const {
  if (kind_ != Kind::kObject) return nullptr;
  for (uint32_t i = 0; i < count_; ++i)
    if (*children_[i].key_ == key) return &children_[i];
  return nullptr;
}

const JsonValue& JsonValue::At(std::string_view key, const char* context) const {
  if (kind_ != Kind::kObject) KindError(context, "an object", kind_);
  const JsonValue* v = Find(key);
  if (!v)
    ThrowError(ErrorCode::kInvalidModel, "PIR JSON: ", context, " has no \"", std::string(key),
               "\" member");
  return *v;
}

class JsonParser {
 public:
  JsonParser(std::string_view text, const std::string& source, const JsonLimits& limits)
      : s_(text), source_(source), limits_(limits) {}

  JsonDocument ParseDocument() {
    SkipWs();
    ParseValue(doc_.root_, 0);
    SkipWs();
    if (pos_ != s_.size()) Fail("unexpected trailing characters");
    return std::move(doc_);
  }

 private:
  [[noreturn]] void Fail(const std::string& what) const {
    ThrowError(ErrorCode::kInvalidModel, source_, ": malformed JSON at byte ", pos_, ": ", what);
  }

  void SkipWs() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' ||
                                s_[pos_] == '\t'))
      ++pos_;
  }

  char Peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }

  void Expect(char c) {
    if (Peek() != c) Fail(StrCat("expected '", c, "'"));
    ++pos_;
  }

  void Count() {
    if (++elements_ > limits_.max_elements) Fail("too many values");
  }

  void ParseValue(JsonValue& out, int depth) {
    if (depth > limits_.max_depth) Fail(StrCat("nesting deeper than ", limits_.max_depth));
    Count();
    char c = Peek();
    if (c == '{') {
      ParseObject(out, depth);
    } else if (c == '[') {
      ParseArray(out, depth);
    } else if (c == '"') {
      out.kind_ = JsonValue::Kind::kString;
      out.string_ = NewString();
    } else if (c == 't') {
      Literal("true");
      out.kind_ = JsonValue::Kind::kBool;
      out.bool_ = true;
    } else if (c == 'f') {
      Literal("false");
      out.kind_ = JsonValue::Kind::kBool;
      out.bool_ = false;
    } else if (c == 'n') {
      Literal("null");
      out.kind_ = JsonValue::Kind::kNull;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      ParseNumber(out);
    } else if (c == '\0' && pos_ >= s_.size()) {
      Fail("unexpected end of input");
    } else {
      Fail(StrCat("unexpected character '", c, "'"));
    }
  }

  void Literal(const char* word) {
    std::string_view w(word);
    if (s_.substr(pos_, w.size()) != w) Fail(StrCat("expected '", word, "'"));
    pos_ += w.size();
  }

  // Elements and members are collected in per-depth scratch vectors (kept for the whole
  // parse) and then copied, as trivially copyable nodes, into one arena run.
  std::vector<JsonValue>& Scratch(int depth) {
    while (scratch_.size() <= static_cast<size_t>(depth)) scratch_.emplace_back();  // stable refs
    std::vector<JsonValue>& v = scratch_[static_cast<size_t>(depth)];
    v.clear();
    return v;
  }

  const JsonValue* Commit(std::vector<JsonValue>& items) {
    size_t n = items.size();
    if (n > block_left_) {
      size_t size = std::max<size_t>(kBlockNodes, n);
      doc_.blocks_.emplace_back(new JsonValue[size]);
      block_next_ = doc_.blocks_.back().get();
      block_left_ = size;
    }
    JsonValue* dst = block_next_;
    std::copy(items.begin(), items.end(), dst);
    block_next_ += n;
    block_left_ -= n;
    items.clear();
    return dst;
  }

  // A new document-owned string, parsed from the quoted string at pos_.
  const std::string* NewString() {
    doc_.strings_.emplace_back();
    ParseString(doc_.strings_.back());
    return &doc_.strings_.back();
  }

  // Member names repeat a lot ("#", "D", "AT", ...): short plain ones are shared,
  // looked up by length and first byte.
  const std::string* NewKey() {
    size_t b = pos_ + 1, e = b;
    while (e < s_.size() && e - b <= kMaxSharedKey) {
      unsigned char c = static_cast<unsigned char>(s_[e]);
      if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
      ++e;
    }
    size_t len = e - b;
    if (e >= s_.size() || s_[e] != '"' || len == 0 || len > kMaxSharedKey) return NewString();
    std::vector<const std::string*>& bucket = keys_[len][static_cast<unsigned char>(s_[b]) & 31];
    for (const std::string* known : bucket)
      if (std::memcmp(known->data(), s_.data() + b, len) == 0) {
        pos_ = e + 1;
        return known;
      }
    const std::string* made = NewString();
    if (bucket.size() < 8) bucket.push_back(made);
    return made;
  }

  void ParseObject(JsonValue& out, int depth) {
    out.kind_ = JsonValue::Kind::kObject;
    ++pos_;
    SkipWs();
    if (Peek() == '}') {
      ++pos_;
      return;
    }
    std::vector<JsonValue>& members = Scratch(depth);
    for (;;) {
      SkipWs();
      if (Peek() != '"') Fail("expected a member name");
      const std::string* key = NewKey();
      SkipWs();
      Expect(':');
      SkipWs();
      members.emplace_back();
      ParseValue(members.back(), depth + 1);
      members.back().key_ = key;
      SkipWs();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      Expect('}');
      out.count_ = static_cast<uint32_t>(members.size());
      out.children_ = Commit(members);
      return;
    }
  }

  void ParseArray(JsonValue& out, int depth) {
    out.kind_ = JsonValue::Kind::kArray;
    ++pos_;
    SkipWs();
    if (Peek() == ']') {
      ++pos_;
      return;
    }
    std::vector<JsonValue>& elements = Scratch(depth);
    for (;;) {
      SkipWs();
      elements.emplace_back();
      ParseValue(elements.back(), depth + 1);
      SkipWs();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      Expect(']');
      out.count_ = static_cast<uint32_t>(elements.size());
      out.children_ = Commit(elements);
      return;
    }
  }

  static void AppendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  uint32_t Hex4() {
    if (pos_ + 4 > s_.size()) Fail("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
      else Fail("bad hex digit in \\u escape");
    }
    return v;
  }

  // Length of the valid UTF-8 sequence starting at s_[pos_] (a byte >= 0x80); 0 if
  // invalid (JSON text must be UTF-8, and names reach Python, which decodes them).
  size_t Utf8Length() const {
    auto at = [&](size_t k) { return static_cast<unsigned char>(s_[pos_ + k]); };
    unsigned char c = at(0);
    size_t len = (c >= 0xc2 && c <= 0xdf) ? 2 : (c >= 0xe0 && c <= 0xef) ? 3
                 : (c >= 0xf0 && c <= 0xf4) ? 4 : 0;
    if (len == 0 || pos_ + len > s_.size()) return 0;
    for (size_t k = 1; k < len; ++k)
      if ((at(k) & 0xc0) != 0x80) return 0;
    if (len == 3 && ((c == 0xe0 && at(1) < 0xa0) || (c == 0xed && at(1) >= 0xa0))) return 0;
    if (len == 4 && ((c == 0xf0 && at(1) < 0x90) || (c == 0xf4 && at(1) >= 0x90))) return 0;
    return len;
  }

  void ParseString(std::string& out) {
    ++pos_;  // opening quote
    for (;;) {
      // Copy a run of plain ASCII in one go (most of a PIR file is short ASCII keys).
      size_t run = pos_;
      while (run < s_.size()) {
        unsigned char c = static_cast<unsigned char>(s_[run]);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++run;
      }
      out.append(s_.data() + pos_, run - pos_);
      pos_ = run;
      if (out.size() > limits_.max_string_bytes) Fail("string too long");
      if (pos_ >= s_.size()) Fail("unterminated string");
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return;
      }
      if (c < 0x20) Fail("control character in string");
      if (c >= 0x80) {
        size_t len = Utf8Length();
        if (len == 0) Fail("invalid UTF-8 in string");
        out.append(s_.data() + pos_, len);
        pos_ += len;
        continue;
      }
      ++pos_;  // backslash
      if (pos_ >= s_.size()) Fail("unterminated escape");
      char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp = Hex4();
          if (cp >= 0xDC00 && cp < 0xE000) Fail("unpaired low surrogate");
          if (cp >= 0xD800 && cp < 0xDC00) {
            if (s_.substr(pos_, 2) != "\\u") Fail("unpaired surrogate");
            pos_ += 2;
            uint32_t lo = Hex4();
            if (lo < 0xDC00 || lo >= 0xE000) Fail("bad low surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          AppendUtf8(out, cp);
          break;
        }
        default: Fail(StrCat("bad escape '\\", e, "'"));
      }
    }
  }

  void ParseNumber(JsonValue& out) {
    size_t start = pos_;
    bool integral = true;
    if (Peek() == '-') ++pos_;
    if (!(Peek() >= '0' && Peek() <= '9')) Fail("bad number");
    while (Peek() >= '0' && Peek() <= '9') ++pos_;
    if (Peek() == '.') {
      integral = false;
      ++pos_;
      if (!(Peek() >= '0' && Peek() <= '9')) Fail("bad number");
      while (Peek() >= '0' && Peek() <= '9') ++pos_;
    }
    if (Peek() == 'e' || Peek() == 'E') {
      integral = false;
      ++pos_;
      if (Peek() == '+' || Peek() == '-') ++pos_;
      if (!(Peek() >= '0' && Peek() <= '9')) Fail("bad number");
      while (Peek() >= '0' && Peek() <= '9') ++pos_;
    }
    const char* b = s_.data() + start;
    const char* e = s_.data() + pos_;
    if (integral) {
      int64_t v = 0;
      auto r = std::from_chars(b, e, v);
      if (r.ec == std::errc() && r.ptr == e) {
        out.kind_ = JsonValue::Kind::kInt;
        out.int_ = v;
        return;
      }
      // Out of int64 range (e.g. a uint64 id): keep it as a double.
    }
    double d = 0;
    auto r = std::from_chars(b, e, d);
    if (r.ptr != e) Fail("bad number");
    if (r.ec == std::errc::result_out_of_range) Fail("number out of range");
    out.kind_ = JsonValue::Kind::kDouble;
    out.double_ = d;
  }

  std::string_view s_;
  const std::string& source_;
  JsonLimits limits_;
  static constexpr size_t kBlockNodes = 4096;
  size_t pos_ = 0;
  size_t elements_ = 0;
  JsonDocument doc_;
  std::deque<std::vector<JsonValue>> scratch_;
  static constexpr size_t kMaxSharedKey = 8;
  std::vector<const std::string*> keys_[kMaxSharedKey + 1][32];
  JsonValue* block_next_ = nullptr;
  size_t block_left_ = 0;
};

JsonDocument ParseJson(std::string_view text, const std::string& source, const JsonLimits& limits) {
  return JsonParser(text, source, limits).ParseDocument();
}

}  // namespace pdinfer
