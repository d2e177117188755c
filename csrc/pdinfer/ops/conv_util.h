// Helpers shared by the 2-D convolution op files (conv.cc, conv_transpose.cc,
// conv_depthwise.cc): Paddle's attribute/padding rules, the fused epilogue
// (bias, residual, activation) and per-thread scratch memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "pdinfer/core/thread_pool.h"
#include "pdinfer/ops/registry.h"

namespace pdinfer {
namespace conv {

// Geometry of one 2-D conv or conv-transpose node after Paddle's padding rules.
// Dims are -1 where unknown (load time only). For conv-transpose, (h, w) is the input
// and (oh, ow) the output, as for conv; the filter is [c_in, c_out/groups, kh, kw].
struct Geom {
  bool nhwc = false;
  int64_t n = -1, c_in = -1, h = -1, w = -1;
  int64_t c_out = -1, kh = -1, kw = -1;
  int64_t groups = 1;
  int64_t stride_h = 1, stride_w = 1, dil_h = 1, dil_w = 1;
  int64_t pad_t = 0, pad_b = 0, pad_l = 0, pad_r = 0;
  int64_t oh = -1, ow = -1;

  int64_t cin_g() const { return c_in / groups; }
  int64_t cout_g() const { return c_out / groups; }
  Shape OutputShape() const {
    return nhwc ? Shape{n, oh, ow, c_out} : Shape{n, c_out, oh, ow};
  }
};

// Paddle treats only "NHWC"/"NDHWC" as channel-last ("AnyLayout" and "NCHW" are NCHW).
bool IsChannelLast(const std::string& data_format);

// Reads and validates conv2d / depthwise_conv2d attributes and the Input/Filter shapes
// (Paddle's ConvInferMeta rules) and computes the output size.
Geom ParseConv2d(const OpContext& ctx);
// Same for conv2d_transpose / depthwise_conv2d_transpose (ConvTransposeInferMeta),
// including output_size / output_padding.
Geom ParseConv2dTranspose(const OpContext& ctx);

// Post-ops some graphs attach to a conv node (Paddle's fused/oneDNN conv attributes, or
// a fusion pass of ours): a per-channel Bias input, a ResidualData input added to the
// result (unless fuse_residual_connection=false), and a fused activation (attrs
// fuse_activation / fuse_alpha / fuse_beta, or the older fuse_relu). Activations:
// relu, relu6 (upper bound fuse_beta, default 6), leaky_relu (slope fuse_alpha), sigmoid,
// tanh, swish (beta fuse_alpha, default 1), hard_swish, hard_sigmoid (slope fuse_alpha,
// default 1/6; offset fuse_beta, default 0.5), gelu (erf), gelu_tanh.
enum class Act { kNone, kRelu, kRelu6, kLeakyRelu, kSigmoid, kTanh, kSwish, kHardSwish,
                 kHardSigmoid, kGelu, kGeluTanh };
struct Epilogue {
  bool has_bias = false;
  bool has_residual = false;
  Act act = Act::kNone;
  float alpha = 0.f, beta = 0.f;
  bool empty() const { return !has_bias && !has_residual && act == Act::kNone; }
};
// Reads the epilogue of the node and validates Bias (numel == c_out) and ResidualData
// (same shape as the output) against `g`; an unknown activation is kUnsupported.
Epilogue ParseEpilogue(const OpContext& ctx, const Geom& g);
// Applies the epilogue to a finished output tensor of geometry `g`.
template <typename T>
void ApplyEpilogue(OpContext& ctx, const Epilogue& ep, const Geom& g, T* out);

// The raw convolution of a conv2d-like node (Input/Filter slots, conv2d attributes,
// including fuse_relu_before_depthwise_conv) of geometry `g` into `out` (no epilogue);
// picks the depthwise kernel when groups == c_in > 1. Runs on ctx.pool().
template <typename T>
void Conv2dForward(OpContext& ctx, const Geom& g, T* out);
// Same for conv2d_transpose-like nodes (ParseConv2dTranspose geometry).
template <typename T>
void Conv2dTransposeForward(OpContext& ctx, const Geom& g, T* out);

// Direct kernel for depthwise convolution (groups == c_in, any channel multiplier);
// runs on ctx.pool(). `out` gets the raw convolution (no epilogue).
template <typename T>
void DepthwiseConv2d(OpContext& ctx, const Geom& g, const T* x, const T* w, T* out);

// True when the CPU runs AVX2 and FMA (kernels compiled twice pick their variant).
bool CpuHasAvx2Fma();

// Grow-only per-thread scratch; `slot` separates buffers used at the same time (conv:
// 0 = unfolded columns, 1 = padded depthwise plane, 2 = reordered filter, 3 = relu'd
// input). The pointer is valid until the next call with the same slot on the same thread;
// the memory stays with the thread (reused by later runs, so steady state allocates
// nothing).
template <typename T>
T* ThreadScratch(size_t count, int slot);

// True when the node runs on several threads and `items` independent pieces of work
// suffice to keep them busy (then each piece runs single-threaded inside).
inline bool SplitOverItems(OpContext& ctx, int64_t items) {
  return ctx.pool().num_threads() > 1 && items >= ctx.pool().num_threads();
}

}  // namespace conv
}  // namespace pdinfer
