// Typed op attributes. Integers are stored as int64 and floats as double whatever
// width the file used; the getters convert and name the attribute on mismatch.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace pdinfer {

using Attribute = std::variant<std::monostate, bool, int64_t, double, std::string,
                               std::vector<bool>, std::vector<int64_t>, std::vector<double>,
                               std::vector<std::string>>;

class AttributeMap {
 public:
  void Set(const std::string& name, Attribute value) { attrs_[name] = std::move(value); }
  bool Has(const std::string& name) const { return attrs_.count(name) != 0; }
  void Erase(const std::string& name) { attrs_.erase(name); }
  const Attribute* Find(const std::string& name) const;

  // Getters: return `def` when absent, throw InvalidModel when present with a wrong type.
  // Numeric getters accept any numeric kind (a bool attr read as int is 0/1).
  bool GetBool(const std::string& name, bool def) const;
  int64_t GetInt(const std::string& name, int64_t def) const;
  double GetFloat(const std::string& name, double def) const;
  std::string GetString(const std::string& name, const std::string& def) const;
  std::vector<int64_t> GetInts(const std::string& name, const std::vector<int64_t>& def) const;
  std::vector<double> GetFloats(const std::string& name, const std::vector<double>& def) const;
  std::vector<std::string> GetStrings(const std::string& name,
                                      const std::vector<std::string>& def) const;

  const std::map<std::string, Attribute>& all() const { return attrs_; }

 private:
  std::map<std::string, Attribute> attrs_;
};

std::string AttributeToString(const Attribute& a);

}  // namespace pdinfer
