#include "pdinfer/frontend/pir_types.h"

#include <cctype>
#include <cmath>
#include <limits>
#include <string_view>

#include "pdinfer/core/error.h"

namespace pdinfer {

DataType DTypeFromPirType(const std::string& t) {
  // "0.t_f32" -> float32 ...
  std::string_view n(t);
  size_t dot = n.find('.');
  if (dot != std::string_view::npos) n = n.substr(dot + 1);
  if (n == "t_f32") return DataType::kFloat32;
  if (n == "t_f64") return DataType::kFloat64;
  if (n == "t_f16") return DataType::kFloat16;
  if (n == "t_bf16") return DataType::kBFloat16;
  if (n == "t_i64") return DataType::kInt64;
  if (n == "t_i32") return DataType::kInt32;
  if (n == "t_i16") return DataType::kInt16;
  if (n == "t_i8") return DataType::kInt8;
  if (n == "t_ui8" || n == "t_u8") return DataType::kUInt8;
  if (n == "t_bool") return DataType::kBool;
  return DataType::kUndefined;
}


PirType ParseType(const JsonValue& tt) {
  PirType out;
  // A malformed type is an error, not "unknown": an input typed this way would otherwise
  // load with an undefined dtype.
  std::string_view name = tt.At("#", "a value type").AsString("a value type's id");
  const JsonValue* d = tt.Find("D");
  if (name == "0.t_vec") {
    out.is_vec = true;
    if (d && d->is_array())
      for (const JsonValue& e : d->AsArray("t_vec"))
        out.elements.push_back(ParseType(e));
    return out;
  }
  if (d && d->is_array() && !d->AsArray("t_dtensor").empty()) {
    const auto& parts = d->AsArray("t_dtensor");
    // A distributed tensor wraps a dense tensor type: [t_dtensor, dist attr, local dims].
    constexpr std::string_view kDist = "t_dist_dtensor";
    if (name.size() >= kDist.size() && name.substr(name.size() - kDist.size()) == kDist)
      return ParseType(parts[0]);
    out.dtype = DTypeFromPirType(parts[0].At("#", "a tensor type's dtype").AsString("dtype"));
    if (parts.size() > 1) {
      for (const JsonValue& dim : parts[1].AsArray("a tensor type's dims")) {
        int64_t v = dim.AsInt("dim");
        PDI_ENFORCE_MODEL(v >= -1, "PIR JSON: invalid dim ", v, " in a tensor type");
        out.dims.push_back(v);
      }
      PDI_ENFORCE_MODEL(out.dims.size() <= static_cast<size_t>(kMaxRank),
                        "PIR JSON: tensor type rank ", out.dims.size(), " exceeds ", kMaxRank);
      out.known = true;
    }
  } else {
    out.dtype = DTypeFromPirType(std::string(name));  // a bare dtype object
  }
  return out;
}

namespace {

double ParseFloatAttr(const JsonValue& at) {
  if (const JsonValue* vd = at.Find("VD")) {
    const std::string& s = vd->AsString("VD");
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (s == "INF") return std::numeric_limits<double>::infinity();
    if (s == "-INF") return -std::numeric_limits<double>::infinity();
    ThrowError(ErrorCode::kInvalidModel, "PIR JSON: bad non-finite float '", s, "'");
  }
  return at.At("D", "float attribute").AsDouble("float attribute");
}

// Converts one "AT" object. Dtype attrs become Paddle VarType numbers (-1: undefined).
}  // namespace

Attribute ParseAttr(const JsonValue& at, const std::string& name) {
  if (!at.is_object()) return std::monostate{};
  const JsonValue* idv = at.Find("#");
  if (!idv || !idv->is_string()) return std::monostate{};
  // string_view comparisons: no strlen per candidate (attributes are the bulk of a file)
  std::string_view id = idv->AsString("attr id");
  const JsonValue* d = at.Find("D");
  auto need = [&]() -> const JsonValue& {
    if (!d) ThrowError(ErrorCode::kInvalidModel, "PIR JSON: attribute '", name, "' has no data");
    return *d;
  };
  if (id == "0.a_bool") return need().AsBool(name.c_str());
  if (id == "0.a_i32" || id == "0.a_i64" || id == "0.a_index") return need().AsInt(name.c_str());
  if (id == "0.a_f32" || id == "0.a_f64") return ParseFloatAttr(at);
  if (id == "0.a_str" || id == "0.a_tensorname" || id == "1.a_layout")
    return need().AsString(name.c_str());
  if (id == "1.a_intarray") {
    std::vector<int64_t> v;
    for (const JsonValue& e : need().AsArray(name.c_str())) v.push_back(e.AsInt(name.c_str()));
    return v;
  }
  if (id == "1.a_dtype") {
    DataType t = DataTypeFromName(need().AsString(name.c_str()));
    return static_cast<int64_t>(t == DataType::kUndefined ? -1 : static_cast<int>(t));
  }
  if (id == "1.a_scalar") {
    const auto& arr = need().AsArray(name.c_str());
    PDI_ENFORCE_MODEL(arr.size() >= 2, "PIR JSON: scalar attribute '", name, "' is malformed");
    if (arr[1].is_bool()) return arr[1].AsBool(name.c_str());
    if (arr[1].is_int()) return arr[1].AsInt(name.c_str());
    return arr[1].AsDouble(name.c_str());
  }
  if (id == "0.a_array") {
    const auto& items = need().AsArray(name.c_str());
    if (items.empty()) return std::vector<int64_t>{};
    std::vector<Attribute> parsed;
    for (const JsonValue& e : items) parsed.push_back(ParseAttr(e, name));
    if (std::holds_alternative<bool>(parsed[0])) {
      std::vector<bool> v;
      for (auto& a : parsed) v.push_back(std::holds_alternative<bool>(a) && std::get<bool>(a));
      return v;
    }
    if (std::holds_alternative<std::string>(parsed[0])) {
      std::vector<std::string> v;
      for (auto& a : parsed)
        if (auto* s = std::get_if<std::string>(&a)) v.push_back(*s);
      return v;
    }
    bool any_double = false;
    for (auto& a : parsed) any_double |= std::holds_alternative<double>(a);
    if (any_double) {
      std::vector<double> v;
      for (auto& a : parsed)
        v.push_back(std::holds_alternative<double>(a) ? std::get<double>(a)
                    : std::holds_alternative<int64_t>(a) ? static_cast<double>(std::get<int64_t>(a))
                                                         : 0.0);
      return v;
    }
    std::vector<int64_t> v;
    for (auto& a : parsed) v.push_back(std::holds_alternative<int64_t>(a) ? std::get<int64_t>(a) : 0);
    return v;
  }
  // Places, pointers, types and distributed attrs carry nothing the CPU kernels use.
  return std::monostate{};
}

Attribute ParseExtra(const std::string& text, std::string* name) {
  size_t eq = text.find('=');
  *name = text.substr(0, eq);
  std::string v = text.substr(eq + 1);
  if (v == "true") return true;
  if (v == "false") return false;
  if (v.find('.') != std::string::npos) return std::stod(v);
  if (!v.empty() && (std::isdigit(static_cast<unsigned char>(v[0])) || v[0] == '-'))
    return static_cast<int64_t>(std::stoll(v));
  return v;
}

}  // namespace pdinfer
