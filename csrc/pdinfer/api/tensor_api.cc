// paddle_infer::Tensor: input/output handles over the core predictor.
#include <cstring>

#include "pdinfer/api/api_internal.h"

namespace paddle_infer {

namespace detail {
const char* PublicName(DataType t) {
  switch (t) {
    case FLOAT32: return "float32";
    case INT64: return "int64";
    case INT32: return "int32";
    case UINT8: return "uint8";
    case INT8: return "int8";
    case FLOAT16: return "float16";
    case BOOL: return "bool";
    case FLOAT64: return "float64";
    case BFLOAT16: return "bfloat16";
  }
  return "unknown";
}
}  // namespace detail

namespace {

std::string ShapeStr(const pdinfer::Shape& s) { return pdinfer::ShapeToString(s); }

template <typename T>
const char* CxxName();
template <> const char* CxxName<float>() { return "float"; }
template <> const char* CxxName<double>() { return "double"; }
template <> const char* CxxName<int64_t>() { return "int64_t"; }
template <> const char* CxxName<int32_t>() { return "int32_t"; }
template <> const char* CxxName<uint8_t>() { return "uint8_t"; }
template <> const char* CxxName<int8_t>() { return "int8_t"; }
template <> const char* CxxName<bool>() { return "bool"; }

void RequireCpu(PlaceType place, const char* call) {
  if (place != PlaceType::kCPU && place != PlaceType::kUNK)
    detail::Throw(ErrorCode::kUnsupported,
                  std::string(call) + ": only PlaceType::kCPU is available in this build");
}

}  // namespace

Tensor::Tensor(std::shared_ptr<detail::PredictorState> state, const std::string& name,
               bool is_input)
    : state_(std::move(state)), name_(name), is_input_(is_input) {}

Tensor::~Tensor() = default;

// Shape the next feed of this input uses: Reshape(), else the fed shape, else the
// declared one when it is fully static.
static pdinfer::Shape FeedShape(detail::PredictorState& s, const std::string& name) {
  auto it = s.pending_shape.find(name);
  if (it != s.pending_shape.end()) return it->second;
  const pdinfer::Tensor& cur = s.core->input(name);
  if (cur.defined()) return cur.shape();
  const pdinfer::Value& d = s.Declared(name, true);
  bool is_static = d.shape_known;
  for (int64_t v : d.shape) is_static = is_static && v >= 0;
  if (!is_static)
    detail::Throw(ErrorCode::kInvalidArgument,
                  "input '" + name + "' has dynamic shape " +
                      (d.shape_known ? ShapeStr(d.shape) : std::string("(undeclared)")) +
                      ": call Reshape() on its handle before CopyFromCpu()/mutable_data()");
  return d.shape;
}

static pdinfer::LoD FeedLoD(detail::PredictorState& s, const std::string& name) {
  auto it = s.input_lod.find(name);
  return it == s.input_lod.end() ? pdinfer::LoD{} : it->second;
}

// The tensor a read accesses: a fed input, or an output after Run().
static const pdinfer::Tensor& Current(const detail::PredictorState& s, const std::string& name,
                                      bool is_input, const char* call) {
  if (is_input) {
    const pdinfer::Tensor& t = s.core->input(name);
    if (!t.defined())
      detail::Throw(ErrorCode::kInvalidArgument, std::string(call) + ": input '" + name +
                                                     "' has not been set (call CopyFromCpu())");
    return t;
  }
  return s.core->output(name);  // throws before the first Run()
}

template <typename T>
static void CheckType(const pdinfer::Tensor& t, const std::string& name, const char* call) {
  if (t.dtype() != pdinfer::DataTypeOf<T>::value)
    detail::Throw(ErrorCode::kInvalidArgument,
                  std::string(call) + "<" + CxxName<T>() + ">(): '" + name + "' holds " +
                      pdinfer::DataTypeName(t.dtype()) + " data");
}

void Tensor::Reshape(const std::vector<int>& shape) {
  PDI_API_TRY
  if (!is_input_)
    detail::Throw(ErrorCode::kInvalidArgument,
                  "Reshape(): '" + name_ + "' is an output; only inputs can be reshaped");
  pdinfer::Shape s(shape.begin(), shape.end());
  for (int64_t d : s)
    if (d < 0)
      detail::Throw(ErrorCode::kInvalidArgument, "Reshape(): input '" + name_ +
                                                     "' needs non-negative dims, got " +
                                                     ShapeStr(s));
  if (s.size() > static_cast<size_t>(pdinfer::kMaxRank))
    detail::Throw(ErrorCode::kInvalidArgument, "Reshape(): input '" + name_ + "': rank " +
                                                   std::to_string(s.size()) + " exceeds " +
                                                   std::to_string(pdinfer::kMaxRank));
  pdinfer::NumElements(s, "Reshape(): input '" + name_ + "'");  // overflow check
  state_->pending_shape[name_] = std::move(s);
  PDI_API_CATCH
}

void Tensor::ReshapeStrings(const std::size_t&) {
  detail::Throw(ErrorCode::kUnsupported, "ReshapeStrings(): string tensors are not supported");
}

void Tensor::CopyStringsFromCpu(const Strings*) {
  detail::Throw(ErrorCode::kUnsupported,
                "CopyStringsFromCpu(): string tensors are not supported");
}

template <typename T>
void Tensor::CopyFromCpu(const T* data) {
  PDI_API_TRY
  if (!is_input_)
    detail::Throw(ErrorCode::kInvalidArgument,
                  "CopyFromCpu(): '" + name_ + "' is an output handle");
  pdinfer::Shape shape = FeedShape(*state_, name_);
  if (!data && pdinfer::NumElements(shape, name_) > 0)
    detail::Throw(ErrorCode::kInvalidArgument,
                  "CopyFromCpu(): input '" + name_ + "': data pointer is null");
  state_->core->SetInput(name_, pdinfer::DataTypeOf<T>::value, shape, data,
                         FeedLoD(*state_, name_));
  PDI_API_CATCH
}

template <typename T>
void Tensor::CopyToCpu(T* data) const {
  PDI_API_TRY
  const pdinfer::Tensor& t = Current(*state_, name_, is_input_, "CopyToCpu()");
  CheckType<T>(t, name_, "CopyToCpu");
  if (t.nbytes()) {
    if (!data)
      detail::Throw(ErrorCode::kInvalidArgument, "CopyToCpu(): destination pointer is null");
    std::memcpy(data, t.raw_data(), t.nbytes());
  }
  PDI_API_CATCH
}

template <typename T>
void Tensor::CopyToCpuAsync(T* data, void*) const {
  CopyToCpu(data);
}

template <typename T>
void Tensor::CopyToCpuAsync(T* data, CallbackFunc cb, void* cb_params) const {
  CopyToCpu(data);
  if (cb) cb(cb_params);
}

template <typename T>
void Tensor::ShareExternalData(const T* data, const std::vector<int>& shape, PlaceType place,
                               DataLayout) {
  PDI_API_TRY
  RequireCpu(place, "ShareExternalData()");
  Reshape(shape);
  CopyFromCpu(data);
  PDI_API_CATCH
}

template <typename T>
T* Tensor::mutable_data(PlaceType place) {
  PDI_API_TRY
  RequireCpu(place, "mutable_data()");
  if (!is_input_)
    detail::Throw(ErrorCode::kInvalidArgument,
                  "mutable_data(): '" + name_ + "' is an output handle; use data<T>() or CopyToCpu()");
  pdinfer::Shape shape = FeedShape(*state_, name_);
  const pdinfer::DataType dtype = pdinfer::DataTypeOf<T>::value;
  const pdinfer::Tensor& cur = state_->core->input(name_);
  if (!(cur.defined() && cur.dtype() == dtype && cur.shape() == shape && cur.has_data())) {
    std::vector<unsigned char> zeros(static_cast<size_t>(pdinfer::NumElements(shape, name_)) *
                                     sizeof(T));
    state_->core->SetInput(name_, dtype, shape, zeros.data(), FeedLoD(*state_, name_));
  }
  // The input's storage belongs to this predictor and is not shared with the caller.
  return static_cast<T*>(const_cast<void*>(state_->core->input(name_).raw_data()));
  PDI_API_CATCH
}

template <typename T>
T* Tensor::data(PlaceType* place, int* size) const {
  PDI_API_TRY
  const pdinfer::Tensor& t = Current(*state_, name_, is_input_, "data()");
  CheckType<T>(t, name_, "data");
  if (place) *place = PlaceType::kCPU;
  if (size) *size = static_cast<int>(t.numel());
  return static_cast<T*>(const_cast<void*>(t.raw_data()));
  PDI_API_CATCH
}

std::vector<int> Tensor::shape() const {
  PDI_API_TRY
  const detail::PredictorState& s = *state_;
  pdinfer::Shape shape;
  if (is_input_) {
    // The pending Reshape is what the next feed uses (and equals the fed shape after it).
    const pdinfer::Tensor& t = s.core->input(name_);
    auto it = s.pending_shape.find(name_);
    if (it != s.pending_shape.end())
      shape = it->second;
    else if (t.defined())
      shape = t.shape();
    else
      shape = s.Declared(name_, true).shape;
  } else {
    shape = s.core->has_run() ? s.core->output(name_).shape() : s.Declared(name_, false).shape;
  }
  return std::vector<int>(shape.begin(), shape.end());
  PDI_API_CATCH
}

void Tensor::SetLoD(const std::vector<std::vector<size_t>>& x) {
  PDI_API_TRY
  if (!is_input_)
    detail::Throw(ErrorCode::kInvalidArgument, "SetLoD(): '" + name_ + "' is an output handle");
  pdinfer::LoD lod;
  for (const auto& level : x) lod.emplace_back(level.begin(), level.end());
  state_->input_lod[name_] = lod;
  if (state_->core->input(name_).defined()) state_->core->SetInputLoD(name_, std::move(lod));
  PDI_API_CATCH
}

std::vector<std::vector<size_t>> Tensor::lod() const {
  PDI_API_TRY
  const detail::PredictorState& s = *state_;
  pdinfer::LoD lod;
  if (is_input_) {
    const pdinfer::Tensor& t = s.core->input(name_);
    auto it = s.input_lod.find(name_);
    if (t.defined())
      lod = t.lod();
    else if (it != s.input_lod.end())
      lod = it->second;
  } else if (s.core->has_run()) {
    lod = s.core->output(name_).lod();
  }
  std::vector<std::vector<size_t>> out;
  for (const auto& level : lod) out.emplace_back(level.begin(), level.end());
  return out;
  PDI_API_CATCH
}

const std::string& Tensor::name() const { return name_; }

DataType Tensor::type() const {
  PDI_API_TRY
  const detail::PredictorState& s = *state_;
  pdinfer::DataType t;
  if (is_input_) {
    const pdinfer::Tensor& cur = s.core->input(name_);
    t = cur.defined() ? cur.dtype() : s.Declared(name_, true).dtype;
  } else {
    t = s.core->has_run() ? s.core->output(name_).dtype() : s.Declared(name_, false).dtype;
  }
  return detail::ToPublic(t);
  PDI_API_CATCH
}

PlaceType Tensor::place() const { return PlaceType::kCPU; }

#define PDI_INSTANTIATE_TENSOR(T)                                                         \
  template void Tensor::CopyFromCpu<T>(const T*);                           \
  template void Tensor::CopyToCpu<T>(T*) const;                             \
  template void Tensor::CopyToCpuAsync<T>(T*, void*) const;                 \
  template void Tensor::CopyToCpuAsync<T>(T*, CallbackFunc, void*) const;   \
  template void Tensor::ShareExternalData<T>(const T*, const std::vector<int>&, \
                                                           PlaceType, DataLayout);        \
  template T* Tensor::mutable_data<T>(PlaceType);                           \
  template T* Tensor::data<T>(PlaceType*, int*) const;

PDI_INSTANTIATE_TENSOR(float)
PDI_INSTANTIATE_TENSOR(double)
PDI_INSTANTIATE_TENSOR(int64_t)
PDI_INSTANTIATE_TENSOR(int32_t)
PDI_INSTANTIATE_TENSOR(uint8_t)
PDI_INSTANTIATE_TENSOR(int8_t)
PDI_INSTANTIATE_TENSOR(bool)

}  // namespace paddle_infer
