#include "pdinfer/ops/registry.h"

#include <algorithm>

namespace pdinfer {

namespace {
size_t SlotIndex(const std::vector<Slot>& slots, const std::string& name) {
  for (size_t i = 0; i < slots.size(); ++i)
    if (slots[i].name == name) return i;
  return slots.size();
}
}  // namespace

void OpContext::Bind(std::vector<std::vector<InputRef>> inputs,
                     std::vector<std::vector<OutputRef>> outputs, ThreadPool* pool,
                     bool runtime) {
  inputs_ = std::move(inputs);
  outputs_ = std::move(outputs);
  pool_ = pool;
  runtime_ = runtime;
}

const OpContext::InputRef* OpContext::FindInputRef(const std::string& slot, size_t k) const {
  size_t i = SlotIndex(node_.inputs, slot);
  if (i >= inputs_.size() || k >= inputs_[i].size()) return nullptr;
  if (node_.inputs[i].values[k] == kNoValue) return nullptr;
  return &inputs_[i][k];
}

OpContext::OutputRef* OpContext::FindOutputRef(const std::string& slot, size_t k) {
  size_t i = SlotIndex(node_.outputs, slot);
  if (i >= outputs_.size() || k >= outputs_[i].size()) return nullptr;
  if (node_.outputs[i].values[k] == kNoValue) return nullptr;
  return &outputs_[i][k];
}

const OpContext::OutputRef* OpContext::FindOutputRef(const std::string& slot, size_t k) const {
  return const_cast<OpContext*>(this)->FindOutputRef(slot, k);
}

size_t OpContext::InputCount(const std::string& slot) const {
  size_t i = SlotIndex(node_.inputs, slot);
  return i < node_.inputs.size() ? node_.inputs[i].values.size() : 0;
}

bool OpContext::HasInput(const std::string& slot, size_t k) const {
  return FindInputRef(slot, k) != nullptr;
}

static const OpContext::InputRef& NeedInput(const OpContext& ctx, const OpContext::InputRef* r,
                                            const std::string& slot, size_t k) {
  if (!r)
    ThrowError(ErrorCode::kInvalidModel, ctx.Where(), ": missing input '", slot, "'[", k, "]");
  return *r;
}

DataType OpContext::InputDType(const std::string& slot, size_t k) const {
  return NeedInput(*this, FindInputRef(slot, k), slot, k).meta.dtype;
}

const Shape& OpContext::InputShape(const std::string& slot, size_t k) const {
  return NeedInput(*this, FindInputRef(slot, k), slot, k).meta.shape;
}

const Tensor* OpContext::InputValue(const std::string& slot, size_t k) const {
  const InputRef* r = FindInputRef(slot, k);
  return r ? r->tensor : nullptr;
}

size_t OpContext::OutputCount(const std::string& slot) const {
  size_t i = SlotIndex(node_.outputs, slot);
  return i < node_.outputs.size() ? node_.outputs[i].values.size() : 0;
}

bool OpContext::HasOutput(const std::string& slot, size_t k) const {
  return FindOutputRef(slot, k) != nullptr;
}

void OpContext::SetOutput(const std::string& slot, size_t k, DataType dtype, const Shape& shape) {
  OutputRef* r = FindOutputRef(slot, k);
  if (!r) return;  // an output the model does not use
  if (runtime_) {
    for (int64_t d : shape)
      PDI_ENFORCE_INTERNAL(d >= 0, Where(), ": inferred output '", slot, "' has unknown dim ",
                           ShapeToString(shape), " at run time");
  }
  r->meta.dtype = dtype;
  r->meta.shape = shape;
  r->set = true;
}

const Tensor& OpContext::Input(const std::string& slot, size_t k) const {
  const InputRef& r = NeedInput(*this, FindInputRef(slot, k), slot, k);
  PDI_ENFORCE_INTERNAL(r.tensor, Where(), ": input '", slot, "' has no data");
  return *r.tensor;
}

Tensor& OpContext::Output(const std::string& slot, size_t k) {
  OutputRef* r = FindOutputRef(slot, k);
  PDI_ENFORCE_INTERNAL(r && r->tensor, Where(), ": output '", slot, "'[", k, "] is not bound");
  return *r->tensor;
}

OpRegistry& OpRegistry::Global() {
  static OpRegistry* registry = new OpRegistry();
  return *registry;
}

void OpRegistry::Register(OpDef def) {
  for (OpDef& d : defs_)
    if (d.name == def.name) {
      d = std::move(def);
      return;
    }
  defs_.push_back(std::move(def));
}

const OpDef* OpRegistry::Find(const std::string& name) const {
  for (const OpDef& d : defs_)
    if (d.name == name) return &d;
  return nullptr;
}

std::vector<std::string> OpRegistry::Names() const {
  std::vector<std::string> names;
  for (const OpDef& d : defs_) names.push_back(d.name);
  std::sort(names.begin(), names.end());
  return names;
}

void ValidateNodeSlots(const Graph& graph, const Node& node, const OpDef& def) {
  auto check = [&](const std::vector<std::string>& decls, const std::vector<Slot>& slots,
                   const char* kind) {
    for (const std::string& decl : decls) {
      char mode = decl.empty() ? ' ' : decl.back();
      bool marked = mode == '?' || mode == '*' || mode == '+';
      std::string name = marked ? decl.substr(0, decl.size() - 1) : decl;
      size_t count = 0;
      for (const Slot& s : slots)
        if (s.name == name)
          for (ValueId v : s.values)
            if (v != kNoValue) ++count;
      bool ok = (mode == '?') ? count <= 1
                : (mode == '*') ? true
                : (mode == '+') ? count >= 1
                                : count == 1;
      if (!ok)
        ThrowError(ErrorCode::kInvalidModel, node.Describe(graph), ": ", kind, " slot '", name,
                   "' has ", count, " value(s), expected ",
                   mode == '?' ? "at most 1" : mode == '+' ? "at least 1" : "exactly 1");
    }
  };
  check(def.inputs, node.inputs, "input");
  check(def.outputs, node.outputs, "output");
}

}  // namespace pdinfer

namespace pdinfer {

void* KernelScratch::Get(size_t bytes, int slot) {
  PDI_ENFORCE_INTERNAL(slot >= 0 && slot < kSlots, "kernel scratch slot ", slot, " out of range");
  std::shared_ptr<Buffer>& b = buffers_[slot];
  if (!b || b->size() < bytes) {
    b.reset();  // free the old one first: peak memory is the new size, not the sum
    b = std::make_shared<Buffer>(std::max<size_t>(bytes, 64));
  }
  return b->data();
}

size_t KernelScratch::bytes() const {
  size_t total = 0;
  for (const auto& b : buffers_)
    if (b) total += b->size();
  return total;
}

void KernelScratch::Release() {
  for (auto& b : buffers_) b.reset();
}

KernelRegistry& KernelRegistry::Global() {
  static KernelRegistry* registry = new KernelRegistry();
  return *registry;
}

void KernelRegistry::Register(KernelDef def) {
  defs_.push_back(std::make_unique<KernelDef>(std::move(def)));
}

std::vector<const KernelDef*> KernelRegistry::Find(const std::string& op,
                                                   const std::string& backend) const {
  std::vector<const KernelDef*> found;
  for (const auto& d : defs_)
    if (d->op == op && d->backend == backend) found.push_back(d.get());
  return found;
}

std::vector<std::string> KernelRegistry::Ops(const std::string& backend) const {
  std::vector<std::string> ops;
  for (const auto& d : defs_)
    if (d->backend == backend) ops.push_back(d->op);
  std::sort(ops.begin(), ops.end());
  ops.erase(std::unique(ops.begin(), ops.end()), ops.end());
  return ops;
}

}  // namespace pdinfer
