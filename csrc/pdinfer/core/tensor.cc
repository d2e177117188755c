#include "pdinfer/core/tensor.h"

#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

#include <sys/mman.h>
#include <unistd.h>

namespace pdinfer {

namespace {
std::atomic<int64_t> g_allocations{0};
constexpr size_t kAlignment = 64;
// Big buffers are mapped directly: freeing them returns the pages to the system at
// once, whereas malloc's adaptive mmap threshold would keep serving such sizes from
// the heap after the first free, where they stay resident and fragment when shapes
// vary from run to run.
constexpr size_t kMapThreshold = size_t{1} << 20;
}  // namespace

int64_t BufferAllocationCount() { return g_allocations.load(std::memory_order_relaxed); }

void* Buffer::Allocate() const {
  if (size_ >= kMapThreshold) {
    void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
      ThrowError(ErrorCode::kOutOfMemory, "failed to allocate ", size_, " bytes");
    return p;
  }
  size_t rounded = (size_ + kAlignment - 1) / kAlignment * kAlignment;
  if (rounded == 0) rounded = kAlignment;
  void* p = std::aligned_alloc(kAlignment, rounded);
  if (!p) ThrowError(ErrorCode::kOutOfMemory, "failed to allocate ", size_, " bytes");
  return p;
}

void Buffer::Free(void* p) const {
  if (!p) return;
  if (mapped_) munmap(p, size_);
  else std::free(p);
}

Buffer::Buffer(size_t bytes) : size_(bytes) {
  mapped_ = bytes >= kMapThreshold;
  data_.store(Allocate());
  g_allocations.fetch_add(1, std::memory_order_relaxed);
}

Buffer::Buffer(void* external, size_t bytes, std::shared_ptr<void> keep_alive)
    : size_(bytes), owned_(false), keep_alive_(std::move(keep_alive)) {
  data_.store(external);
}

Buffer::~Buffer() {
  if (owned_) Free(data_.load());
}

bool Buffer::Evict(std::function<void(void*)> restore) const {
  if (!owned_ || file_backed_ || size_ == 0 || !restore) return false;
  std::lock_guard<std::mutex> lock(mu_);
  if (evicted_.load()) {
    restore_ = std::move(restore);
    return true;
  }
  // A reader publishes its pin before it looks at evicted_; this side publishes evicted_
  // before it looks at the pin (both sequentially consistent): either the reader sees
  // evicted_ and waits on mu_ for the restore, or this side sees the pin and keeps the
  // bytes.
  evicted_.store(true);
  if (pinned_.load()) {
    evicted_.store(false);
    return false;
  }
  void* p = data_.exchange(nullptr);
  Free(p);
  restore_ = std::move(restore);
  return true;
}

void Buffer::Restore() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!evicted_.load()) return;
  void* p = Allocate();
  try {
    restore_(p);
  } catch (...) {
    Free(p);
    throw;
  }
  data_.store(p, std::memory_order_relaxed);
  evicted_.store(false);  // publishes data_
}

Tensor::Tensor(DataType dtype, Shape shape) { Resize(dtype, shape); }

void Tensor::ReleaseResidentPages() const {
  if (!buffer_ || !buffer_->file_backed() || numel_ == 0) return;
  static const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t begin = reinterpret_cast<uintptr_t>(raw_data());
  const uintptr_t b = (begin + page - 1) / page * page;
  const uintptr_t e = (begin + nbytes()) / page * page;
  if (e > b) madvise(reinterpret_cast<void*>(b), e - b, MADV_DONTNEED);
}

bool Tensor::EvictData(std::function<void(void*)> restore) const {
  if (!buffer_ || offset_ != 0 || numel_ == 0 || nbytes() != buffer_->size()) return false;
  return buffer_->Evict(std::move(restore));
}

void Tensor::Resize(DataType dtype, const Shape& shape) {
  PDI_ENFORCE_ARG(static_cast<int>(shape.size()) <= kMaxRank, "rank ", shape.size(),
                  " exceeds the maximum of ", kMaxRank);
  int64_t n = NumElements(shape);
  size_t esize = SizeOf(dtype);
  PDI_ENFORCE_ARG(esize > 0, "cannot allocate a tensor of dtype ", DataTypeName(dtype));
  if (n > 0 && static_cast<uint64_t>(n) > std::numeric_limits<size_t>::max() / esize)
    ThrowError(ErrorCode::kInvalidArgument, "tensor of shape ", ShapeToString(shape),
               " is too large");
  size_t bytes = static_cast<size_t>(n) * esize;
  bool reuse = buffer_ && buffer_.use_count() == 1 && capacity() >= bytes;
  if (!reuse) {
    buffer_ = std::make_shared<Buffer>(bytes);
    offset_ = 0;
  }
  dtype_ = dtype;
  shape_ = shape;
  numel_ = n;
}

void Tensor::Reshape(const Shape& shape) {
  int64_t n = NumElements(shape);
  PDI_ENFORCE_ARG(n == numel_, "cannot reshape ", ShapeToString(shape_), " to ",
                  ShapeToString(shape), ": element count differs");
  shape_ = shape;
}

void Tensor::ShareFrom(const Tensor& other) {
  dtype_ = other.dtype_;
  shape_ = other.shape_;
  numel_ = other.numel_;
  buffer_ = other.buffer_;
  offset_ = other.offset_;
  lod_ = other.lod_;
}

void Tensor::SetExternal(DataType dtype, const Shape& shape, std::shared_ptr<Buffer> buffer,
                         size_t offset) {
  int64_t n = NumElements(shape);
  size_t bytes = static_cast<size_t>(n) * SizeOf(dtype);
  PDI_ENFORCE_INTERNAL(buffer && offset <= buffer->size() && bytes <= buffer->size() - offset,
                       "external buffer too small for shape ", ShapeToString(shape));
  dtype_ = dtype;
  shape_ = shape;
  numel_ = n;
  buffer_ = std::move(buffer);
  offset_ = offset;
}

Tensor Tensor::Clone() const {
  Tensor t;
  if (!defined()) return t;
  t.Resize(dtype_, shape_);
  if (nbytes()) std::memcpy(t.raw_data(), raw_data(), nbytes());
  t.lod_ = lod_;
  return t;
}

void Tensor::Release() {
  buffer_.reset();
  offset_ = 0;
}

}  // namespace pdinfer
