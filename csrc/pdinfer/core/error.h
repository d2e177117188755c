// Error type shared by every layer of pdinfer. The core throws pdinfer::Error;
// the Python binding maps the category to an exception class and the C API
// turns it into a status plus a per-thread message.
#pragma once

#include <exception>
#include <sstream>
#include <string>
#include <utility>

namespace pdinfer {

enum class ErrorCode : int {
  kInvalidModel = 1,     // model/params bytes are malformed or inconsistent
  kInvalidArgument = 2,  // caller passed something wrong (shape, dtype, name, order)
  kUnsupported = 3,      // valid input that this build cannot run (op, dtype, device)
  kOutOfMemory = 4,
  kInternal = 5,         // a bug in pdinfer
  kNotFound = 6,         // a file or a named tensor does not exist
};

const char* ErrorCodeName(ErrorCode code);

class Error : public std::exception {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  ErrorCode code() const noexcept { return code_; }
  const char* what() const noexcept override { return message_.c_str(); }
  const std::string& message() const noexcept { return message_; }

 private:
  ErrorCode code_;
  std::string message_;
};

namespace detail {
inline void AppendAll(std::ostringstream&) {}
template <typename T, typename... Rest>
void AppendAll(std::ostringstream& os, const T& first, const Rest&... rest) {
  os << first;
  AppendAll(os, rest...);
}
}  // namespace detail

// Concatenate any streamable pieces into one string.
template <typename... Args>
std::string StrCat(const Args&... args) {
  std::ostringstream os;
  detail::AppendAll(os, args...);
  return os.str();
}

template <typename... Args>
[[noreturn]] void ThrowError(ErrorCode code, const Args&... args) {
  throw Error(code, StrCat(args...));
}

}  // namespace pdinfer

// PDI_CHECK(cond, code, pieces...) throws pdinfer::Error(code, StrCat(pieces...)) when cond is false.
#define PDI_CHECK(cond, code, ...)                         \
  do {                                                     \
    if (!(cond)) ::pdinfer::ThrowError((code), __VA_ARGS__); \
  } while (0)

#define PDI_ENFORCE_ARG(cond, ...) PDI_CHECK(cond, ::pdinfer::ErrorCode::kInvalidArgument, __VA_ARGS__)
#define PDI_ENFORCE_MODEL(cond, ...) PDI_CHECK(cond, ::pdinfer::ErrorCode::kInvalidModel, __VA_ARGS__)
#define PDI_ENFORCE_INTERNAL(cond, ...) PDI_CHECK(cond, ::pdinfer::ErrorCode::kInternal, __VA_ARGS__)
