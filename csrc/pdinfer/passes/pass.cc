#include "pdinfer/passes/pass.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "pdinfer/core/error.h"
#include "pdinfer/passes/pattern.h"
#include "pdinfer/runtime/executor.h"

namespace pdinfer {

PassRegistry& PassRegistry::Global() {
  static PassRegistry registry;
  return registry;
}

void PassRegistry::Register(const std::string& name, PassFactory factory) {
  for (auto& p : passes_)
    PDI_ENFORCE_INTERNAL(p.first != name, "pass '", name, "' registered twice");
  passes_.emplace_back(name, std::move(factory));
}

std::unique_ptr<Pass> PassRegistry::Create(const std::string& name) const {
  for (const auto& p : passes_)
    if (p.first == name) return p.second();
  return nullptr;
}

bool PassRegistry::Has(const std::string& name) const {
  for (const auto& p : passes_)
    if (p.first == name) return true;
  return false;
}

std::vector<std::string> PassRegistry::Names() const {
  std::vector<std::string> out;
  for (const auto& p : passes_) out.push_back(p.first);
  return out;
}

// The order matters: clean-ups and folding first so patterns see canonical graphs;
// batch-norm folding before bias/residual/activation fusion (each fusion extends the
// conv's epilogue in the order bias -> residual -> activation); attention before the
// generic fc fusions, which would otherwise consume its projections; dead code last.
const std::vector<std::string>& DefaultCpuPasses() {
  static const std::vector<std::string> passes = {
      "simplify_with_basic_ops_pass",
      "identity_op_clean_pass",
      "constant_folding_pass",
      "transpose_reshape_chain_pass",
      "layer_norm_fuse_pass",
      "gelu_fuse_pass",
      "silu_fuse_pass",
      "conv_bn_fuse_pass",
      "conv_eltwiseadd_bn_fuse_pass",
      "conv_transpose_bn_fuse_pass",
      "conv_transpose_eltwiseadd_bn_fuse_pass",
      "conv_bias_fuse_pass",
      "conv_transpose_bias_fuse_pass",
      "conv_scale_fuse_pass",
      "conv_elementwise_add_fuse_pass",
      "conv_activation_fuse_pass",
      "conv_post_affine_fuse_pass",
      "multihead_matmul_fuse_pass",
      "matmul_scale_fuse_pass",
      "fc_fuse_pass",
      "fc_elementwise_add_fuse_pass",
      "fc_activation_fuse_pass",
      "matmul_elementwise_add_fuse_pass",
      "matmul_activation_fuse_pass",
      "skip_layernorm_fuse_pass",
      "elementwise_act_fuse_pass",
      "dead_code_elimination_pass",
  };
  return passes;
}

const std::vector<std::string>& DefaultGpuPasses() {
  // The GPU backend runs the same graph-level fusions, less those whose fused form its
  // kernels do not take (a conv's post affine); device-specific placement passes will
  // be added with its kernels.
  static const std::vector<std::string> passes = [] {
    std::vector<std::string> out;
    for (const std::string& p : DefaultCpuPasses())
      if (p != "conv_post_affine_fuse_pass") out.push_back(p);
    return out;
  }();
  return passes;
}

std::string CanonicalPassName(const std::string& name) {
  std::string n = name;
  for (const char* tag : {"_mkldnn", "_onednn"}) {
    size_t pos;
    while ((pos = n.find(tag)) != std::string::npos) n.erase(pos, std::string(tag).size());
  }
  static const std::pair<const char*, const char*> kAliases[] = {
      {"conv2d_bn_fuse_pass", "conv_bn_fuse_pass"},
      {"conv2d_bias_bn_fuse_pass", "conv_eltwiseadd_bn_fuse_pass"},
      {"conv2d_bias_fuse_pass", "conv_bias_fuse_pass"},
      {"conv2d_transpose_bn_fuse_pass", "conv_transpose_bn_fuse_pass"},
      {"conv2d_transpose_bias_bn_fuse_pass", "conv_transpose_eltwiseadd_bn_fuse_pass"},
      {"conv2d_transpose_bias_fuse_pass", "conv_transpose_bias_fuse_pass"},
      {"fc_act_fuse_pass", "fc_activation_fuse_pass"},
      {"matmul_v2_scale_fuse_pass", "matmul_scale_fuse_pass"},
      {"scale_matmul_fuse_pass", "matmul_scale_fuse_pass"},
      {"multihead_matmul_fuse_pass_v2", "multihead_matmul_fuse_pass"},
      {"multihead_matmul_fuse_pass_v3", "multihead_matmul_fuse_pass"},
      {"self_attention_fuse_pass", "multihead_matmul_fuse_pass"},
      {"identity_scale_op_clean_pass", "identity_op_clean_pass"},
      {"trt_skip_layernorm_fuse_pass", "skip_layernorm_fuse_pass"},
      {"remove_redundant_transpose_pass", "transpose_reshape_chain_pass"},
      {"conv_affine_channel_fuse_pass", "conv_scale_fuse_pass"},
  };
  for (const auto& a : kAliases)
    if (n == a.first) return a.second;
  return PassRegistry::Global().Has(n) ? n : name;
}

namespace {

std::string DotEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// Graphviz rendering: ops are boxes, intermediate values edges labelled with their
// name, shape and dtype; constants are listed inside the consuming op's box.
std::string ToDot(const Graph& g, const std::string& title) {
  std::ostringstream os;
  os << "digraph pdinfer {\n  label=\"" << DotEscape(title) << "\";\n  node [shape=box];\n";
  GraphIndex index(g);
  for (ValueId v : g.inputs())
    os << "  v" << v << " [shape=ellipse,label=\"" << DotEscape(g.value(v).name) << "\\n"
       << ShapeToString(g.value(v).shape) << "\"];\n";
  for (ValueId v : g.outputs())
    os << "  v" << v << " [shape=ellipse,label=\"" << DotEscape(g.value(v).name) << "\"];\n";
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    const Node& n = g.nodes()[i];
    os << "  n" << i << " [label=\"" << DotEscape(n.op);
    for (const Slot& s : n.inputs)
      for (ValueId v : s.values)
        if (IsConstant(g, v))
          os << "\\n" << DotEscape(s.name) << "=" << DotEscape(g.value(v).name) << " "
             << ShapeToString(g.value(v).shape);
    os << "\"];\n";
    for (const Slot& s : n.inputs)
      for (ValueId v : s.values) {
        if (v == kNoValue || IsConstant(g, v)) continue;
        int p = index.Producer(v);
        const Value& val = g.value(v);
        std::string label = DotEscape(val.name + " " + ShapeToString(val.shape) + " " +
                                      DataTypeName(val.dtype));
        if (p >= 0)
          os << "  n" << p << " -> n" << i << " [label=\"" << label << "\"];\n";
        else
          os << "  v" << v << " -> n" << i << ";\n";
      }
  }
  for (ValueId v : g.outputs()) {
    int p = index.Producer(v);
    if (p >= 0) os << "  n" << p << " -> v" << v << ";\n";
  }
  os << "}\n";
  return os.str();
}

void Dump(const Graph& g, const PassOptions& o, int step, const std::string& what) {
  char num[16];
  std::snprintf(num, sizeof(num), "%02d", step);
  std::string dir = o.debug_dir.empty() ? "." : o.debug_dir;
  std::string path = dir + "/" + o.debug_prefix + "_" + num + "_" + what + ".dot";
  std::ofstream f(path);
  if (!f) ThrowError(ErrorCode::kInvalidArgument, "switch_ir_debug: cannot write '", path, "'");
  f << ToDot(g, what);
}

int LiveNodes(const Graph& g) {
  int n = 0;
  for (const Node& node : g.nodes()) n += IsRemoved(node) ? 0 : 1;
  return n;
}

}  // namespace

std::vector<PassRunStats> RunPasses(Graph& graph, const std::vector<std::string>& passes,
                                    const PassOptions& options) {
  std::vector<PassRunStats> stats;
  int step = 0;
  if (options.debug) Dump(graph, options, step++, "loaded");
  for (const std::string& name : passes) {
    std::unique_ptr<Pass> pass = PassRegistry::Global().Create(name);
    if (!pass) continue;
    PassRunStats s;
    s.name = name;
    s.nodes_before = LiveNodes(graph);
    auto t0 = std::chrono::steady_clock::now();
    try {
      s.fired = pass->Apply(graph, options);
      if (s.fired > 0) {
        CleanupGraph(graph);
        InferGraphShapes(graph);
      }
    } catch (const Error& e) {
      throw Error(e.code(), StrCat("pass '", name, "': ", e.message()));
    }
    s.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    s.nodes_after = LiveNodes(graph);
    stats.push_back(s);
    if (options.debug) Dump(graph, options, step++, name);
  }
  return stats;
}

}  // namespace pdinfer
