// Read-only bytes of a model file or caller buffer, kept alive by a shared owner so
// that parameter tensors can point into them without copying.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace pdinfer {

struct ByteView {
  const uint8_t* data = nullptr;
  size_t size = 0;
  std::shared_ptr<void> owner;  // the mapping or string holding `data`
  std::string origin;           // file path or "<params buffer>", for messages
  bool mapped = false;          // `data` is a private file mapping (see ReleasePagesExcept)
};

// Maps `path` privately (copy-on-write, so a stray write never reaches the file) or,
// where mapping is not possible, reads it. Throws Error(kNotFound) naming the path when
// it does not exist and Error(kInvalidArgument) when it is not a readable regular file.
// An empty file gives size 0.
ByteView ReadFileBytes(const std::string& path);

// For a mapped view: drops this process's copies of the pages that lie entirely outside
// `keep` (byte ranges [begin, end) still referenced, e.g. by zero-copy tensors), so the
// parts that were only parsed or copied stop counting toward RSS. They are re-read from
// the file if touched again. No-op for unmapped views.
void ReleasePagesExcept(const ByteView& view, std::vector<std::pair<size_t, size_t>> keep);
// Same within [begin, end) only (page aligned offsets; `keep` sorted).
void ReleasePagesExcept(const ByteView& view, const std::vector<std::pair<size_t, size_t>>& keep,
                        size_t begin, size_t end);

// Takes ownership of `bytes`.
ByteView BytesOfString(std::string bytes, std::string origin);

// Filesystem helpers shared by the loaders.
bool PathExists(const std::string& path);
bool IsDirectory(const std::string& path);
bool IsRegularFile(const std::string& path);
std::string JoinPath(const std::string& dir, const std::string& name);
std::string DirName(const std::string& path);
// Canonical absolute path with symlinks resolved; empty when it cannot be resolved.
std::string RealPath(const std::string& path);

}  // namespace pdinfer
