// conv2d / depthwise_conv2d / fused_conv2d (no activation yet) -> elementwise_add of a
// constant broadcast only along the channel axis  =>  fused_conv2d with that Bias (added
// to the conv's own Bias when it has one).
#include "pdinfer/passes/conv_fuse_common.h"
#include "pdinfer/passes/pass.h"

namespace pdinfer {
namespace {

class ConvBiasFusePass : public Pass {
 public:
  std::string name() const override { return "conv_bias_fuse_pass"; }
  int Apply(Graph& graph, const PassOptions&) override {
    return convfuse::FuseConvBias(graph, false);
  }
};

PDI_REGISTER_PASS(ConvBiasFusePass);

}  // namespace
}  // namespace pdinfer
