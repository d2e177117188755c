// C API: PD_Tensor over paddle_infer::Tensor.
#include "capi_internal.h"

using pdcapi::Guard;
using pdcapi::GuardVoid;

namespace {

paddle_infer::Tensor& Ten(PD_Tensor* t) {
  if (!t || !t->tensor) pdcapi::NullHandle("tensor");
  return *t->tensor;
}

paddle_infer::PlaceType Place(PD_PlaceType p) {
  switch (p) {
    case PD_PLACE_CPU: return paddle_infer::PlaceType::kCPU;
    case PD_PLACE_GPU: return paddle_infer::PlaceType::kGPU;
    case PD_PLACE_XPU: return paddle_infer::PlaceType::kXPU;
    case PD_PLACE_CUSTOM: return paddle_infer::PlaceType::kCUSTOM;
    default: return paddle_infer::PlaceType::kUNK;
  }
}

// PD_Bool is int8_t holding 0/1; the C++ API's bool tensors use one byte per element.
template <typename T>
struct CxxOf {
  using type = T;
};
template <>
struct CxxOf<PD_Bool> {
  using type = bool;
};

}  // namespace

extern "C" {

void PD_TensorDestroy(PD_Tensor* pd_tensor) {
  GuardVoid(__func__, [&] { delete pd_tensor; });
}

void PD_TensorReshape(PD_Tensor* pd_tensor, size_t shape_size, int32_t* shape) {
  GuardVoid(__func__, [&] {
    auto& t = Ten(pd_tensor);
    if (shape_size && !shape) pdcapi::NullHandle("shape");
    t.Reshape(std::vector<int>(shape, shape + shape_size));
  });
}

#define PD_TENSOR_TYPED_IMPL(Suffix, T)                                                    \
  T* PD_TensorMutableData##Suffix(PD_Tensor* pd_tensor, PD_PlaceType place) {              \
    using U = CxxOf<T>::type;                                                              \
    return Guard(__func__, static_cast<T*>(nullptr), [&] {                                 \
      return reinterpret_cast<T*>(Ten(pd_tensor).mutable_data<U>(Place(place)));           \
    });                                                                                    \
  }                                                                                        \
  T* PD_TensorData##Suffix(PD_Tensor* pd_tensor, PD_PlaceType* place, int32_t* size) {     \
    using U = CxxOf<T>::type;                                                              \
    return Guard(__func__, static_cast<T*>(nullptr), [&] {                                 \
      paddle_infer::PlaceType p;                                                           \
      int n = 0;                                                                           \
      T* data = reinterpret_cast<T*>(Ten(pd_tensor).data<U>(&p, &n));                      \
      if (place) *place = PD_PLACE_CPU;                                                    \
      if (size) *size = n;                                                                 \
      return data;                                                                         \
    });                                                                                    \
  }                                                                                        \
  void PD_TensorCopyFromCpu##Suffix(PD_Tensor* pd_tensor, const T* data) {                 \
    using U = CxxOf<T>::type;                                                              \
    GuardVoid(__func__,                                                                    \
              [&] { Ten(pd_tensor).CopyFromCpu<U>(reinterpret_cast<const U*>(data)); });   \
  }                                                                                        \
  void PD_TensorCopyToCpu##Suffix(PD_Tensor* pd_tensor, T* data) {                         \
    using U = CxxOf<T>::type;                                                              \
    GuardVoid(__func__, [&] { Ten(pd_tensor).CopyToCpu<U>(reinterpret_cast<U*>(data)); }); \
  }

PD_TENSOR_TYPED_IMPL(Float, float)
PD_TENSOR_TYPED_IMPL(Int64, int64_t)
PD_TENSOR_TYPED_IMPL(Int32, int32_t)
PD_TENSOR_TYPED_IMPL(Uint8, uint8_t)
PD_TENSOR_TYPED_IMPL(Int8, int8_t)
PD_TENSOR_TYPED_IMPL(Double, double)
PD_TENSOR_TYPED_IMPL(Bool, PD_Bool)

PD_OneDimArrayInt32* PD_TensorGetShape(PD_Tensor* pd_tensor) {
  return Guard(__func__, static_cast<PD_OneDimArrayInt32*>(nullptr),
               [&] { return pdcapi::ToInt32Array(Ten(pd_tensor).shape()); });
}

void PD_TensorSetLod(PD_Tensor* pd_tensor, PD_TwoDimArraySize* lod) {
  GuardVoid(__func__, [&] {
    auto& t = Ten(pd_tensor);
    std::vector<std::vector<size_t>> levels;
    if (lod) {
      if (lod->size && !lod->data) pdcapi::NullHandle("lod->data");
      for (size_t i = 0; i < lod->size; ++i) {
        const PD_OneDimArraySize* level = lod->data[i];
        if (!level) pdcapi::NullHandle("a lod level");
        if (level->size && !level->data) pdcapi::NullHandle("a lod level's data");
        levels.emplace_back(level->data, level->data + level->size);
      }
    }
    t.SetLoD(levels);
  });
}

PD_TwoDimArraySize* PD_TensorGetLod(PD_Tensor* pd_tensor) {
  return Guard(__func__, static_cast<PD_TwoDimArraySize*>(nullptr), [&] {
    auto levels = Ten(pd_tensor).lod();
    std::unique_ptr<PD_TwoDimArraySize, void (*)(PD_TwoDimArraySize*)> out(
        new PD_TwoDimArraySize{0, nullptr}, PD_TwoDimArraySizeDestroy);
    if (!levels.empty()) {
      out->data = new PD_OneDimArraySize*[levels.size()]();
      for (size_t i = 0; i < levels.size(); ++i) {
        out->size = i + 1;
        out->data[i] = pdcapi::ToSizeArray(levels[i]);
      }
    }
    return out.release();
  });
}

const char* PD_TensorGetName(PD_Tensor* pd_tensor) {
  return Guard(__func__, static_cast<const char*>(nullptr),
               [&] { return Ten(pd_tensor).name().c_str(); });
}

PD_DataType PD_TensorGetDataType(PD_Tensor* pd_tensor) {
  return Guard(__func__, static_cast<PD_DataType>(PD_DATA_UNK),
               [&] { return pdcapi::ToC(Ten(pd_tensor).type()); });
}

}  // extern "C"
