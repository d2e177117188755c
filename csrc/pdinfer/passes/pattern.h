// Tools for writing passes: a use-def index, graph-rewrite helpers and a small subgraph
// pattern matcher.
//
// Rewriting style used by every pass:
//  1. Build a GraphIndex and find matches (FindMatches, or by hand).
//  2. Rewrite: edit nodes in place (node.op, slots, attrs), append new nodes with
//     graph.AddNode (order does not matter), drop nodes with RemoveNode (a tombstone:
//     the node's op becomes empty). Node indices of other nodes stay valid until
//     CleanupGraph, so all matches of one FindMatches call can be rewritten in a row.
//  3. RunPasses calls CleanupGraph after each pass: removes tombstones, restores a
//     topological order and releases constants nothing reads any more.
// Constants are shared with cloned predictors and may be mmapped: never write into a
// Value::constant; make a new tensor (NewConstant) instead.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pdinfer/ir/graph.h"

namespace pdinfer {

class GraphIndex {
 public:
  explicit GraphIndex(const Graph& graph);
  // Index of the node producing v, or -1 (graph input, constant, or no producer).
  int Producer(ValueId v) const { return producer_.at(static_cast<size_t>(v)); }
  // Indices of nodes reading v, one entry per reading node (sorted, unique).
  const std::vector<int>& Consumers(ValueId v) const { return consumers_.at(static_cast<size_t>(v)); }
  bool IsGraphInput(ValueId v) const { return is_input_.at(static_cast<size_t>(v)); }
  bool IsGraphOutput(ValueId v) const { return is_output_.at(static_cast<size_t>(v)); }
  // True when exactly one node reads v and v is not a graph output.
  bool HasSingleUse(ValueId v) const {
    return !IsGraphOutput(v) && Consumers(v).size() == 1;
  }

 private:
  std::vector<int> producer_;
  std::vector<std::vector<int>> consumers_;
  std::vector<bool> is_input_;
  std::vector<bool> is_output_;
};

// --- small queries ---
bool IsConstant(const Graph& g, ValueId v);
// The constant's tensor, or nullptr when v is kNoValue or not a constant.
const Tensor* ConstantOf(const Graph& g, ValueId v);
bool IsRemoved(const Node& n);

// --- rewrite helpers ---
// Tombstones a node (see the header comment).
void RemoveNode(Graph& g, int node);
// Every node input reading `from` reads `to` instead (graph outputs are not touched).
void ReplaceUses(Graph& g, ValueId from, ValueId to);
// Removes a node computing out = in exactly (same dtype and shape). When `out` is a
// graph output it is kept under its name by letting in's producer write it directly;
// when that is impossible (in is a graph input/constant/other output or has other
// readers) nothing changes and false is returned.
bool BypassNode(Graph& g, const GraphIndex& index, int node, ValueId in, ValueId out);
// A fresh value name based on `base` that the graph does not use yet.
std::string UniqueValueName(const Graph& g, const std::string& base);
// Adds a constant value holding `data` under a fresh name derived from `base`.
ValueId NewConstant(Graph& g, const std::string& base, Tensor data);
// Adds an intermediate value (dtype, shape as known) under a fresh name.
ValueId NewValue(Graph& g, const std::string& base, DataType dtype, const Shape& shape);
// Removes tombstones, restores a topological order (stable: keeps the original order
// where possible) and drops constants no node or output reads. Throws Internal when the
// graph has a cycle (a pass bug).
void CleanupGraph(Graph& g);
// Drops the graph's reference to constant `v` at once when no live node and no graph
// output reads it any more (a pass that replaces weights by rewritten copies calls it, so
// that the old and new weights of a whole model are never held together).
void ReleaseIfUnread(Graph& g, ValueId v);

// --- pattern matcher ---
// A pattern is a small DAG of op nodes joined by edges "the first value of output slot
// S of A is read by input slot T of B". FindMatches returns every non-overlapping
// occurrence in graph order. An edge's value is `exclusive` by default: no node outside
// the match may read it and it must not be a graph output, so the match can be fused.
class Pattern {
 public:
  using Predicate = std::function<bool(const Graph&, const Node&)>;
  // Returns the pattern node's id (0, 1, ...). The first node added is the anchor.
  int AddNode(std::vector<std::string> ops, Predicate pred = nullptr);
  // to_slot "*" matches any input slot of `to`.
  int AddEdge(int from, const std::string& from_slot, int to, const std::string& to_slot,
              bool exclusive = true);

  struct NodeSpec {
    std::vector<std::string> ops;
    Predicate pred;
  };
  struct EdgeSpec {
    int from, to;
    std::string from_slot, to_slot;
    bool exclusive;
  };
  const std::vector<NodeSpec>& nodes() const { return nodes_; }
  const std::vector<EdgeSpec>& edges() const { return edges_; }

 private:
  std::vector<NodeSpec> nodes_;
  std::vector<EdgeSpec> edges_;
};

struct Match {
  std::vector<int> nodes;        // graph node index per pattern node id
  std::vector<ValueId> values;   // value per pattern edge id
  // For edges with to_slot "*": the slot name and index where the value was read.
  std::vector<std::pair<std::string, size_t>> read_at;
};

std::vector<Match> FindMatches(const Graph& g, const GraphIndex& index, const Pattern& p);

}  // namespace pdinfer

namespace pdinfer {
// Runs node `n` of `g` with its reference kernel on its inputs, which must all be
// constants (or absent optional slots). Returns the outputs, one per output value in
// slot order (kNoValue outputs give an undefined Tensor). Used by constant folding and
// by passes that precompute weights.
std::vector<Tensor> EvaluateConstantNode(const Graph& g, const Node& n);
}  // namespace pdinfer
