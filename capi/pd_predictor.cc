// C API: PD_Predictor over paddle_infer::Predictor.
#include "capi_internal.h"

using pdcapi::Guard;
using pdcapi::GuardVoid;

namespace {

paddle_infer::Predictor& Pred(PD_Predictor* p) {
  if (!p || !p->predictor) pdcapi::NullHandle("predictor");
  return *p->predictor;
}

PD_IOInfos* Infos(const std::vector<std::string>& names,
                  std::map<std::string, std::vector<int64_t>> shapes,
                  std::map<std::string, paddle_infer::DataType> types) {
  std::unique_ptr<PD_IOInfos, void (*)(PD_IOInfos*)> infos(new PD_IOInfos{0, nullptr},
                                                           PD_IOInfosDestroy);
  if (names.empty()) return infos.release();
  infos->io_info = new PD_IOInfo*[names.size()]();
  for (size_t i = 0; i < names.size(); ++i) {
    infos->size = i + 1;  // a failure below destroys exactly what was built
    infos->io_info[i] = new PD_IOInfo{nullptr, nullptr, PD_DATA_UNK};
    infos->io_info[i]->name = pdcapi::ToCstr(names[i]);
    infos->io_info[i]->shape = pdcapi::ToInt64Array(shapes[names[i]]);
    infos->io_info[i]->dtype = pdcapi::ToC(types[names[i]]);
  }
  return infos.release();
}

}  // namespace

extern "C" {

PD_Predictor* PD_PredictorCreate(PD_Config* pd_config) {
  // Take the config whatever happens (Paddle's __pd_take contract).
  std::unique_ptr<PD_Config> config(pd_config);
  return Guard(__func__, static_cast<PD_Predictor*>(nullptr), [&] {
    if (!config) pdcapi::NullHandle("config");
    std::unique_ptr<PD_Predictor> p(new PD_Predictor);
    p->predictor = paddle_infer::CreatePredictor(config->config);
    return p.release();
  });
}

PD_Predictor* PD_PredictorClone(PD_Predictor* pd_predictor) {
  return Guard(__func__, static_cast<PD_Predictor*>(nullptr), [&] {
    std::unique_ptr<PD_Predictor> p(new PD_Predictor);
    p->predictor = Pred(pd_predictor).Clone();
    return p.release();
  });
}

PD_OneDimArrayCstr* PD_PredictorGetInputNames(PD_Predictor* pd_predictor) {
  return Guard(__func__, static_cast<PD_OneDimArrayCstr*>(nullptr),
               [&] { return pdcapi::ToCstrArray(Pred(pd_predictor).GetInputNames()); });
}

PD_OneDimArrayCstr* PD_PredictorGetOutputNames(PD_Predictor* pd_predictor) {
  return Guard(__func__, static_cast<PD_OneDimArrayCstr*>(nullptr),
               [&] { return pdcapi::ToCstrArray(Pred(pd_predictor).GetOutputNames()); });
}

PD_IOInfos* PD_PredictorGetInputInfos(PD_Predictor* pd_predictor) {
  return Guard(__func__, static_cast<PD_IOInfos*>(nullptr), [&] {
    auto& p = Pred(pd_predictor);
    return Infos(p.GetInputNames(), p.GetInputTensorShape(), p.GetInputTypes());
  });
}

PD_IOInfos* PD_PredictorGetOutputInfos(PD_Predictor* pd_predictor) {
  return Guard(__func__, static_cast<PD_IOInfos*>(nullptr), [&] {
    auto& p = Pred(pd_predictor);
    return Infos(p.GetOutputNames(), p.GetOutputTensorShape(), p.GetOutputTypes());
  });
}

size_t PD_PredictorGetInputNum(PD_Predictor* pd_predictor) {
  return Guard(__func__, static_cast<size_t>(0),
               [&] { return Pred(pd_predictor).GetInputNames().size(); });
}

size_t PD_PredictorGetOutputNum(PD_Predictor* pd_predictor) {
  return Guard(__func__, static_cast<size_t>(0),
               [&] { return Pred(pd_predictor).GetOutputNames().size(); });
}

PD_Tensor* PD_PredictorGetInputHandle(PD_Predictor* pd_predictor, const char* name) {
  return Guard(__func__, static_cast<PD_Tensor*>(nullptr), [&] {
    auto& p = Pred(pd_predictor);
    std::unique_ptr<PD_Tensor> t(new PD_Tensor);
    t->tensor = p.GetInputHandle(pdcapi::Str(name, "name"));
    return t.release();
  });
}

PD_Tensor* PD_PredictorGetOutputHandle(PD_Predictor* pd_predictor, const char* name) {
  return Guard(__func__, static_cast<PD_Tensor*>(nullptr), [&] {
    auto& p = Pred(pd_predictor);
    std::unique_ptr<PD_Tensor> t(new PD_Tensor);
    t->tensor = p.GetOutputHandle(pdcapi::Str(name, "name"));
    return t.release();
  });
}

PD_Bool PD_PredictorRun(PD_Predictor* pd_predictor) {
  return Guard(__func__, static_cast<PD_Bool>(FALSE), [&] {
    return static_cast<PD_Bool>(Pred(pd_predictor).Run() ? TRUE : FALSE);
  });
}

void PD_PredictorClearIntermediateTensor(PD_Predictor* pd_predictor) {
  GuardVoid(__func__, [&] { Pred(pd_predictor).ClearIntermediateTensor(); });
}

uint64_t PD_PredictorTryShrinkMemory(PD_Predictor* pd_predictor) {
  return Guard(__func__, static_cast<uint64_t>(0),
               [&] { return Pred(pd_predictor).TryShrinkMemory(); });
}

void PD_PredictorDestroy(PD_Predictor* pd_predictor) {
  GuardVoid(__func__, [&] { delete pd_predictor; });
}

const char* PD_GetVersion(void) {
  return Guard(__func__, static_cast<const char*>(""), [] {
    static const std::string version = paddle_infer::GetVersion();
    return version.c_str();
  });
}

}  // extern "C"
