// conv-transpose -> elementwise_add(per-channel constant) -> batch_norm  =>
// fused_conv2d_transpose (see conv_transpose_bn_fuse_pass.cc).
#include "pdinfer/passes/conv_fuse_common.h"
#include "pdinfer/passes/pass.h"

namespace pdinfer {
namespace {

class ConvTransposeEltwiseAddBnFusePass : public Pass {
 public:
  std::string name() const override { return "conv_transpose_eltwiseadd_bn_fuse_pass"; }
  int Apply(Graph& graph, const PassOptions&) override {
    return convfuse::FuseConvBatchNorm(graph, true, true);
  }
};

PDI_REGISTER_PASS(ConvTransposeEltwiseAddBnFusePass);

}  // namespace
}  // namespace pdinfer
