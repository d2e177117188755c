#include "pdinfer/ir/attribute.h"

#include <sstream>

#include "pdinfer/core/error.h"

namespace pdinfer {

namespace {
[[noreturn]] void WrongType(const std::string& name, const char* want, const Attribute& a) {
  ThrowError(ErrorCode::kInvalidModel, "attribute '", name, "' should be ", want, ", got ",
             AttributeToString(a));
}
}  // namespace

const Attribute* AttributeMap::Find(const std::string& name) const {
  auto it = attrs_.find(name);
  return it == attrs_.end() ? nullptr : &it->second;
}

bool AttributeMap::GetBool(const std::string& name, bool def) const {
  const Attribute* a = Find(name);
  if (!a || std::holds_alternative<std::monostate>(*a)) return def;
  if (auto p = std::get_if<bool>(a)) return *p;
  if (auto p = std::get_if<int64_t>(a)) return *p != 0;
  WrongType(name, "a bool", *a);
}

int64_t AttributeMap::GetInt(const std::string& name, int64_t def) const {
  const Attribute* a = Find(name);
  if (!a || std::holds_alternative<std::monostate>(*a)) return def;
  if (auto p = std::get_if<int64_t>(a)) return *p;
  if (auto p = std::get_if<bool>(a)) return *p ? 1 : 0;
  if (auto p = std::get_if<double>(a)) return static_cast<int64_t>(*p);
  WrongType(name, "an integer", *a);
}

double AttributeMap::GetFloat(const std::string& name, double def) const {
  const Attribute* a = Find(name);
  if (!a || std::holds_alternative<std::monostate>(*a)) return def;
  if (auto p = std::get_if<double>(a)) return *p;
  if (auto p = std::get_if<int64_t>(a)) return static_cast<double>(*p);
  if (auto p = std::get_if<bool>(a)) return *p ? 1.0 : 0.0;
  WrongType(name, "a number", *a);
}

std::string AttributeMap::GetString(const std::string& name, const std::string& def) const {
  const Attribute* a = Find(name);
  if (!a || std::holds_alternative<std::monostate>(*a)) return def;
  if (auto p = std::get_if<std::string>(a)) return *p;
  WrongType(name, "a string", *a);
}

std::vector<int64_t> AttributeMap::GetInts(const std::string& name,
                                           const std::vector<int64_t>& def) const {
  const Attribute* a = Find(name);
  if (!a || std::holds_alternative<std::monostate>(*a)) return def;
  if (auto p = std::get_if<std::vector<int64_t>>(a)) return *p;
  if (auto p = std::get_if<std::vector<double>>(a)) {
    std::vector<int64_t> r;
    for (double v : *p) r.push_back(static_cast<int64_t>(v));
    return r;
  }
  if (auto p = std::get_if<std::vector<bool>>(a)) {
    std::vector<int64_t> r;
    for (bool v : *p) r.push_back(v ? 1 : 0);
    return r;
  }
  if (auto p = std::get_if<int64_t>(a)) return {*p};
  WrongType(name, "a list of integers", *a);
}

std::vector<double> AttributeMap::GetFloats(const std::string& name,
                                            const std::vector<double>& def) const {
  const Attribute* a = Find(name);
  if (!a || std::holds_alternative<std::monostate>(*a)) return def;
  if (auto p = std::get_if<std::vector<double>>(a)) return *p;
  if (auto p = std::get_if<std::vector<int64_t>>(a)) {
    std::vector<double> r;
    for (int64_t v : *p) r.push_back(static_cast<double>(v));
    return r;
  }
  if (auto p = std::get_if<double>(a)) return {*p};
  WrongType(name, "a list of numbers", *a);
}

std::vector<std::string> AttributeMap::GetStrings(const std::string& name,
                                                  const std::vector<std::string>& def) const {
  const Attribute* a = Find(name);
  if (!a || std::holds_alternative<std::monostate>(*a)) return def;
  if (auto p = std::get_if<std::vector<std::string>>(a)) return *p;
  WrongType(name, "a list of strings", *a);
}

namespace {
struct AttrPrinter {
  std::ostringstream& os;
  void operator()(std::monostate) { os << "<none>"; }
  void operator()(bool v) { os << (v ? "true" : "false"); }
  void operator()(int64_t v) { os << v; }
  void operator()(double v) { os << v; }
  void operator()(const std::string& v) { os << '"' << v << '"'; }
  template <typename T>
  void operator()(const std::vector<T>& v) {
    os << '[';
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) os << ", ";
      (*this)(static_cast<T>(v[i]));
    }
    os << ']';
  }
};
}  // namespace

std::string AttributeToString(const Attribute& a) {
  std::ostringstream os;
  std::visit(AttrPrinter{os}, a);
  return os.str();
}

}  // namespace pdinfer
