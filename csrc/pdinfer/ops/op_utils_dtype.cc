// Dtype helpers declared in op_utils.h: type promotion, element conversion (including
// float16/bfloat16 through float) and dtype attributes.
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>
#include <variant>

#include "pdinfer/ops/op_utils.h"

namespace pdinfer {

// ---------------------------------------------------------------------------------------
// Dtypes
// ---------------------------------------------------------------------------------------

namespace {

float HalfToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t man = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else {  // subnormal: man * 2^-24
      float f = std::ldexp(static_cast<float>(man), -24);
      return sign ? -f : f;
    }
  } else if (exp == 0x1f) {
    bits = sign | 0x7f800000u | man << 13;
  } else {
    bits = sign | (exp + 127 - 15) << 23 | man << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t FloatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  uint32_t absx = x & 0x7fffffffu;
  if (absx >= 0x7f800000u) return sign | (absx > 0x7f800000u ? 0x7e00u : 0x7c00u);
  if (absx >= 0x477ff000u) return sign | 0x7c00u;  // rounds to >= 65520: infinity
  if (absx < 0x38800000u) {                         // below the smallest normal half
    if (absx < 0x33000000u) return sign;            // rounds to zero
    uint32_t man = (absx & 0x7fffffu) | 0x800000u;
    int shift = 126 - static_cast<int>(absx >> 23);  // 14..24
    uint32_t half = man >> shift;
    uint32_t rem = man & ((1u << shift) - 1);
    uint32_t mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (half & 1u))) ++half;
    return sign | static_cast<uint16_t>(half);
  }
  uint32_t r = absx - 0x38000000u;  // rebias exponent 127 -> 15
  uint32_t half = r >> 13;
  uint32_t rem = r & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (half & 1u))) ++half;
  return sign | static_cast<uint16_t>(half);
}

float BF16ToFloat(uint16_t h) {
  uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t FloatToBF16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);
  x += 0x7fffu + ((x >> 16) & 1u);
  return static_cast<uint16_t>(x >> 16);
}

// Float -> integer with x86 semantics for values that do not fit (no UB): the result is
// the "integer indefinite" value of the 32- or 64-bit conversion, then narrowed.
template <typename D, typename S>
D FloatToInt(S v) {
  if constexpr (sizeof(D) == 8) {
    if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0))
      return static_cast<D>(std::numeric_limits<int64_t>::min());
    return static_cast<D>(static_cast<int64_t>(v));
  } else {
    if (!(v > -2147483649.0 && v < 2147483648.0))
      return static_cast<D>(std::numeric_limits<int32_t>::min());
    return static_cast<D>(static_cast<int32_t>(v));
  }
}

template <typename D, typename S>
inline D ConvertOne(S v) {
  if constexpr (std::is_same_v<D, bool>) {
    return v != S(0);
  } else if constexpr (std::is_floating_point_v<S> && std::is_integral_v<D>) {
    return FloatToInt<D>(v);
  } else {
    return static_cast<D>(v);
  }
}

template <typename D, typename S>
void ConvertLoop(const S* s, D* d, int64_t n) {
  for (int64_t i = 0; i < n; ++i) d[i] = ConvertOne<D>(s[i]);
}

// Dispatch over the element types a cast reads or writes directly (float16/bfloat16
// are converted through float by the callers).
template <typename Fn>
void DispatchStorage(DataType t, Fn&& fn) {
  DispatchNumeric(t, "cast", std::forward<Fn>(fn));
}

bool IsHalfLike(DataType t) { return t == DataType::kFloat16 || t == DataType::kBFloat16; }

}  // namespace

bool IsFloatType(DataType t) {
  return t == DataType::kFloat32 || t == DataType::kFloat64 || t == DataType::kFloat16 ||
         t == DataType::kBFloat16;
}

bool IsIntegerType(DataType t) {
  return t == DataType::kInt8 || t == DataType::kInt16 || t == DataType::kInt32 ||
         t == DataType::kInt64 || t == DataType::kUInt8;
}

DataType PromoteTypes(DataType a, DataType b) {
  if (a == b) return a;
  if (a == DataType::kUndefined) return b;
  if (b == DataType::kUndefined) return a;
  if (a == DataType::kBool) return b;
  if (b == DataType::kBool) return a;
  bool fa = IsFloatType(a), fb = IsFloatType(b);
  if (fa != fb) return fa ? a : b;
  if (fa) {
    if (a == DataType::kFloat64 || b == DataType::kFloat64) return DataType::kFloat64;
    return DataType::kFloat32;  // float16 with bfloat16, or either with float32
  }
  // Integers: uint8 with a signed type of the same width goes one size up.
  if (a == DataType::kUInt8 || b == DataType::kUInt8) {
    DataType other = a == DataType::kUInt8 ? b : a;
    return other == DataType::kInt8 ? DataType::kInt16 : other;
  }
  return SizeOf(a) >= SizeOf(b) ? a : b;
}

void CastElements(DataType src_type, const void* src, DataType dst_type, void* dst, int64_t n) {
  if (n <= 0) return;
  if (src_type == dst_type) {
    std::memcpy(dst, src, static_cast<size_t>(n) * SizeOf(src_type));
    return;
  }
  if (IsHalfLike(src_type)) {
    std::vector<float> tmp(static_cast<size_t>(n));
    const uint16_t* s = static_cast<const uint16_t*>(src);
    bool bf = src_type == DataType::kBFloat16;
    for (int64_t i = 0; i < n; ++i) tmp[static_cast<size_t>(i)] = bf ? BF16ToFloat(s[i]) : HalfToFloat(s[i]);
    CastElements(DataType::kFloat32, tmp.data(), dst_type, dst, n);
    return;
  }
  if (IsHalfLike(dst_type)) {
    std::vector<float> tmp(static_cast<size_t>(n));
    CastElements(src_type, src, DataType::kFloat32, tmp.data(), n);
    uint16_t* d = static_cast<uint16_t*>(dst);
    bool bf = dst_type == DataType::kBFloat16;
    for (int64_t i = 0; i < n; ++i) d[i] = bf ? FloatToBF16(tmp[static_cast<size_t>(i)]) : FloatToHalf(tmp[static_cast<size_t>(i)]);
    return;
  }
  DispatchStorage(src_type, [&](auto stag) {
    using S = decltype(stag);
    DispatchStorage(dst_type, [&](auto dtag) {
      using D = decltype(dtag);
      ConvertLoop(static_cast<const S*>(src), static_cast<D*>(dst), n);
    });
  });
}

Tensor CastTensor(const Tensor& t, DataType dtype) {
  Tensor r;
  if (t.dtype() == dtype) {
    r.ShareFrom(t);
    return r;
  }
  r.Resize(dtype, t.shape());
  CastElements(t.dtype(), t.raw_data(), dtype, r.raw_data(), t.numel());
  return r;
}

DataType DataTypeAttr(const OpContext& ctx, const std::string& attr, DataType def) {
  // PIR programs spell dtypes as strings ("float32"); legacy ones as VarType numbers.
  if (const Attribute* a = ctx.attrs().Find(attr)) {
    if (const std::string* name = std::get_if<std::string>(a)) {
      if (name->empty() || *name == "undefined" || *name == "Undefined") return def;
      DataType t = DataTypeFromName(*name);
      if (t == DataType::kUndefined)
        ThrowError(ErrorCode::kUnsupported, ctx.Where(), ": attribute '", attr, "' = '", *name,
                   "' is not a supported tensor element type");
      return t;
    }
  }
  int64_t v = ctx.attrs().GetInt(attr, -1);
  if (v < 0) return def;
  if (!IsValidDataTypeNumber(static_cast<int>(v)) || v > 100)
    ThrowError(ErrorCode::kUnsupported, ctx.Where(), ": attribute '", attr, "' = ", v,
               " is not a supported tensor element type");
  return static_cast<DataType>(v);
}

}  // namespace pdinfer
