/* pdinfer C API: PD_Predictor, a loaded model ready to run.
 *
 * Thread-safety: a predictor (and its tensor handles) is used by one thread at a time.
 * PD_PredictorClone may be called from any thread; a clone shares the read-only weights
 * and has its own inputs, outputs and workspace: give each thread its own clone.
 */
#pragma once

#include "pd_common.h" /* NOLINT */
#include "pd_types.h"  /* NOLINT */

#ifdef __cplusplus
extern "C" {
#endif

/* Loads the model. Takes the config in every case (it is destroyed here, also on
 * failure). NULL on failure: PD_ERROR_NOT_FOUND for a missing file,
 * PD_ERROR_INVALID_MODEL for malformed bytes, PD_ERROR_INVALID_ARGUMENT for a bad option. */
PADDLE_CAPI_EXPORT extern __pd_give PD_Predictor* PD_PredictorCreate(
    __pd_take PD_Config* pd_config);
/* A new predictor sharing the weights; destroy it with PD_PredictorDestroy. */
PADDLE_CAPI_EXPORT extern __pd_give PD_Predictor* PD_PredictorClone(
    __pd_keep PD_Predictor* pd_predictor);
PADDLE_CAPI_EXPORT extern __pd_give PD_OneDimArrayCstr* PD_PredictorGetInputNames(
    __pd_keep PD_Predictor* pd_predictor);
PADDLE_CAPI_EXPORT extern __pd_give PD_IOInfos* PD_PredictorGetInputInfos(
    __pd_keep PD_Predictor* pd_predictor);
PADDLE_CAPI_EXPORT extern __pd_give PD_OneDimArrayCstr* PD_PredictorGetOutputNames(
    __pd_keep PD_Predictor* pd_predictor);
PADDLE_CAPI_EXPORT extern __pd_give PD_IOInfos* PD_PredictorGetOutputInfos(
    __pd_keep PD_Predictor* pd_predictor);
PADDLE_CAPI_EXPORT extern size_t PD_PredictorGetInputNum(__pd_keep PD_Predictor* pd_predictor);
PADDLE_CAPI_EXPORT extern size_t PD_PredictorGetOutputNum(__pd_keep PD_Predictor* pd_predictor);
/* A handle on the named input/output (NULL + PD_ERROR_NOT_FOUND for an unknown name).
 * Destroy it with PD_TensorDestroy; it stays valid even after the predictor is
 * destroyed (it keeps the predictor's state alive). */
PADDLE_CAPI_EXPORT extern __pd_give PD_Tensor* PD_PredictorGetInputHandle(
    __pd_keep PD_Predictor* pd_predictor, const char* name);
PADDLE_CAPI_EXPORT extern __pd_give PD_Tensor* PD_PredictorGetOutputHandle(
    __pd_keep PD_Predictor* pd_predictor, const char* name);
/* TRUE on success; FALSE with the last error set otherwise (e.g. an input not set). */
PADDLE_CAPI_EXPORT extern PD_Bool PD_PredictorRun(__pd_keep PD_Predictor* pd_predictor);
PADDLE_CAPI_EXPORT extern void PD_PredictorClearIntermediateTensor(
    __pd_keep PD_Predictor* pd_predictor);
/* Bytes of cached workspace released. */
PADDLE_CAPI_EXPORT extern uint64_t PD_PredictorTryShrinkMemory(
    __pd_keep PD_Predictor* pd_predictor);
PADDLE_CAPI_EXPORT extern void PD_PredictorDestroy(__pd_take PD_Predictor* pd_predictor);

/* Several lines; the first names the pdinfer version. Static storage: do not free. */
PADDLE_CAPI_EXPORT extern const char* PD_GetVersion(void);

#ifdef __cplusplus
} /* extern "C" */
#endif
