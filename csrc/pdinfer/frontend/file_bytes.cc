#include "pdinfer/frontend/file_bytes.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "pdinfer/core/error.h"

namespace pdinfer {

namespace {

struct Mapping {
  void* addr = nullptr;
  size_t size = 0;
  ~Mapping() {
    if (addr) munmap(addr, size);
  }
};

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

ByteView ReadFileBytes(const std::string& path) {
  Fd f;
  f.fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f.fd < 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR)
      ThrowError(ErrorCode::kNotFound, "file not found: ", path);
    ThrowError(ErrorCode::kInvalidArgument, "cannot open ", path, ": ", std::strerror(err));
  }
  struct stat st;
  if (fstat(f.fd, &st) != 0)
    ThrowError(ErrorCode::kInvalidArgument, "cannot stat ", path, ": ", std::strerror(errno));
  if (S_ISDIR(st.st_mode))
    ThrowError(ErrorCode::kInvalidArgument, path, " is a directory, expected a file");
  ByteView view;
  view.origin = path;
  if (S_ISREG(st.st_mode)) {
    size_t size = static_cast<size_t>(st.st_size);
    if (size == 0) return view;
    void* addr = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, f.fd, 0);
    if (addr != MAP_FAILED) {
      auto m = std::make_shared<Mapping>();
      m->addr = addr;
      m->size = size;
      view.data = static_cast<const uint8_t*>(addr);
      view.size = size;
      view.owner = std::move(m);
      view.mapped = true;
      return view;
    }
  }
  // Pipes, special files or a failed mapping: read everything.
  auto buf = std::make_shared<std::string>();
  std::vector<char> chunk(1 << 16);
  for (;;) {
    ssize_t n = read(f.fd, chunk.data(), chunk.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      ThrowError(ErrorCode::kInvalidArgument, "cannot read ", path, ": ", std::strerror(errno));
    }
    if (n == 0) break;
    buf->append(chunk.data(), static_cast<size_t>(n));
  }
  view.data = reinterpret_cast<const uint8_t*>(buf->data());
  view.size = buf->size();
  view.owner = std::move(buf);
  return view;
}

void ReleasePagesExcept(const ByteView& view, std::vector<std::pair<size_t, size_t>> keep) {
  std::sort(keep.begin(), keep.end());
  ReleasePagesExcept(view, keep, 0, view.size);
}

void ReleasePagesExcept(const ByteView& view, const std::vector<std::pair<size_t, size_t>>& keep,
                        size_t begin, size_t end) {
  if (!view.mapped || view.size == 0) return;
  end = std::min(end, view.size);
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  // `data` is page aligned (mmap), so offsets and addresses agree modulo the page size.
  auto release = [&](size_t from, size_t to) {
    from = std::max(from, begin);
    to = std::min(to, end);
    size_t b = (from + page - 1) / page * page;
    size_t e = to == view.size ? to : to / page * page;  // the last page may be partial
    if (e > b) madvise(const_cast<uint8_t*>(view.data) + b, e - b, MADV_DONTNEED);
  };
  size_t cursor = begin;
  for (const auto& r : keep) {
    if (r.second <= begin) continue;
    if (r.first >= end) break;
    if (r.first > cursor) release(cursor, r.first);
    cursor = std::max(cursor, r.second);
  }
  if (cursor < end) release(cursor, end);
}

ByteView BytesOfString(std::string bytes, std::string origin) {
  auto holder = std::make_shared<std::string>(std::move(bytes));
  ByteView view;
  view.data = reinterpret_cast<const uint8_t*>(holder->data());
  view.size = holder->size();
  view.owner = std::move(holder);
  view.origin = std::move(origin);
  return view;
}

bool PathExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool IsRegularFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string RealPath(const std::string& path) {
  char* r = realpath(path.c_str(), nullptr);
  if (!r) return std::string();
  std::string s(r);
  std::free(r);
  return s;
}

}  // namespace pdinfer
