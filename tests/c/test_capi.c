/* End-to-end test of the pdinfer C API, driven by tests/python/test_native_apis.py.
 *
 *   test_capi MODEL_FILE PARAMS_FILE IO_DIR OUT_DIR
 *
 * IO_DIR/inputs.txt lists the inputs ("name dtype rank d0 d1 ..." per line, data in
 * IO_DIR/in_<i>.bin). The program runs the model through the C API, writes every output
 * to OUT_DIR/out_<i>.bin and OUT_DIR/outputs.txt (same line format) for the Python side
 * to compare with the Python API, and checks the API's contracts along the way: error
 * paths return failure with a readable last-error message, handles outlive their
 * predictor, clones and memory-loaded models give the same numbers. Exit 0 = success.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pd_inference_api.h"

static int g_failures = 0;

#define CHECK(cond, ...)                                        \
  do {                                                          \
    if (!(cond)) {                                              \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                             \
      fprintf(stderr, "\n");                                    \
      g_failures++;                                             \
    }                                                           \
  } while (0)

/* The last call must have failed with `code` and a message containing `needle`. */
#define CHECK_ERROR(code, needle)                                                     \
  do {                                                                                \
    CHECK(PD_GetLastErrorCode() == (code), "error code %d, want %d (message: %s)",    \
          (int)PD_GetLastErrorCode(), (int)(code), PD_GetLastErrorMsg());             \
    CHECK(strstr(PD_GetLastErrorMsg(), (needle)) != NULL,                             \
          "message \"%s\" lacks \"%s\"", PD_GetLastErrorMsg(), (needle));             \
  } while (0)

#define CHECK_OK() \
  CHECK(PD_GetLastErrorCode() == PD_ERROR_NONE, "unexpected error: %s", PD_GetLastErrorMsg())

#define MAX_IO 16
#define MAX_RANK 16

typedef struct {
  char name[256];
  char dtype[16];
  int rank;
  int32_t dims[MAX_RANK];
  size_t nbytes;
  void* data;
} Blob;

static size_t elem_size(const char* dtype) {
  if (!strcmp(dtype, "float32") || !strcmp(dtype, "int32")) return 4;
  if (!strcmp(dtype, "int64") || !strcmp(dtype, "float64")) return 8;
  if (!strcmp(dtype, "uint8") || !strcmp(dtype, "int8") || !strcmp(dtype, "bool")) return 1;
  return 0;
}

static const char* dtype_name(PD_DataType t) {
  switch (t) {
    case PD_DATA_FLOAT32: return "float32";
    case PD_DATA_INT32: return "int32";
    case PD_DATA_INT64: return "int64";
    case PD_DATA_UINT8: return "uint8";
    case PD_DATA_INT8: return "int8";
    case PD_DATA_FLOAT64: return "float64";
    case PD_DATA_BOOL: return "bool";
    default: return "unknown";
  }
}

static size_t numel(const int32_t* dims, int rank) {
  size_t n = 1;
  for (int i = 0; i < rank; ++i) n *= (size_t)dims[i];
  return n;
}

static void* read_file(const char* path, size_t* size) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  void* buf = malloc(n > 0 ? (size_t)n : 1);
  if (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    fclose(f);
    return NULL;
  }
  fclose(f);
  *size = (size_t)n;
  return buf;
}

static int read_inputs(const char* io_dir, Blob* blobs) {
  char path[4096];
  snprintf(path, sizeof path, "%s/inputs.txt", io_dir);
  FILE* f = fopen(path, "r");
  if (!f) return -1;
  int n = 0;
  while (n < MAX_IO && fscanf(f, "%255s %15s %d", blobs[n].name, blobs[n].dtype, &blobs[n].rank) == 3) {
    for (int i = 0; i < blobs[n].rank; ++i)
      if (fscanf(f, "%d", &blobs[n].dims[i]) != 1) return -1;
    snprintf(path, sizeof path, "%s/in_%d.bin", io_dir, n);
    blobs[n].data = read_file(path, &blobs[n].nbytes);
    if (!blobs[n].data) return -1;
    n++;
  }
  fclose(f);
  return n;
}

/* Feeds one input through its handle with the typed copy function of its dtype. */
static int feed(PD_Predictor* p, const Blob* b) {
  PD_Tensor* t = PD_PredictorGetInputHandle(p, b->name);
  if (!t) return 0;
  PD_TensorReshape(t, (size_t)b->rank, (int32_t*)b->dims);
  if (!strcmp(b->dtype, "float32")) PD_TensorCopyFromCpuFloat(t, (const float*)b->data);
  else if (!strcmp(b->dtype, "int64")) PD_TensorCopyFromCpuInt64(t, (const int64_t*)b->data);
  else if (!strcmp(b->dtype, "int32")) PD_TensorCopyFromCpuInt32(t, (const int32_t*)b->data);
  else if (!strcmp(b->dtype, "uint8")) PD_TensorCopyFromCpuUint8(t, (const uint8_t*)b->data);
  else if (!strcmp(b->dtype, "int8")) PD_TensorCopyFromCpuInt8(t, (const int8_t*)b->data);
  else if (!strcmp(b->dtype, "float64")) PD_TensorCopyFromCpuDouble(t, (const double*)b->data);
  else if (!strcmp(b->dtype, "bool")) PD_TensorCopyFromCpuBool(t, (const PD_Bool*)b->data);
  int ok = PD_GetLastErrorCode() == PD_ERROR_NONE;
  if (!ok) fprintf(stderr, "feed %s: %s\n", b->name, PD_GetLastErrorMsg());
  PD_TensorDestroy(t);
  return ok;
}

/* Reads one output into a new blob (caller frees data). */
static int fetch(PD_Predictor* p, const char* name, Blob* out) {
  PD_Tensor* t = PD_PredictorGetOutputHandle(p, name);
  if (!t) return 0;
  PD_OneDimArrayInt32* shape = PD_TensorGetShape(t);
  PD_DataType dt = PD_TensorGetDataType(t);
  snprintf(out->name, sizeof out->name, "%s", name);
  snprintf(out->dtype, sizeof out->dtype, "%s", dtype_name(dt));
  out->rank = (int)shape->size;
  for (size_t i = 0; i < shape->size; ++i) out->dims[i] = shape->data[i];
  PD_OneDimArrayInt32Destroy(shape);
  size_t n = numel(out->dims, out->rank);
  out->nbytes = n * elem_size(out->dtype);
  out->data = malloc(out->nbytes ? out->nbytes : 1);
  switch (dt) {
    case PD_DATA_FLOAT32: PD_TensorCopyToCpuFloat(t, (float*)out->data); break;
    case PD_DATA_INT64: PD_TensorCopyToCpuInt64(t, (int64_t*)out->data); break;
    case PD_DATA_INT32: PD_TensorCopyToCpuInt32(t, (int32_t*)out->data); break;
    case PD_DATA_UINT8: PD_TensorCopyToCpuUint8(t, (uint8_t*)out->data); break;
    case PD_DATA_INT8: PD_TensorCopyToCpuInt8(t, (int8_t*)out->data); break;
    case PD_DATA_FLOAT64: PD_TensorCopyToCpuDouble(t, (double*)out->data); break;
    case PD_DATA_BOOL: PD_TensorCopyToCpuBool(t, (PD_Bool*)out->data); break;
    default: fprintf(stderr, "output %s: unsupported dtype %d\n", name, (int)dt); break;
  }
  int ok = PD_GetLastErrorCode() == PD_ERROR_NONE;
  if (!ok) fprintf(stderr, "fetch %s: %s\n", name, PD_GetLastErrorMsg());
  PD_TensorDestroy(t);
  return ok;
}

static int blobs_equal(const Blob* a, const Blob* b) {
  return a->rank == b->rank && a->nbytes == b->nbytes &&
         !memcmp(a->dims, b->dims, sizeof(int32_t) * (size_t)a->rank) &&
         !memcmp(a->data, b->data, a->nbytes) && !strcmp(a->dtype, b->dtype);
}

/* Same metadata and values within 1e-5 (relative to the output's magnitude). Weights
 * loaded from memory sit at other addresses than mmapped ones, and oneDNN's GEMM may
 * pick another (equally exact) summation order for other alignments. */
static int blobs_close(const Blob* a, const Blob* b) {
  if (a->rank != b->rank || a->nbytes != b->nbytes || strcmp(a->dtype, b->dtype) ||
      memcmp(a->dims, b->dims, sizeof(int32_t) * (size_t)a->rank))
    return 0;
  if (strcmp(a->dtype, "float32")) return !memcmp(a->data, b->data, a->nbytes);
  const float* x = (const float*)a->data;
  const float* y = (const float*)b->data;
  size_t n = a->nbytes / sizeof(float);
  double scale = 0;
  for (size_t i = 0; i < n; ++i) {
    double v = x[i] < 0 ? -(double)x[i] : x[i];
    scale = v > scale ? v : scale;
  }
  for (size_t i = 0; i < n; ++i) {
    double d = (double)x[i] - y[i];
    if ((d < 0 ? -d : d) > 1e-5 * (scale > 1 ? scale : 1)) return 0;
  }
  return 1;
}

/* Feeds all inputs, runs, and fetches all outputs; returns the output count or -1. */
static int run_all(PD_Predictor* p, const Blob* in, int n_in, Blob* out) {
  for (int i = 0; i < n_in; ++i)
    if (!feed(p, &in[i])) return -1;
  if (!PD_PredictorRun(p)) {
    fprintf(stderr, "run: %s\n", PD_GetLastErrorMsg());
    return -1;
  }
  PD_OneDimArrayCstr* names = PD_PredictorGetOutputNames(p);
  int n = (int)names->size;
  for (int i = 0; i < n; ++i)
    if (!fetch(p, names->data[i], &out[i])) n = -1;
  PD_OneDimArrayCstrDestroy(names);
  return n;
}

static PD_Config* make_config(const char* model, const char* params) {
  PD_Config* c = PD_ConfigCreate();
  PD_ConfigSetModel(c, model, params);
  PD_ConfigDisableGlogInfo(c);
  return c;
}

static void check_error_paths(const char* model, const char* params) {
  /* Missing model file: NULL, NOT_FOUND, the message names the file. */
  PD_Config* c = PD_ConfigCreate();
  PD_ConfigSetModel(c, "/nonexistent/dir/missing_model.pdmodel", "/nonexistent/dir/missing.pdiparams");
  CHECK_OK();
  PD_Predictor* p = PD_PredictorCreate(c); /* takes c */
  CHECK(p == NULL, "predictor created from a missing file");
  CHECK_ERROR(PD_ERROR_NOT_FOUND, "missing_model.pdmodel");
  printf("missing model: %s\n", PD_GetLastErrorMsg());

  /* A config without a model. */
  p = PD_PredictorCreate(PD_ConfigCreate());
  CHECK(p == NULL, "predictor created without a model");
  CHECK_ERROR(PD_ERROR_INVALID_ARGUMENT, "no model");

  /* A corrupt program file: the params file given as the program. */
  p = PD_PredictorCreate(make_config(params, params));
  CHECK(p == NULL, "predictor created from a corrupt program");
  CHECK(PD_GetLastErrorCode() == PD_ERROR_INVALID_MODEL, "corrupt model: code %d (%s)",
        (int)PD_GetLastErrorCode(), PD_GetLastErrorMsg());

  /* NULL handles never crash. */
  CHECK(PD_PredictorRun(NULL) == FALSE, "run(NULL) succeeded");
  CHECK_ERROR(PD_ERROR_INVALID_ARGUMENT, "predictor is NULL");
  PD_TensorReshape(NULL, 0, NULL);
  CHECK_ERROR(PD_ERROR_INVALID_ARGUMENT, "tensor is NULL");
  CHECK(PD_ConfigGetProgFile(NULL) == NULL, "getter on NULL config");
  CHECK_ERROR(PD_ERROR_INVALID_ARGUMENT, "config is NULL");
  PD_ConfigSetModel(NULL, NULL, NULL);
  CHECK_ERROR(PD_ERROR_INVALID_ARGUMENT, "NULL");
  PD_PredictorDestroy(NULL);
  PD_TensorDestroy(NULL);
  PD_ConfigDestroy(NULL);
  PD_OneDimArrayCstrDestroy(NULL);
  CHECK_OK();
  PD_ClearLastError();
  CHECK(PD_GetLastErrorMsg()[0] == '\0', "message not cleared");

  /* Invalid thread count fails at creation. */
  c = make_config(model, params);
  PD_ConfigSetCpuMathLibraryNumThreads(c, 0);
  p = PD_PredictorCreate(c);
  CHECK(p == NULL, "predictor created with 0 threads");
  CHECK_ERROR(PD_ERROR_INVALID_ARGUMENT, "thread");
}

static void check_config(const char* model, const char* params) {
  PD_Config* c = make_config(model, params);
  CHECK(!strcmp(PD_ConfigGetProgFile(c), model), "prog file %s", PD_ConfigGetProgFile(c));
  CHECK(!strcmp(PD_ConfigGetParamsFile(c), params), "params file");
  PD_ConfigSetCpuMathLibraryNumThreads(c, 3);
  CHECK(PD_ConfigGetCpuMathLibraryNumThreads(c) == 3, "threads");
  PD_ConfigEnableMKLDNN(c);
  CHECK(PD_ConfigMkldnnEnabled(c) == TRUE, "mkldnn");
  PD_ConfigSwitchIrOptim(c, FALSE);
  CHECK(PD_ConfigIrOptim(c) == FALSE, "ir optim");
  PD_ConfigEnableMemoryOptim(c, TRUE);
  CHECK(PD_ConfigMemoryOptimEnabled(c) == TRUE, "memory optim");
  CHECK(PD_ConfigGlogInfoDisabled(c) == TRUE, "glog");
  PD_ConfigDeletePass(c, "conv_bn_fuse_pass");
  PD_ConfigAppendPass(c, "my_pass");
  PD_OneDimArrayCstr* passes = PD_ConfigAllPasses(c);
  CHECK(passes && passes->size == 1 && !strcmp(passes->data[0], "my_pass"), "passes");
  PD_OneDimArrayCstrDestroy(passes);
  PD_Cstr* summary = PD_ConfigSummary(c);
  CHECK(summary && summary->size > 0 && strstr(summary->data, "conv_bn_fuse_pass"), "summary");
  PD_CstrDestroy(summary);
  CHECK_OK();

  /* GPU is not in this build: the call is ignored, the reason is reported. */
  PD_ConfigEnableUseGpu(c, 100, 0, PD_PRECISION_FLOAT32);
  CHECK_ERROR(PD_ERROR_UNSUPPORTED, "CUDA");
  CHECK(PD_ConfigUseGpu(c) == FALSE, "use_gpu");
  CHECK_OK(); /* the getter cleared it */
  PD_ConfigDisableGpu(c);

  PD_Config* copy = PD_ConfigClone(c);
  CHECK(copy && PD_ConfigGetCpuMathLibraryNumThreads(copy) == 3, "clone");
  PD_ConfigDestroy(copy);
  PD_ConfigDestroy(c);
  CHECK_OK();
}

static int write_outputs(const char* out_dir, const Blob* out, int n) {
  char path[4096];
  snprintf(path, sizeof path, "%s/outputs.txt", out_dir);
  FILE* f = fopen(path, "w");
  if (!f) return 0;
  for (int i = 0; i < n; ++i) {
    fprintf(f, "%s %s %d", out[i].name, out[i].dtype, out[i].rank);
    for (int k = 0; k < out[i].rank; ++k) fprintf(f, " %d", out[i].dims[k]);
    fprintf(f, "\n");
    snprintf(path, sizeof path, "%s/out_%d.bin", out_dir, i);
    FILE* b = fopen(path, "wb");
    if (!b || fwrite(out[i].data, 1, out[i].nbytes, b) != out[i].nbytes) return 0;
    fclose(b);
  }
  fclose(f);
  return 1;
}

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s MODEL_FILE PARAMS_FILE IO_DIR OUT_DIR\n", argv[0]);
    return 2;
  }
  const char *model = argv[1], *params = argv[2], *io_dir = argv[3], *out_dir = argv[4];
  Blob in[MAX_IO], out[MAX_IO], again[MAX_IO];
  memset(in, 0, sizeof in);
  int n_in = read_inputs(io_dir, in);
  if (n_in <= 0) {
    fprintf(stderr, "cannot read inputs from %s\n", io_dir);
    return 2;
  }

  const char* version = PD_GetVersion();
  CHECK(strncmp(version, "version: pdinfer", 16) == 0, "version %s", version);

  check_error_paths(model, params);
  check_config(model, params);

  PD_Config* c = make_config(model, params);
  PD_ConfigSetCpuMathLibraryNumThreads(c, 2);
  PD_Predictor* p = PD_PredictorCreate(c);
  CHECK(p != NULL, "create: %s", PD_GetLastErrorMsg());
  if (!p) return 1;

  /* names and infos */
  if (PD_PredictorGetInputNum(p) != (size_t)n_in) {
    fprintf(stderr, "the model has %zu inputs, %s lists %d\n", PD_PredictorGetInputNum(p), io_dir, n_in);
    return 1;
  }
  PD_OneDimArrayCstr* in_names = PD_PredictorGetInputNames(p);
  for (int i = 0; i < n_in && (size_t)i < in_names->size; ++i)
    CHECK(!strcmp(in_names->data[i], in[i].name), "input %d is %s", i, in_names->data[i]);
  PD_OneDimArrayCstrDestroy(in_names);
  PD_IOInfos* infos = PD_PredictorGetInputInfos(p);
  CHECK(infos && infos->size == (size_t)n_in, "input infos");
  int dynamic[MAX_IO] = {0};
  int fixed_axis = -1; /* a static dim of input 0, for the wrong-size check */
  for (size_t i = 0; infos && i < infos->size && i < (size_t)n_in; ++i) {
    for (size_t k = 0; k < infos->io_info[i]->shape->size; ++k) {
      if (infos->io_info[i]->shape->data[k] < 0) dynamic[i] = 1;
      else if (i == 0 && fixed_axis < 0 && (int)k < in[0].rank) fixed_axis = (int)k;
    }
    CHECK(!strcmp(infos->io_info[i]->name->data, in[i].name), "info name");
    CHECK(!strcmp(dtype_name(infos->io_info[i]->dtype), in[i].dtype), "info dtype %s",
          dtype_name(infos->io_info[i]->dtype));
    CHECK(infos->io_info[i]->shape->size == (size_t)in[i].rank, "info rank");
  }
  PD_IOInfosDestroy(infos);
  infos = PD_PredictorGetOutputInfos(p);
  CHECK(infos && infos->size == PD_PredictorGetOutputNum(p), "output infos");
  PD_IOInfosDestroy(infos);

  /* run before the inputs are set */
  CHECK(PD_PredictorRun(p) == FALSE, "run without inputs succeeded");
  CHECK_ERROR(PD_ERROR_INVALID_ARGUMENT, "has not been set");
  printf("run before input: %s\n", PD_GetLastErrorMsg());

  /* wrong input size: a static dim changed (a zero-filled buffer of the matching size), or
   * one more dim than the declared rank; Run fails and names the input */
  {
    Blob bad = in[0];
    size_t esz = elem_size(bad.dtype);
    if (fixed_axis >= 0) {
      bad.dims[fixed_axis] += 1;
    } else if (bad.rank < MAX_RANK) {
      memmove(bad.dims + 1, bad.dims, sizeof(int32_t) * (size_t)bad.rank);
      bad.dims[0] = 1;
      bad.rank++;
    }
    bad.nbytes = numel(bad.dims, bad.rank) * esz;
    bad.data = calloc(bad.nbytes ? bad.nbytes : 1, 1);
    CHECK(feed(p, &bad), "feeding the wrong-size input: %s", PD_GetLastErrorMsg());
    for (int i = 1; i < n_in; ++i) feed(p, &in[i]);
    CHECK(PD_PredictorRun(p) == FALSE, "run with a wrong-size input succeeded");
    CHECK_ERROR(PD_ERROR_INVALID_ARGUMENT, in[0].name);
    printf("wrong input size: %s\n", PD_GetLastErrorMsg());
    free(bad.data);
  }

  /* bad names */
  CHECK(PD_PredictorGetInputHandle(p, "no_such_input") == NULL, "handle for a bad name");
  CHECK_ERROR(PD_ERROR_NOT_FOUND, "no_such_input");
  printf("bad input name: %s\n", PD_GetLastErrorMsg());
  CHECK(PD_PredictorGetOutputHandle(p, in[0].name) == NULL, "input name as output");
  CHECK_ERROR(PD_ERROR_NOT_FOUND, in[0].name);

  /* outputs before the first run */
  PD_OneDimArrayCstr* out_names = PD_PredictorGetOutputNames(p);
  PD_Tensor* early = PD_PredictorGetOutputHandle(p, out_names->data[0]);
  CHECK(early != NULL, "output handle before run");
  float dummy;
  PD_TensorCopyToCpuFloat(early, &dummy);
  CHECK_ERROR(PD_ERROR_INVALID_ARGUMENT, "run");
  PD_TensorDestroy(early);

  int n_out = run_all(p, in, n_in, out);
  CHECK(n_out > 0, "first run failed");
  if (n_out <= 0) return 1;
  CHECK(write_outputs(out_dir, out, n_out), "cannot write outputs");

  /* the typed accessors check the element type */
  PD_Tensor* t0 = PD_PredictorGetOutputHandle(p, out_names->data[0]);
  if (!strcmp(out[0].dtype, "float32")) {
    int32_t size = 0;
    PD_PlaceType place = PD_PLACE_UNK;
    float* data = PD_TensorDataFloat(t0, &place, &size);
    CHECK(data && place == PD_PLACE_CPU && (size_t)size == out[0].nbytes / 4, "data pointer");
    CHECK(data && !memcmp(data, out[0].data, out[0].nbytes), "data contents");
    int64_t* wrong = PD_TensorDataInt64(t0, &place, &size);
    CHECK(wrong == NULL, "int64 view of float data");
    CHECK_ERROR(PD_ERROR_INVALID_ARGUMENT, "float32");
    printf("wrong output type: %s\n", PD_GetLastErrorMsg());
  }
  PD_TensorReshape(t0, 1, (int32_t[]){1});
  CHECK_ERROR(PD_ERROR_INVALID_ARGUMENT, "output");

  /* a handle outlives its predictor; a clone gives the same numbers */
  PD_Predictor* clone = PD_PredictorClone(p);
  CHECK(clone != NULL, "clone: %s", PD_GetLastErrorMsg());
  PD_PredictorDestroy(p);
  PD_OneDimArrayInt32* shape = PD_TensorGetShape(t0);
  CHECK(shape && shape->size == (size_t)out[0].rank, "shape through a handle of a destroyed predictor");
  PD_OneDimArrayInt32Destroy(shape);
  CHECK(!strcmp(PD_TensorGetName(t0), out_names->data[0]), "name");
  PD_TensorDestroy(t0);
  int n2 = run_all(clone, in, n_in, again);
  CHECK(n2 == n_out, "clone run");
  for (int i = 0; i < n2 && i < n_out; ++i) {
    CHECK(blobs_equal(&out[i], &again[i]), "clone output %d differs", i);
    free(again[i].data);
  }
  PD_PredictorTryShrinkMemory(clone);
  CHECK_OK();
  PD_PredictorClearIntermediateTensor(clone);
  CHECK_OK();

  /* dynamic dims need a Reshape before the copy */
  PD_Tensor* fresh = PD_PredictorGetInputHandle(clone, in[0].name);
  PD_PredictorDestroy(clone);
  PD_TensorSetLod(fresh, NULL);
  size_t lod0[] = {0, 1, (size_t)in[0].dims[0]};
  PD_OneDimArraySize level = {3, lod0};
  PD_OneDimArraySize* levels[] = {&level};
  PD_TwoDimArraySize lod = {1, levels};
  PD_TensorSetLod(fresh, &lod);
  CHECK_OK();
  PD_TwoDimArraySize* got = PD_TensorGetLod(fresh);
  CHECK(got && got->size == 1 && got->data[0]->size == 3 && got->data[0]->data[2] == lod0[2], "lod");
  PD_TwoDimArraySizeDestroy(got);
  PD_TensorDestroy(fresh);

  /* the model loaded from memory gives the same numbers; inputs via MutableData */
  size_t prog_size = 0, params_size = 0;
  char* prog = (char*)read_file(model, &prog_size);
  char* par = (char*)read_file(params, &params_size);
  c = PD_ConfigCreate();
  PD_ConfigSetModelBuffer(c, prog, prog_size, par, params_size);
  PD_ConfigSetCpuMathLibraryNumThreads(c, 2); /* as the file-loaded predictor */
  CHECK(PD_ConfigModelFromMemory(c) == TRUE, "from memory");
  free(prog);
  free(par); /* the config copied the bytes */
  PD_Predictor* mem = PD_PredictorCreate(c);
  CHECK(mem != NULL, "create from memory: %s", PD_GetLastErrorMsg());
  if (mem) {
    for (int i = 0; i < n_in; ++i) {
      PD_Tensor* t = PD_PredictorGetInputHandle(mem, in[i].name);
      if (!strcmp(in[i].dtype, "float32")) {
        float* dst;
        if (dynamic[i]) {
          dst = PD_TensorMutableDataFloat(t, PD_PLACE_CPU);
          CHECK(dst == NULL, "MutableData before Reshape on a dynamic input");
          CHECK_ERROR(PD_ERROR_INVALID_ARGUMENT, "Reshape");
        }
        PD_TensorReshape(t, (size_t)in[i].rank, in[i].dims);
        dst = PD_TensorMutableDataFloat(t, PD_PLACE_CPU);
        CHECK(dst != NULL, "MutableData: %s", PD_GetLastErrorMsg());
        if (dst) memcpy(dst, in[i].data, in[i].nbytes);
        PD_TensorDestroy(t);
      } else {
        PD_TensorDestroy(t);
        CHECK(feed(mem, &in[i]), "feed");
      }
    }
    CHECK(PD_PredictorRun(mem) == TRUE, "run from memory: %s", PD_GetLastErrorMsg());
    for (int i = 0; i < n_out; ++i) {
      CHECK(fetch(mem, out_names->data[i], &again[i]), "fetch");
      CHECK(blobs_close(&out[i], &again[i]), "memory-loaded output %d differs", i);
      free(again[i].data);
    }
    PD_PredictorDestroy(mem);
  }

  PD_OneDimArrayCstrDestroy(out_names);
  for (int i = 0; i < n_in; ++i) free(in[i].data);
  for (int i = 0; i < n_out; ++i) free(out[i].data);
  if (g_failures) {
    fprintf(stderr, "%d check(s) failed\n", g_failures);
    return 1;
  }
  printf("C API: all checks passed (%d inputs, %d outputs)\n", n_in, n_out);
  return 0;
}
