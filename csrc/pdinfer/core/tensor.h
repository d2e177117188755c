// Tensor: dtype + shape + a view into a reference-counted, 64-byte aligned buffer.
// Thread-safety: a Tensor is not synchronized; constants are shared read-only.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "pdinfer/core/dtype.h"
#include "pdinfer/core/error.h"
#include "pdinfer/core/shape.h"

namespace pdinfer {

// Raw storage. Owns its memory unless created as an external view, in which case
// `keep_alive` holds whatever owns the bytes (e.g. a memory-mapped file).
class Buffer {
 public:
  explicit Buffer(size_t bytes);  // aligned, uninitialized
  Buffer(void* external, size_t bytes, std::shared_ptr<void> keep_alive);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  // The bytes. Reading them pins the buffer (see Evict) and, where it was evicted, first
  // rebuilds them.
  void* data() const {
    if (!pinned_.load()) pinned_.store(true);
    if (evicted_.load()) Restore();
    return data_.load(std::memory_order_relaxed);
  }
  // Same without pinning: for a reader that copies the bytes elsewhere and keeps no pointer.
  void* data_unpinned() const {
    if (evicted_.load()) Restore();
    return data_.load(std::memory_order_relaxed);
  }
  size_t size() const { return size_; }
  // An external view of a private, never-written file mapping: its pages can be dropped
  // from this process at any time and are read back from the file when touched again.
  void set_file_backed(bool v) { file_backed_ = v; }
  bool file_backed() const { return file_backed_; }

  // Constants whose only readers keep their own converted copy (packed weights) give
  // their memory back: Evict frees an owned buffer that nobody has read through data()
  // since the last Unpin, and `restore` rebuilds the bytes into fresh memory should
  // anybody read them again (it then stays resident). False, and nothing changes, when
  // the buffer is pinned, not owned, or shared as a file view.
  bool Evict(std::function<void(void*)> restore) const;
  // Forget earlier readers (the model's loading and passes, which keep no pointers).
  void Unpin() const { pinned_.store(false); }
  bool evicted() const { return evicted_.load(); }

 private:
  void Restore() const;
  void* Allocate() const;
  void Free(void* p) const;

  mutable std::atomic<void*> data_{nullptr};
  size_t size_ = 0;
  bool owned_ = true;
  bool mapped_ = false;  // allocated with mmap (big buffers)
  bool file_backed_ = false;
  std::shared_ptr<void> keep_alive_;
  mutable std::atomic<bool> pinned_{false};
  mutable std::atomic<bool> evicted_{false};
  mutable std::mutex mu_;
  mutable std::function<void(void*)> restore_;
};

// Number of Buffer allocations made by this process (for allocation tests).
int64_t BufferAllocationCount();

using LoD = std::vector<std::vector<uint64_t>>;

class Tensor {
 public:
  Tensor() = default;
  Tensor(DataType dtype, Shape shape);  // allocates

  DataType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int i) const { return shape_[static_cast<size_t>(i)]; }
  int64_t numel() const { return numel_; }
  size_t nbytes() const { return static_cast<size_t>(numel_) * SizeOf(dtype_); }
  bool defined() const { return dtype_ != DataType::kUndefined; }
  bool has_data() const { return buffer_ != nullptr || numel_ == 0; }
  size_t capacity() const { return buffer_ ? buffer_->size() - offset_ : 0; }

  // Set dtype and shape; reallocates only when the current buffer is too small or
  // is shared with another tensor. Contents are unspecified afterwards.
  void Resize(DataType dtype, const Shape& shape);
  // Change the shape keeping the data (numel must be unchanged).
  void Reshape(const Shape& shape);
  // Point at existing storage (no copy).
  void ShareFrom(const Tensor& other);
  void SetExternal(DataType dtype, const Shape& shape, std::shared_ptr<Buffer> buffer,
                   size_t offset);
  // Deep copy.
  Tensor Clone() const;
  // For data that is a view into a file-backed buffer: gives this process's copies of the
  // pages lying wholly inside the data back to the system (a kernel that keeps its own
  // packed copy calls it). Reading the data again reads the file. No-op otherwise.
  void ReleaseResidentPages() const;
  // For a constant whose readers all keep their own copy: frees its bytes, to be rebuilt
  // by `restore` (which writes them all into the pointer it is given) when read again.
  // False where the tensor is not alone in an owned buffer or the buffer was read since
  // the model was loaded (Buffer::Evict).
  bool EvictData(std::function<void(void*)> restore) const;
  // The bytes, for a reader that copies them elsewhere (does not pin the buffer).
  const void* raw_data_unpinned() const {
    return buffer_ ? static_cast<const char*>(buffer_->data_unpinned()) + offset_ : nullptr;
  }
  void Release();

  void* raw_data() { return buffer_ ? static_cast<char*>(buffer_->data()) + offset_ : nullptr; }
  const void* raw_data() const {
    return buffer_ ? static_cast<const char*>(buffer_->data()) + offset_ : nullptr;
  }
  template <typename T>
  T* data() {
    CheckType(DataTypeOf<T>::value);
    return static_cast<T*>(raw_data());
  }
  template <typename T>
  const T* data() const {
    CheckType(DataTypeOf<T>::value);
    return static_cast<const T*>(raw_data());
  }

  const std::shared_ptr<Buffer>& buffer() const { return buffer_; }
  const LoD& lod() const { return lod_; }
  void set_lod(LoD lod) { lod_ = std::move(lod); }

 private:
  void CheckType(DataType t) const {
    if (t != dtype_)
      ThrowError(ErrorCode::kInternal, "tensor holds ", DataTypeName(dtype_), ", accessed as ",
                 DataTypeName(t));
  }

  DataType dtype_ = DataType::kUndefined;
  Shape shape_;
  int64_t numel_ = 0;
  std::shared_ptr<Buffer> buffer_;
  size_t offset_ = 0;
  LoD lod_;
};

}  // namespace pdinfer
