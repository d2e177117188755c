/* Create / run / destroy loop for leak checking, driven by tests/python/test_native_apis.py.
 *
 *   leak_loop MODEL_FILE PARAMS_FILE IO_DIR ITERATIONS
 *
 * Each iteration builds a config and a predictor, feeds the inputs of IO_DIR (same format
 * as test_capi), runs, copies every output out, provokes two errors (a bad input name and
 * an input of the wrong size) and destroys everything. Prints "rss_kb ITER KB" lines so
 * the caller can check that memory stays flat; run it under valgrind to find leaks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pd_inference_api.h"

#define MAX_IO 16
#define MAX_RANK 16

typedef struct {
  char name[256];
  char dtype[16];
  int rank;
  int32_t dims[MAX_RANK];
  void* data;
} Input;

static void* read_file(const char* path) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  void* buf = malloc(n > 0 ? (size_t)n : 1);
  if (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  return buf;
}

static int read_inputs(const char* io_dir, Input* in) {
  char path[4096];
  snprintf(path, sizeof path, "%s/inputs.txt", io_dir);
  FILE* f = fopen(path, "r");
  if (!f) return -1;
  int n = 0;
  while (n < MAX_IO && fscanf(f, "%255s %15s %d", in[n].name, in[n].dtype, &in[n].rank) == 3) {
    for (int i = 0; i < in[n].rank; ++i)
      if (fscanf(f, "%d", &in[n].dims[i]) != 1) return -1;
    snprintf(path, sizeof path, "%s/in_%d.bin", io_dir, n);
    if (!(in[n].data = read_file(path))) return -1;
    n++;
  }
  fclose(f);
  return n;
}

static long rss_kb(void) {
  long pages = 0, resident = 0;
  FILE* f = fopen("/proc/self/statm", "r");
  if (!f) return -1;
  if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = -1;
  fclose(f);
  return resident * 4;
}

static int feed(PD_Predictor* p, const Input* b) {
  PD_Tensor* t = PD_PredictorGetInputHandle(p, b->name);
  if (!t) return 0;
  PD_TensorReshape(t, (size_t)b->rank, (int32_t*)b->dims);
  if (!strcmp(b->dtype, "float32")) PD_TensorCopyFromCpuFloat(t, (const float*)b->data);
  else if (!strcmp(b->dtype, "int64")) PD_TensorCopyFromCpuInt64(t, (const int64_t*)b->data);
  else if (!strcmp(b->dtype, "int32")) PD_TensorCopyFromCpuInt32(t, (const int32_t*)b->data);
  PD_TensorDestroy(t);
  return PD_GetLastErrorCode() == PD_ERROR_NONE;
}

static int iteration(const char* model, const char* params, const Input* in, int n_in) {
  PD_Config* c = PD_ConfigCreate();
  PD_ConfigSetModel(c, model, params);
  PD_ConfigDisableGlogInfo(c);
  PD_ConfigSetCpuMathLibraryNumThreads(c, 1);
  PD_Predictor* p = PD_PredictorCreate(c);
  if (!p) return 0;
  int ok = PD_PredictorGetInputHandle(p, "no_such_input") == NULL;
  /* wrong size: one more leading dim than the declared rank fails at Run */
  Input bad = in[0];
  if (bad.rank < MAX_RANK) {
    bad.dims[0] = 1;
    memcpy(bad.dims + 1, in[0].dims, sizeof(int32_t) * (size_t)in[0].rank);
    bad.rank++;
  }
  ok = ok && feed(p, &bad);
  for (int i = 1; i < n_in; ++i) ok = ok && feed(p, &in[i]);
  ok = ok && PD_PredictorRun(p) == FALSE && PD_GetLastErrorCode() != PD_ERROR_NONE;
  for (int i = 0; i < n_in; ++i) ok = ok && feed(p, &in[i]);
  ok = ok && PD_PredictorRun(p) == TRUE;
  PD_OneDimArrayCstr* names = PD_PredictorGetOutputNames(p);
  for (size_t i = 0; ok && i < names->size; ++i) {
    PD_Tensor* o = PD_PredictorGetOutputHandle(p, names->data[i]);
    PD_OneDimArrayInt32* shape = PD_TensorGetShape(o);
    size_t n = 1;
    for (size_t k = 0; k < shape->size; ++k) n *= (size_t)shape->data[k];
    void* buf = malloc(n * 8 + 8);
    switch (PD_TensorGetDataType(o)) {
      case PD_DATA_FLOAT32: PD_TensorCopyToCpuFloat(o, (float*)buf); break;
      case PD_DATA_INT64: PD_TensorCopyToCpuInt64(o, (int64_t*)buf); break;
      case PD_DATA_INT32: PD_TensorCopyToCpuInt32(o, (int32_t*)buf); break;
      default: break;
    }
    ok = PD_GetLastErrorCode() == PD_ERROR_NONE;
    free(buf);
    PD_OneDimArrayInt32Destroy(shape);
    PD_TensorDestroy(o);
  }
  PD_OneDimArrayCstrDestroy(names);
  PD_PredictorDestroy(p);
  return ok;
}

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s MODEL_FILE PARAMS_FILE IO_DIR ITERATIONS\n", argv[0]);
    return 2;
  }
  Input in[MAX_IO];
  memset(in, 0, sizeof in);
  int n_in = read_inputs(argv[3], in);
  int iters = atoi(argv[4]);
  if (n_in <= 0 || iters <= 0) {
    fprintf(stderr, "bad inputs or iteration count\n");
    return 2;
  }
  for (int it = 0; it < iters; ++it) {
    if (!iteration(argv[1], argv[2], in, n_in)) {
      fprintf(stderr, "iteration %d failed: %s\n", it, PD_GetLastErrorMsg());
      return 1;
    }
    if (it == 0 || (it + 1) % 50 == 0) printf("rss_kb %d %ld\n", it + 1, rss_kb());
  }
  PD_ClearLastError();
  for (int i = 0; i < n_in; ++i) free(in[i].data);
  printf("leak_loop: %d iterations done\n", iters);
  return 0;
}
