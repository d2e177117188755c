#include "pdinfer/core/dtype.h"

namespace pdinfer {

size_t SizeOf(DataType t) {
  switch (t) {
    case DataType::kBool: case DataType::kUInt8: case DataType::kInt8: return 1;
    case DataType::kInt16: case DataType::kFloat16: case DataType::kBFloat16: return 2;
    case DataType::kInt32: case DataType::kFloat32: return 4;
    case DataType::kInt64: case DataType::kFloat64: return 8;
    case DataType::kUndefined: return 0;
  }
  return 0;
}

const char* DataTypeName(DataType t) {
  switch (t) {
    case DataType::kBool: return "bool";
    case DataType::kInt16: return "int16";
    case DataType::kInt32: return "int32";
    case DataType::kInt64: return "int64";
    case DataType::kFloat16: return "float16";
    case DataType::kFloat32: return "float32";
    case DataType::kFloat64: return "float64";
    case DataType::kUInt8: return "uint8";
    case DataType::kInt8: return "int8";
    case DataType::kBFloat16: return "bfloat16";
    case DataType::kUndefined: return "undefined";
  }
  return "undefined";
}

bool IsValidDataTypeNumber(int v) {
  return (v >= 0 && v <= 6) || v == 20 || v == 21 || v == 22;
}

DataType DataTypeFromName(const std::string& n) {
  static const DataType all[] = {DataType::kBool, DataType::kInt16, DataType::kInt32,
                                 DataType::kInt64, DataType::kFloat16, DataType::kFloat32,
                                 DataType::kFloat64, DataType::kUInt8, DataType::kInt8,
                                 DataType::kBFloat16};
  for (DataType t : all)
    if (n == DataTypeName(t)) return t;
  if (n == "fp32") return DataType::kFloat32;
  if (n == "fp16") return DataType::kFloat16;
  if (n == "bf16") return DataType::kBFloat16;
  return DataType::kUndefined;
}

}  // namespace pdinfer
