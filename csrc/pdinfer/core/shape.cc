#include "pdinfer/core/shape.h"

#include <limits>
#include <sstream>

#include "pdinfer/core/error.h"

namespace pdinfer {

int64_t NumElements(const Shape& shape, const std::string& what) {
  int64_t n = 1;
  for (int64_t d : shape) {
    PDI_ENFORCE_ARG(d >= 0, what, ": dim must be non-negative, got shape ", ShapeToString(shape));
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d)
      ThrowError(ErrorCode::kInvalidArgument, what, ": element count of shape ",
                 ShapeToString(shape), " overflows int64");
    n *= d;
  }
  return n;
}

bool IsStatic(const Shape& shape) {
  for (int64_t d : shape)
    if (d < 0) return false;
  return true;
}

std::string ShapeToString(const Shape& shape) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) os << ", ";
    os << shape[i];
  }
  os << ']';
  return os.str();
}

int NormalizeAxis(int64_t axis, int rank, const std::string& what) {
  int64_t r = rank;
  PDI_ENFORCE_ARG(axis >= -r && axis < r && r > 0, what, ": axis ", axis,
                  " is out of range for rank ", rank);
  return static_cast<int>(axis < 0 ? axis + r : axis);
}

Shape BroadcastShapes(const Shape& a, const Shape& b, const std::string& what) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da == db) out[i] = da;
    else if (da == 1) out[i] = db;
    else if (db == 1) out[i] = da;
    else if (da < 0 || db < 0) out[i] = da < 0 ? db : da;  // unknown: assume it matches
    else
      ThrowError(ErrorCode::kInvalidArgument, what, ": shapes ", ShapeToString(a), " and ",
                 ShapeToString(b), " cannot be broadcast (dim ", i, ": ", da, " vs ", db, ")");
  }
  return out;
}

}  // namespace pdinfer
