/* pdinfer C API: common definitions.
 *
 * The C API follows Paddle Inference's C API (capi_exp): same function names, argument
 * lists and ownership rules, so C code written for Paddle builds against pdinfer by
 * pointing the include and library paths at pdinfer (see `python -m pdinfer --cflags
 * --libs`, the pkg-config package `pdinfer`, or CMake's find_package(pdinfer)).
 *
 * Ownership annotations (documentation only):
 *   __pd_give  the function returns a new object; the caller destroys it with the
 *              matching *Destroy function (never free()).
 *   __pd_take  the function takes ownership of the argument, also when it fails.
 *   __pd_keep  the argument is borrowed for the duration of the call.
 *
 * Errors (a pdinfer extension, see pd_utils.h): no C++ exception ever leaves this
 * library. Every entry point first clears the calling thread's last error; a failing
 * call returns NULL / FALSE / 0 (or does nothing, for void functions) and records a
 * PD_ErrorCode and a readable message, read with PD_GetLastErrorCode() and
 * PD_GetLastErrorMsg() on the same thread before the next PD_* call.
 *
 * Enum values are fixed and never renumbered. Values marked "pdinfer extension" are not
 * in Paddle's headers.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#if defined(_WIN32)
#ifdef PADDLE_DLL_INFERENCE
#define PADDLE_CAPI_EXPORT __declspec(dllexport)
#else
#define PADDLE_CAPI_EXPORT __declspec(dllimport)
#endif
#else
#define PADDLE_CAPI_EXPORT __attribute__((visibility("default")))
#endif

#ifndef __pd_give
#define __pd_give
#endif
#ifndef __pd_take
#define __pd_take
#endif
#ifndef __pd_keep
#define __pd_keep
#endif

typedef int8_t PD_Bool;
#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

#define PD_ENUM(type)   \
  typedef int32_t type; \
  enum

PD_ENUM(PD_PrecisionType){
    PD_PRECISION_FLOAT32 = 0,
    PD_PRECISION_INT8 = 1,
    PD_PRECISION_HALF = 2,
    PD_PRECISION_BF16 = 3, /* pdinfer extension */
};

PD_ENUM(PD_PlaceType){
    PD_PLACE_UNK = -1,
    PD_PLACE_CPU = 0,
    PD_PLACE_GPU = 1,
    PD_PLACE_XPU = 2,
    PD_PLACE_CUSTOM = 3,
};

/* Note: the order differs from the C++ paddle_infer::DataType (as in Paddle). */
PD_ENUM(PD_DataType){
    PD_DATA_UNK = -1,
    PD_DATA_FLOAT32 = 0,
    PD_DATA_INT32 = 1,
    PD_DATA_INT64 = 2,
    PD_DATA_UINT8 = 3,
    PD_DATA_INT8 = 4,
    PD_DATA_FLOAT16 = 5, /* pdinfer extension: reported, no copy functions */
    PD_DATA_BOOL = 6,    /* pdinfer extension: PD_Tensor*Bool functions, 1 byte 0/1 */
    PD_DATA_FLOAT64 = 7, /* pdinfer extension: PD_Tensor*Double functions */
};

/* pdinfer extension: the category of the last error (PD_GetLastErrorCode). */
PD_ENUM(PD_ErrorCode){
    PD_ERROR_NONE = 0,
    PD_ERROR_INVALID_MODEL = 1,    /* model/params bytes malformed or inconsistent */
    PD_ERROR_INVALID_ARGUMENT = 2, /* wrong handle, name, shape, dtype or call order */
    PD_ERROR_UNSUPPORTED = 3,      /* valid request this build cannot run */
    PD_ERROR_OUT_OF_MEMORY = 4,
    PD_ERROR_INTERNAL = 5,
    PD_ERROR_NOT_FOUND = 6, /* a file or a named tensor does not exist */
};
