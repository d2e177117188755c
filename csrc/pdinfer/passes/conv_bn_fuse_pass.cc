// conv2d / depthwise_conv2d / fused_conv2d (no activation, no residual) -> batch_norm
// with constant statistics  =>  fused_conv2d whose new Filter and Bias hold the folded
// per-channel affine: W' = W * gamma / sqrt(var + eps), b' = (b - mean) * that + beta.
#include "pdinfer/passes/conv_fuse_common.h"
#include "pdinfer/passes/pass.h"

namespace pdinfer {
namespace {

class ConvBnFusePass : public Pass {
 public:
  std::string name() const override { return "conv_bn_fuse_pass"; }
  int Apply(Graph& graph, const PassOptions&) override {
    return convfuse::FuseConvBatchNorm(graph, false, false);
  }
};

PDI_REGISTER_PASS(ConvBnFusePass);

}  // namespace
}  // namespace pdinfer
