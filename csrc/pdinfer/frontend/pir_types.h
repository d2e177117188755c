// Decoding of PIR JSON value types ("TT" objects) and attributes ("AT" objects)
// into pdinfer's dtypes, shapes and AttributeMap values (spec/PADDLE_FORMATS.md §3.5-3.6).
#pragma once

#include <string>
#include <vector>

#include "pdinfer/core/dtype.h"
#include "pdinfer/core/shape.h"
#include "pdinfer/frontend/json_reader.h"
#include "pdinfer/ir/attribute.h"

namespace pdinfer {

// "0.t_f32" -> kFloat32; kUndefined for anything else.
DataType DTypeFromPirType(const std::string& type_id);

struct PirType {
  DataType dtype = DataType::kUndefined;
  Shape dims;
  bool known = false;
  std::vector<PirType> elements;  // for t_vec
  bool is_vec = false;
};

// Throws InvalidModel for malformed types (bad dims, rank over kMaxRank).
PirType ParseType(const JsonValue& tt);
// One "AT" object. Dtype attributes become Paddle VarType numbers (-1: undefined);
// places, pointers and distributed attributes carry nothing and give monostate.
Attribute ParseAttr(const JsonValue& at, const std::string& name);
// "name=value" from the op table's extra attributes (int, float, bool or string).
Attribute ParseExtra(const std::string& text, std::string* name);

}  // namespace pdinfer
