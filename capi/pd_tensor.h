/* pdinfer C API: PD_Tensor, the handle of one predictor input or output.
 *
 * Feeding an input: PD_TensorReshape (needed when the model declares dynamic dims), then
 * PD_TensorCopyFromCpu<Type> (copies numel(shape) elements) or PD_TensorMutableData<Type>
 * (a buffer to fill in place). Reading an output after PD_PredictorRun: PD_TensorGetShape,
 * then PD_TensorCopyToCpu<Type> (into a buffer of numel(shape) elements) or
 * PD_TensorData<Type> (a pointer valid until the next run).
 * <Type> must match the tensor's element type (PD_TensorGetDataType); there is no
 * implicit conversion. Type suffixes: Float, Int64, Int32, Uint8, Int8, and the pdinfer
 * extensions Double (float64) and Bool (PD_Bool, one byte 0/1).
 */
#pragma once

#include "pd_common.h" /* NOLINT */
#include "pd_types.h"  /* NOLINT */

#ifdef __cplusplus
extern "C" {
#endif

PADDLE_CAPI_EXPORT extern void PD_TensorDestroy(__pd_take PD_Tensor* pd_tensor);
PADDLE_CAPI_EXPORT extern void PD_TensorReshape(__pd_keep PD_Tensor* pd_tensor,
                                                size_t shape_size, int32_t* shape);

#define PD_TENSOR_TYPED_DECL(Suffix, T)                                                       \
  PADDLE_CAPI_EXPORT extern T* PD_TensorMutableData##Suffix(__pd_keep PD_Tensor* pd_tensor,   \
                                                            PD_PlaceType place);              \
  PADDLE_CAPI_EXPORT extern T* PD_TensorData##Suffix(__pd_keep PD_Tensor* pd_tensor,          \
                                                     PD_PlaceType* place, int32_t* size);     \
  PADDLE_CAPI_EXPORT extern void PD_TensorCopyFromCpu##Suffix(__pd_keep PD_Tensor* pd_tensor, \
                                                              const T* data);                 \
  PADDLE_CAPI_EXPORT extern void PD_TensorCopyToCpu##Suffix(__pd_keep PD_Tensor* pd_tensor,   \
                                                            T* data);

PD_TENSOR_TYPED_DECL(Float, float)
PD_TENSOR_TYPED_DECL(Int64, int64_t)
PD_TENSOR_TYPED_DECL(Int32, int32_t)
PD_TENSOR_TYPED_DECL(Uint8, uint8_t)
PD_TENSOR_TYPED_DECL(Int8, int8_t)
PD_TENSOR_TYPED_DECL(Double, double) /* pdinfer extension */
PD_TENSOR_TYPED_DECL(Bool, PD_Bool)  /* pdinfer extension */

#undef PD_TENSOR_TYPED_DECL

/* Current shape (an output's computed shape after a run; before, the declared one with
 * -1 for dynamic dims). */
PADDLE_CAPI_EXPORT extern __pd_give PD_OneDimArrayInt32* PD_TensorGetShape(
    __pd_keep PD_Tensor* pd_tensor);
PADDLE_CAPI_EXPORT extern void PD_TensorSetLod(__pd_keep PD_Tensor* pd_tensor,
                                               __pd_keep PD_TwoDimArraySize* lod);
PADDLE_CAPI_EXPORT extern __pd_give PD_TwoDimArraySize* PD_TensorGetLod(
    __pd_keep PD_Tensor* pd_tensor);
/* Borrowed: valid while the handle lives. */
PADDLE_CAPI_EXPORT extern const char* PD_TensorGetName(__pd_keep PD_Tensor* pd_tensor);
PADDLE_CAPI_EXPORT extern PD_DataType PD_TensorGetDataType(__pd_keep PD_Tensor* pd_tensor);

#ifdef __cplusplus
} /* extern "C" */
#endif
