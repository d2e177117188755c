// conv2d / depthwise_conv2d / fused_conv2d -> elementwise_add(per-channel constant) ->
// batch_norm  =>  fused_conv2d with the add folded into the bias before the batch_norm
// (see conv_bn_fuse_pass.cc).
#include "pdinfer/passes/conv_fuse_common.h"
#include "pdinfer/passes/pass.h"

namespace pdinfer {
namespace {

class ConvEltwiseAddBnFusePass : public Pass {
 public:
  std::string name() const override { return "conv_eltwiseadd_bn_fuse_pass"; }
  int Apply(Graph& graph, const PassOptions&) override {
    return convfuse::FuseConvBatchNorm(graph, false, true);
  }
};

PDI_REGISTER_PASS(ConvEltwiseAddBnFusePass);

}  // namespace
}  // namespace pdinfer
