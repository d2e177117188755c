// PIR JSON programs (spec/PADDLE_FORMATS.md §3): detection here, translation in
// pir_translate.cc.
#include <cctype>

#include "pdinfer/core/error.h"
#include "pdinfer/frontend/frontend.h"
#include "pdinfer/frontend/pir_translate.h"

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

FrontendOutput BuildPirGraph(const ByteView& program, const ParamLoader& load_params) {
  return TranslatePirProgram(program, load_params);
}

}  // namespace pdinfer
