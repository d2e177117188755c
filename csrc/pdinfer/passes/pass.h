// Graph optimizer: passes that rewrite the canonical graph after load and before the
// executor plans it. Each pass lives in its own file in this directory and registers
// itself with PDI_REGISTER_PASS; the predictor runs the default list for its device
// (DefaultCpuPasses) minus the passes the user deleted, unless ir_optim is off.
//
// Contract for a pass:
//  - Apply() rewrites the graph in place and returns how many times it fired (0 = no
//    change). It must keep graph outputs' names (users fetch by name) and inputs.
//  - Never bake a dynamic (-1) dim into the graph: folding and shape rewrites use only
//    what is known for every input shape.
//  - Results must be unchanged within fp32 rounding.
//  - A pass may leave dead nodes/values behind; RunPasses removes unreferenced nodes
//    and re-sorts topologically after each pass (see CleanupGraph in pattern.h).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pdinfer/ir/graph.h"

namespace pdinfer {

struct PassOptions {
  int num_threads = 1;
  // switch_ir_debug: write the graph before the first and after every pass.
  bool debug = false;
  std::string debug_dir;  // where debug dumps go ("" = current directory)
  std::string debug_prefix = "pdinfer_ir";
};

class Pass {
 public:
  virtual ~Pass() = default;
  virtual std::string name() const = 0;
  // Returns the number of rewrites (0 when the pattern did not occur).
  virtual int Apply(Graph& graph, const PassOptions& options) = 0;
};

using PassFactory = std::function<std::unique_ptr<Pass>()>;

class PassRegistry {
 public:
  static PassRegistry& Global();
  void Register(const std::string& name, PassFactory factory);
  // nullptr when unknown.
  std::unique_ptr<Pass> Create(const std::string& name) const;
  bool Has(const std::string& name) const;
  std::vector<std::string> Names() const;

 private:
  std::vector<std::pair<std::string, PassFactory>> passes_;
};

struct PassRegistrar {
  PassRegistrar(const std::string& name, PassFactory factory) {
    PassRegistry::Global().Register(name, std::move(factory));
  }
};

// What one pass did, for the debug log, the Python API and benchmarks.
struct PassRunStats {
  std::string name;
  int fired = 0;
  int nodes_before = 0;
  int nodes_after = 0;
  double ms = 0;
};

// The stable default order on CPU and (later) GPU. Names follow Paddle's where a pass
// does the same job, so users' delete_pass() calls keep working.
const std::vector<std::string>& DefaultCpuPasses();
const std::vector<std::string>& DefaultGpuPasses();

// Paddle spellings that map onto one of our passes (e.g. the older *_mkldnn_* names,
// or Paddle passes whose job one of ours does). Returns the pdinfer pass name, or the
// input unchanged when there is no alias.
std::string CanonicalPassName(const std::string& name);

// Runs `passes` in order (names not registered are skipped), with cleanup and shape
// re-inference after each. Returns per-pass statistics.
std::vector<PassRunStats> RunPasses(Graph& graph, const std::vector<std::string>& passes,
                                    const PassOptions& options);

}  // namespace pdinfer

#define PDI_PASS_CONCAT_INNER(a, b) a##b
#define PDI_PASS_CONCAT(a, b) PDI_PASS_CONCAT_INNER(a, b)
// PDI_REGISTER_PASS(ConvBnFusePass) — the class must have a default constructor and
// name() must return the registered name.
#define PDI_REGISTER_PASS(PassClass)                                                   \
  static ::pdinfer::PassRegistrar PDI_PASS_CONCAT(pdi_pass_registrar_, __COUNTER__)(   \
      PassClass().name(), [] { return std::unique_ptr<::pdinfer::Pass>(new PassClass()); })
