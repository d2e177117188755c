// conv2d_transpose / depthwise_conv2d_transpose / fused_conv2d_transpose -> batch_norm
// =>  fused_conv2d_transpose with the batch_norm folded in. The filter is
// [IC, OC/groups, KH, KW], so output channel g * OC/groups + j scales Filter[:, j] of the
// input channels of group g.
#include "pdinfer/passes/conv_fuse_common.h"
#include "pdinfer/passes/pass.h"

namespace pdinfer {
namespace {

class ConvTransposeBnFusePass : public Pass {
 public:
  std::string name() const override { return "conv_transpose_bn_fuse_pass"; }
  int Apply(Graph& graph, const PassOptions&) override {
    return convfuse::FuseConvBatchNorm(graph, true, false);
  }
};

PDI_REGISTER_PASS(ConvTransposeBnFusePass);

}  // namespace
}  // namespace pdinfer
