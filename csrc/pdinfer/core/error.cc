#include "pdinfer/core/error.h"

namespace pdinfer {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidModel: return "InvalidModel";
    case ErrorCode::kInvalidArgument: return "InvalidArgument";
    case ErrorCode::kUnsupported: return "Unsupported";
    case ErrorCode::kOutOfMemory: return "OutOfMemory";
    case ErrorCode::kInternal: return "Internal";
    case ErrorCode::kNotFound: return "NotFound";
  }
  return "Unknown";
}

}  // namespace pdinfer
