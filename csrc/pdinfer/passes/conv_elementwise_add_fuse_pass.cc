// conv2d / depthwise_conv2d / fused_conv2d (no activation, no residual yet) ->
// elementwise_add(conv output, R) where R is a computed tensor (not a constant) of
// exactly the conv output's shape  =>  fused_conv2d with ResidualData = R: the residual
// add of ResNet-style blocks done in the conv's epilogue (bias -> residual -> activation,
// so a conv that already has an activation takes no residual).
//
// Shapes: both operands must have rank 4 and the same dims, where a dim unknown at load
// time (-1, e.g. a dynamic batch or image size) counts as equal only when it is unknown
// in both at the same position; the channel dim must be known. Should the two ever
// differ at run time (a broadcast add), fused_conv2d reports the mismatch instead of
// broadcasting.
#include "pdinfer/passes/conv_fuse_common.h"
#include "pdinfer/passes/pass.h"

namespace pdinfer {
namespace {

bool SameShape(const Value& a, const Value& b, int channel_axis) {
  if (!a.shape_known || !b.shape_known || a.shape.size() != 4 || a.shape != b.shape)
    return false;
  return a.shape[static_cast<size_t>(channel_axis)] > 0;
}

int FuseResidual(Graph& g) {
  Pattern p;
  const int conv = p.AddNode(convfuse::ConvOps(), [](const Graph& gr, const Node& n) {
    auto info = convfuse::ReadConv(gr, n);
    return info && !info->has_activation && !info->has_residual;
  });
  const int add = p.AddNode({"elementwise_add"});
  p.AddEdge(conv, "Output", add, "*");
  return convfuse::RunToFixpoint(g, [&](Graph& gr, const GraphIndex& index) {
    int fired = 0;
    for (const Match& m : FindMatches(gr, index, p)) {
      Node& c = gr.nodes()[static_cast<size_t>(m.nodes[static_cast<size_t>(conv)])];
      const Node& a = gr.nodes()[static_cast<size_t>(m.nodes[static_cast<size_t>(add)])];
      auto info = convfuse::ReadConv(gr, c);
      if (!info) continue;
      const ValueId conv_out = c.Output("Output");
      const ValueId x = a.Input("X"), y = a.Input("Y"), out = a.Output("Out");
      if (x == kNoValue || y == kNoValue || out == kNoValue) continue;
      if ((x == conv_out) == (y == conv_out)) continue;  // conv_out + conv_out, or neither
      const ValueId r = x == conv_out ? y : x;
      if (IsConstant(gr, r)) continue;  // a bias: conv_bias_fuse_pass's job
      const Value& rv = gr.value(r);
      if (rv.dtype != info->dtype || gr.value(out).dtype != info->dtype) continue;
      if (!SameShape(gr.value(conv_out), rv, info->channel_axis())) continue;
      if (!SameShape(gr.value(conv_out), gr.value(out), info->channel_axis())) continue;
      convfuse::SetInput(c, "ResidualData", r);
      convfuse::MakeFused(c);
      c.attrs.Set("fuse_residual_connection", true);
      convfuse::RedirectOutput(c, out);
      RemoveNode(gr, m.nodes[static_cast<size_t>(add)]);
      ++fired;
    }
    return fired;
  });
}

class ConvElementwiseAddFusePass : public Pass {
 public:
  std::string name() const override { return "conv_elementwise_add_fuse_pass"; }
  int Apply(Graph& graph, const PassOptions&) override { return FuseResidual(graph); }
};

PDI_REGISTER_PASS(ConvElementwiseAddFusePass);

}  // namespace
}  // namespace pdinfer
