// paddle_infer::Predictor, CreatePredictor, PredictorPool and the free functions.
#include <cstdio>
#include <mutex>
#include <set>

#include "pdinfer/api/api_internal.h"

namespace paddle_infer {

Exception::~Exception() = default;

namespace detail {

ErrorCode ToPublic(pdinfer::ErrorCode code) {
  switch (code) {
    case pdinfer::ErrorCode::kInvalidModel: return ErrorCode::kInvalidModel;
    case pdinfer::ErrorCode::kInvalidArgument: return ErrorCode::kInvalidArgument;
    case pdinfer::ErrorCode::kUnsupported: return ErrorCode::kUnsupported;
    case pdinfer::ErrorCode::kOutOfMemory: return ErrorCode::kOutOfMemory;
    case pdinfer::ErrorCode::kNotFound: return ErrorCode::kNotFound;
    case pdinfer::ErrorCode::kInternal: break;
  }
  return ErrorCode::kInternal;
}

DataType ToPublic(pdinfer::DataType t) {
  switch (t) {
    case pdinfer::DataType::kInt64: return INT64;
    case pdinfer::DataType::kInt32: return INT32;
    case pdinfer::DataType::kUInt8: return UINT8;
    case pdinfer::DataType::kInt8: return INT8;
    case pdinfer::DataType::kFloat16: return FLOAT16;
    case pdinfer::DataType::kBool: return BOOL;
    case pdinfer::DataType::kFloat64: return FLOAT64;
    case pdinfer::DataType::kBFloat16: return BFLOAT16;
    default: return FLOAT32;  // float32, and types Paddle's enum cannot name
  }
}

void Throw(ErrorCode code, const std::string& message) { throw Exception(code, message); }

void Translate() {
  try {
    throw;
  } catch (const Exception&) {
    throw;
  } catch (const pdinfer::Error& e) {
    throw Exception(ToPublic(e.code()), e.message());
  } catch (const std::bad_alloc&) {
    throw Exception(ErrorCode::kOutOfMemory, "out of memory");
  } catch (const std::exception& e) {
    throw Exception(ErrorCode::kInternal, std::string("internal error: ") + e.what());
  } catch (...) {
    throw Exception(ErrorCode::kInternal, "internal error: unknown exception");
  }
}

void WarnOnce(const std::string& key, const std::string& what) {
  static std::mutex mu;
  static std::set<std::string> seen;
  std::lock_guard<std::mutex> lock(mu);
  if (!seen.insert(key).second) return;
  std::fprintf(stderr, "pdinfer: %s\n", what.c_str());
}

const pdinfer::Value& PredictorState::Declared(const std::string& name, bool is_input) const {
  const pdinfer::Graph& g = core->graph();
  for (pdinfer::ValueId v : is_input ? g.inputs() : g.outputs())
    if (g.value(v).name == name) return g.value(v);
  // Names come from the handle, which was validated when it was created.
  pdinfer::ThrowError(pdinfer::ErrorCode::kNotFound, "no ", is_input ? "input" : "output",
                      " named '", name, "'");
}

}  // namespace detail

// ---------------------------------------------------------------------------------
// Predictor
// ---------------------------------------------------------------------------------
Predictor::Predictor(const Config& config) {
  PDI_API_TRY
  pdinfer::PredictorOptions options = detail::ConfigAccess::Options(config);
  state_ = std::make_shared<detail::PredictorState>(
      std::make_unique<pdinfer::Predictor>(options));
  PDI_API_CATCH
}

Predictor::Predictor(std::shared_ptr<detail::PredictorState> state) : state_(std::move(state)) {}

Predictor::~Predictor() = default;

std::vector<std::string> Predictor::GetInputNames() { return state_->core->input_names(); }
std::vector<std::string> Predictor::GetOutputNames() { return state_->core->output_names(); }

std::unique_ptr<Tensor> Predictor::GetInputHandle(const std::string& name) {
  PDI_API_TRY
  state_->core->InputMeta(name);  // throws kNotFound with the list of inputs
  return std::unique_ptr<Tensor>(new Tensor(state_, name, true));
  PDI_API_CATCH
}

std::unique_ptr<Tensor> Predictor::GetOutputHandle(const std::string& name) {
  PDI_API_TRY
  state_->core->OutputMeta(name);
  return std::unique_ptr<Tensor>(new Tensor(state_, name, false));
  PDI_API_CATCH
}

std::map<std::string, std::vector<int64_t>> Predictor::GetInputTensorShape() {
  PDI_API_TRY
  std::map<std::string, std::vector<int64_t>> out;
  for (const auto& n : state_->core->input_names()) out[n] = state_->core->InputMeta(n).shape;
  return out;
  PDI_API_CATCH
}

std::map<std::string, std::vector<int64_t>> Predictor::GetOutputTensorShape() {
  PDI_API_TRY
  std::map<std::string, std::vector<int64_t>> out;
  for (const auto& n : state_->core->output_names()) out[n] = state_->core->OutputMeta(n).shape;
  return out;
  PDI_API_CATCH
}

std::map<std::string, DataType> Predictor::GetInputTypes() {
  PDI_API_TRY
  std::map<std::string, DataType> out;
  for (const auto& n : state_->core->input_names())
    out[n] = detail::ToPublic(state_->core->InputMeta(n).dtype);
  return out;
  PDI_API_CATCH
}

std::map<std::string, DataType> Predictor::GetOutputTypes() {
  PDI_API_TRY
  std::map<std::string, DataType> out;
  for (const auto& n : state_->core->output_names())
    out[n] = detail::ToPublic(state_->core->OutputMeta(n).dtype);
  return out;
  PDI_API_CATCH
}

bool Predictor::Run() {
  PDI_API_TRY
  state_->core->Run();
  return true;
  PDI_API_CATCH
}

std::unique_ptr<Predictor> Predictor::Clone(void*) {
  PDI_API_TRY
  auto state = std::make_shared<detail::PredictorState>(state_->core->Clone());
  return std::unique_ptr<Predictor>(new Predictor(std::move(state)));
  PDI_API_CATCH
}

void Predictor::ClearIntermediateTensor() {
  PDI_API_TRY
  state_->core->ClearIntermediateTensor();
  PDI_API_CATCH
}

uint64_t Predictor::TryShrinkMemory() {
  PDI_API_TRY
  return static_cast<uint64_t>(state_->core->TryShrinkMemory());
  PDI_API_CATCH
}

void* Predictor::GetExecStream() const { return nullptr; }

std::shared_ptr<Predictor> CreatePredictor(const Config& config) {
  return std::make_shared<Predictor>(config);
}

// ---------------------------------------------------------------------------------
// free functions
// ---------------------------------------------------------------------------------
std::string GetVersion() {
  return std::string("version: pdinfer ") + pdinfer::Version() + "\noneDNN: " +
         pdinfer::DnnlVersion() + "\nCUDA: not built\nTensorRT: not built";
}

int GetNumBytesOfDataType(DataType dtype) {
  switch (dtype) {
    case FLOAT32: case INT32: return 4;
    case INT64: case FLOAT64: return 8;
    case UINT8: case INT8: case BOOL: return 1;
    case FLOAT16: case BFLOAT16: return 2;
  }
  detail::Throw(ErrorCode::kInvalidArgument,
                "GetNumBytesOfDataType(): unknown data type " + std::to_string(dtype));
}

std::tuple<int, int, int> GetTrtCompileVersion() { return std::tuple<int, int, int>{0, 0, 0}; }
std::tuple<int, int, int> GetTrtRuntimeVersion() { return std::tuple<int, int, int>{0, 0, 0}; }
void UpdateDllFlag(const char*, const char*) {}

// ---------------------------------------------------------------------------------
// PredictorPool
// ---------------------------------------------------------------------------------
namespace services {

struct PredictorPool::State {
  std::vector<std::unique_ptr<Predictor>> predictors;
};

PredictorPool::PredictorPool(const Config& config, size_t size) : state_(new State) {
  if (size < 1)
    detail::Throw(ErrorCode::kInvalidArgument, "PredictorPool size must be >= 1, got 0");
  state_->predictors.emplace_back(new Predictor(config));
  for (size_t i = 1; i < size; ++i)
    state_->predictors.push_back(state_->predictors.front()->Clone());
}

PredictorPool::~PredictorPool() = default;

Predictor* PredictorPool::Retrieve(size_t idx) {
  if (idx >= state_->predictors.size())
    detail::Throw(ErrorCode::kInvalidArgument,
                  "PredictorPool::Retrieve(" + std::to_string(idx) + "): the pool has " +
                      std::to_string(state_->predictors.size()) + " predictors");
  return state_->predictors[idx].get();
}

Predictor* PredictorPool::Retrive(size_t idx) { return Retrieve(idx); }

}  // namespace services
}  // namespace paddle_infer
