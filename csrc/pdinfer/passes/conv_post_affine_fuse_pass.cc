// conv whose only reader multiplies or shifts it by one scalar constant:
//   elementwise_mul / elementwise_add / elementwise_sub of conv_out and c (either order, c
//   a float constant holding one value, or one value repeated per output channel) or
//   scale(conv_out) with attribute-only scale / bias
//   =>  fused_conv2d / fused_conv2d_transpose with fuse_post_scale / fuse_post_shift:
//       Output = epilogue(conv) * fuse_post_scale + fuse_post_shift.
// Runs after the weight-folding passes: conv_scale_fuse_pass folds such factors into the
// filter where it can (no activation, no residual), so this takes what is left, the
// affine behind an activation above all (learnable affine blocks: conv -> bn ->
// hard_swish -> mul(a) -> add(b), as in PP-LCNetV3 and the PP-OCRv4 models). The oneDNN
// kernel runs it as one more eltwise post-op, the reference kernel in its epilogue loop.
// Repeated matches compose (conv -> mul -> add becomes one affine).
#include <cmath>

#include "pdinfer/passes/conv_fuse_common.h"
#include "pdinfer/passes/pass.h"

namespace pdinfer {
namespace {

// One value when every entry is the same (a scalar broadcast).
std::optional<double> Uniform(const std::optional<std::vector<double>>& v) {
  if (!v || v->empty()) return std::nullopt;
  for (double x : *v)
    if (x != v->front()) return std::nullopt;
  return v->front();
}

// The affine y = x * scale + shift that `n` applies to the conv output `conv_out`.
struct Affine {
  double scale = 1.0, shift = 0.0;
};

std::optional<Affine> ReaderAffine(const Graph& g, const Node& n, ValueId conv_out,
                                   const convfuse::ConvInfo& info) {
  if (n.op == "elementwise_mul") {
    auto s = Uniform(convfuse::ChannelConstant(g, n, conv_out, info, "elementwise_mul"));
    if (!s) return std::nullopt;
    return Affine{*s, 0.0};
  }
  if (n.op == "elementwise_add") {
    auto b = Uniform(convfuse::ChannelConstant(g, n, conv_out, info, "elementwise_add"));
    if (!b) return std::nullopt;
    return Affine{1.0, *b};
  }
  if (n.op == "elementwise_sub") {
    auto b = Uniform(convfuse::ChannelConstant(g, n, conv_out, info, "elementwise_sub"));
    if (!b) return std::nullopt;
    // conv - c, or c - conv.
    if (n.Input("X") == conv_out) return Affine{1.0, -*b};
    return Affine{-1.0, *b};
  }
  if (n.op == "scale") {
    if (n.Input("X") != conv_out || n.Input("ScaleTensor") != kNoValue) return std::nullopt;
    const ValueId out = n.Output("Out");
    if (out == kNoValue || g.value(out).dtype != info.dtype) return std::nullopt;
    try {
      const double s = n.attrs.GetFloat("scale", 1.0);
      const double b = n.attrs.GetFloat("bias", 0.0);
      // bias_after_scale=false: (x + b) * s.
      if (n.attrs.GetBool("bias_after_scale", true)) return Affine{s, b};
      return Affine{s, s * b};
    } catch (const Error&) {  // malformed attributes: the op reports them when it runs
      return std::nullopt;
    }
  }
  return std::nullopt;
}

int FusePostAffine(Graph& g) {
  Pattern p;
  const int conv = p.AddNode(convfuse::AllConvOps(), [](const Graph& gr, const Node& n) {
    return convfuse::ReadConv(gr, n).has_value();
  });
  const int reader = p.AddNode({"elementwise_mul", "elementwise_add", "elementwise_sub", "scale"});
  p.AddEdge(conv, "Output", reader, "*");
  return convfuse::RunToFixpoint(g, [&](Graph& gr, const GraphIndex& index) {
    int fired = 0;
    for (const Match& m : FindMatches(gr, index, p)) {
      Node& c = gr.nodes()[static_cast<size_t>(m.nodes[static_cast<size_t>(conv)])];
      const Node& r = gr.nodes()[static_cast<size_t>(m.nodes[static_cast<size_t>(reader)])];
      auto info = convfuse::ReadConv(gr, c);
      if (!info || info->dtype != DataType::kFloat32) continue;
      auto a = ReaderAffine(gr, r, c.Output("Output"), *info);
      if (!a || !std::isfinite(a->scale) || !std::isfinite(a->shift)) continue;
      const double s0 = c.attrs.GetFloat("fuse_post_scale", 1.0);
      const double b0 = c.attrs.GetFloat("fuse_post_shift", 0.0);
      convfuse::MakeFused(c);
      c.attrs.Set("fuse_post_scale", s0 * a->scale);
      c.attrs.Set("fuse_post_shift", b0 * a->scale + a->shift);
      convfuse::RedirectOutput(c, r.Output("Out"));
      RemoveNode(gr, m.nodes[static_cast<size_t>(reader)]);
      ++fired;
    }
    return fired;
  });
}

class ConvPostAffineFusePass : public Pass {
 public:
  std::string name() const override { return "conv_post_affine_fuse_pass"; }
  int Apply(Graph& graph, const PassOptions&) override { return FusePostAffine(graph); }
};

PDI_REGISTER_PASS(ConvPostAffineFusePass);

}  // namespace
}  // namespace pdinfer
