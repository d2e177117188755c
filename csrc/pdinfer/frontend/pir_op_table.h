// How each PIR `pd_op.*` op maps onto the canonical (legacy-named) op set.
//
// PIR passes "mutable attributes" (shapes, axes, scales) as operands produced by
// pd_op.full / full_int_array / builtin.combine. An operand spec says where such an
// operand goes: folded into an attribute when it is a constant, otherwise bound to the
// canonical op's tensor slot (or tensor-list slot when it comes from a combine).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace pdinfer {

struct PirOperand {
  enum class Kind {
    kTensor,    // one value -> slot
    kList,      // a combine vector -> multi-value slot
    kIntArray,  // constant -> int list attr; vector -> list_slot; tensor -> slot
    kScalar,    // constant -> scalar attr; tensor -> slot
    kIgnore,
  };
  Kind kind;
  const char* slot;               // tensor slot (may be null: then a constant is required)
  const char* attr = nullptr;     // attr to fold a constant into
  const char* list_slot = nullptr;  // slot for a combine of 1-element tensors
};

struct PirOpSpec {
  const char* pir;     // op name without the "pd_op." prefix
  const char* legacy;  // canonical op type
  std::vector<PirOperand> operands;
  std::vector<const char*> results;  // canonical output slot per result (null: unused)
  std::vector<std::pair<const char*, const char*>> renames;  // pir attr -> canonical attr
  // Extra attributes the canonical op needs that PIR leaves implicit ("name=value",
  // value parsed as int, float, bool or string).
  std::vector<const char*> extra;
};

// nullptr when the op has no table entry (special ops are handled in code).
const PirOpSpec* FindPirOpSpec(const std::string& name);
std::vector<std::string> PirTableOpNames();

}  // namespace pdinfer
