// conv / conv-transpose (no activation, no residual, constant Filter) -> a per-channel
// constant factor: elementwise_mul with a constant broadcast only along the channel axis
// (either operand order), or `scale` (scale, bias, bias_after_scale attributes)
//   =>  fused conv with W' = W * s[oc] and b' = b * s[oc] (+ the scale op's bias).
// Runs after conv_bias_fuse_pass: learnable affine blocks (PP-LCNet's conv -> add(bias)
// -> mul(w) -> add(b)) become one conv, the add behind a folded factor being fused here
// too (counted in the rewrites).
#include "pdinfer/passes/conv_fuse_common.h"
#include "pdinfer/passes/pass.h"

namespace pdinfer {
namespace {

class ConvScaleFusePass : public Pass {
 public:
  std::string name() const override { return "conv_scale_fuse_pass"; }
  int Apply(Graph& graph, const PassOptions&) override { return convfuse::FuseConvScale(graph); }
};

PDI_REGISTER_PASS(ConvScaleFusePass);

}  // namespace
}  // namespace pdinfer
