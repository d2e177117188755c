// PIR JSON programs (spec/PADDLE_FORMATS.md §3). Detection is implemented; building
// the graph is not yet.
#include <cctype>

#include "pdinfer/core/error.h"
#include "pdinfer/frontend/frontend.h"

namespace pdinfer {

bool DetectPirProgram(const ByteView& program) {
  // A ProgramDesc starts with a protobuf tag byte (0x0a for `blocks`), never with '{'.
  for (size_t i = 0; i < program.size; ++i) {
    unsigned char c = program.data[i];
    if (std::isspace(c)) continue;
    return c == '{';
  }
  return false;
}

FrontendOutput BuildPirGraph(const ByteView& program, const ParamLoader&) {
  ThrowError(ErrorCode::kUnsupported, program.origin,
             ": PIR JSON programs are not supported yet; export the model in the legacy "
             "format (.pdmodel) with FLAGS_enable_pir_api=0");
}

}  // namespace pdinfer
