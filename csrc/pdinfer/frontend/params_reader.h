// Reader for Paddle parameter files (spec/PADDLE_FORMATS.md §2): the dense-tensor
// record stream, the combined file (records in sorted-name order, exactly to EOF) and
// the directory layout with one record file per parameter.
//
// Every length in a record is checked against the bytes present before it is used;
// malformed or inconsistent files throw Error(kInvalidModel) naming the file and the
// parameter. Tensors point into the file bytes (memory-mapped) when the data is
// aligned for its element type, and are copied otherwise.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "pdinfer/core/tensor.h"
#include "pdinfer/frontend/file_bytes.h"

namespace pdinfer {

// A parameter the program expects, with what the program declares about it.
struct ParamSpec {
  std::string name;
  bool has_desc = false;  // the program declared dtype/dims (cross-checked when true)
  int var_type = -1;      // declared element type (Paddle VarType.Type number), -1 = unknown
  Shape dims;             // declared dims, -1 = unknown
};

using ParamMap = std::unordered_map<std::string, std::shared_ptr<const Tensor>>;

// The layout of one record, as offsets into the bytes it was parsed from.
struct TensorRecord {
  int var_type = -1;  // element type (Paddle VarType.Type number)
  Shape dims;
  LoD lod;
  size_t data_offset = 0;
  size_t data_bytes = 0;
  size_t end = 0;  // offset just past the record
};

// Parses the record starting at `pos`. `what` names the record in messages (e.g.
// "parameter 'conv1.w_0' (record 3 of 20)").
TensorRecord ParseTensorRecord(const ByteView& bytes, size_t pos, const std::string& what);

// Reads a combined params file: one record per spec in byte-wise sorted name order,
// then EOF. `specs` need not be sorted.
ParamMap ReadCombinedParams(const ByteView& bytes, std::vector<ParamSpec> specs);

// Reads one file per parameter from `dir` (file name = parameter name).
ParamMap ReadSeparateParams(const std::string& dir, const std::vector<ParamSpec>& specs);

// dir/name for a parameter file, refusing names that are absolute, contain a ".."
// component, or resolve (through symlinks) outside `dir`. Throws Error(kInvalidModel)
// for such names and Error(kNotFound) when the file is missing.
std::string ResolveParamPath(const std::string& dir, const std::string& name);

}  // namespace pdinfer
