// Legacy ProgramDesc -> Graph. Op types, slot names and attribute names pass through
// unchanged (the canonical op set is Paddle's legacy one); feed/fetch ops become the
// graph's inputs/outputs, persistable variables become constants.
#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <unordered_map>

#include "pdinfer/core/error.h"
#include "pdinfer/frontend/frontend.h"
#include "pdinfer/frontend/program_desc.h"
#include "pdinfer/ops/registry.h"

namespace pdinfer {

namespace {

using legacy::AttrType;

// Training-only bookkeeping attrs: dropped so they never reach passes or messages.
bool IsSkippedAttr(const std::string& name) {
  static const std::set<std::string> kSkipped = {"op_role",     "op_role_var", "op_namescope",
                                                 "op_callstack", "op_device",  "with_quant_attr"};
  return kSkipped.count(name) != 0;
}

// Paddle's name for "no variable here" in a dispensable slot.
bool IsEmptyVarName(const std::string& n) { return n.empty() || n == "@EMPTY@"; }

bool HasSubBlock(const legacy::OpDesc& op) {
  for (const legacy::Attr& a : op.attrs)
    if (a.type == AttrType::kBlock || a.type == AttrType::kBlocks) return true;
  return false;
}

std::string FirstOutputName(const legacy::OpDesc& op) {
  for (const legacy::OpVar& v : op.outputs)
    for (const std::string& n : v.arguments)
      if (!IsEmptyVarName(n)) return n;
  return std::string();
}

std::string DescribeOp(const legacy::OpDesc& op) {
  std::string out = FirstOutputName(op);
  return out.empty() ? StrCat("op '", op.type, "'")
                     : StrCat("op '", op.type, "' (producing '", out, "')");
}

// Declared slot mode in an OpDef: ' ' required, '?', '*', '+'; 0 when undeclared.
char SlotMode(const std::vector<std::string>& decls, const std::string& slot) {
  for (const std::string& d : decls) {
    char m = d.empty() ? ' ' : d.back();
    bool marked = m == '?' || m == '*' || m == '+';
    if ((marked ? d.substr(0, d.size() - 1) : d) == slot) return marked ? m : ' ';
  }
  return 0;
}

Attribute ScalarToAttribute(const legacy::Scalar& s, const legacy::OpDesc& op,
                            const std::string& attr) {
  switch (s.type) {
    case legacy::Scalar::kBool: return s.b;
    case legacy::Scalar::kLong: return s.i;
    case legacy::Scalar::kFloat64: return s.r;
    case legacy::Scalar::kComplex128:
      ThrowError(ErrorCode::kUnsupported, DescribeOp(op), ": attribute '", attr,
                 "' is a complex scalar, which is not supported");
    default:  // type omitted by the writer: take whichever payload is set
      if (s.r != 0) return s.r;
      if (s.b && s.i == 0) return s.b;
      return s.i;
  }
}

// False when the attr carries nothing an op can use (sub-blocks, variable-supplied).
bool ConvertAttr(const legacy::Attr& a, const legacy::OpDesc& op, Attribute* out) {
  switch (a.type) {
    case AttrType::kInt: *out = static_cast<int64_t>(a.i); return true;
    case AttrType::kFloat: *out = static_cast<double>(a.f); return true;
    case AttrType::kString: *out = a.s; return true;
    case AttrType::kInts:
      *out = std::vector<int64_t>(a.ints.begin(), a.ints.end());
      return true;
    case AttrType::kFloats:
      *out = std::vector<double>(a.floats.begin(), a.floats.end());
      return true;
    case AttrType::kStrings: *out = a.strings; return true;
    case AttrType::kBoolean: *out = a.b; return true;
    case AttrType::kBooleans: *out = a.bools; return true;
    case AttrType::kLong: *out = a.l; return true;
    case AttrType::kLongs: *out = a.longs; return true;
    case AttrType::kFloat64s: *out = a.float64s; return true;
    case AttrType::kFloat64: *out = a.float64; return true;
    case AttrType::kScalar: *out = ScalarToAttribute(a.scalar, op, a.name); return true;
    case AttrType::kScalars: {
      bool all_long = true, all_bool = true;
      for (const legacy::Scalar& s : a.scalars) {
        all_long = all_long && s.type == legacy::Scalar::kLong;
        all_bool = all_bool && s.type == legacy::Scalar::kBool;
      }
      if (all_long) {
        std::vector<int64_t> v;
        for (const legacy::Scalar& s : a.scalars) v.push_back(s.i);
        *out = std::move(v);
      } else if (all_bool) {
        std::vector<bool> v;
        for (const legacy::Scalar& s : a.scalars) v.push_back(s.b);
        *out = std::move(v);
      } else {
        std::vector<double> v;
        for (const legacy::Scalar& s : a.scalars) {
          Attribute one = ScalarToAttribute(s, op, a.name);
          if (auto p = std::get_if<double>(&one)) v.push_back(*p);
          else if (auto q = std::get_if<int64_t>(&one)) v.push_back(static_cast<double>(*q));
          else v.push_back(std::get<bool>(one) ? 1.0 : 0.0);
        }
        *out = std::move(v);
      }
      return true;
    }
    case AttrType::kBlock:
    case AttrType::kBlocks:
    case AttrType::kVar:
    case AttrType::kVars:
      return false;
  }
  return false;
}

class GraphBuilder {
 public:
  GraphBuilder(const legacy::ProgramDesc& prog, const std::string& origin)
      : prog_(prog), origin_(origin) {}

  FrontendOutput Build(const ParamLoader& load_params) {
    PDI_ENFORCE_MODEL(!prog_.blocks.empty(), origin_, ": the program has no blocks");
    const legacy::BlockDesc& block = prog_.blocks[0];
    for (const legacy::VarDesc& v : block.vars) vars_[v.name] = &v;  // last one wins
    CheckOps(block);
    out_.graph = std::make_shared<Graph>();
    AddParameters(load_params);
    AddInputs(block);
    AddNodes(block);
    out_.warnings.insert(out_.warnings.begin(), prog_.warnings.begin(), prog_.warnings.end());
    return std::move(out_);
  }

 private:
  Graph& graph() { return *out_.graph; }

  const legacy::VarDesc* FindVar(const std::string& name) const {
    auto it = vars_.find(name);
    return it == vars_.end() ? nullptr : it->second;
  }

  // Cheap whole-program checks first, so an unsupported model fails before its
  // parameters are read; all unsupported op types are reported at once.
  void CheckOps(const legacy::BlockDesc& block) {
    std::vector<const legacy::OpDesc*> unknown;
    std::map<std::string, int> unknown_counts;
    for (size_t i = 0; i < block.ops.size(); ++i) {
      const legacy::OpDesc& op = block.ops[i];
      PDI_ENFORCE_MODEL(!op.type.empty(), origin_, ": op #", i, " of block 0 has no type");
      if (op.type == "feed" || op.type == "fetch") continue;
      if (HasSubBlock(op))
        ThrowError(ErrorCode::kUnsupported, origin_, ": control-flow ", DescribeOp(op),
                   " runs a sub-block; control flow (while, conditional_block, ...) is not "
                   "supported yet");
      if (!OpRegistry::Global().Find(op.type)) {
        if (unknown_counts[op.type]++ == 0) unknown.push_back(&op);
      }
    }
    if (unknown.empty()) return;
    std::string msg = StrCat(origin_, ": unsupported ", DescribeOp(*unknown[0]));
    if (unknown.size() > 1) {
      msg += "; the model also uses unsupported op";
      msg += unknown.size() > 2 ? "s " : " ";
      for (size_t i = 1; i < unknown.size(); ++i) {
        if (i > 1) msg += ", ";
        msg += StrCat("'", unknown[i]->type, "'");
        int n = unknown_counts[unknown[i]->type];
        if (n > 1) msg += StrCat(" (", n, "x)");
      }
    }
    msg += StrCat(" (this build runs ", OpRegistry::Global().Names().size(),
                  " op types; `pdinfer ops` lists them)");
    throw Error(ErrorCode::kUnsupported, msg);
  }

  static DataType ElementType(const legacy::VarDesc& v) {
    int t = v.type.has_tensor ? v.type.tensor.data_type : -1;
    return IsValidDataTypeNumber(t) ? static_cast<DataType>(t) : DataType::kUndefined;
  }

  ValueId AddVarValue(const legacy::VarDesc& v) {
    return graph().AddValue(v.name, ElementType(v), v.type.has_tensor ? v.type.tensor.dims : Shape{},
                            v.type.has_tensor);
  }

  void AddParameters(const ParamLoader& load_params) {
    std::vector<ParamSpec> specs;
    for (const auto& kv : vars_) {
      const legacy::VarDesc& v = *kv.second;
      if (!legacy::IsParameterVar(v)) continue;
      PDI_ENFORCE_MODEL(!v.name.empty(), origin_, ": a persistable variable has no name");
      if (v.type.type != legacy::kVarLoDTensor && v.type.type != -1)
        ThrowError(ErrorCode::kUnsupported, origin_, ": parameter '", v.name, "' is a ",
                   legacy::VarTypeName(v.type.type),
                   " variable; only dense tensor parameters are supported");
      ParamSpec s;
      s.name = v.name;
      s.has_desc = v.type.has_tensor;
      s.var_type = v.type.tensor.data_type;
      s.dims = v.type.tensor.dims;
      specs.push_back(std::move(s));
    }
    std::sort(specs.begin(), specs.end(),
              [](const ParamSpec& a, const ParamSpec& b) { return a.name < b.name; });
    out_.num_params = specs.size();
    PDI_ENFORCE_INTERNAL(load_params, "no parameter loader");
    // Called even without parameters: the loader checks a given params file is empty.
    ParamMap params = load_params(specs);
    for (const ParamSpec& s : specs) {
      auto it = params.find(s.name);
      PDI_ENFORCE_INTERNAL(it != params.end(), "parameter '", s.name, "' was not loaded");
      graph().AddConstant(s.name, it->second);
    }
  }

  void AddInputs(const legacy::BlockDesc& block) {
    std::map<int64_t, ValueId> by_col;
    int64_t next_col = 0;
    for (const legacy::OpDesc& op : block.ops) {
      if (op.type != "feed") continue;
      const legacy::OpVar* out = op.FindOutput("Out");
      PDI_ENFORCE_MODEL(out && out->arguments.size() == 1, origin_,
                        ": a feed op must have exactly one 'Out' variable");
      const std::string& name = out->arguments[0];
      const legacy::VarDesc* v = FindVar(name);
      PDI_ENFORCE_MODEL(v, origin_, ": model input '", name, "' is not declared in block 0");
      ValueId existing = graph().FindValue(name);
      PDI_ENFORCE_MODEL(existing == kNoValue, origin_, ": model input '", name, "' is ",
                        existing != kNoValue && graph().value(existing).is_constant()
                            ? "also a parameter"
                            : "fed twice");
      int64_t col = ColAttr(op, next_col);
      next_col = col + 1;
      PDI_ENFORCE_MODEL(by_col.count(col) == 0, origin_, ": two feed ops use col ", col);
      by_col[col] = AddVarValue(*v);
    }
    for (const auto& kv : by_col) graph().inputs().push_back(kv.second);
  }

  int64_t ColAttr(const legacy::OpDesc& op, int64_t fallback) {
    const legacy::Attr* a = op.FindAttr("col");
    Attribute col;
    if (!a || !ConvertAttr(*a, op, &col)) {
      out_.warnings.push_back(StrCat(origin_, ": ", op.type, " op of '", FirstOutputName(op),
                                     "' has no 'col' attribute; using ", fallback));
      return fallback;
    }
    AttributeMap m;
    m.Set("col", col);
    int64_t c = m.GetInt("col", fallback);
    PDI_ENFORCE_MODEL(c >= 0, origin_, ": ", op.type, " op has negative col ", c);
    return c;
  }

  std::vector<ValueId> ResolveInputs(const legacy::OpDesc& op, const legacy::OpVar& slot) {
    std::vector<ValueId> ids;
    for (const std::string& name : slot.arguments) {
      if (IsEmptyVarName(name)) continue;
      ValueId id = graph().FindValue(name);
      if (id == kNoValue) {
        ThrowError(ErrorCode::kInvalidModel, origin_, ": ", DescribeOp(op), " reads variable '",
                   name, "' (input '", slot.parameter, "') ",
                   FindVar(name) ? "before any op produces it; it is neither a model input nor a "
                                   "parameter"
                                 : "which is not declared in block 0");
      }
      ids.push_back(id);
    }
    return ids;
  }

  void AddNodes(const legacy::BlockDesc& block) {
    std::map<int64_t, ValueId> fetch_by_col;
    int64_t next_fetch = 0;
    for (const legacy::OpDesc& op : block.ops) {
      if (op.type == "feed") continue;
      if (op.type == "fetch") {
        const legacy::OpVar* x = op.FindInput("X");
        PDI_ENFORCE_MODEL(x && x->arguments.size() == 1, origin_,
                          ": a fetch op must have exactly one 'X' variable");
        const std::string& name = x->arguments[0];
        ValueId id = graph().FindValue(name);
        PDI_ENFORCE_MODEL(id != kNoValue, origin_, ": model output '", name,
                          "' is fetched but no op produces it");
        int64_t col = ColAttr(op, next_fetch);
        next_fetch = col + 1;
        PDI_ENFORCE_MODEL(fetch_by_col.count(col) == 0, origin_, ": two fetch ops use col ", col);
        fetch_by_col[col] = id;
        continue;
      }
      const OpDef* def = OpRegistry::Global().Find(op.type);
      PDI_ENFORCE_INTERNAL(def, "op '", op.type, "' vanished from the registry");
      Node node;
      node.op = op.type;
      node.source_op = op.type;
      // Inputs first: an in-place op (Out named like X) reads the old value.
      for (const legacy::OpVar& slot : op.inputs)
        node.inputs.push_back(Slot{slot.parameter, ResolveInputs(op, slot)});
      for (const legacy::OpVar& slot : op.outputs) {
        if (slot.parameter == "XShape") continue;
        char mode = SlotMode(def->outputs, slot.parameter);
        Slot out{slot.parameter, {}};
        for (const std::string& name : slot.arguments) {
          if (IsEmptyVarName(name)) continue;
          ValueId prev = graph().FindValue(name);
          // Training-time in-place updates of parameters (batch_norm's MeanOut writing
          // the running mean): inference never writes them, so drop such outputs unless
          // the op declares them required.
          if (prev != kNoValue && graph().value(prev).is_constant() &&
              (mode == 0 || mode == '?' || mode == '*'))
            continue;
          const legacy::VarDesc* v = FindVar(name);
          PDI_ENFORCE_MODEL(v, origin_, ": ", DescribeOp(op), " writes variable '", name,
                            "', which is not declared in block 0");
          out.values.push_back(AddVarValue(*v));
        }
        node.outputs.push_back(std::move(out));
      }
      for (const legacy::Attr& a : op.attrs) {
        if (a.name.empty() || IsSkippedAttr(a.name)) continue;
        Attribute value;
        if (ConvertAttr(a, op, &value)) {
          node.attrs.Set(a.name, std::move(value));
        } else if (a.type == AttrType::kVar || a.type == AttrType::kVars) {
          out_.warnings.push_back(StrCat(origin_, ": ", DescribeOp(op), ": attribute '", a.name,
                                         "' is supplied by a variable, which is not supported;",
                                         " the op's default is used"));
        }
      }
      ValidateNodeSlots(graph(), node, *def);
      graph().AddNode(std::move(node));
    }
    PDI_ENFORCE_MODEL(!fetch_by_col.empty(), origin_,
                      ": the program has no fetch ops, so the model has no outputs (is it an "
                      "inference program saved with save_inference_model or jit.save?)");
    for (const auto& kv : fetch_by_col) graph().outputs().push_back(kv.second);
  }

  const legacy::ProgramDesc& prog_;
  const std::string& origin_;
  std::unordered_map<std::string, const legacy::VarDesc*> vars_;
  FrontendOutput out_;
};

}  // namespace

bool DetectLegacyProgram(const ByteView& program) {
  // Content, not extension. A ProgramDesc starts with the tag of one of its top-level
  // fields: blocks (0x0a), the old op_compatible_map (0x1a), version (0x22) or
  // op_version_map (0x2a). 0x0a is also '\n', so rule out a JSON object: '{' then '"'
  // or '}' after optional whitespace. (A ProgramDesc whose first block is 123 bytes
  // long starts 0x0a '{' 0x08, so the second check must look past the brace.)
  if (program.size == 0) return false;
  uint8_t first = program.data[0];
  if (first != 0x0a && first != 0x1a && first != 0x22 && first != 0x2a) return false;
  auto is_ws = [](uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  size_t i = 0;
  while (i < program.size && is_ws(program.data[i])) ++i;
  if (i == program.size || program.data[i] != '{') return true;
  ++i;
  while (i < program.size && is_ws(program.data[i])) ++i;
  return !(i < program.size && (program.data[i] == '"' || program.data[i] == '}'));
}

FrontendOutput BuildLegacyGraph(const ByteView& program, const ParamLoader& load_params) {
  legacy::ProgramDesc prog = legacy::ParseProgramDesc(program.data, program.size, program.origin);
  return GraphBuilder(prog, program.origin).Build(load_params);
}

}  // namespace pdinfer
