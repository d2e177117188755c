// Plain-struct mirror of Paddle's legacy `ProgramDesc` protobuf (framework.proto) and
// its decoder. Field numbers and enum values follow spec/PADDLE_FORMATS.md §1.2.
//
// Decoding is lenient where version-skewed exporters are known to differ (a missing
// "required" field takes its default and adds a warning) and strict where a value can
// not be meaningful (an enum out of range, a dim below -1, a block index outside the
// program): those throw Error(kInvalidModel) naming the file, byte offset and path.
#pragma once

#include <cstdint>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace pdinfer {
namespace legacy {

// OpDesc.AttrType
enum class AttrType : int {
  kInt = 0, kFloat = 1, kString = 2, kInts = 3, kFloats = 4, kStrings = 5, kBoolean = 6,
  kBooleans = 7, kBlock = 8, kLong = 9, kBlocks = 10, kLongs = 11, kFloat64s = 12, kVar = 13,
  kVars = 14, kFloat64 = 15, kScalar = 16, kScalars = 17,
};
constexpr int kMaxAttrType = 17;
const char* AttrTypeName(AttrType t);

// VarType.Type values that are variable kinds rather than element types.
enum VarKind : int {
  kVarLoDTensor = 7,
  kVarSelectedRows = 8,
  kVarFeedMinibatch = 9,
  kVarFetchList = 10,
  kVarLoDTensorArray = 13,
  kVarRaw = 17,
  kVarStrings = 26,
  kVarVocab = 27,
};
constexpr int kMaxVarType = 33;
// "FP32", "LOD_TENSOR", ... for messages; "TYPE_<n>" when unknown.
std::string VarTypeName(int type);

struct Scalar {
  enum Kind : int { kNone = 0, kBool = 1, kLong = 2, kFloat64 = 3, kComplex128 = 4 };
  int type = kNone;
  bool b = false;
  int64_t i = 0;
  double r = 0;
  double c_real = 0, c_imag = 0;
};

struct Attr {
  std::string name;
  AttrType type = AttrType::kInt;
  bool has_type = false;  // false: the file omitted it; `type` was inferred from the payload
  int32_t i = 0;
  float f = 0;
  std::string s;
  std::vector<int32_t> ints;
  std::vector<float> floats;
  std::vector<std::string> strings;
  bool b = false;
  std::vector<bool> bools;
  int32_t block_idx = 0;
  int64_t l = 0;
  std::vector<int32_t> blocks_idx;
  std::vector<int64_t> longs;
  std::vector<double> float64s;
  std::string var_name;
  std::vector<std::string> vars_name;
  double float64 = 0;
  Scalar scalar;
  std::vector<Scalar> scalars;
};

// OpDesc.Var: slot name -> variable names.
struct OpVar {
  std::string parameter;
  std::vector<std::string> arguments;
};

struct OpDesc {
  std::string type;
  std::vector<OpVar> inputs;
  std::vector<OpVar> outputs;
  std::vector<Attr> attrs;
  bool is_target = false;

  const Attr* FindAttr(const std::string& name) const;
  const OpVar* FindInput(const std::string& slot) const;
  const OpVar* FindOutput(const std::string& slot) const;
};

struct TensorDesc {
  int data_type = -1;  // VarType.Type element type; -1 when absent
  std::vector<int64_t> dims;  // -1 = unknown
};

struct VarType {
  int type = -1;  // VarType.Type kind (kVarLoDTensor, ...); -1 when absent
  bool has_tensor = false;  // lod_tensor (or tensor_array / selected_rows) carried a TensorDesc
  TensorDesc tensor;
  int32_t lod_level = 0;
};

struct VarDesc {
  std::string name;
  VarType type;
  bool persistable = false;
  bool need_check_feed = false;
  bool is_parameter = false;
  bool stop_gradient = false;
};

struct BlockDesc {
  int32_t idx = 0;
  int32_t parent_idx = -1;
  std::vector<VarDesc> vars;
  std::vector<OpDesc> ops;
  int32_t forward_block_idx = -1;
};

struct ProgramDesc {
  std::vector<BlockDesc> blocks;
  int64_t version = 0;
  bool has_version = false;
  std::vector<std::pair<std::string, int32_t>> op_versions;  // op_version_map
  std::vector<std::string> warnings;  // leniencies applied while decoding
};

// Decodes one serialized ProgramDesc. `origin` names the file in error messages.
ProgramDesc ParseProgramDesc(const uint8_t* data, size_t size, const std::string& origin);

// Decodes a serialized VarType.TensorDesc (the header of a parameter record).
// `base_offset` is the payload's offset in the file, for messages.
TensorDesc ParseTensorDesc(const uint8_t* data, size_t size, const std::string& origin,
                           size_t base_offset);

// Paddle's persistable predicate for parameters: persistable and not a feed/fetch
// holder or RAW variable.
bool IsParameterVar(const VarDesc& v);

}  // namespace legacy
}  // namespace pdinfer
