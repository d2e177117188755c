// Arena planning: given, for one input-shape signature, the byte size of every
// intermediate value and the step range over which it is alive, assign each an offset
// in one arena so that values alive at the same time never overlap.
//
// Values whose producer may write over a dying input (element-wise ops) are merged
// with that input into one block first, so the op runs in place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pdinfer {

struct PlanRequest {
  // Per value id. size == 0 or def < 0: not planned (inputs, outputs, constants).
  std::vector<size_t> size;
  std::vector<int> def;   // step that produces the value
  std::vector<int> last;  // last step that reads it (>= def)
  // Pairs (input value, output value) that may share storage: the op at the output's
  // def step reads the input for the last time there and may write in place.
  std::vector<std::pair<int, int>> inplace;
};

struct MemoryPlan {
  std::vector<int64_t> offset;  // per value id; -1 = not in the arena
  std::vector<size_t> size;     // planned bytes per value
  size_t arena_bytes = 0;       // arena size the plan needs
  size_t unshared_bytes = 0;    // sum of planned value sizes (what no reuse would need)
  int inplace_pairs = 0;        // how many in-place merges were applied
};

constexpr size_t kArenaAlignment = 64;

// Greedy by size: the biggest blocks are placed first, each at the lowest offset
// where it overlaps no block alive at the same time (best fit among the gaps).
MemoryPlan PlanArena(const PlanRequest& request);

}  // namespace pdinfer
