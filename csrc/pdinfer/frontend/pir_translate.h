// PIR JSON program -> canonical Graph (spec/PADDLE_FORMATS.md §3).
#pragma once

#include "pdinfer/frontend/frontend.h"

namespace pdinfer {

FrontendOutput TranslatePirProgram(const ByteView& program, const ParamLoader& load_params);

// PIR serialization versions this reader understands.
constexpr int kMinPirVersion = 0;
constexpr int kMaxPirVersion = 6;

}  // namespace pdinfer
