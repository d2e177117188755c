// Entry point of the frontends: find and read a model (files, a directory or
// memory buffers) and return the canonical Graph with parameters bound as constants.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pdinfer/ir/graph.h"

namespace pdinfer {

struct ModelSource {
  // One of: a model directory; a program file plus a params file (params may be
  // empty for a program without parameters); or memory buffers.
  std::string model_dir;
  std::string prog_file;
  std::string params_file;
  bool from_memory = false;
  std::string prog_buffer;
  std::string params_buffer;
};

struct LoadedModel {
  std::shared_ptr<Graph> graph;
  std::string format;       // "legacy" (ProgramDesc) or "pir" (JSON)
  std::string description;  // where it came from, for summary()
  std::vector<std::string> warnings;  // leniencies applied while loading (missing fields, ...)
};

// Throws Error(kNotFound) for missing files and Error(kInvalidModel) for malformed or
// inconsistent bytes; messages name the file and what was wrong.
LoadedModel LoadModel(const ModelSource& source);

}  // namespace pdinfer
