// An activation folded into a producing op (fused_conv2d, fc, fused_matmul,
// fused_elementwise_*). Stored on the fused node as attributes
//   fuse_activation (string, "" = none), fuse_alpha, fuse_beta, fuse_gamma (floats)
// whose meaning depends on the activation (see FromNode). Apply() gives bit-identical
// results to running the standalone activation op on the same float data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "pdinfer/ir/attribute.h"
#include "pdinfer/ir/graph.h"

namespace pdinfer {

class ThreadPool;

struct FusedActivation {
  // relu, relu6, leaky_relu, elu, hard_sigmoid, hard_swish, swish, silu, sigmoid, tanh,
  // gelu, mish, softplus, clip, abs, sqrt, exp, square; "" = identity.
  std::string name;
  // relu6: alpha=threshold. leaky_relu/elu: alpha. hard_sigmoid: alpha=slope,
  // beta=offset. hard_swish: alpha=threshold, beta=scale, gamma=offset. swish:
  // alpha=beta. gelu: alpha=1 for the tanh approximation. mish: alpha=threshold.
  // softplus: alpha=beta, beta=threshold. clip: alpha=min, beta=max.
  double alpha = 0, beta = 0, gamma = 0;

  bool identity() const { return name.empty(); }

  // The activation a standalone node computes, when it can be fused (an activation op
  // on float data with attribute-only parameters); nullopt otherwise.
  static std::optional<FusedActivation> FromNode(const Graph& g, const Node& node);
  // Reads fuse_activation/fuse_alpha/fuse_beta/fuse_gamma; an unknown name throws
  // InvalidArgument prefixed with `where`.
  static FusedActivation FromAttrs(const AttributeMap& attrs, const std::string& where);
  // Writes the fuse_* attributes.
  void ToAttrs(AttributeMap& attrs) const;

  // Applies the activation in place to float32 data (parallel when pool != nullptr).
  void Apply(float* data, int64_t n, ThreadPool* pool = nullptr) const;
  void Apply(double* data, int64_t n, ThreadPool* pool = nullptr) const;
  // Kernels that fuse the activation into their own loops call Apply(ptr, len, nullptr)
  // on each finished block of output while it is still in cache.
};

// Implemented in activation.cc: runs the standalone activation `op` with `attrs` over
// n elements in place. Throws InvalidArgument for ops it does not know.
void ApplyActivationOp(const std::string& op, const AttributeMap& attrs, float* data, int64_t n,
                       ThreadPool* pool);
void ApplyActivationOp(const std::string& op, const AttributeMap& attrs, double* data, int64_t n,
                       ThreadPool* pool);

}  // namespace pdinfer
