#include "pdinfer/passes/pattern.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <unordered_set>

#include "pdinfer/core/error.h"

namespace pdinfer {

GraphIndex::GraphIndex(const Graph& g)
    : producer_(g.num_values(), -1),
      consumers_(g.num_values()),
      is_input_(g.num_values(), false),
      is_output_(g.num_values(), false) {
  const auto& nodes = g.nodes();
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& n = nodes[i];
    if (IsRemoved(n)) continue;
    for (const Slot& s : n.outputs)
      for (ValueId v : s.values)
        if (v != kNoValue) producer_[static_cast<size_t>(v)] = static_cast<int>(i);
    for (const Slot& s : n.inputs)
      for (ValueId v : s.values) {
        if (v == kNoValue) continue;
        auto& c = consumers_[static_cast<size_t>(v)];
        if (c.empty() || c.back() != static_cast<int>(i)) c.push_back(static_cast<int>(i));
      }
  }
  for (ValueId v : g.inputs()) is_input_[static_cast<size_t>(v)] = true;
  for (ValueId v : g.outputs()) is_output_[static_cast<size_t>(v)] = true;
}

bool IsConstant(const Graph& g, ValueId v) { return v != kNoValue && g.value(v).is_constant(); }

const Tensor* ConstantOf(const Graph& g, ValueId v) {
  return IsConstant(g, v) ? g.value(v).constant.get() : nullptr;
}

bool IsRemoved(const Node& n) { return n.op.empty(); }

void RemoveNode(Graph& g, int node) {
  Node& n = g.nodes().at(static_cast<size_t>(node));
  n.op.clear();
  n.inputs.clear();
  n.outputs.clear();
}

void ReplaceUses(Graph& g, ValueId from, ValueId to) {
  for (Node& n : g.nodes())
    for (Slot& s : n.inputs)
      for (ValueId& v : s.values)
        if (v == from) v = to;
}

bool BypassNode(Graph& g, const GraphIndex& index, int node, ValueId in, ValueId out) {
  if (!index.IsGraphOutput(out)) {
    ReplaceUses(g, out, in);
    RemoveNode(g, node);
    return true;
  }
  // `out` must keep its name: let in's producer write `out` directly.
  int producer = index.Producer(in);
  if (producer < 0 || index.IsGraphOutput(in) || index.IsGraphInput(in) || IsConstant(g, in) ||
      index.Consumers(in).size() != 1)
    return false;
  for (Slot& s : g.nodes()[static_cast<size_t>(producer)].outputs)
    for (ValueId& v : s.values)
      if (v == in) v = out;
  // out's dtype/shape are re-inferred after the pass; carry over what `in` knew.
  Value& o = g.value(out);
  const Value& i = g.value(in);
  if (o.dtype == DataType::kUndefined) o.dtype = i.dtype;
  RemoveNode(g, node);
  return true;
}

std::string UniqueValueName(const Graph& g, const std::string& base) {
  if (g.FindValue(base) == kNoValue) return base;
  for (int k = 1;; ++k) {
    std::string name = base + "." + std::to_string(k);
    if (g.FindValue(name) == kNoValue) return name;
  }
}

ValueId NewConstant(Graph& g, const std::string& base, Tensor data) {
  return g.AddConstant(UniqueValueName(g, base), std::make_shared<const Tensor>(std::move(data)));
}

ValueId NewValue(Graph& g, const std::string& base, DataType dtype, const Shape& shape) {
  return g.AddValue(UniqueValueName(g, base), dtype, shape, true);
}

void ReleaseIfUnread(Graph& g, ValueId v) {
  if (v == kNoValue || !g.value(v).is_constant()) return;
  for (ValueId o : g.outputs())
    if (o == v) return;
  for (const Node& n : g.nodes()) {
    if (IsRemoved(n)) continue;
    for (const Slot& s : n.inputs)
      for (ValueId x : s.values)
        if (x == v) return;
  }
  g.value(v).constant.reset();
}

void CleanupGraph(Graph& g) {
  std::vector<Node>& nodes = g.nodes();
  std::vector<Node> live;
  live.reserve(nodes.size());
  for (Node& n : nodes)
    if (!IsRemoved(n)) live.push_back(std::move(n));

  // Stable topological sort: among ready nodes, the one first in the current order.
  std::vector<int> producer(g.num_values(), -1);
  for (size_t i = 0; i < live.size(); ++i)
    for (const Slot& s : live[i].outputs)
      for (ValueId v : s.values)
        if (v != kNoValue) producer[static_cast<size_t>(v)] = static_cast<int>(i);
  std::vector<int> pending(live.size(), 0);
  std::vector<std::vector<int>> users(live.size());
  for (size_t i = 0; i < live.size(); ++i) {
    std::unordered_set<int> deps;
    for (const Slot& s : live[i].inputs)
      for (ValueId v : s.values)
        if (v != kNoValue && producer[static_cast<size_t>(v)] >= 0 &&
            producer[static_cast<size_t>(v)] != static_cast<int>(i))
          deps.insert(producer[static_cast<size_t>(v)]);
    pending[i] = static_cast<int>(deps.size());
    for (int d : deps) users[static_cast<size_t>(d)].push_back(static_cast<int>(i));
  }
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (size_t i = 0; i < live.size(); ++i)
    if (pending[i] == 0) ready.push(static_cast<int>(i));
  std::vector<Node> sorted;
  sorted.reserve(live.size());
  while (!ready.empty()) {
    int i = ready.top();
    ready.pop();
    sorted.push_back(std::move(live[static_cast<size_t>(i)]));
    for (int u : users[static_cast<size_t>(i)])
      if (--pending[static_cast<size_t>(u)] == 0) ready.push(u);
  }
  PDI_ENFORCE_INTERNAL(sorted.size() == live.size(),
                       "graph rewrite produced a cycle (", live.size() - sorted.size(),
                       " nodes unordered)");
  nodes = std::move(sorted);

  // Release constants nothing reads any more (e.g. weights replaced by folded copies).
  std::vector<bool> used(g.num_values(), false);
  for (const Node& n : nodes)
    for (const Slot& s : n.inputs)
      for (ValueId v : s.values)
        if (v != kNoValue) used[static_cast<size_t>(v)] = true;
  for (ValueId v : g.outputs()) used[static_cast<size_t>(v)] = true;
  for (size_t v = 0; v < g.num_values(); ++v)
    if (!used[v] && g.value(static_cast<ValueId>(v)).is_constant())
      g.value(static_cast<ValueId>(v)).constant.reset();
}

int Pattern::AddNode(std::vector<std::string> ops, Predicate pred) {
  nodes_.push_back({std::move(ops), std::move(pred)});
  return static_cast<int>(nodes_.size()) - 1;
}

int Pattern::AddEdge(int from, const std::string& from_slot, int to, const std::string& to_slot,
                     bool exclusive) {
  PDI_ENFORCE_INTERNAL(from >= 0 && to >= 0 && from < static_cast<int>(nodes_.size()) &&
                           to < static_cast<int>(nodes_.size()) && from != to,
                       "bad pattern edge");
  edges_.push_back({from, to, from_slot, to_slot, exclusive});
  return static_cast<int>(edges_.size()) - 1;
}

namespace {

bool OpMatches(const Pattern::NodeSpec& spec, const Graph& g, const Node& n) {
  if (IsRemoved(n)) return false;
  if (!spec.ops.empty() &&
      std::find(spec.ops.begin(), spec.ops.end(), n.op) == spec.ops.end())
    return false;
  return !spec.pred || spec.pred(g, n);
}

// Where `to` reads v through the edge's slot: (slot, k) or ("", 0) if it does not.
std::pair<std::string, size_t> ReadsAt(const Node& to, const std::string& slot, ValueId v) {
  for (const Slot& s : to.inputs) {
    if (slot != "*" && s.name != slot) continue;
    for (size_t k = 0; k < s.values.size(); ++k)
      if (s.values[k] == v) return {s.name, k};
  }
  return {"", 0};
}

class Matcher {
 public:
  Matcher(const Graph& g, const GraphIndex& index, const Pattern& p) : g_(g), index_(index), p_(p) {
    // Order pattern nodes so each one after the anchor touches an earlier one.
    const size_t n = p.nodes().size();
    std::vector<bool> placed(n, false);
    order_.push_back(0);
    placed[0] = true;
    while (order_.size() < n) {
      bool progress = false;
      for (const auto& e : p.edges()) {
        if (placed[static_cast<size_t>(e.from)] != placed[static_cast<size_t>(e.to)]) {
          int next = placed[static_cast<size_t>(e.from)] ? e.to : e.from;
          placed[static_cast<size_t>(next)] = true;
          order_.push_back(next);
          progress = true;
        }
      }
      PDI_ENFORCE_INTERNAL(progress, "pattern is not connected");
    }
  }

  bool MatchFrom(int anchor, Match& m) {
    m.nodes.assign(p_.nodes().size(), -1);
    m.nodes[0] = anchor;
    return Extend(1, m) && Finish(m);
  }

 private:
  ValueId OutputOf(int graph_node, const std::string& slot) const {
    return g_.nodes()[static_cast<size_t>(graph_node)].Output(slot);
  }

  bool Used(const Match& m, int graph_node) const {
    return std::find(m.nodes.begin(), m.nodes.end(), graph_node) != m.nodes.end();
  }

  // Candidate graph nodes for pattern node `pn` given the nodes matched so far.
  std::vector<int> Candidates(int pn, const Match& m) const {
    for (const auto& e : p_.edges()) {
      if (e.to == pn && m.nodes[static_cast<size_t>(e.from)] >= 0) {
        ValueId v = OutputOf(m.nodes[static_cast<size_t>(e.from)], e.from_slot);
        if (v == kNoValue) return {};
        return index_.Consumers(v);
      }
      if (e.from == pn && m.nodes[static_cast<size_t>(e.to)] >= 0) {
        const Node& to = g_.nodes()[static_cast<size_t>(m.nodes[static_cast<size_t>(e.to)])];
        std::vector<int> out;
        for (const Slot& s : to.inputs) {
          if (e.to_slot != "*" && s.name != e.to_slot) continue;
          for (ValueId v : s.values)
            if (v != kNoValue && index_.Producer(v) >= 0) out.push_back(index_.Producer(v));
        }
        return out;
      }
    }
    return {};
  }

  bool Extend(size_t pos, Match& m) {
    if (pos == order_.size()) return true;
    int pn = order_[pos];
    for (int cand : Candidates(pn, m)) {
      if (Used(m, cand)) continue;
      const Node& n = g_.nodes()[static_cast<size_t>(cand)];
      if (!OpMatches(p_.nodes()[static_cast<size_t>(pn)], g_, n)) continue;
      m.nodes[static_cast<size_t>(pn)] = cand;
      if (EdgesConsistent(m) && Extend(pos + 1, m)) return true;
      m.nodes[static_cast<size_t>(pn)] = -1;
    }
    return false;
  }

  bool EdgesConsistent(const Match& m) const {
    for (const auto& e : p_.edges()) {
      int a = m.nodes[static_cast<size_t>(e.from)], b = m.nodes[static_cast<size_t>(e.to)];
      if (a < 0 || b < 0) continue;
      ValueId v = OutputOf(a, e.from_slot);
      if (v == kNoValue) return false;
      if (ReadsAt(g_.nodes()[static_cast<size_t>(b)], e.to_slot, v).first.empty()) return false;
    }
    return true;
  }

  bool Finish(Match& m) const {
    m.values.clear();
    m.read_at.clear();
    for (const auto& e : p_.edges()) {
      int a = m.nodes[static_cast<size_t>(e.from)], b = m.nodes[static_cast<size_t>(e.to)];
      ValueId v = OutputOf(a, e.from_slot);
      if (e.exclusive) {
        if (index_.IsGraphOutput(v)) return false;
        for (int c : index_.Consumers(v))
          if (!Used(m, c)) return false;
      }
      m.values.push_back(v);
      m.read_at.push_back(ReadsAt(g_.nodes()[static_cast<size_t>(b)], e.to_slot, v));
    }
    return true;
  }

  const Graph& g_;
  const GraphIndex& index_;
  const Pattern& p_;
  std::vector<int> order_;
};

}  // namespace

std::vector<Match> FindMatches(const Graph& g, const GraphIndex& index, const Pattern& p) {
  std::vector<Match> out;
  if (p.nodes().empty()) return out;
  Matcher matcher(g, index, p);
  std::vector<bool> taken(g.nodes().size(), false);
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    if (taken[i] || !OpMatches(p.nodes()[0], g, g.nodes()[i])) continue;
    Match m;
    if (!matcher.MatchFrom(static_cast<int>(i), m)) continue;
    bool overlap = false;
    for (int n : m.nodes) overlap = overlap || taken[static_cast<size_t>(n)];
    if (overlap) continue;
    for (int n : m.nodes) taken[static_cast<size_t>(n)] = true;
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace pdinfer
