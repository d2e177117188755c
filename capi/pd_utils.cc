// C API: value-type helpers, destroy functions and the per-thread last error.
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>

#include "capi_internal.h"

namespace pdcapi {
namespace {

struct LastError {
  PD_ErrorCode code = PD_ERROR_NONE;
  std::string message;
};

LastError& Err() {
  thread_local LastError e;
  return e;
}

PD_ErrorCode ToC(paddle_infer::ErrorCode c) {
  int v = static_cast<int>(c);
  return (v >= PD_ERROR_INVALID_MODEL && v <= PD_ERROR_NOT_FOUND) ? v : PD_ERROR_INTERNAL;
}

}  // namespace

void ResetError() noexcept {
  LastError& e = Err();
  e.code = PD_ERROR_NONE;
  e.message.clear();  // keeps the capacity: no allocation on the next error
}

void SetError(PD_ErrorCode code, const char* func, const std::string& message) noexcept {
  LastError& e = Err();
  e.code = code;
  try {
    e.message.assign(func ? func : "");
    e.message.append(": ");
    e.message.append(message);
  } catch (...) {
    e.code = PD_ERROR_OUT_OF_MEMORY;
    e.message.clear();  // the message itself did not fit; PD_GetLastErrorMsg() says so
  }
}

void RecordCurrentException(const char* func) noexcept {
  try {
    throw;
  } catch (const paddle_infer::Exception& ex) {
    SetError(ToC(ex.code()), func, ex.what());
  } catch (const std::bad_alloc&) {
    SetError(PD_ERROR_OUT_OF_MEMORY, func, "out of memory");
  } catch (const std::exception& ex) {
    SetError(PD_ERROR_INTERNAL, func, std::string("internal error: ") + ex.what());
  } catch (...) {
    SetError(PD_ERROR_INTERNAL, func, "internal error: unknown exception");
  }
}

std::string Str(const char* s, const char* what) {
  if (!s)
    throw paddle_infer::Exception(paddle_infer::ErrorCode::kInvalidArgument,
                                  std::string(what) + " is NULL");
  return s;
}

std::vector<std::string> StrList(size_t n, const char** list, const char* what) {
  std::vector<std::string> out;
  if (n && !list)
    throw paddle_infer::Exception(paddle_infer::ErrorCode::kInvalidArgument,
                                  std::string(what) + " is NULL but its count is " +
                                      std::to_string(n));
  for (size_t i = 0; i < n; ++i) out.push_back(Str(list[i], what));
  return out;
}

PD_OneDimArrayCstr* ToCstrArray(const std::vector<std::string>& v) {
  std::unique_ptr<PD_OneDimArrayCstr> a(new PD_OneDimArrayCstr{0, nullptr});
  if (!v.empty()) {
    a->data = new char*[v.size()]();
    a->size = v.size();
    for (size_t i = 0; i < v.size(); ++i) {
      a->data[i] = new char[v[i].size() + 1];
      std::memcpy(a->data[i], v[i].c_str(), v[i].size() + 1);
    }
  }
  return a.release();
}

PD_Cstr* ToCstr(const std::string& s) {
  PD_Cstr* c = new PD_Cstr{0, nullptr};
  if (!s.empty()) {
    c->data = new char[s.size() + 1];
    std::memcpy(c->data, s.c_str(), s.size() + 1);
    c->size = s.size() + 1;
  }
  return c;
}

template <typename A, typename T>
static A* ToArray(const std::vector<T>& v) {
  A* a = new A{0, nullptr};
  if (!v.empty()) {
    a->data = new typename std::remove_pointer<decltype(a->data)>::type[v.size()];
    a->size = v.size();
    for (size_t i = 0; i < v.size(); ++i) a->data[i] = v[i];
  }
  return a;
}

PD_OneDimArrayInt32* ToInt32Array(const std::vector<int>& v) {
  return ToArray<PD_OneDimArrayInt32>(v);
}
PD_OneDimArrayInt64* ToInt64Array(const std::vector<int64_t>& v) {
  return ToArray<PD_OneDimArrayInt64>(v);
}
PD_OneDimArraySize* ToSizeArray(const std::vector<size_t>& v) {
  return ToArray<PD_OneDimArraySize>(v);
}

char* MallocCopy(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (!p) throw std::bad_alloc();
  std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

PD_DataType ToC(paddle_infer::DataType t) {
  switch (t) {
    case paddle_infer::FLOAT32: return PD_DATA_FLOAT32;
    case paddle_infer::INT32: return PD_DATA_INT32;
    case paddle_infer::INT64: return PD_DATA_INT64;
    case paddle_infer::UINT8: return PD_DATA_UINT8;
    case paddle_infer::INT8: return PD_DATA_INT8;
    case paddle_infer::FLOAT16: return PD_DATA_FLOAT16;
    case paddle_infer::BOOL: return PD_DATA_BOOL;
    case paddle_infer::FLOAT64: return PD_DATA_FLOAT64;
    default: return PD_DATA_UNK;
  }
}

}  // namespace pdcapi

extern "C" {

void PD_OneDimArrayInt32Destroy(PD_OneDimArrayInt32* array) {
  pdcapi::ResetError();
  if (!array) return;
  delete[] array->data;
  delete array;
}

void PD_OneDimArrayInt64Destroy(PD_OneDimArrayInt64* array) {
  pdcapi::ResetError();
  if (!array) return;
  delete[] array->data;
  delete array;
}

void PD_OneDimArraySizeDestroy(PD_OneDimArraySize* array) {
  pdcapi::ResetError();
  if (!array) return;
  delete[] array->data;
  delete array;
}

void PD_OneDimArrayCstrDestroy(PD_OneDimArrayCstr* array) {
  pdcapi::ResetError();
  if (!array) return;
  for (size_t i = 0; i < array->size && array->data; ++i) delete[] array->data[i];
  delete[] array->data;
  delete array;
}

void PD_TwoDimArraySizeDestroy(PD_TwoDimArraySize* array) {
  pdcapi::ResetError();
  if (!array) return;
  for (size_t i = 0; i < array->size && array->data; ++i)
    PD_OneDimArraySizeDestroy(array->data[i]);
  delete[] array->data;
  delete array;
}

void PD_CstrDestroy(PD_Cstr* cstr) {
  pdcapi::ResetError();
  if (!cstr) return;
  delete[] cstr->data;
  delete cstr;
}

void PD_IOInfoDestroy(PD_IOInfo* io_info) {
  pdcapi::ResetError();
  if (!io_info) return;
  PD_CstrDestroy(io_info->name);
  PD_OneDimArrayInt64Destroy(io_info->shape);
  delete io_info;
}

void PD_IOInfosDestroy(PD_IOInfos* io_infos) {
  pdcapi::ResetError();
  if (!io_infos) return;
  for (size_t i = 0; i < io_infos->size && io_infos->io_info; ++i)
    PD_IOInfoDestroy(io_infos->io_info[i]);
  delete[] io_infos->io_info;
  delete io_infos;
}

PD_ErrorCode PD_GetLastErrorCode(void) { return pdcapi::Err().code; }

const char* PD_GetLastErrorMsg(void) {
  const auto& e = pdcapi::Err();
  if (e.code == PD_ERROR_OUT_OF_MEMORY && e.message.empty())
    return "out of memory (the error message could not be stored)";
  return e.message.c_str();
}

void PD_ClearLastError(void) { pdcapi::ResetError(); }

}  // extern "C"
