// The canonical graph: SSA values and nodes running canonical ops (see ops/registry.h).
// Frontends build it; passes rewrite it; the executor runs nodes in `nodes` order,
// which is always a valid topological order.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "pdinfer/core/dtype.h"
#include "pdinfer/core/shape.h"
#include "pdinfer/core/tensor.h"
#include "pdinfer/ir/attribute.h"

namespace pdinfer {

using ValueId = int;
constexpr ValueId kNoValue = -1;

struct Value {
  ValueId id = kNoValue;
  std::string name;  // Paddle's variable name; users fetch outputs by it
  DataType dtype = DataType::kUndefined;
  Shape shape;       // -1 = unknown until run time
  bool shape_known = false;  // false when the model did not declare a shape (rank unknown)
  // Constants (parameters, folded values). Shared between cloned predictors.
  std::shared_ptr<const Tensor> constant;
  bool is_constant() const { return constant != nullptr; }
};

// A named list of values: Paddle's op slots ("X", "Filter", ...). A slot may hold
// several values (concat's X) or none (an absent optional input).
struct Slot {
  std::string name;
  std::vector<ValueId> values;
};

struct Node {
  std::string op;  // canonical op type
  std::vector<Slot> inputs;
  std::vector<Slot> outputs;
  AttributeMap attrs;
  std::string source_op;  // op type as written in the model file (for messages)

  const Slot* FindInput(const std::string& slot) const;
  const Slot* FindOutput(const std::string& slot) const;
  // First value of a slot, or kNoValue.
  ValueId Input(const std::string& slot, size_t k = 0) const;
  ValueId Output(const std::string& slot, size_t k = 0) const;
  // "conv2d (producing conv2d_0.tmp_0)" style description for error messages.
  std::string Describe(const class Graph& g) const;
};

class Graph {
 public:
  ValueId AddValue(const std::string& name, DataType dtype, const Shape& shape,
                   bool shape_known = true);
  ValueId AddConstant(const std::string& name, std::shared_ptr<const Tensor> data);
  Value& value(ValueId id) { return values_.at(static_cast<size_t>(id)); }
  const Value& value(ValueId id) const { return values_.at(static_cast<size_t>(id)); }
  size_t num_values() const { return values_.size(); }
  // Give a value a (new) user-visible name; the old name no longer finds it.
  void RenameValue(ValueId id, const std::string& name);
  // Lookup by Paddle variable name; kNoValue if absent.
  ValueId FindValue(const std::string& name) const;

  std::vector<Node>& nodes() { return nodes_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  Node& AddNode(Node node);

  std::vector<ValueId>& inputs() { return inputs_; }
  const std::vector<ValueId>& inputs() const { return inputs_; }
  std::vector<ValueId>& outputs() { return outputs_; }
  const std::vector<ValueId>& outputs() const { return outputs_; }

  // Bytes held by constants.
  size_t ConstantBytes() const;
  // Human-readable dump (one line per node) for debugging.
  std::string ToString() const;

 private:
  std::vector<Value> values_;
  std::unordered_map<std::string, ValueId> by_name_;
  std::vector<Node> nodes_;
  std::vector<ValueId> inputs_;
  std::vector<ValueId> outputs_;
};

}  // namespace pdinfer
