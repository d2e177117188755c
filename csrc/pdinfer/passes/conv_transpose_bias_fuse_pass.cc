// conv-transpose (no activation yet) -> elementwise_add of a per-channel constant  =>
// fused_conv2d_transpose with Bias.
#include "pdinfer/passes/conv_fuse_common.h"
#include "pdinfer/passes/pass.h"

namespace pdinfer {
namespace {

class ConvTransposeBiasFusePass : public Pass {
 public:
  std::string name() const override { return "conv_transpose_bias_fuse_pass"; }
  int Apply(Graph& graph, const PassOptions&) override {
    return convfuse::FuseConvBias(graph, true);
  }
};

PDI_REGISTER_PASS(ConvTransposeBiasFusePass);

}  // namespace
}  // namespace pdinfer
