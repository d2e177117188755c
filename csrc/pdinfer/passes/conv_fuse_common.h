// Helpers shared by the convolution fusion passes (conv_*_fuse_pass.cc): what a conv
// node is, whether its epilogue can still take more, per-channel constants, batch_norm
// folding and the in-place rewrite into fused_conv2d / fused_conv2d_transpose.
//
// Every pass rewrites the same way: the (first) conv node of the match becomes the fused
// op and writes the LAST value of the match directly (the batch_norm's Y, the add's Out,
// the activation's Out), and the other matched nodes are removed. The final value keeps
// its name, so graph outputs stay fetchable, and the intermediate values die.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pdinfer/ir/graph.h"
#include "pdinfer/passes/pattern.h"

namespace pdinfer {
namespace convfuse {

// conv2d, depthwise_conv2d, fused_conv2d.
const std::vector<std::string>& ConvOps();
// conv2d_transpose, depthwise_conv2d_transpose, fused_conv2d_transpose.
const std::vector<std::string>& ConvTransposeOps();
// Both lists together.
const std::vector<std::string>& AllConvOps();
bool IsConvTranspose(const std::string& op);

// What the passes need to know of one conv node.
struct ConvInfo {
  bool transpose = false;
  bool nhwc = false;
  int64_t c_out = -1;  // from the Filter's shape (and groups for transposes)
  int64_t groups = 1;
  DataType dtype = DataType::kUndefined;
  bool has_activation = false;  // fused activation (or a legacy fuse_* post-op)
  bool has_residual = false;
  int channel_axis() const { return nhwc ? 3 : 1; }
};

// Reads a conv node; nullopt when it is not a conv this file can reason about (unknown
// filter shape or output channels, non-float data, a rank other than 4, legacy post-ops
// whose semantics differ from the fused op's).
std::optional<ConvInfo> ReadConv(const Graph& g, const Node& n);

// The per-output-channel values of `node` = conv_out (op) C (either operand order) where
// C is a float constant broadcast only along the channel axis (Paddle's elementwise axis
// rule: [OC] with axis=1 for NCHW, [1,OC,1,1], [OC,1,1], a scalar ...); nullopt when
// `node` is not such an `op` (elementwise_add or elementwise_mul).
std::optional<std::vector<double>> ChannelConstant(const Graph& g, const Node& node,
                                                   ValueId conv_out, const ConvInfo& info,
                                                   const std::string& op = "elementwise_add");

// The conv's current Bias values (zeros when it has none); nullopt when the Bias is not
// a constant with c_out values.
std::optional<std::vector<double>> CurrentBias(const Graph& g, const Node& conv,
                                               const ConvInfo& info);

// The per-channel affine y = x * scale + shift of an inference batch_norm reading the
// conv's output, when its statistics are constants matching the conv's channels and
// layout and its side outputs are unused; nullopt otherwise.
struct ChannelAffine {
  std::vector<double> scale, shift;
};
std::optional<ChannelAffine> BatchNormAffine(const Graph& g, const GraphIndex& index,
                                             const Node& bn, const ConvInfo& info);

// Turns `conv` into fused_conv2d / fused_conv2d_transpose (attributes kept).
void MakeFused(Node& conv);
// Sets (adding or replacing) the input slot `slot` of `n` to the single value `v`.
void SetInput(Node& n, const std::string& slot, ValueId v);
// The conv writes `v` instead of its current Output.
void RedirectOutput(Node& conv, ValueId v);
// A new constant of dtype `dtype` (float32 / float64) holding `values` with `shape`.
ValueId NewFloatConstant(Graph& g, const std::string& base, DataType dtype, const Shape& shape,
                         const std::vector<double>& values);

// Folds y = conv(x) * scale[oc] + shift[oc] into the conv: a new Filter scaled per output
// channel and a new Bias = old_bias * scale + shift. False (nothing changed) when the
// Filter is not a float constant.
bool FoldAffine(Graph& g, Node& conv, const ConvInfo& info, const std::vector<double>& old_bias,
                const ChannelAffine& affine);

// Runs `round` (one FindMatches + rewrite sweep returning how many rewrites it made)
// until it makes none, cleaning the graph between rounds; returns the total.
int RunToFixpoint(Graph& g, const std::function<int(Graph&, const GraphIndex&)>& round);

// The shared bodies of the batch_norm and bias passes:
// conv [-> elementwise_add(per-channel constant)] -> batch_norm  =>  fused conv with the
// batch_norm folded into a new Filter and Bias (transpose picks the conv-transpose ops).
int FuseConvBatchNorm(Graph& g, bool transpose, bool with_add);
// conv -> elementwise_add(per-channel constant)  =>  fused conv with Bias.
int FuseConvBias(Graph& g, bool transpose);
// conv (either family) -> elementwise_mul(per-channel constant) or scale  =>  fused conv
// with the factor folded into a new Filter (and Bias); per-channel adds the folding
// exposes are fused as by FuseConvBias. Returns both kinds of rewrites.
int FuseConvScale(Graph& g);

}  // namespace convfuse
}  // namespace pdinfer
