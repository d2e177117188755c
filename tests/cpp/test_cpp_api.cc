// End-to-end test of the pdinfer C++ API (paddle_infer::), driven by
// tests/python/test_native_apis.py.
//
//   test_cpp_api MODEL_FILE PARAMS_FILE IO_DIR OUT_DIR
//
// Same input/output file format as tests/c/test_capi.c. Runs the model the way Paddle's
// deployment demos do (Config -> CreatePredictor -> handles -> Run), writes the outputs
// for the Python side to compare, and checks error paths (typed exceptions with readable
// messages), Clone, PredictorPool, handles outliving the predictor, mutable_data and
// SetModelBuffer. Exit 0 = success.
#include <cmath>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "paddle_inference_api.h"

namespace {

int g_failures = 0;

#define CHECK(cond, msg)                                                                \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::cerr << "FAIL " << __FILE__ << ":" << __LINE__ << ": " << #cond << ": " << msg \
                << "\n";                                                                \
      ++g_failures;                                                                     \
    }                                                                                   \
  } while (0)

// `fn` must throw paddle_infer::Exception with `code` and a message containing `needle`.
void ExpectThrow(const char* what, paddle_infer::ErrorCode code, const std::string& needle,
                 const std::function<void()>& fn) {
  try {
    fn();
  } catch (const paddle_infer::Exception& e) {
    CHECK(e.code() == code, what << ": code " << static_cast<int>(e.code()) << " (" << e.what()
                                 << ")");
    CHECK(std::string(e.what()).find(needle) != std::string::npos,
          what << ": message '" << e.what() << "' lacks '" << needle << "'");
    std::cout << what << ": " << e.what() << "\n";
    return;
  } catch (const std::exception& e) {
    CHECK(false, what << ": threw a non-paddle_infer exception: " << e.what());
    return;
  }
  CHECK(false, what << ": did not throw");
}

struct Blob {
  std::string name, dtype;
  std::vector<int> dims;
  std::vector<char> bytes;
};

size_t ElemSize(const std::string& dtype) {
  if (dtype == "float32" || dtype == "int32") return 4;
  if (dtype == "int64" || dtype == "float64") return 8;
  return 1;
}

std::string DtypeName(paddle_infer::DataType t) {
  switch (t) {
    case paddle_infer::FLOAT32: return "float32";
    case paddle_infer::INT64: return "int64";
    case paddle_infer::INT32: return "int32";
    case paddle_infer::UINT8: return "uint8";
    case paddle_infer::INT8: return "int8";
    case paddle_infer::BOOL: return "bool";
    case paddle_infer::FLOAT64: return "float64";
    default: return "unknown";
  }
}

std::vector<char> ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

std::vector<Blob> ReadInputs(const std::string& dir) {
  std::vector<Blob> out;
  std::ifstream f(dir + "/inputs.txt");
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream is(line);
    Blob b;
    int rank = 0;
    if (!(is >> b.name >> b.dtype >> rank)) continue;
    b.dims.resize(static_cast<size_t>(rank));
    for (int& d : b.dims) is >> d;
    b.bytes = ReadFile(dir + "/in_" + std::to_string(out.size()) + ".bin");
    out.push_back(std::move(b));
  }
  return out;
}

void Feed(paddle_infer::Predictor& p, const Blob& b) {
  auto t = p.GetInputHandle(b.name);
  t->Reshape(b.dims);
  const void* d = b.bytes.data();
  if (b.dtype == "float32") t->CopyFromCpu(static_cast<const float*>(d));
  else if (b.dtype == "int64") t->CopyFromCpu(static_cast<const int64_t*>(d));
  else if (b.dtype == "int32") t->CopyFromCpu(static_cast<const int32_t*>(d));
  else if (b.dtype == "uint8") t->CopyFromCpu(static_cast<const uint8_t*>(d));
  else if (b.dtype == "int8") t->CopyFromCpu(static_cast<const int8_t*>(d));
  else if (b.dtype == "float64") t->CopyFromCpu(static_cast<const double*>(d));
  else if (b.dtype == "bool") t->CopyFromCpu(static_cast<const bool*>(d));
}

Blob Fetch(paddle_infer::Tensor& t) {
  Blob b;
  b.name = t.name();
  b.dtype = DtypeName(t.type());
  b.dims = t.shape();
  size_t n = 1;
  for (int d : b.dims) n *= static_cast<size_t>(d);
  b.bytes.resize(n * ElemSize(b.dtype));
  void* d = b.bytes.data();
  switch (t.type()) {
    case paddle_infer::FLOAT32: t.CopyToCpu(static_cast<float*>(d)); break;
    case paddle_infer::INT64: t.CopyToCpu(static_cast<int64_t*>(d)); break;
    case paddle_infer::INT32: t.CopyToCpu(static_cast<int32_t*>(d)); break;
    case paddle_infer::UINT8: t.CopyToCpu(static_cast<uint8_t*>(d)); break;
    case paddle_infer::INT8: t.CopyToCpu(static_cast<int8_t*>(d)); break;
    case paddle_infer::FLOAT64: t.CopyToCpu(static_cast<double*>(d)); break;
    case paddle_infer::BOOL: t.CopyToCpu(static_cast<bool*>(d)); break;
    default: CHECK(false, "unsupported output dtype of " << b.name);
  }
  return b;
}

std::vector<Blob> RunAll(paddle_infer::Predictor& p, const std::vector<Blob>& inputs) {
  for (const auto& b : inputs) Feed(p, b);
  CHECK(p.Run(), "Run() returned false");
  std::vector<Blob> outs;
  for (const auto& name : p.GetOutputNames()) outs.push_back(Fetch(*p.GetOutputHandle(name)));
  return outs;
}

bool Same(const std::vector<Blob>& a, const std::vector<Blob>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].dims != b[i].dims || a[i].bytes != b[i].bytes || a[i].dtype != b[i].dtype)
      return false;
  return true;
}

// Same metadata, float values within 1e-5 of the output's magnitude: weights loaded from
// memory sit at other addresses than mmapped ones, and oneDNN's GEMM may pick another
// (equally exact) summation order for other alignments.
bool Close(const std::vector<Blob>& a, const std::vector<Blob>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].dims != b[i].dims || a[i].dtype != b[i].dtype ||
        a[i].bytes.size() != b[i].bytes.size())
      return false;
    if (a[i].dtype != "float32") {
      if (a[i].bytes != b[i].bytes) return false;
      continue;
    }
    size_t n = a[i].bytes.size() / sizeof(float);
    std::vector<float> x(n), y(n);
    std::memcpy(x.data(), a[i].bytes.data(), n * sizeof(float));
    std::memcpy(y.data(), b[i].bytes.data(), n * sizeof(float));
    double scale = 1;
    for (float v : x) scale = std::max(scale, static_cast<double>(std::abs(v)));
    for (size_t j = 0; j < n; ++j)
      if (std::abs(static_cast<double>(x[j]) - y[j]) > 1e-5 * scale) return false;
  }
  return true;
}

void WriteOutputs(const std::string& dir, const std::vector<Blob>& outs) {
  std::ofstream list(dir + "/outputs.txt");
  for (size_t i = 0; i < outs.size(); ++i) {
    list << outs[i].name << " " << outs[i].dtype << " " << outs[i].dims.size();
    for (int d : outs[i].dims) list << " " << d;
    list << "\n";
    std::ofstream f(dir + "/out_" + std::to_string(i) + ".bin", std::ios::binary);
    f.write(outs[i].bytes.data(), static_cast<std::streamsize>(outs[i].bytes.size()));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: " << argv[0] << " MODEL_FILE PARAMS_FILE IO_DIR OUT_DIR\n";
    return 2;
  }
  const std::string model = argv[1], params = argv[2], io_dir = argv[3], out_dir = argv[4];
  const std::vector<Blob> inputs = ReadInputs(io_dir);
  if (inputs.empty()) {
    std::cerr << "cannot read inputs from " << io_dir << "\n";
    return 2;
  }
  using paddle_infer::ErrorCode;

  CHECK(paddle_infer::GetVersion().rfind("version: pdinfer", 0) == 0, paddle_infer::GetVersion());
  CHECK(paddle_infer::GetNumBytesOfDataType(paddle_infer::INT64) == 8, "bytes of int64");

  // ---- error paths ----------------------------------------------------------------
  ExpectThrow("missing model", ErrorCode::kNotFound, "missing_model.pdmodel", [] {
    paddle_infer::Config bad("/nonexistent/missing_model.pdmodel", "/nonexistent/x.pdiparams");
    paddle_infer::CreatePredictor(bad);
  });
  ExpectThrow("no model", ErrorCode::kInvalidArgument, "no model",
              [] { paddle_infer::CreatePredictor(paddle_infer::Config()); });
  ExpectThrow("0 threads", ErrorCode::kInvalidArgument, "thread", [&] {
    paddle_infer::Config c(model, params);
    c.SetCpuMathLibraryNumThreads(0);
    paddle_infer::CreatePredictor(c);
  });

  // ---- config ----------------------------------------------------------------------
  paddle_infer::Config config;
  config.SetModel(model, params);
  config.SetCpuMathLibraryNumThreads(2);
  config.EnableMKLDNN();
  config.SwitchIrOptim(true);
  config.EnableMemoryOptim();
  config.DisableGlogInfo();
  config.SwitchUseFeedFetchOps(false);
  config.SwitchSpecifyInputNames(true);
  config.pass_builder()->DeletePass("conv_bn_fuse_pass");
  config.DeletePass("fc_fuse_pass");
  config.EnableUseGpu(100, 0);  // not in this build: warns, stays on the CPU
  config.DisableGpu();
  CHECK(!config.use_gpu(), "use_gpu");
  CHECK(config.prog_file() == model && config.params_file() == params, "model files");
  CHECK(config.cpu_math_library_num_threads() == 2, "threads");
  CHECK(config.pass_builder()->DeletedPasses().size() == 2, "deleted passes");
  CHECK(config.Summary().find("fc_fuse_pass") != std::string::npos, config.Summary());
  paddle_infer::Config copy = config;  // a value type
  CHECK(copy.cpu_math_library_num_threads() == 2, "copied config");

  auto predictor = paddle_infer::CreatePredictor(config);
  auto in_names = predictor->GetInputNames();
  CHECK(in_names.size() == inputs.size(), "input count");
  for (size_t i = 0; i < inputs.size() && i < in_names.size(); ++i)
    CHECK(in_names[i] == inputs[i].name, "input " << i << " is " << in_names[i]);
  auto shapes = predictor->GetInputTensorShape();
  auto types = predictor->GetInputTypes();
  for (const auto& b : inputs) {
    CHECK(shapes[b.name].size() == b.dims.size(), "declared rank of " << b.name);
    CHECK(DtypeName(types[b.name]) == b.dtype, "declared dtype of " << b.name);
  }
  CHECK(predictor->GetOutputTensorShape().size() == predictor->GetOutputNames().size(),
        "output shapes");

  ExpectThrow("run before input", ErrorCode::kInvalidArgument, "has not been set",
              [&] { predictor->Run(); });
  ExpectThrow("bad input name", ErrorCode::kNotFound, "no_such_input",
              [&] { predictor->GetInputHandle("no_such_input"); });
  ExpectThrow("output before run", ErrorCode::kInvalidArgument, "run", [&] {
    float x;
    predictor->GetOutputHandle(predictor->GetOutputNames()[0])->CopyToCpu(&x);
  });
  bool dynamic0 = false;
  for (int64_t d : shapes[inputs[0].name]) dynamic0 = dynamic0 || d < 0;
  if (dynamic0 && inputs[0].dtype == "float32")
    ExpectThrow("copy without Reshape", ErrorCode::kInvalidArgument, "Reshape", [&] {
      predictor->GetInputHandle(inputs[0].name)
          ->CopyFromCpu(reinterpret_cast<const float*>(inputs[0].bytes.data()));
    });

  {
    // wrong input size: a static dim changed (zero data of the matching size), or one more
    // dim than the declared rank; Run throws and names the input
    Blob bad = inputs[0];
    const auto& decl = shapes[bad.name];
    size_t axis = 0;
    while (axis < decl.size() && decl[axis] < 0) ++axis;
    if (axis < decl.size() && axis < bad.dims.size()) bad.dims[axis] += 1;
    else bad.dims.insert(bad.dims.begin(), 1);
    size_t n = 1;
    for (int d : bad.dims) n *= static_cast<size_t>(d);
    bad.bytes.assign(n * ElemSize(bad.dtype), 0);
    Feed(*predictor, bad);
    for (size_t i = 1; i < inputs.size(); ++i) Feed(*predictor, inputs[i]);
    ExpectThrow("wrong input size", ErrorCode::kInvalidArgument, bad.name,
                [&] { predictor->Run(); });
  }

  // ---- run --------------------------------------------------------------------------
  const std::vector<Blob> outs = RunAll(*predictor, inputs);
  WriteOutputs(out_dir, outs);

  auto out0 = predictor->GetOutputHandle(predictor->GetOutputNames()[0]);
  if (outs[0].dtype == "float32") {
    paddle_infer::PlaceType place;
    int size = 0;
    const float* data = out0->data<float>(&place, &size);
    CHECK(place == paddle_infer::PlaceType::kCPU, "place");
    CHECK(static_cast<size_t>(size) * 4 == outs[0].bytes.size(), "data() size");
    CHECK(!std::memcmp(data, outs[0].bytes.data(), outs[0].bytes.size()), "data() contents");
    ExpectThrow("wrong output type", ErrorCode::kInvalidArgument, "float32", [&] {
      std::vector<int64_t> wrong(static_cast<size_t>(size));
      out0->CopyToCpu(wrong.data());
    });
  }
  ExpectThrow("reshape an output", ErrorCode::kInvalidArgument, "output",
              [&] { out0->Reshape({1}); });

  // ---- clone, handles outliving the predictor, pool ----------------------------------
  auto clone = predictor->Clone();
  predictor.reset();
  CHECK(out0->shape() == outs[0].dims, "handle of a destroyed predictor");
  CHECK(Same(RunAll(*clone, inputs), outs), "clone outputs differ");
  clone->ClearIntermediateTensor();
  clone->TryShrinkMemory();
  CHECK(Same(RunAll(*clone, inputs), outs), "outputs differ after ClearIntermediateTensor");

  paddle_infer::services::PredictorPool pool(config, 2);
  CHECK(Same(RunAll(*pool.Retrieve(1), inputs), outs), "pool predictor outputs differ");
  ExpectThrow("pool index", ErrorCode::kInvalidArgument, "2 predictors",
              [&] { pool.Retrieve(2); });

  // ---- memory buffers, mutable_data, ShareExternalData, LoD -------------------------
  std::vector<char> prog = ReadFile(model), par = ReadFile(params);
  paddle_infer::Config mem_config;
  mem_config.SetModelBuffer(prog.data(), prog.size(), par.data(), par.size());
  // the same optimizer settings as `config`, so the same graph runs
  mem_config.SetCpuMathLibraryNumThreads(2);
  mem_config.DeletePass("conv_bn_fuse_pass");
  mem_config.DeletePass("fc_fuse_pass");
  prog.clear();
  par.clear();
  CHECK(mem_config.model_from_memory(), "model_from_memory");
  auto mem = paddle_infer::CreatePredictor(mem_config);
  for (const auto& b : inputs) {
    auto t = mem->GetInputHandle(b.name);
    if (b.dtype == "float32") {
      t->Reshape(b.dims);
      float* dst = t->mutable_data<float>(paddle_infer::PlaceType::kCPU);
      std::memcpy(dst, b.bytes.data(), b.bytes.size());
    } else {
      Feed(*mem, b);
    }
  }
  CHECK(mem->Run(), "run from memory");
  std::vector<Blob> mem_outs;
  for (const auto& name : mem->GetOutputNames()) mem_outs.push_back(Fetch(*mem->GetOutputHandle(name)));
  CHECK(Close(mem_outs, outs), "memory-loaded outputs differ");

  if (inputs[0].dtype == "float32") {
    auto t = mem->GetInputHandle(inputs[0].name);
    t->ShareExternalData(reinterpret_cast<const float*>(inputs[0].bytes.data()), inputs[0].dims,
                         paddle_infer::PlaceType::kCPU);
    CHECK(t->shape() == inputs[0].dims, "ShareExternalData shape");
    ExpectThrow("GPU place", ErrorCode::kUnsupported, "kCPU", [&] {
      t->ShareExternalData(reinterpret_cast<const float*>(inputs[0].bytes.data()),
                           inputs[0].dims, paddle_infer::PlaceType::kGPU);
    });
    t->SetLoD({{0, 1, static_cast<size_t>(inputs[0].dims[0])}});
    CHECK(t->lod().size() == 1 && t->lod()[0].size() == 3, "lod");
    CHECK(mem->Run(), "run after ShareExternalData");
  }

  if (g_failures) {
    std::cerr << g_failures << " check(s) failed\n";
    return 1;
  }
  std::cout << "C++ API: all checks passed (" << inputs.size() << " inputs, " << outs.size()
            << " outputs)\n";
  return 0;
}
