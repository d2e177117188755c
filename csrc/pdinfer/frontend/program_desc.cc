#include "pdinfer/frontend/program_desc.h"

#include <bitset>

#include "pdinfer/core/shape.h"
#include "pdinfer/frontend/protobuf_reader.h"

namespace pdinfer {
namespace legacy {

namespace {

using pb::Field;
using pb::PathScope;
using pb::Reader;

constexpr size_t kMaxWarnings = 32;
constexpr size_t kNoOffset = static_cast<size_t>(-1);

class Decoder {
 public:
  Decoder(const std::string& origin, std::vector<std::string>* warnings)
      : ctx_(origin), warnings_(warnings) {}

  pb::DecodeContext& ctx() { return ctx_; }

  void Warn(size_t offset, const std::string& what) {
    if (!warnings_) return;
    ++warning_count_;
    if (warnings_->size() < kMaxWarnings) {
      std::string path = ctx_.Path();
      warnings_->push_back(StrCat(ctx_.origin(), ": ", what,
                                  offset == kNoOffset ? std::string()
                                                      : StrCat(" at byte offset ", offset),
                                  path.empty() ? std::string() : StrCat(" (in ", path, ")")));
    }
  }
  void FinishWarnings() {
    if (warnings_ && warning_count_ > warnings_->size())
      warnings_->push_back(StrCat("... and ", warning_count_ - warnings_->size(),
                                  " more warnings of the same kinds"));
  }

  // An enum value beyond the ones we know: most likely a newer exporter, so say so
  // rather than calling the file corrupt.
  [[noreturn]] void Newer(size_t offset, const std::string& what) {
    std::string path = ctx_.Path();
    ThrowError(ErrorCode::kUnsupported, ctx_.origin(), ": ", what,
               " is unknown to this runtime (the model may come from a newer Paddle)",
               " at byte offset ", offset,
               path.empty() ? std::string() : StrCat(" (in ", path, ")"));
  }

  int VarTypeEnum(const Reader& r, const Field& f, const char* name) {
    int64_t v = r.Int64(f, name);
    if (v < 0) r.Fail(f.offset, "'", name, "' = ", v, " is not a valid VarType.Type");
    if (v > kMaxVarType) Newer(f.offset, StrCat("VarType.Type ", v, " ('", name, "')"));
    return static_cast<int>(v);
  }

  TensorDesc ParseTensor(Reader r) {
    TensorDesc t;
    Field f;
    size_t start = kNoOffset;
    bool has_type = false, first = true;
    while (r.Next(&f)) {
      if (first) start = f.offset, first = false;
      if (f.number == 1) {
        t.data_type = VarTypeEnum(r, f, "data_type");
        has_type = true;
      } else if (f.number == 2) {
        size_t before = t.dims.size();
        r.AppendInt64s(f, "dims", &t.dims);
        for (size_t k = before; k < t.dims.size(); ++k)
          if (t.dims[k] < -1)
            r.Fail(f.offset, "dims[", k, "] = ", t.dims[k], " is negative (only -1 = unknown "
                   "is allowed)");
        if (t.dims.size() > static_cast<size_t>(kMaxRank))
          r.Fail(f.offset, "tensor has ", t.dims.size(), " dims, more than the maximum rank ",
                 kMaxRank);
      }
    }
    if (!has_type) Warn(start, "TensorDesc without data_type");
    return t;
  }

  void ParseLoDTensorDesc(Reader r, VarType* vt) {
    Field f;
    while (r.Next(&f)) {
      if (f.number == 1) {
        PathScope s(ctx_, "tensor");
        vt->tensor = ParseTensor(r.Sub(f));
        vt->has_tensor = true;
      } else if (f.number == 2) {
        vt->lod_level = r.Int32(f, "lod_level");
        if (vt->lod_level < 0) r.Fail(f.offset, "negative lod_level ", vt->lod_level);
      }
    }
  }

  VarType ParseVarType(Reader r) {
    VarType vt;
    Field f;
    bool from_dense = false;
    while (r.Next(&f)) {
      switch (f.number) {
        case 1: vt.type = VarTypeEnum(r, f, "type"); break;
        case 2:  // selected_rows: a bare TensorDesc
          if (!from_dense) {
            PathScope s(ctx_, "selected_rows");
            vt.tensor = ParseTensor(r.Sub(f));
            vt.has_tensor = true;
          }
          break;
        case 3: {  // lod_tensor / dense_tensor: the one inference uses
          PathScope s(ctx_, "lod_tensor");
          VarType tmp;
          ParseLoDTensorDesc(r.Sub(f), &tmp);
          vt.tensor = tmp.tensor;
          vt.has_tensor = tmp.has_tensor;
          vt.lod_level = tmp.lod_level;
          from_dense = true;
          break;
        }
        case 4:  // tensor_array: element desc, used when no dense desc exists
          if (!from_dense) {
            PathScope s(ctx_, "tensor_array");
            ParseLoDTensorDesc(r.Sub(f), &vt);
          }
          break;
        default: break;  // reader, tuple, string/vocab/sparse descs: not needed
      }
    }
    return vt;
  }

  VarDesc ParseVar(Reader r, size_t start) {
    VarDesc v;
    Field f;
    bool has_name = false, has_type = false;
    while (r.Next(&f)) {
      switch (f.number) {
        case 1: v.name = r.String(f, "name"); has_name = true; break;
        case 2: {
          PathScope s(ctx_, "type");
          v.type = ParseVarType(r.Sub(f));
          has_type = true;
          break;
        }
        case 3: v.persistable = r.Bool(f, "persistable"); break;
        case 4: v.need_check_feed = r.Bool(f, "need_check_feed"); break;
        case 5: v.is_parameter = r.Bool(f, "is_parameter"); break;
        case 6: v.stop_gradient = r.Bool(f, "stop_gradient"); break;
        default: break;  // 7 = VarDesc.Attr: not used by inference
      }
    }
    if (!has_name) Warn(start, "VarDesc without name");
    if (!has_type) Warn(start, StrCat("VarDesc '", v.name, "' without type"));
    return v;
  }

  Scalar ParseScalar(Reader r, Scalar s, size_t start) {
    Field f;
    while (r.Next(&f)) {
      switch (f.number) {
        case 1: {
          int64_t t = r.Int64(f, "Scalar.type");
          if (t < Scalar::kBool || t > Scalar::kComplex128)
            r.Fail(f.offset, "Scalar.type ", t, " is not a valid Scalar kind (1..4)");
          s.type = static_cast<int>(t);
          break;
        }
        case 2: s.b = r.Bool(f, "Scalar.b"); break;
        case 3: s.i = r.Int64(f, "Scalar.i"); break;
        case 4: s.r = r.Double(f, "Scalar.r"); break;
        case 5: {
          Reader c = r.Sub(f);
          Field g;
          while (c.Next(&g)) {
            if (g.number == 1) s.c_real = c.Double(g, "Complex.r");
            else if (g.number == 2) s.c_imag = c.Double(g, "Complex.i");
          }
          break;
        }
        default: break;
      }
    }
    if (s.type == Scalar::kNone) Warn(start, "Scalar without type");
    return s;
  }

  // Attr field number -> the AttrType whose payload it carries (-1: not a payload).
  static int PayloadType(uint32_t field) {
    switch (field) {
      case 3: return 0; case 4: return 1; case 5: return 2; case 6: return 3; case 7: return 4;
      case 8: return 5; case 10: return 6; case 11: return 7; case 12: return 8;
      case 13: return 9; case 14: return 10; case 15: return 11; case 16: return 12;
      case 17: return 13; case 18: return 14; case 19: return 15; case 20: return 16;
      case 21: return 17;
      default: return -1;
    }
  }

  Attr ParseAttr(Reader r, size_t start) {
    Attr a;
    Field f;
    bool has_name = false;
    std::bitset<32> seen;
    while (r.Next(&f)) {
      if (f.number < 32) seen.set(f.number);
      switch (f.number) {
        case 1: a.name = r.String(f, "name"); has_name = true; break;
        case 2: {
          int64_t t = r.Int64(f, "type");
          if (t < 0) r.Fail(f.offset, "attribute type ", t, " is not a valid AttrType");
          if (t > kMaxAttrType)
            Newer(f.offset, StrCat("AttrType ", t, " (attribute '", a.name, "')"));
          a.type = static_cast<AttrType>(t);
          a.has_type = true;
          break;
        }
        case 3: a.i = r.Int32(f, "i"); break;
        case 4: a.f = r.Float(f, "f"); break;
        case 5: a.s = r.String(f, "s"); break;
        case 6: r.AppendInt32s(f, "ints", &a.ints); break;
        case 7: r.AppendFloats(f, "floats", &a.floats); break;
        case 8: a.strings.push_back(r.String(f, "strings")); break;
        case 10: a.b = r.Bool(f, "b"); break;
        case 11: r.AppendBools(f, "bools", &a.bools); break;
        case 12: a.block_idx = r.Int32(f, "block_idx"); break;
        case 13: a.l = r.Int64(f, "l"); break;
        case 14: r.AppendInt32s(f, "blocks_idx", &a.blocks_idx); break;
        case 15: r.AppendInt64s(f, "longs", &a.longs); break;
        case 16: r.AppendDoubles(f, "float64s", &a.float64s); break;
        case 17: a.var_name = r.String(f, "var_name"); break;
        case 18: a.vars_name.push_back(r.String(f, "vars_name")); break;
        case 19: a.float64 = r.Double(f, "float64"); break;
        case 20: {
          PathScope s(ctx_, "scalar");
          a.scalar = ParseScalar(r.Sub(f), a.scalar, f.offset);
          break;
        }
        case 21: {
          PathScope s(ctx_, "scalars", static_cast<int64_t>(a.scalars.size()));
          a.scalars.push_back(ParseScalar(r.Sub(f), Scalar(), f.offset));
          break;
        }
        default: break;
      }
    }
    if (!has_name) Warn(start, "attribute without name");
    if (!a.has_type) {
      // Version-skewed writers drop the "required" type; recover it from the payload.
      int inferred = -1, candidates = 0;
      for (uint32_t n = 3; n < 32; ++n)
        if (seen.test(n) && PayloadType(n) >= 0) {
          if (inferred < 0) inferred = PayloadType(n);
          ++candidates;
        }
      // No payload at all is what an empty list looks like on the wire.
      a.type = static_cast<AttrType>(inferred < 0 ? static_cast<int>(AttrType::kInts) : inferred);
      Warn(start, StrCat("attribute '", a.name, "' without type; assumed ", AttrTypeName(a.type),
                         candidates > 1 ? " (ambiguous payload)" : ""));
    }
    return a;
  }

  OpVar ParseOpVar(Reader r, size_t start) {
    OpVar v;
    Field f;
    bool has_param = false;
    while (r.Next(&f)) {
      if (f.number == 1) {
        v.parameter = r.String(f, "parameter");
        has_param = true;
      } else if (f.number == 2) {
        v.arguments.push_back(r.String(f, "arguments"));
      }
    }
    if (!has_param) Warn(start, "op slot without parameter name");
    return v;
  }

  OpDesc ParseOp(Reader r, size_t start) {
    OpDesc op;
    Field f;
    bool has_type = false;
    while (r.Next(&f)) {
      switch (f.number) {
        case 1: {
          PathScope s(ctx_, "inputs", static_cast<int64_t>(op.inputs.size()));
          op.inputs.push_back(ParseOpVar(r.Sub(f), f.offset));
          break;
        }
        case 2: {
          PathScope s(ctx_, "outputs", static_cast<int64_t>(op.outputs.size()));
          op.outputs.push_back(ParseOpVar(r.Sub(f), f.offset));
          break;
        }
        case 3: op.type = r.String(f, "type"); has_type = true; break;
        case 4: {
          PathScope s(ctx_, "attrs", static_cast<int64_t>(op.attrs.size()));
          op.attrs.push_back(ParseAttr(r.Sub(f), f.offset));
          break;
        }
        case 5: op.is_target = r.Bool(f, "is_target"); break;
        default: break;
      }
    }
    if (!has_type) Warn(start, "OpDesc without type");
    return op;
  }

  BlockDesc ParseBlock(Reader r) {
    BlockDesc b;
    Field f;
    while (r.Next(&f)) {
      switch (f.number) {
        case 1: b.idx = r.Int32(f, "idx"); break;
        case 2: b.parent_idx = r.Int32(f, "parent_idx"); break;
        case 3: {
          PathScope s(ctx_, "vars", static_cast<int64_t>(b.vars.size()));
          b.vars.push_back(ParseVar(r.Sub(f), f.offset));
          break;
        }
        case 4: {
          PathScope s(ctx_, "ops", static_cast<int64_t>(b.ops.size()));
          b.ops.push_back(ParseOp(r.Sub(f), f.offset));
          break;
        }
        case 5: b.forward_block_idx = r.Int32(f, "forward_block_idx"); break;
        default: break;
      }
    }
    return b;
  }

  void ParseOpVersionMap(Reader r, ProgramDesc* p) {
    Field f;
    while (r.Next(&f)) {
      if (f.number != 1) continue;
      Reader pair = r.Sub(f);
      std::string name;
      int32_t version = 0;
      Field g;
      while (pair.Next(&g)) {
        if (g.number == 1) {
          name = pair.String(g, "op_name");
        } else if (g.number == 2) {
          Reader ver = pair.Sub(g);
          Field h;
          while (ver.Next(&h))
            if (h.number == 1) version = ver.Int32(h, "op_version.version");
        }
      }
      p->op_versions.emplace_back(std::move(name), version);
    }
  }

 private:
  pb::DecodeContext ctx_;
  std::vector<std::string>* warnings_;
  size_t warning_count_ = 0;
};

// Structural checks that need the whole program: parent chains and sub-block refs.
void ValidateBlocks(const ProgramDesc& p, const std::string& origin) {
  const int64_t n = static_cast<int64_t>(p.blocks.size());
  for (int64_t i = 0; i < n; ++i) {
    int64_t parent = p.blocks[static_cast<size_t>(i)].parent_idx;
    if (i == 0) continue;  // block 0's parent is -1 by convention; not relied upon
    if (parent < 0 || parent >= n || parent == i)
      ThrowError(ErrorCode::kInvalidModel, origin, ": block ", i, " has parent_idx ", parent,
                 " (the program has ", n, " blocks)");
  }
  // Returns true when `anc` is `b` or one of its ancestors.
  auto is_ancestor = [&](int64_t anc, int64_t b) {
    for (int64_t steps = 0; steps <= n && b >= 0; ++steps) {
      if (b == anc) return true;
      if (b == 0) return false;
      b = p.blocks[static_cast<size_t>(b)].parent_idx;
    }
    return true;  // a parent cycle: treat as recursive
  };
  std::vector<std::vector<int64_t>> refs_of(static_cast<size_t>(n));
  for (int64_t bi = 0; bi < n; ++bi) {
    const BlockDesc& b = p.blocks[static_cast<size_t>(bi)];
    for (size_t oi = 0; oi < b.ops.size(); ++oi) {
      const OpDesc& op = b.ops[oi];
      for (const Attr& a : op.attrs) {
        std::vector<int64_t> refs;
        if (a.type == AttrType::kBlock) refs.push_back(a.block_idx);
        if (a.type == AttrType::kBlocks) refs.assign(a.blocks_idx.begin(), a.blocks_idx.end());
        for (int64_t ref : refs) {
          if (ref < 0 || ref >= n)
            ThrowError(ErrorCode::kInvalidModel, origin, ": attribute '", a.name, "' of op '",
                       op.type, "' (block ", bi, ", op ", oi, ") refers to block ", ref,
                       " but the program has ", n, " blocks");
          if (is_ancestor(ref, bi))
            ThrowError(ErrorCode::kInvalidModel, origin, ": attribute '", a.name, "' of op '",
                       op.type, "' (block ", bi, ", op ", oi, ") refers to block ", ref,
                       ", which contains it (recursive sub-block)");
          refs_of[static_cast<size_t>(bi)].push_back(ref);
        }
      }
    }
  }
  // parent_idx may lie, so also look for cycles in the reference graph itself
  // (iteratively: a hostile file must not drive recursion depth).
  std::vector<int> state(static_cast<size_t>(n), 0);  // 0 new, 1 on stack, 2 done
  for (int64_t root = 0; root < n; ++root) {
    if (state[static_cast<size_t>(root)]) continue;
    std::vector<std::pair<int64_t, size_t>> stack{{root, 0}};
    state[static_cast<size_t>(root)] = 1;
    while (!stack.empty()) {
      auto& [b, next] = stack.back();
      const auto& refs = refs_of[static_cast<size_t>(b)];
      if (next == refs.size()) {
        state[static_cast<size_t>(b)] = 2;
        stack.pop_back();
        continue;
      }
      int64_t r = refs[next++];
      if (state[static_cast<size_t>(r)] == 1)
        ThrowError(ErrorCode::kInvalidModel, origin, ": sub-block references form a cycle ",
                   "through block ", r);
      if (state[static_cast<size_t>(r)] == 0) {
        state[static_cast<size_t>(r)] = 1;
        stack.push_back({r, 0});
      }
    }
  }
}

}  // namespace

const char* AttrTypeName(AttrType t) {
  static const char* names[] = {"INT",    "FLOAT",  "STRING",   "INTS",   "FLOATS",  "STRINGS",
                                "BOOLEAN", "BOOLEANS", "BLOCK", "LONG",   "BLOCKS",  "LONGS",
                                "FLOAT64S", "VAR",   "VARS",    "FLOAT64", "SCALAR", "SCALARS"};
  int i = static_cast<int>(t);
  return (i >= 0 && i <= kMaxAttrType) ? names[i] : "UNKNOWN";
}

std::string VarTypeName(int type) {
  static const char* names[] = {
      "BOOL", "INT16", "INT32", "INT64", "FP16", "FP32", "FP64", "LOD_TENSOR", "SELECTED_ROWS",
      "FEED_MINIBATCH", "FETCH_LIST", "STEP_SCOPES", "LOD_RANK_TABLE", "LOD_TENSOR_ARRAY",
      "PLACE_LIST", "READER", "TYPE_16", "RAW", "TUPLE", "SIZE_T", "UINT8", "INT8", "BF16",
      "COMPLEX64", "COMPLEX128", "STRING", "STRINGS", "VOCAB", "FEED_LIST", "PSTRING",
      "SPARSE_COO", "SPARSE_CSR", "FP8_E4M3FN", "FP8_E5M2"};
  if (type >= 0 && type <= kMaxVarType) return names[type];
  return StrCat("TYPE_", type);
}

const Attr* OpDesc::FindAttr(const std::string& name) const {
  const Attr* found = nullptr;
  for (const Attr& a : attrs)
    if (a.name == name) found = &a;  // last one wins, as in Paddle's attribute map
  return found;
}

const OpVar* OpDesc::FindInput(const std::string& slot) const {
  for (const OpVar& v : inputs)
    if (v.parameter == slot) return &v;
  return nullptr;
}

const OpVar* OpDesc::FindOutput(const std::string& slot) const {
  for (const OpVar& v : outputs)
    if (v.parameter == slot) return &v;
  return nullptr;
}

bool IsParameterVar(const VarDesc& v) {
  return v.persistable && v.type.type != kVarFeedMinibatch && v.type.type != kVarFetchList &&
         v.type.type != kVarRaw;
}

ProgramDesc ParseProgramDesc(const uint8_t* data, size_t size, const std::string& origin) {
  ProgramDesc p;
  Decoder d(origin, &p.warnings);
  Reader r(data, size, d.ctx());
  Field f;
  while (r.Next(&f)) {
    switch (f.number) {
      case 1: {
        PathScope s(d.ctx(), "blocks", static_cast<int64_t>(p.blocks.size()));
        p.blocks.push_back(d.ParseBlock(r.Sub(f)));
        break;
      }
      case 4: {
        PathScope s(d.ctx(), "version");
        Reader v = r.Sub(f);
        Field g;
        while (v.Next(&g))
          if (g.number == 1) p.version = v.Int64(g, "version");
        p.has_version = true;
        break;
      }
      case 5: {
        PathScope s(d.ctx(), "op_version_map");
        d.ParseOpVersionMap(r.Sub(f), &p);
        break;
      }
      default: break;  // 3 = legacy op_compatible_map, newer fields
    }
  }
  for (size_t i = 0; i < p.blocks.size(); ++i)
    if (p.blocks[i].idx != static_cast<int32_t>(i))
      d.Warn(kNoOffset, StrCat("block at position ", i, " says idx ", p.blocks[i].idx,
                       "; using its position"));
  d.FinishWarnings();
  ValidateBlocks(p, origin);
  return p;
}

TensorDesc ParseTensorDesc(const uint8_t* data, size_t size, const std::string& origin,
                           size_t base_offset) {
  Decoder d(origin, nullptr);
  pb::PathScope s(d.ctx(), "TensorDesc");
  return d.ParseTensor(Reader(data, size, d.ctx(), base_offset));
}

}  // namespace legacy
}  // namespace pdinfer
