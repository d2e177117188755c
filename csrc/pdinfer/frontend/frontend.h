// The interface every program-format frontend implements. model_loader.cc finds the
// files, reads the program bytes, picks the frontend whose Detect accepts them and
// hands it a ParamLoader bound to wherever the parameters live.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pdinfer/frontend/file_bytes.h"
#include "pdinfer/frontend/params_reader.h"
#include "pdinfer/ir/graph.h"

namespace pdinfer {

// Given the parameters a program declares, returns their tensors (reading the combined
// file, the per-parameter files or the params buffer). Called at most once per load.
using ParamLoader = std::function<ParamMap(const std::vector<ParamSpec>&)>;

struct FrontendOutput {
  std::shared_ptr<Graph> graph;
  std::vector<std::string> warnings;
  size_t num_params = 0;
};

struct Frontend {
  const char* format;  // "legacy", "pir"
  // True when `program` is in this frontend's format (decided by content).
  bool (*detect)(const ByteView& program);
  FrontendOutput (*build)(const ByteView& program, const ParamLoader& load_params);
};

// Legacy ProgramDesc protobuf (legacy_frontend.cc).
bool DetectLegacyProgram(const ByteView& program);
FrontendOutput BuildLegacyGraph(const ByteView& program, const ParamLoader& load_params);

// PIR JSON program (pir_frontend.cc).
bool DetectPirProgram(const ByteView& program);
FrontendOutput BuildPirGraph(const ByteView& program, const ParamLoader& load_params);

}  // namespace pdinfer
