// Element types. The integer values are Paddle's VarType.Type numbers, so the
// legacy frontend and the params reader can use them directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace pdinfer {

enum class DataType : int {
  kBool = 0,
  kInt16 = 1,
  kInt32 = 2,
  kInt64 = 3,
  kFloat16 = 4,
  kFloat32 = 5,
  kFloat64 = 6,
  kUInt8 = 20,
  kInt8 = 21,
  kBFloat16 = 22,
  kUndefined = -1,
};

// Bytes per element; 0 for kUndefined.
size_t SizeOf(DataType t);
// "float32", "int64", ... (Paddle's spelling).
const char* DataTypeName(DataType t);
// True when `v` is one of the element-type numbers above (Paddle VarType.Type).
bool IsValidDataTypeNumber(int v);
// Parse Paddle's dtype strings ("float32", "int64", "bool", ...); kUndefined if unknown.
DataType DataTypeFromName(const std::string& name);

template <typename T> struct DataTypeOf;
template <> struct DataTypeOf<bool> { static constexpr DataType value = DataType::kBool; };
template <> struct DataTypeOf<int16_t> { static constexpr DataType value = DataType::kInt16; };
template <> struct DataTypeOf<int32_t> { static constexpr DataType value = DataType::kInt32; };
template <> struct DataTypeOf<int64_t> { static constexpr DataType value = DataType::kInt64; };
template <> struct DataTypeOf<float> { static constexpr DataType value = DataType::kFloat32; };
template <> struct DataTypeOf<double> { static constexpr DataType value = DataType::kFloat64; };
template <> struct DataTypeOf<uint8_t> { static constexpr DataType value = DataType::kUInt8; };
template <> struct DataTypeOf<int8_t> { static constexpr DataType value = DataType::kInt8; };

}  // namespace pdinfer

// Dispatch a generic lambda over the numeric types kernels support.
// Usage: PDI_DISPATCH_NUMERIC(dtype, "op_name", [&](auto tag) { using T = decltype(tag); ... });
#define PDI_DISPATCH_NUMERIC(DTYPE, WHAT, FN)                                              \
  do {                                                                                    \
    switch (DTYPE) {                                                                      \
      case ::pdinfer::DataType::kFloat32: FN(float{}); break;                             \
      case ::pdinfer::DataType::kFloat64: FN(double{}); break;                            \
      case ::pdinfer::DataType::kInt32: FN(int32_t{}); break;                             \
      case ::pdinfer::DataType::kInt64: FN(int64_t{}); break;                             \
      case ::pdinfer::DataType::kInt16: FN(int16_t{}); break;                             \
      case ::pdinfer::DataType::kInt8: FN(int8_t{}); break;                               \
      case ::pdinfer::DataType::kUInt8: FN(uint8_t{}); break;                             \
      case ::pdinfer::DataType::kBool: FN(bool{}); break;                                 \
      default:                                                                            \
        ::pdinfer::ThrowError(::pdinfer::ErrorCode::kUnsupported, WHAT,                   \
                              ": unsupported dtype ", ::pdinfer::DataTypeName(DTYPE));    \
    }                                                                                     \
  } while (0)

#define PDI_DISPATCH_FLOAT(DTYPE, WHAT, FN)                                                \
  do {                                                                                    \
    switch (DTYPE) {                                                                      \
      case ::pdinfer::DataType::kFloat32: FN(float{}); break;                             \
      case ::pdinfer::DataType::kFloat64: FN(double{}); break;                            \
      default:                                                                            \
        ::pdinfer::ThrowError(::pdinfer::ErrorCode::kUnsupported, WHAT,                   \
                              ": unsupported dtype ", ::pdinfer::DataTypeName(DTYPE),     \
                              " (expected float32 or float64)");                          \
    }                                                                                     \
  } while (0)
