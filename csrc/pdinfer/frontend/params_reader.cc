#include "pdinfer/frontend/params_reader.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <limits>

#include "pdinfer/frontend/program_desc.h"

namespace pdinfer {

namespace {

// LoD levels in real models are 0..2; anything this large is corrupt.
constexpr uint64_t kMaxLoDLevels = 64;

class Cursor {
 public:
  Cursor(const ByteView& b, size_t pos, const std::string& what) : b_(b), pos_(pos), what_(what) {}

  size_t pos() const { return pos_; }
  size_t left() const { return b_.size - pos_; }

  template <typename... Args>
  [[noreturn]] void Fail(size_t at, const Args&... args) const {
    ThrowError(ErrorCode::kInvalidModel, b_.origin, ": ", what_, ": ", StrCat(args...),
               " (at byte offset ", at, ")");
  }

  // Little-endian fixed-width read of `n` bytes describing `field`.
  uint64_t ReadLE(size_t n, const char* field) {
    if (left() < n)
      Fail(pos_, "truncated: needs ", n, " bytes for ", field, ", only ", left(), " left");
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;) v = (v << 8) | b_.data[pos_ + i];
    pos_ += n;
    return v;
  }
  void Skip(size_t n) { pos_ += n; }

 private:
  const ByteView& b_;
  size_t pos_;
  const std::string& what_;
};

bool IsElementType(int t) { return (t >= 0 && t <= 6) || (t >= 19 && t <= 24) || t >= 32; }

// Zero-copy when the data is aligned for its element type (then `used` records the
// range so its pages stay mapped), else a private aligned copy.
std::shared_ptr<const Tensor> MakeTensor(const ByteView& bytes, const TensorRecord& rec,
                                         const std::string& name, std::shared_ptr<Buffer>* whole,
                                         std::vector<std::pair<size_t, size_t>>* used) {
  if (!IsValidDataTypeNumber(rec.var_type))
    ThrowError(ErrorCode::kUnsupported, bytes.origin, ": parameter '", name, "' has dtype ",
               legacy::VarTypeName(rec.var_type), ", which is not supported");
  DataType dtype = static_cast<DataType>(rec.var_type);
  auto t = std::make_shared<Tensor>();
  const uint8_t* src = bytes.data + rec.data_offset;
  size_t align = std::max<size_t>(SizeOf(dtype), 1);
  if (bytes.owner && reinterpret_cast<uintptr_t>(src) % align == 0) {
    // One Buffer over the whole file, shared by every tensor pointing into it.
    if (!*whole) {
      *whole = std::make_shared<Buffer>(const_cast<uint8_t*>(bytes.data), bytes.size, bytes.owner);
      (*whole)->set_file_backed(bytes.mapped);
    }
    t->SetExternal(dtype, rec.dims, *whole, rec.data_offset);
    used->emplace_back(rec.data_offset, rec.data_offset + rec.data_bytes);
  } else {
    t->Resize(dtype, rec.dims);
    if (rec.data_bytes) std::memcpy(t->raw_data(), src, rec.data_bytes);
  }
  if (!rec.lod.empty()) t->set_lod(rec.lod);
  return t;
}

std::string DescribeType(int var_type, const Shape& dims) {
  return StrCat(var_type < 0 ? std::string("?") : legacy::VarTypeName(var_type), " ",
                ShapeToString(dims));
}

// The program's VarDesc and the record must agree (Paddle does not check; a mismatch
// means the params belong to another program or the file is corrupt).
void CrossCheck(const ByteView& bytes, const ParamSpec& spec, const TensorRecord& rec) {
  if (!spec.has_desc) return;
  auto fail = [&]() {
    ThrowError(ErrorCode::kInvalidModel, bytes.origin, ": parameter '", spec.name,
               "' does not match the program: the program declares ",
               DescribeType(spec.var_type, spec.dims), ", the params file holds ",
               DescribeType(rec.var_type, rec.dims));
  };
  if (spec.var_type >= 0 && spec.var_type != rec.var_type) fail();
  if (spec.dims.size() == rec.dims.size()) {
    for (size_t i = 0; i < spec.dims.size(); ++i)
      if (spec.dims[i] >= 0 && spec.dims[i] != rec.dims[i]) fail();
    return;
  }
  // Exporters from before 0-D tensors wrote scalars as [1]: accept [] vs [1].
  bool all_unknown = std::all_of(spec.dims.begin(), spec.dims.end(),
                                 [](int64_t d) { return d == -1; });
  auto one = [](const Shape& s) {
    return std::all_of(s.begin(), s.end(), [](int64_t d) { return d == 1; });
  };
  if ((all_unknown && !spec.dims.empty()) || (one(spec.dims) && one(rec.dims))) return;
  fail();
}

}  // namespace

TensorRecord ParseTensorRecord(const ByteView& bytes, size_t pos, const std::string& what) {
  TensorRecord rec;
  Cursor c(bytes, pos, what);
  size_t at = c.pos();
  uint64_t version = c.ReadLE(4, "the tensor format version");
  if (version != 0) c.Fail(at, "unsupported dense-tensor format version ", version, " (expected 0)");

  at = c.pos();
  uint64_t levels = c.ReadLE(8, "lod_level");
  if (levels > kMaxLoDLevels || levels > c.left() / 8)
    c.Fail(at, "lod_level ", levels, " is impossible (max ", kMaxLoDLevels, ", ", c.left(),
           " bytes left)");
  for (uint64_t l = 0; l < levels; ++l) {
    at = c.pos();
    uint64_t n = c.ReadLE(8, "a LoD level size");
    if (n % 8 != 0) c.Fail(at, "LoD level ", l, " byte size ", n, " is not a multiple of 8");
    if (n > c.left())
      c.Fail(at, "LoD level ", l, " declares ", n, " bytes, only ", c.left(), " left");
    std::vector<uint64_t> offsets(static_cast<size_t>(n / 8));
    for (auto& o : offsets) o = c.ReadLE(8, "a LoD offset");
    rec.lod.push_back(std::move(offsets));
  }

  at = c.pos();
  version = c.ReadLE(4, "the tensor version");
  if (version != 0) c.Fail(at, "unsupported tensor version ", version, " (expected 0)");

  at = c.pos();
  int32_t desc_size = static_cast<int32_t>(static_cast<uint32_t>(c.ReadLE(4, "desc_size")));
  if (desc_size < 0) c.Fail(at, "negative TensorDesc size ", desc_size);
  if (static_cast<size_t>(desc_size) > c.left())
    c.Fail(at, "TensorDesc size ", desc_size, " exceeds the ", c.left(), " bytes left");
  size_t desc_at = c.pos();
  legacy::TensorDesc desc = legacy::ParseTensorDesc(
      bytes.data + desc_at, static_cast<size_t>(desc_size), StrCat(bytes.origin, ": ", what),
      desc_at);
  c.Skip(static_cast<size_t>(desc_size));
  if (desc.data_type < 0) c.Fail(desc_at, "TensorDesc has no data_type");
  if (!IsElementType(desc.data_type))
    c.Fail(desc_at, "TensorDesc data_type ", legacy::VarTypeName(desc.data_type),
           " is not an element type");
  for (int64_t d : desc.dims)
    if (d < 0) c.Fail(desc_at, "dims ", ShapeToString(desc.dims), " contain a negative dim");
  rec.var_type = desc.data_type;
  rec.dims = desc.dims;

  uint64_t numel = 1;
  for (int64_t d : desc.dims) {
    uint64_t ud = static_cast<uint64_t>(d);
    if (ud != 0 && numel > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / ud)
      c.Fail(desc_at, "element count of dims ", ShapeToString(desc.dims), " overflows");
    numel *= ud;
  }
  // Element sizes of every element type, including those we cannot compute with, so
  // that the size check is exact before any dtype support decision.
  static const uint8_t kSizes[] = {1, 2, 4, 8, 2, 4, 8};
  uint64_t esize = desc.data_type <= 6 ? kSizes[desc.data_type]
                   : desc.data_type == 19 ? 8
                   : desc.data_type == 20 || desc.data_type == 21 ? 1
                   : desc.data_type == 22 ? 2
                   : desc.data_type == 23 ? 8
                   : desc.data_type == 24 ? 16
                                          : 1;  // fp8
  if (numel > std::numeric_limits<uint64_t>::max() / esize)
    c.Fail(desc_at, "byte size of dims ", ShapeToString(desc.dims), " overflows");
  uint64_t nbytes = numel * esize;
  if (nbytes > c.left())
    c.Fail(c.pos(), "truncated: ", legacy::VarTypeName(desc.data_type), " ",
           ShapeToString(desc.dims), " needs ", nbytes, " data bytes, only ", c.left(), " left");
  rec.data_offset = c.pos();
  rec.data_bytes = static_cast<size_t>(nbytes);
  rec.end = rec.data_offset + rec.data_bytes;
  return rec;
}

ParamMap ReadCombinedParams(const ByteView& bytes, std::vector<ParamSpec> specs) {
  std::sort(specs.begin(), specs.end(),
            [](const ParamSpec& a, const ParamSpec& b) { return a.name < b.name; });
  ParamMap out;
  std::shared_ptr<Buffer> whole;
  std::vector<std::pair<size_t, size_t>> used;  // in file order
  size_t pos = 0, released = 0;
  const size_t kPage = static_cast<size_t>(sysconf(_SC_PAGESIZE)), kReleaseStep = size_t{8} << 20;
  const size_t n = specs.size();
  for (size_t k = 0; k < n; ++k) {
    const ParamSpec& spec = specs[k];
    if (pos == bytes.size)
      ThrowError(ErrorCode::kInvalidModel, bytes.origin, ": params file ends after ", k, " of ",
                 n, " parameters; parameter '", spec.name, "' (record ", k + 1,
                 ") and those after it are missing");
    std::string what = StrCat("parameter '", spec.name, "' (record ", k + 1, " of ", n, ")");
    TensorRecord rec = ParseTensorRecord(bytes, pos, what);
    CrossCheck(bytes, spec, rec);
    out[spec.name] = MakeTensor(bytes, rec, spec.name, &whole, &used);
    pos = rec.end;
    // Give back the pages read so far that no tensor points into, as the file is walked:
    // otherwise a file of copied (unaligned) records is resident twice at the peak.
    const size_t done = pos / kPage * kPage;
    if (done >= released + kReleaseStep) {
      ReleasePagesExcept(bytes, used, released, done);
      released = done;
    }
  }
  if (pos != bytes.size)
    ThrowError(ErrorCode::kInvalidModel, bytes.origin, ": ", bytes.size - pos,
               " trailing bytes after the last of the ", n,
               " parameters the program declares",
               n ? StrCat(" ('", specs.back().name, "')") : std::string(),
               "; the params file does not belong to this program or is corrupt");
  ReleasePagesExcept(bytes, std::move(used));
  return out;
}

std::string ResolveParamPath(const std::string& dir, const std::string& name) {
  auto bad = [&](const char* why) {
    ThrowError(ErrorCode::kInvalidModel, "parameter name '", name, "' ", why,
               "; refusing to read it as a file under ", dir);
  };
  if (name.empty()) bad("is empty");
  if (name.find('\0') != std::string::npos) bad("contains a NUL byte");
  if (name[0] == '/' || name[0] == '\\') bad("is an absolute path");
  if (name.size() >= 2 && name[1] == ':' && std::isalpha(static_cast<unsigned char>(name[0])))
    bad("is an absolute (drive) path");
  // Both separators count, so Windows-style escapes are refused on every platform.
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find_first_of("/\\", start);
    if (end == std::string::npos) end = name.size();
    if (name.compare(start, end - start, "..") == 0 && end - start == 2)
      bad("contains a '..' component");
    start = end + 1;
  }
  std::string path = JoinPath(dir, name);
  if (!PathExists(path))
    ThrowError(ErrorCode::kNotFound, "parameter file not found: ", path);
  std::string real_dir = RealPath(dir);
  std::string real = RealPath(path);
  if (real_dir.empty() || real.empty())
    ThrowError(ErrorCode::kNotFound, "cannot resolve parameter file ", path);
  std::string prefix = real_dir == "/" ? real_dir : real_dir + "/";
  if (real.compare(0, prefix.size(), prefix) != 0)
    bad(StrCat("resolves to ", real, ", outside the model directory").c_str());
  return path;
}

ParamMap ReadSeparateParams(const std::string& dir, const std::vector<ParamSpec>& specs) {
  ParamMap out;
  for (const ParamSpec& spec : specs) {
    std::string path = ResolveParamPath(dir, spec.name);
    ByteView bytes = ReadFileBytes(path);
    if (bytes.size == 0)
      ThrowError(ErrorCode::kInvalidModel, path, ": parameter file of '", spec.name,
                 "' is empty");
    std::string what = StrCat("parameter '", spec.name, "'");
    TensorRecord rec = ParseTensorRecord(bytes, 0, what);
    if (rec.end != bytes.size)
      ThrowError(ErrorCode::kInvalidModel, path, ": ", bytes.size - rec.end,
                 " trailing bytes after the record of parameter '", spec.name, "'");
    CrossCheck(bytes, spec, rec);
    std::shared_ptr<Buffer> whole;
    std::vector<std::pair<size_t, size_t>> used;
    out[spec.name] = MakeTensor(bytes, rec, spec.name, &whole, &used);
    ReleasePagesExcept(bytes, std::move(used));
  }
  return out;
}

}  // namespace pdinfer
