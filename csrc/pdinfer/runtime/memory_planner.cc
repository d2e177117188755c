#include "pdinfer/runtime/memory_planner.h"

#include <algorithm>
#include <numeric>

namespace pdinfer {

namespace {

size_t AlignUp(size_t n) { return (n + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment; }

struct Block {
  size_t size = 0;
  int def = 0;
  int last = 0;
  int64_t offset = -1;
};

int Find(std::vector<int>& parent, int v) {
  while (parent[static_cast<size_t>(v)] != v) {
    parent[static_cast<size_t>(v)] = parent[static_cast<size_t>(parent[static_cast<size_t>(v)])];
    v = parent[static_cast<size_t>(v)];
  }
  return v;
}

}  // namespace

MemoryPlan PlanArena(const PlanRequest& req) {
  const size_t n = req.size.size();
  MemoryPlan plan;
  plan.offset.assign(n, -1);
  plan.size.assign(n, 0);
  auto planned = [&](size_t v) { return req.size[v] > 0 && req.def[v] >= 0; };

  // Merge in-place pairs into one block: the output continues the input's storage.
  std::vector<int> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  std::vector<bool> used_as_source(n, false);
  for (auto [in, out] : req.inplace) {
    size_t i = static_cast<size_t>(in), o = static_cast<size_t>(out);
    if (i >= n || o >= n || !planned(i) || !planned(o) || used_as_source[i]) continue;
    if (req.size[o] > req.size[i] || req.last[i] > req.def[o]) continue;
    used_as_source[i] = true;
    parent[o] = Find(parent, in);
    ++plan.inplace_pairs;
  }

  std::vector<Block> blocks(n);
  std::vector<bool> is_root(n, false);
  for (size_t v = 0; v < n; ++v) {
    if (!planned(v)) continue;
    plan.unshared_bytes += req.size[v];
    size_t r = static_cast<size_t>(Find(parent, static_cast<int>(v)));
    Block& b = blocks[r];
    if (!is_root[r]) {
      is_root[r] = true;
      b.def = req.def[v];
      b.last = req.last[v];
    }
    b.size = std::max(b.size, AlignUp(req.size[v]));
    b.def = std::min(b.def, req.def[v]);
    b.last = std::max(b.last, req.last[v]);
  }

  std::vector<size_t> order;
  for (size_t v = 0; v < n; ++v)
    if (is_root[v]) order.push_back(v);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (blocks[a].size != blocks[b].size) return blocks[a].size > blocks[b].size;
    return blocks[a].def < blocks[b].def;
  });

  std::vector<size_t> placed;
  std::vector<std::pair<int64_t, int64_t>> busy;  // [begin, end) of overlapping blocks
  for (size_t r : order) {
    Block& b = blocks[r];
    busy.clear();
    for (size_t p : placed) {
      const Block& o = blocks[p];
      if (o.last < b.def || b.last < o.def) continue;  // lifetimes disjoint
      busy.emplace_back(o.offset, o.offset + static_cast<int64_t>(o.size));
    }
    std::sort(busy.begin(), busy.end());
    int64_t best = -1;
    int64_t best_gap = -1;
    int64_t cursor = 0;
    const int64_t need = static_cast<int64_t>(b.size);
    for (auto [begin, end] : busy) {
      if (begin > cursor) {
        int64_t gap = begin - cursor;
        if (gap >= need && (best_gap < 0 || gap < best_gap)) {
          best = cursor;
          best_gap = gap;
        }
      }
      cursor = std::max(cursor, end);
    }
    b.offset = best >= 0 ? best : cursor;
    plan.arena_bytes = std::max(plan.arena_bytes, static_cast<size_t>(b.offset) + b.size);
    placed.push_back(r);
  }

  for (size_t v = 0; v < n; ++v) {
    if (!planned(v)) continue;
    size_t r = static_cast<size_t>(Find(parent, static_cast<int>(v)));
    plan.offset[v] = blocks[r].offset;
    plan.size[v] = blocks[r].size;
  }
  return plan;
}

}  // namespace pdinfer
