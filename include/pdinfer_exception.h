// pdinfer C++ API: the exception thrown by every failing call (a pdinfer extension;
// Paddle throws an internal type). Catch paddle_infer::Exception for the category, or
// std::exception for just the message.
#pragma once

#include <stdexcept>
#include <string>

#include "paddle_infer_declare.h"  // NOLINT

namespace paddle_infer {

// Error categories. The values are fixed and equal the C API's PD_ErrorCode values.
enum class ErrorCode : int {
  kOk = 0,
  kInvalidModel = 1,     // model or params bytes are malformed or inconsistent
  kInvalidArgument = 2,  // wrong name, shape, dtype, or call order
  kUnsupported = 3,      // valid request this build cannot run
  kOutOfMemory = 4,
  kInternal = 5,
  kNotFound = 6,         // a file or a named tensor does not exist
};

class PD_INFER_DECL Exception : public std::runtime_error {
 public:
  Exception(ErrorCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  ~Exception() override;  // defined in the library: one typeinfo for every module
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace paddle_infer
