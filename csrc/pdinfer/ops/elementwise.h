// Entry points into the binary element-wise kernels of elementwise.cc for ops that wrap
// them (fused_elementwise_* in fused_elementwise.cc).
#pragma once

#include <string>

#include "pdinfer/ops/registry.h"

namespace pdinfer {

// Shape/dtype inference and kernel of elementwise_<op> (op = "add", "sub", "mul" or
// "div") for the node in ctx: inputs X, Y, attribute `axis`, output Out.
void InferElementwiseArith(OpContext& ctx, const std::string& op);
void ComputeElementwiseArith(OpContext& ctx, const std::string& op);

}  // namespace pdinfer
