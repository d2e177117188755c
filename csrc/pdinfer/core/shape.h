// Shapes: a vector of int64 dims; -1 marks a dim unknown until run time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pdinfer {

using Shape = std::vector<int64_t>;

constexpr int kMaxRank = 16;

// Product of dims (1 for a 0-D shape). Throws InvalidArgument on a negative dim or
// on int64 overflow; `what` names the tensor in the message.
int64_t NumElements(const Shape& shape, const std::string& what = "tensor");
// True when every dim is >= 0.
bool IsStatic(const Shape& shape);
// "[1, 3, -1, -1]"
std::string ShapeToString(const Shape& shape);
// Normalize a possibly negative axis into [0, rank); throws InvalidArgument naming `what`.
int NormalizeAxis(int64_t axis, int rank, const std::string& what);
// NumPy-style broadcast of two shapes (unknown -1 dims propagate); throws on mismatch.
Shape BroadcastShapes(const Shape& a, const Shape& b, const std::string& what);

}  // namespace pdinfer
