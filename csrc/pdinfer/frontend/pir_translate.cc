#include "pdinfer/frontend/pir_translate.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <string_view>
#include <unordered_map>

#include "pdinfer/core/error.h"
#include "pdinfer/frontend/json_reader.h"
#include "pdinfer/frontend/pir_op_table.h"
#include "pdinfer/frontend/pir_types.h"
#include "pdinfer/ops/registry.h"

namespace pdinfer {

namespace {

// One PIR value: a tensor value of the graph, or a vector made by builtin.combine.
struct PirVal {
  PirVal() = default;
  PirVal(ValueId v) : id(v) {}  // NOLINT: a tensor value
  ValueId id = kNoValue;
  bool is_vec = false;
  std::vector<ValueId> elements;
};

class PirTranslator {
 public:
  PirTranslator(const ByteView& program, const ParamLoader& load_params)
      : program_(program), load_params_(load_params), graph_(std::make_shared<Graph>()) {}

  FrontendOutput Run() {
    std::string_view text(reinterpret_cast<const char*>(program_.data), program_.size);
    JsonDocument parsed = ParseJson(text, program_.origin);
    const JsonValue& doc = parsed.root();
    const JsonValue& base = doc.At("base_code", "the PIR program");
    const JsonValue* magic = base.Find("magic");
    PDI_ENFORCE_MODEL(magic && magic->is_string() && magic->AsString("magic") == "pir",
                      program_.origin, ": not a PIR program (base_code.magic is not \"pir\")");
    int64_t version = base.At("version", "base_code").AsInt("base_code.version");
    PDI_CHECK(version >= kMinPirVersion && version <= kMaxPirVersion, ErrorCode::kUnsupported,
              program_.origin, ": PIR serialization version ", version,
              " is not supported (this build reads versions ", kMinPirVersion, " to ",
              kMaxPirVersion, ")");
    const auto& regions = doc.At("program", "the PIR file").At("regions", "program")
                              .AsArray("program.regions");
    PDI_ENFORCE_MODEL(!regions.empty(), program_.origin, ": PIR program has no region");
    const auto& blocks = regions[0].At("blocks", "region").AsArray("region.blocks");
    PDI_ENFORCE_MODEL(!blocks.empty(), program_.origin, ": PIR program has no block");
    const auto& ops = blocks[0].At("ops", "block").AsArray("block.ops");
    for (size_t i = 0; i < ops.size(); ++i) {
      op_index_ = i;
      TranslateOp(ops[i]);
    }
    BindParameters();
    FinishOutputs();
    FrontendOutput out;
    out.graph = graph_;
    out.num_params = param_specs_.size();
    return out;
  }

 private:
  [[noreturn]] void Fail(ErrorCode code, const std::string& msg) const {
    ThrowError(code, program_.origin, ": op #", op_index_, " ('", current_op_, "'): ", msg);
  }

  ValueId NewValue(const PirType& t, int64_t pir_id, const std::string& hint) {
    std::string name = StrCat(hint, "_", pir_id);
    return graph_->AddValue(name, t.dtype, t.dims, t.known);
  }

  void Define(int64_t pir_id, PirVal v) {
    if (pir_id == 0) return;
    PDI_ENFORCE_MODEL(values_.count(pir_id) == 0, program_.origin, ": PIR value %", pir_id,
                      " is defined twice");
    values_[pir_id] = std::move(v);
  }

  const PirVal* Operand(const JsonValue& op, size_t k) {
    const JsonValue* ins = op.Find("I");
    if (!ins || !ins->is_array() || k >= ins->size()) return nullptr;
    const JsonValue& o = ins->AsArray("I")[k];
    int64_t id = o.At("%", "operand").AsInt("operand id");
    if (id == 0) return nullptr;  // absent optional operand
    auto it = values_.find(id);
    if (it == values_.end()) Fail(ErrorCode::kInvalidModel, StrCat("operand %", id, " is not defined"));
    return &it->second;
  }

  size_t NumOperands(const JsonValue& op) const {
    const JsonValue* ins = op.Find("I");
    return ins && ins->is_array() ? ins->size() : 0;
  }

  std::vector<std::pair<int64_t, PirType>> Results(const JsonValue& op) {
    std::vector<std::pair<int64_t, PirType>> out;
    const JsonValue* o = op.Find("O");
    if (!o) return out;
    auto one = [&](const JsonValue& r) {
      const JsonValue* id = r.Find("%");
      const JsonValue* tt = r.Find("TT");
      out.emplace_back(id ? id->AsInt("result id") : 0, tt ? ParseType(*tt) : PirType());
    };
    if (o->is_object()) one(*o);
    else for (const JsonValue& r : o->AsArray("O")) one(r);
    return out;
  }

  AttributeMap Attrs(const JsonValue& op) {
    AttributeMap attrs;
    const JsonValue* a = op.Find("A");
    if (!a || !a->is_array()) return attrs;
    for (const JsonValue& item : a->AsArray("A")) {
      if (!item.is_object()) continue;
      const JsonValue* n = item.Find("N");
      const JsonValue* at = item.Find("AT");
      if (!n || !at || !n->is_string()) continue;
      const std::string& name = n->AsString("attr name");
      if (name == std::string_view("struct_name")) continue;  // layer path, informational
      Attribute v = ParseAttr(*at, name);
      if (!std::holds_alternative<std::monostate>(v)) attrs.Set(name, std::move(v));
    }
    return attrs;
  }

  ValueId NeedTensor(const PirVal* v, const char* what) {
    if (!v || v->is_vec || v->id == kNoValue)
      Fail(ErrorCode::kInvalidModel, StrCat("operand '", what, "' must be a tensor"));
    return v->id;
  }

  const Tensor* ConstantOf(ValueId id) const {
    return id == kNoValue ? nullptr : graph_->value(id).constant.get();
  }

  static std::vector<int64_t> IntsOf(const Tensor& t) {
    std::vector<int64_t> out;
    if (t.dtype() == DataType::kInt64)
      out.assign(t.data<int64_t>(), t.data<int64_t>() + t.numel());
    else if (t.dtype() == DataType::kInt32)
      for (int64_t i = 0; i < t.numel(); ++i) out.push_back(t.data<int32_t>()[i]);
    else if (t.dtype() == DataType::kFloat32)
      for (int64_t i = 0; i < t.numel(); ++i) out.push_back(static_cast<int64_t>(t.data<float>()[i]));
    else if (t.dtype() == DataType::kFloat64)
      for (int64_t i = 0; i < t.numel(); ++i) out.push_back(static_cast<int64_t>(t.data<double>()[i]));
    else
      ThrowError(ErrorCode::kInvalidModel, "integer array constant has dtype ",
                 DataTypeName(t.dtype()));
    return out;
  }

  static Attribute ScalarOf(const Tensor& t) {
    PDI_ENFORCE_MODEL(t.numel() == 1, "scalar operand has ", t.numel(), " elements");
    switch (t.dtype()) {
      case DataType::kFloat32: return static_cast<double>(t.data<float>()[0]);
      case DataType::kFloat64: return t.data<double>()[0];
      case DataType::kInt32: return static_cast<int64_t>(t.data<int32_t>()[0]);
      case DataType::kInt64: return t.data<int64_t>()[0];
      case DataType::kBool: return t.data<bool>()[0];
      default:
        ThrowError(ErrorCode::kInvalidModel, "scalar operand has dtype ", DataTypeName(t.dtype()));
    }
  }

  template <typename T>
  std::shared_ptr<Tensor> MakeConstant(DataType dtype, const Shape& shape, T value) {
    auto t = std::make_shared<Tensor>(dtype, shape);
    PDI_DISPATCH_NUMERIC(dtype, "pd_op.full", [&](auto tag) {
      using V = decltype(tag);
      V* p = t->template data<V>();
      std::fill(p, p + t->numel(), static_cast<V>(value));
    });
    return t;
  }

  // ---- op handlers -------------------------------------------------------------

  void TranslateOp(const JsonValue& op) {
    const std::string& name = op.At("#", "op").AsString("op name");
    current_op_ = name;
    std::string_view nv = name;
    if (nv == "p") return Parameter(op);
    if (nv == "0.combine") return Combine(op);
    if (nv == "0.split") return SplitVector(op);
    if (nv == "0.slice") return SliceVector(op);
    if (nv == "0.shadow_output") return ShadowOutput(op);
    if (nv == "0.constant") return BuiltinConstant(op);
    if (name.rfind("1.", 0) != 0) {
      Fail(ErrorCode::kUnsupported,
           StrCat("unsupported PIR op '", DialectName(name), "'"));
    }
    std::string pd = name.substr(2);
    std::string_view pv = pd;
    if (pv == "data" || pv == "feed") return Input(op, pd);
    if (pv == "fetch") return Fetch(op);
    if (pv == "full") return Full(op);
    if (pv == "full_int_array") return FullIntArray(op);
    if (pv == "assign_value" || pv == "assign_value_") return AssignValue(op);
    if (pv == "cast" || pv == "cast_") return Cast(op);
    if (pv == "shape64") return Shape64(op);
    if (pv == "arange") return Arange(op);
    if (pv == "full_like") return FullLike(op);
    std::string base = pd;
    const PirOpSpec* spec = FindPirOpSpec(base);
    if (!spec && !base.empty() && base.back() == '_') {  // inplace variant, e.g. relu_
      base.pop_back();
      spec = FindPirOpSpec(base);
    }
    if (!spec) {
      auto results = Results(op);
      std::string produced = results.empty() ? "" : StrCat(" (producing %", results[0].first, ")");
      Fail(ErrorCode::kUnsupported, StrCat("unsupported PIR op 'pd_op.", pd, "'", produced));
    }
    Generic(op, *spec, pd);
  }

  static std::string DialectName(const std::string& name) {
    static const char* dialects[] = {"builtin", "pd_op", "cf", "custom_op", "pd_dist"};
    size_t dot = name.find('.');
    if (dot == std::string::npos) return name;
    std::string d = name.substr(0, dot);
    if (d.size() == 1 && d[0] >= '0' && d[0] <= '4') return StrCat(dialects[d[0] - '0'], name.substr(dot));
    return name;
  }

  void Parameter(const JsonValue& op) {
    const auto& a = op.At("A", "parameter op").AsArray("parameter attrs");
    PDI_ENFORCE_MODEL(a.size() == 4, program_.origin, ": parameter op must have 4 attributes, has ",
                      a.size());
    const std::string& pname = a[3].AsString("parameter name");
    PDI_ENFORCE_MODEL(!pname.empty(), program_.origin, ": parameter with an empty name");
    bool persistable = true;
    if (const JsonValue* oa = op.Find("OA"); oa && oa->is_array() && !oa->AsArray("OA").empty()) {
      const JsonValue& first = oa->AsArray("OA")[0];
      if (first.is_int() || first.is_bool()) persistable = first.AsBool("persistable");
    }
    auto results = Results(op);
    PDI_ENFORCE_MODEL(results.size() == 1, program_.origin, ": parameter '", pname,
                      "' must have one result");
    const PirType& t = results[0].second;
    PDI_ENFORCE_MODEL(graph_->FindValue(pname) == kNoValue, program_.origin, ": parameter '",
                      pname, "' is declared twice");
    ValueId id = graph_->AddValue(pname, t.dtype, t.dims, t.known);
    Define(results[0].first, PirVal{id});
    if (!persistable) return;  // Paddle's loader skips these too
    ParamSpec spec;
    spec.name = pname;
    spec.has_desc = t.known && t.dtype != DataType::kUndefined;
    spec.var_type = t.dtype == DataType::kUndefined ? -1 : static_cast<int>(t.dtype);
    spec.dims = t.dims;
    param_specs_.push_back(spec);
    param_values_[pname] = id;
  }

  void Combine(const JsonValue& op) {
    PirVal v;
    v.is_vec = true;
    for (size_t k = 0; k < NumOperands(op); ++k) {
      const PirVal* e = Operand(op, k);
      v.elements.push_back(NeedTensor(e, "combine element"));
    }
    auto results = Results(op);
    if (!results.empty()) Define(results[0].first, std::move(v));
  }

  void SplitVector(const JsonValue& op) {
    const PirVal* in = Operand(op, 0);
    if (!in || !in->is_vec) Fail(ErrorCode::kInvalidModel, "builtin.split needs a vector operand");
    auto results = Results(op);
    PDI_ENFORCE_MODEL(results.size() <= in->elements.size(), program_.origin,
                      ": builtin.split has more results than its vector has elements");
    std::vector<ValueId> elems = in->elements;
    for (size_t k = 0; k < results.size(); ++k) Define(results[k].first, PirVal{elems[k]});
  }

  void SliceVector(const JsonValue& op) {
    const PirVal* in = Operand(op, 0);
    if (!in || !in->is_vec) Fail(ErrorCode::kInvalidModel, "builtin.slice needs a vector operand");
    int64_t index = Attrs(op).GetInt("index", -1);
    PDI_ENFORCE_MODEL(index >= 0 && index < static_cast<int64_t>(in->elements.size()),
                      program_.origin, ": builtin.slice index ", index, " out of range");
    ValueId e = in->elements[static_cast<size_t>(index)];
    auto results = Results(op);
    if (!results.empty()) Define(results[0].first, PirVal{e});
  }

  void BuiltinConstant(const JsonValue& op) {
    Fail(ErrorCode::kUnsupported, "builtin.constant is not supported");
  }

  void Input(const JsonValue& op, const std::string& kind) {
    AttributeMap attrs = Attrs(op);
    std::string name = attrs.GetString("name", "");
    PDI_ENFORCE_MODEL(!name.empty(), program_.origin, ": pd_op.", kind, " without a name");
    auto results = Results(op);
    PDI_ENFORCE_MODEL(results.size() == 1, program_.origin, ": pd_op.", kind, " '", name,
                      "' must have one result");
    PirType t = results[0].second;
    if (kind == "data" && attrs.Has("shape")) {
      t.dims = attrs.GetInts("shape", {});
      for (int64_t dim : t.dims)
        PDI_ENFORCE_MODEL(dim >= -1, program_.origin, ": input '", name, "' has dim ", dim);
      PDI_ENFORCE_MODEL(t.dims.size() <= static_cast<size_t>(kMaxRank), program_.origin,
                        ": input '", name, "' has rank ", t.dims.size());
      t.known = true;
    }
    if (t.dtype == DataType::kUndefined && attrs.Has("dtype"))
      t.dtype = static_cast<DataType>(attrs.GetInt("dtype", -1));
    PDI_ENFORCE_MODEL(t.dtype != DataType::kUndefined, program_.origin, ": input '", name,
                      "' has no known dtype");
    PDI_ENFORCE_MODEL(graph_->FindValue(name) == kNoValue, program_.origin, ": input '", name,
                      "' is declared twice");
    ValueId id = graph_->AddValue(name, t.dtype, t.dims, t.known);
    graph_->inputs().push_back(id);
    Define(results[0].first, PirVal{id});
  }

  void Fetch(const JsonValue& op) {
    AttributeMap attrs = Attrs(op);
    ValueId v = NeedTensor(Operand(op, 0), "fetch input");
    std::string name = attrs.GetString("name", StrCat("fetch_name_", fetches_.size()));
    int64_t col = attrs.GetInt("col", static_cast<int64_t>(fetches_.size()));
    fetches_.push_back({col, v, name});
    auto results = Results(op);
    if (!results.empty()) Define(results[0].first, PirVal{v});
  }

  void ShadowOutput(const JsonValue& op) {
    AttributeMap attrs = Attrs(op);
    ValueId v = NeedTensor(Operand(op, 0), "shadow_output input");
    std::string name = attrs.GetString("output_name", "");
    PDI_ENFORCE_MODEL(!name.empty(), program_.origin, ": builtin.shadow_output without output_name");
    fetches_.push_back({static_cast<int64_t>(fetches_.size()), v, name});
  }

  void Full(const JsonValue& op) {
    AttributeMap attrs = Attrs(op);
    auto results = Results(op);
    PDI_ENFORCE_MODEL(results.size() == 1, program_.origin, ": pd_op.full must have one result");
    Shape shape = attrs.GetInts("shape", results[0].second.dims);
    for (int64_t d : shape)
      PDI_ENFORCE_MODEL(d >= 0, program_.origin, ": pd_op.full has a negative dim");
    int64_t dt = attrs.GetInt("dtype", static_cast<int>(results[0].second.dtype));
    DataType dtype = static_cast<DataType>(dt);
    PDI_ENFORCE_MODEL(IsValidDataTypeNumber(static_cast<int>(dt)), program_.origin,
                      ": pd_op.full has an unknown dtype");
    double value = attrs.GetFloat("value", 0.0);
    auto t = MakeConstant(dtype, shape, value);
    ValueId id = graph_->AddConstant(StrCat("full_", results[0].first), t);
    Define(results[0].first, PirVal{id});
  }

  void FullIntArray(const JsonValue& op) {
    AttributeMap attrs = Attrs(op);
    auto results = Results(op);
    PDI_ENFORCE_MODEL(results.size() == 1, program_.origin,
                      ": pd_op.full_int_array must have one result");
    std::vector<int64_t> vals = attrs.GetInts("value", {});
    int64_t dt = attrs.GetInt("dtype", static_cast<int>(DataType::kInt64));
    DataType dtype = static_cast<DataType>(dt);
    auto t = std::make_shared<Tensor>(dtype, Shape{static_cast<int64_t>(vals.size())});
    PDI_DISPATCH_NUMERIC(dtype, "pd_op.full_int_array", [&](auto tag) {
      using V = decltype(tag);
      for (size_t i = 0; i < vals.size(); ++i) t->template data<V>()[i] = static_cast<V>(vals[i]);
    });
    Define(results[0].first, PirVal{graph_->AddConstant(StrCat("int_array_", results[0].first), t)});
  }

  void AssignValue(const JsonValue& op) {
    AttributeMap attrs = Attrs(op);
    auto results = Results(op);
    PDI_ENFORCE_MODEL(results.size() == 1, program_.origin, ": assign_value must have one result");
    Shape shape = attrs.GetInts("shape", results[0].second.dims);
    DataType dtype = static_cast<DataType>(attrs.GetInt("dtype", static_cast<int>(results[0].second.dtype)));
    std::vector<double> vals = attrs.GetFloats("values", {});
    auto t = std::make_shared<Tensor>(dtype, shape);
    PDI_ENFORCE_MODEL(static_cast<int64_t>(vals.size()) == t->numel(), program_.origin,
                      ": assign_value has ", vals.size(), " values for shape ", ShapeToString(shape));
    PDI_DISPATCH_NUMERIC(dtype, "pd_op.assign_value", [&](auto tag) {
      using V = decltype(tag);
      for (size_t i = 0; i < vals.size(); ++i) t->template data<V>()[i] = static_cast<V>(vals[i]);
    });
    Define(results[0].first, PirVal{graph_->AddConstant(StrCat("assign_value_", results[0].first), t)});
  }

  Node NewNode(const std::string& op, const std::string& source) {
    Node n;
    n.op = op;
    n.source_op = source;
    return n;
  }

  ValueId AddSimpleNode(const std::string& op, const std::string& source,
                        std::vector<Slot> inputs, const PirType& out_type, int64_t pir_id,
                        AttributeMap attrs, const char* out_slot = "Out") {
    Node n = NewNode(op, source);
    n.inputs = std::move(inputs);
    ValueId out = NewValue(out_type, pir_id, op);
    n.outputs.push_back({out_slot, {out}});
    n.attrs = std::move(attrs);
    AddNode(std::move(n));
    return out;
  }

  void AddNode(Node n) {
    const OpDef* def = OpRegistry::Global().Find(n.op);
    if (!def) Fail(ErrorCode::kUnsupported, StrCat("canonical op '", n.op, "' is not available"));
    ValidateNodeSlots(*graph_, n, *def);
    graph_->AddNode(std::move(n));
  }

  void Cast(const JsonValue& op) {
    AttributeMap attrs = Attrs(op);
    ValueId x = NeedTensor(Operand(op, 0), "x");
    auto results = Results(op);
    PDI_ENFORCE_MODEL(results.size() == 1, program_.origin, ": cast must have one result");
    AttributeMap a;
    a.Set("in_dtype", static_cast<int64_t>(graph_->value(x).dtype));
    a.Set("out_dtype", attrs.GetInt("dtype", static_cast<int>(results[0].second.dtype)));
    Define(results[0].first,
           PirVal{AddSimpleNode("cast", "pd_op.cast", {{"X", {x}}}, results[0].second,
                                results[0].first, std::move(a))});
  }

  void Shape64(const JsonValue& op) {
    ValueId x = NeedTensor(Operand(op, 0), "input");
    auto results = Results(op);
    PDI_ENFORCE_MODEL(results.size() == 1, program_.origin, ": shape64 must have one result");
    PirType i32 = results[0].second;
    i32.dtype = DataType::kInt32;
    ValueId s = AddSimpleNode("shape", "pd_op.shape64", {{"Input", {x}}}, i32,
                              results[0].first, {});
    graph_->RenameValue(s, StrCat("shape32_", results[0].first));
    AttributeMap a;
    a.Set("in_dtype", static_cast<int64_t>(DataType::kInt32));
    a.Set("out_dtype", static_cast<int64_t>(DataType::kInt64));
    Define(results[0].first, PirVal{AddSimpleNode("cast", "pd_op.shape64", {{"X", {s}}},
                                                  results[0].second, results[0].first, std::move(a))});
  }

  // Brings a value to `dtype`: constants are converted in place, others get a cast.
  ValueId ToDType(ValueId v, DataType dtype, int64_t pir_id) {
    const Value& val = graph_->value(v);
    if (val.dtype == dtype || dtype == DataType::kUndefined) return v;
    AttributeMap a;
    a.Set("in_dtype", static_cast<int64_t>(val.dtype));
    a.Set("out_dtype", static_cast<int64_t>(dtype));
    PirType t;
    t.dtype = dtype;
    t.dims = val.shape;
    t.known = val.shape_known;
    return AddSimpleNode("cast", "pd_op.arange", {{"X", {v}}}, t, pir_id, std::move(a));
  }

  void Arange(const JsonValue& op) {
    AttributeMap attrs = Attrs(op);
    auto results = Results(op);
    PDI_ENFORCE_MODEL(results.size() == 1, program_.origin, ": arange must have one result");
    DataType dtype = static_cast<DataType>(attrs.GetInt("dtype", static_cast<int>(results[0].second.dtype)));
    if (static_cast<int>(dtype) < 0) dtype = results[0].second.dtype;
    Node n = NewNode("range", "pd_op.arange");
    const char* slots[] = {"Start", "End", "Step"};
    for (size_t k = 0; k < 3; ++k) {
      ValueId v = NeedTensor(Operand(op, k), slots[k]);
      n.inputs.push_back({slots[k], {ToDType(v, dtype, results[0].first)}});
    }
    ValueId out = NewValue(results[0].second, results[0].first, "range");
    n.outputs.push_back({"Out", {out}});
    AddNode(std::move(n));
    Define(results[0].first, PirVal{out});
  }

  void FullLike(const JsonValue& op) {
    AttributeMap attrs = Attrs(op);
    auto results = Results(op);
    ValueId x = NeedTensor(Operand(op, 0), "x");
    AttributeMap a;
    const PirVal* value = Operand(op, 1);
    const Tensor* c = value && !value->is_vec ? ConstantOf(value->id) : nullptr;
    PDI_CHECK(c, ErrorCode::kUnsupported, program_.origin,
              ": pd_op.full_like with a computed fill value is not supported");
    Attribute s = ScalarOf(*c);
    a.Set("value", std::holds_alternative<double>(s) ? std::get<double>(s)
                   : std::holds_alternative<int64_t>(s) ? static_cast<double>(std::get<int64_t>(s))
                                                        : (std::get<bool>(s) ? 1.0 : 0.0));
    a.Set("dtype", attrs.GetInt("dtype", -1));
    Define(results[0].first, PirVal{AddSimpleNode("fill_any_like", "pd_op.full_like",
                                                  {{"X", {x}}}, results[0].second,
                                                  results[0].first, std::move(a))});
  }

  void Generic(const JsonValue& op, const PirOpSpec& spec, const std::string& pd) {
    Node n = NewNode(spec.legacy, "pd_op." + pd);
    AttributeMap attrs = Attrs(op);
    for (const auto& [from, to] : spec.renames) {
      if (const Attribute* a = attrs.Find(from)) {
        Attribute copy = *a;
        attrs.Erase(from);
        attrs.Set(to, std::move(copy));
      }
    }
    attrs.Erase("struct_name");
    for (const char* e : spec.extra) {
      std::string name;
      Attribute v = ParseExtra(e, &name);
      if (!attrs.Has(name)) attrs.Set(name, v);
    }
    size_t nops = NumOperands(op);
    PDI_ENFORCE_MODEL(nops <= spec.operands.size() + 0, program_.origin, ": pd_op.", pd, " has ",
                      nops, " operands, expected at most ", spec.operands.size());
    for (size_t k = 0; k < spec.operands.size(); ++k) {
      const PirOperand& od = spec.operands[k];
      const PirVal* v = Operand(op, k);
      if (!v || od.kind == PirOperand::Kind::kIgnore) continue;
      switch (od.kind) {
        case PirOperand::Kind::kTensor:
          n.inputs.push_back({od.slot, {NeedTensor(v, od.slot)}});
          break;
        case PirOperand::Kind::kList:
          if (v->is_vec) n.inputs.push_back({od.slot, v->elements});
          else n.inputs.push_back({od.slot, {v->id}});
          break;
        case PirOperand::Kind::kIntArray: {
          if (v->is_vec) {
            bool all_const = true;
            std::vector<int64_t> ints;
            for (ValueId e : v->elements) {
              const Tensor* c = ConstantOf(e);
              if (!c) { all_const = false; break; }
              auto part = IntsOf(*c);
              ints.insert(ints.end(), part.begin(), part.end());
            }
            if (all_const) attrs.Set(od.attr, ints);
            else if (od.list_slot) n.inputs.push_back({od.list_slot, v->elements});
            else Fail(ErrorCode::kUnsupported, StrCat("operand '", od.attr, "' must be constant"));
          } else if (const Tensor* c = ConstantOf(v->id)) {
            attrs.Set(od.attr, IntsOf(*c));
          } else if (od.slot) {
            n.inputs.push_back({od.slot, {v->id}});
          } else {
            Fail(ErrorCode::kUnsupported, StrCat("operand '", od.attr, "' must be constant"));
          }
          break;
        }
        case PirOperand::Kind::kScalar: {
          ValueId id = NeedTensor(v, od.attr);
          if (const Tensor* c = ConstantOf(id)) attrs.Set(od.attr, ScalarOf(*c));
          else if (od.slot) n.inputs.push_back({od.slot, {id}});
          else Fail(ErrorCode::kUnsupported, StrCat("operand '", od.attr, "' must be constant"));
          break;
        }
        case PirOperand::Kind::kIgnore: break;
      }
    }
    // Reductions: an empty axis list means all axes.
    if (std::string(spec.legacy).rfind("reduce_", 0) == 0) {
      auto dims = attrs.GetInts("dim", {});
      if (dims.empty()) attrs.Set("reduce_all", true);
      if (const Attribute* d = attrs.Find("dtype")) {
        attrs.Set("out_dtype", *d);
        attrs.Erase("dtype");
      }
    }
    n.attrs = std::move(attrs);
    auto results = Results(op);
    for (size_t r = 0; r < results.size(); ++r) {
      const char* slot = r < spec.results.size() ? spec.results[r] : nullptr;
      if (!slot) continue;
      std::string s(slot);
      if (!s.empty() && s.back() == '*') {  // result is a vector of tensors
        s.pop_back();
        const PirType& vt = results[r].second;
        PirVal vec;
        vec.is_vec = true;
        Slot out{s, {}};
        for (size_t e = 0; e < vt.elements.size(); ++e) {
          ValueId id = graph_->AddValue(StrCat(spec.legacy, "_", results[r].first, "_", e),
                                        vt.elements[e].dtype, vt.elements[e].dims,
                                        vt.elements[e].known);
          out.values.push_back(id);
          vec.elements.push_back(id);
        }
        if (std::string(spec.legacy) == "split" && !n.attrs.Has("num") && !n.attrs.Has("sections"))
          n.attrs.Set("num", static_cast<int64_t>(vt.elements.size()));
        n.outputs.push_back(std::move(out));
        Define(results[r].first, std::move(vec));
        continue;
      }
      if (results[r].first == 0) continue;
      ValueId id = NewValue(results[r].second, results[r].first, spec.legacy);
      n.outputs.push_back({s, {id}});
      Define(results[r].first, PirVal{id});
    }
    AddNode(std::move(n));
  }

  void BindParameters() {
    if (param_specs_.empty()) return;
    ParamMap params = load_params_(param_specs_);
    for (const auto& [name, id] : param_values_) {
      auto it = params.find(name);
      PDI_ENFORCE_MODEL(it != params.end(), program_.origin, ": parameter '", name,
                        "' was not loaded");
      Value& v = graph_->value(id);
      v.constant = it->second;
      v.dtype = it->second->dtype();
      v.shape = it->second->shape();
      v.shape_known = true;
    }
  }

  void FinishOutputs() {
    std::stable_sort(fetches_.begin(), fetches_.end(),
                     [](const FetchInfo& a, const FetchInfo& b) { return a.col < b.col; });
    std::vector<bool> is_input(graph_->num_values(), false);
    for (ValueId v : graph_->inputs()) is_input[static_cast<size_t>(v)] = true;
    std::vector<bool> renamed(graph_->num_values(), false);
    for (const FetchInfo& f : fetches_) {
      ValueId v = f.value;
      PDI_ENFORCE_MODEL(graph_->FindValue(f.name) == kNoValue || graph_->FindValue(f.name) == v,
                        program_.origin, ": output name '", f.name, "' is used twice");
      const Value& val = graph_->value(v);
      if (is_input[static_cast<size_t>(v)] || val.constant || renamed[static_cast<size_t>(v)]) {
        // The user-visible name belongs to another value: fetch a copy.
        PirType t;
        t.dtype = val.dtype;
        t.dims = val.shape;
        t.known = val.shape_known;
        Node n = NewNode("assign", "pd_op.fetch");
        n.inputs.push_back({"X", {v}});
        ValueId copy = graph_->AddValue(f.name, t.dtype, t.dims, t.known);
        n.outputs.push_back({"Out", {copy}});
        AddNode(std::move(n));
        v = copy;
      } else {
        graph_->RenameValue(v, f.name);
      }
      renamed.resize(graph_->num_values(), false);
      renamed[static_cast<size_t>(v)] = true;
      graph_->outputs().push_back(v);
    }
  }

  struct FetchInfo {
    int64_t col;
    ValueId value;
    std::string name;
  };

  const ByteView& program_;
  const ParamLoader& load_params_;
  std::shared_ptr<Graph> graph_;
  std::unordered_map<int64_t, PirVal> values_;
  std::vector<ParamSpec> param_specs_;
  std::map<std::string, ValueId> param_values_;
  std::vector<FetchInfo> fetches_;
  size_t op_index_ = 0;
  std::string current_op_;
};

}  // namespace

FrontendOutput TranslatePirProgram(const ByteView& program, const ParamLoader& load_params) {
  return PirTranslator(program, load_params).Run();
}

}  // namespace pdinfer
