#include "pdinfer/ir/graph.h"

#include <sstream>

namespace pdinfer {

const Slot* Node::FindInput(const std::string& slot) const {
  for (const Slot& s : inputs)
    if (s.name == slot) return &s;
  return nullptr;
}

const Slot* Node::FindOutput(const std::string& slot) const {
  for (const Slot& s : outputs)
    if (s.name == slot) return &s;
  return nullptr;
}

ValueId Node::Input(const std::string& slot, size_t k) const {
  const Slot* s = FindInput(slot);
  return (s && k < s->values.size()) ? s->values[k] : kNoValue;
}

ValueId Node::Output(const std::string& slot, size_t k) const {
  const Slot* s = FindOutput(slot);
  return (s && k < s->values.size()) ? s->values[k] : kNoValue;
}

std::string Node::Describe(const Graph& g) const {
  std::ostringstream os;
  os << "op '" << (source_op.empty() ? op : source_op) << "'";
  for (const Slot& s : outputs)
    for (ValueId v : s.values)
      if (v != kNoValue) {
        os << " (producing '" << g.value(v).name << "')";
        return os.str();
      }
  return os.str();
}

ValueId Graph::AddValue(const std::string& name, DataType dtype, const Shape& shape,
                        bool shape_known) {
  Value v;
  v.id = static_cast<ValueId>(values_.size());
  v.name = name;
  v.dtype = dtype;
  v.shape = shape;
  v.shape_known = shape_known;
  values_.push_back(std::move(v));
  if (!name.empty()) by_name_[name] = values_.back().id;
  return values_.back().id;
}

ValueId Graph::AddConstant(const std::string& name, std::shared_ptr<const Tensor> data) {
  ValueId id = AddValue(name, data->dtype(), data->shape(), true);
  values_[static_cast<size_t>(id)].constant = std::move(data);
  return id;
}

void Graph::RenameValue(ValueId id, const std::string& name) {
  Value& v = values_.at(static_cast<size_t>(id));
  auto it = by_name_.find(v.name);
  if (it != by_name_.end() && it->second == id) by_name_.erase(it);
  v.name = name;
  if (!name.empty()) by_name_[name] = id;
}

ValueId Graph::FindValue(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? kNoValue : it->second;
}

Node& Graph::AddNode(Node node) {
  nodes_.push_back(std::move(node));
  return nodes_.back();
}

size_t Graph::ConstantBytes() const {
  size_t total = 0;
  for (const Value& v : values_)
    if (v.constant) total += v.constant->nbytes();
  return total;
}

std::string Graph::ToString() const {
  std::ostringstream os;
  auto list = [&](const std::vector<Slot>& slots) {
    for (const Slot& s : slots) {
      os << ' ' << s.name << "=[";
      for (size_t i = 0; i < s.values.size(); ++i) {
        if (i) os << ',';
        os << (s.values[i] == kNoValue ? std::string("<none>") : value(s.values[i]).name);
      }
      os << ']';
    }
  };
  for (const Node& n : nodes_) {
    os << n.op << ':';
    list(n.inputs);
    os << " ->";
    list(n.outputs);
    os << '\n';
  }
  return os.str();
}

}  // namespace pdinfer
