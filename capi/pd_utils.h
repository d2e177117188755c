/* pdinfer C API: destroy functions for the value types, and error reporting.
 * Every destroy function accepts NULL. */
#pragma once

#include "pd_common.h" /* NOLINT */
#include "pd_types.h"  /* NOLINT */

#ifdef __cplusplus
extern "C" {
#endif

PADDLE_CAPI_EXPORT extern void PD_OneDimArrayInt32Destroy(__pd_take PD_OneDimArrayInt32* array);
PADDLE_CAPI_EXPORT extern void PD_OneDimArrayInt64Destroy(__pd_take PD_OneDimArrayInt64* array);
PADDLE_CAPI_EXPORT extern void PD_OneDimArrayCstrDestroy(__pd_take PD_OneDimArrayCstr* array);
PADDLE_CAPI_EXPORT extern void PD_OneDimArraySizeDestroy(__pd_take PD_OneDimArraySize* array);
PADDLE_CAPI_EXPORT extern void PD_TwoDimArraySizeDestroy(__pd_take PD_TwoDimArraySize* array);
PADDLE_CAPI_EXPORT extern void PD_CstrDestroy(__pd_take PD_Cstr* cstr);
PADDLE_CAPI_EXPORT extern void PD_IOInfoDestroy(__pd_take PD_IOInfo* io_info);
PADDLE_CAPI_EXPORT extern void PD_IOInfosDestroy(__pd_take PD_IOInfos* io_infos);

/* ---- errors (pdinfer extension) ------------------------------------------------
 * Paddle's C functions return bool/void/pointers and carry no reason for a failure.
 * pdinfer keeps the last error per thread:
 *
 *   PD_Predictor* p = PD_PredictorCreate(config);
 *   if (!p) fprintf(stderr, "load failed: %s\n", PD_GetLastErrorMsg());
 *
 * Every PD_* function except these three clears the calling thread's error when it
 * starts, so after any call PD_GetLastErrorCode() != PD_ERROR_NONE exactly when that call
 * failed (or, for an Enable* call of hardware this build lacks, was ignored).
 */
/* PD_ERROR_NONE when the calling thread's most recent PD_* call succeeded. */
PADDLE_CAPI_EXPORT extern PD_ErrorCode PD_GetLastErrorCode(void);
/* "" when there is no error. Owned by the library; valid until the thread's next PD_*
 * call. The message names the function, and the file, tensor, expected and actual
 * values involved. */
PADDLE_CAPI_EXPORT extern const char* PD_GetLastErrorMsg(void);
PADDLE_CAPI_EXPORT extern void PD_ClearLastError(void);

#ifdef __cplusplus
} /* extern "C" */
#endif
