/* pdinfer C API: umbrella header.
 *
 *   #include "pd_inference_api.h"
 *   PD_Config* config = PD_ConfigCreate();
 *   PD_ConfigSetModel(config, "model.pdmodel", "model.pdiparams");
 *   PD_Predictor* predictor = PD_PredictorCreate(config);   // takes the config
 *   if (!predictor) { fprintf(stderr, "%s\n", PD_GetLastErrorMsg()); return 1; }
 *   PD_Tensor* x = PD_PredictorGetInputHandle(predictor, "x");
 *   int32_t shape[4] = {1, 3, 224, 224};
 *   PD_TensorReshape(x, 4, shape);
 *   PD_TensorCopyFromCpuFloat(x, data);
 *   if (!PD_PredictorRun(predictor)) { fprintf(stderr, "%s\n", PD_GetLastErrorMsg()); }
 *   ...
 *   PD_TensorDestroy(x);
 *   PD_PredictorDestroy(predictor);
 *
 * Build: cc app.c $(python -m pdinfer --cflags --libs)   (or pkg-config pdinfer, or
 * CMake find_package(pdinfer) and pdinfer::pdinfer_c). The library is libpdinfer_c.so
 * (soname libpdinfer_c.so.0) and exports only the PD_* functions.
 */
#pragma once

#include "pd_common.h"    /* NOLINT */
#include "pd_config.h"    /* NOLINT */
#include "pd_predictor.h" /* NOLINT */
#include "pd_tensor.h"    /* NOLINT */
#include "pd_types.h"     /* NOLINT */
#include "pd_utils.h"     /* NOLINT */
