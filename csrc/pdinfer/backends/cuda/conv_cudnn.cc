// conv2d / depthwise_conv2d / fused_conv2d (and the transposed convolutions, below)
// through cuDNN (NCHW, float32). The algorithm
// is chosen once per input shape with cudnnFindConvolutionForwardAlgorithm (timed on the
// device) and cached in the kernel with its descriptors; bias, residual and the fused
// activation run as one epilogue kernel afterwards. Without TF32 (the default) the math
// type is CUDNN_FMA_MATH, so fp32 results keep full precision.
#if PDINFER_CUDA_HAVE_CUDNN

#include <map>

#include "pdinfer/backends/cuda/cuda_act.cuh"
#include "pdinfer/backends/cuda/cuda_common.h"
#include "pdinfer/ops/conv_util.h"

namespace pdinfer {
namespace cuda {
namespace {

#define PDI_CUDNN_CHECK(expr)                                                            \
  do {                                                                                   \
    cudnnStatus_t pdi_s_ = (expr);                                                       \
    if (pdi_s_ != CUDNN_STATUS_SUCCESS)                                                  \
      ThrowError(ErrorCode::kInternal, "cuDNN error ", cudnnGetErrorString(pdi_s_), " in ", \
                 #expr);                                                                 \
  } while (0)

struct ConvEntry {
  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  cudnnConvolutionFwdAlgo_t algo = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
  size_t workspace = 0;
  ~ConvEntry() {
    if (x) cudnnDestroyTensorDescriptor(x);
    if (y) cudnnDestroyTensorDescriptor(y);
    if (w) cudnnDestroyFilterDescriptor(w);
    if (conv) cudnnDestroyConvolutionDescriptor(conv);
  }
};

class CudnnConv : public CudaKernel {
 public:
  CudnnConv(bool fused) : fused_(fused) {}

  bool Run(OpContext& ctx, CudaEnv& env) override {
    const Tensor& x = ctx.Input("Input");
    const Tensor& w = ctx.Input("Filter");
    Tensor& y = ctx.Output("Output");
    if (x.dtype() != DataType::kFloat32 || w.dtype() != DataType::kFloat32 || x.rank() != 4 ||
        w.rank() != 4)
      return false;
    const conv::Geom g = conv::ParseConv2d(ctx);
    if (g.nhwc || ctx.attrs().GetBool("fuse_relu_before_depthwise_conv", false)) return false;
    if (g.pad_t != g.pad_b || g.pad_l != g.pad_r) return false;  // cuDNN pads symmetrically
    ActParams act;
    const float* bias = nullptr;
    const float* residual = nullptr;
    if (fused_) {
      act = ToActParams(FusedActivation::FromAttrs(ctx.attrs(), ctx.Where()));
      if (ctx.HasInput("Bias")) bias = ctx.Input("Bias").data<float>();
      if (ctx.HasInput("ResidualData")) {
        const Tensor& r = ctx.Input("ResidualData");
        if (r.shape() != y.shape()) return false;
        residual = r.data<float>();
      }
    } else if (ctx.HasInput("Bias") || ctx.HasInput("ResidualData") ||
               !ctx.attrs().GetString("fuse_activation", "").empty() ||
               ctx.attrs().GetBool("fuse_relu", false)) {
      return false;  // the legacy fused-conv attribute spellings: reference semantics
    }
    if (y.numel() == 0) return true;
    ConvEntry& e = Entry(env, g);
    void* ws = e.workspace ? env.Scratch(e.workspace, 1) : nullptr;
    const float one = 1.f, zero = 0.f;
    PDI_CUDNN_CHECK(cudnnConvolutionForward(env.dnn, &one, e.x, x.data<float>(), e.w,
                                            w.data<float>(), e.conv, e.algo, ws, e.workspace,
                                            &zero, e.y, y.data<float>()));
    LaunchEpilogue(y.data<float>(), bias, residual, y.numel(), g.c_out, g.oh * g.ow, act,
                   env.stream);
    return true;
  }

  std::string Describe() const override { return StrCat("cudnn algo ", last_algo_); }

 private:
  ConvEntry& Entry(CudaEnv& env, const conv::Geom& g) {
    const std::string key = StrCat(g.n, ",", g.c_in, ",", g.h, ",", g.w, ",", g.c_out, ",", g.kh,
                                   ",", g.kw, ",", g.groups, ",", g.stride_h, ",", g.stride_w,
                                   ",", g.pad_t, ",", g.pad_l, ",", g.dil_h, ",", g.dil_w);
    auto it = cache_.find(key);
    if (it != cache_.end()) return *it->second;
    if (cache_.size() >= 16) cache_.clear();  // bounded: dynamic shapes do not pile up
    auto e = std::make_unique<ConvEntry>();
    PDI_CUDNN_CHECK(cudnnCreateTensorDescriptor(&e->x));
    PDI_CUDNN_CHECK(cudnnCreateTensorDescriptor(&e->y));
    PDI_CUDNN_CHECK(cudnnCreateFilterDescriptor(&e->w));
    PDI_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&e->conv));
    auto i = [](int64_t v) { return static_cast<int>(v); };
    PDI_CUDNN_CHECK(cudnnSetTensor4dDescriptor(e->x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, i(g.n),
                                               i(g.c_in), i(g.h), i(g.w)));
    PDI_CUDNN_CHECK(cudnnSetTensor4dDescriptor(e->y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, i(g.n),
                                               i(g.c_out), i(g.oh), i(g.ow)));
    PDI_CUDNN_CHECK(cudnnSetFilter4dDescriptor(e->w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW,
                                               i(g.c_out), i(g.cin_g()), i(g.kh), i(g.kw)));
    PDI_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(e->conv, i(g.pad_t), i(g.pad_l),
                                                    i(g.stride_h), i(g.stride_w), i(g.dil_h),
                                                    i(g.dil_w), CUDNN_CROSS_CORRELATION,
                                                    CUDNN_DATA_FLOAT));
    PDI_CUDNN_CHECK(cudnnSetConvolutionGroupCount(e->conv, i(g.groups)));
    PDI_CUDNN_CHECK(cudnnSetConvolutionMathType(
        e->conv, env.allow_tf32 ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH));
    // Timed search, once per shape (outside any CUDA Graph capture: a plan is only
    // captured after an eager run of the same shapes filled this cache).
    cudnnConvolutionFwdAlgoPerf_t perf[8];
    int found = 0;
    PDI_CUDNN_CHECK(cudnnFindConvolutionForwardAlgorithm(env.dnn, e->x, e->w, e->conv, e->y, 8,
                                                         &found, perf));
    bool chosen = false;
    for (int k = 0; k < found && !chosen; ++k) {
      if (perf[k].status != CUDNN_STATUS_SUCCESS) continue;
      if (!env.allow_tf32 && perf[k].mathType == CUDNN_TENSOR_OP_MATH) continue;
      e->algo = perf[k].algo;
      e->workspace = perf[k].memory;
      chosen = true;
    }
    PDI_CHECK(chosen, ErrorCode::kUnsupported, "cuDNN found no algorithm for this convolution");
    last_algo_ = static_cast<int>(e->algo);
    ConvEntry& ref = *e;
    cache_.emplace(key, std::move(e));
    return ref;
  }

  bool fused_;
  std::map<std::string, std::unique_ptr<ConvEntry>> cache_;
  int last_algo_ = -1;
};

// conv2d_transpose / depthwise_conv2d_transpose / fused_conv2d_transpose: cuDNN's
// backward-data convolution (Input plays dy, Output dx; the filter [c_in, c_out/g, kh,
// kw] is already in the layout it expects), then bias + activation.
class CudnnConvTranspose : public CudaKernel {
 public:
  explicit CudnnConvTranspose(bool fused) : fused_(fused) {}

  bool Run(OpContext& ctx, CudaEnv& env) override {
    const Tensor& x = ctx.Input("Input");
    const Tensor& w = ctx.Input("Filter");
    Tensor& y = ctx.Output("Output");
    if (x.dtype() != DataType::kFloat32 || w.dtype() != DataType::kFloat32 || x.rank() != 4 ||
        w.rank() != 4)
      return false;
    const conv::Geom g = conv::ParseConv2dTranspose(ctx);
    if (g.nhwc || g.pad_t != g.pad_b || g.pad_l != g.pad_r) return false;
    // cuDNN checks that a forward convolution of the output gives the input's size.
    if ((g.oh + 2 * g.pad_t - g.dil_h * (g.kh - 1) - 1) / g.stride_h + 1 != g.h ||
        (g.ow + 2 * g.pad_l - g.dil_w * (g.kw - 1) - 1) / g.stride_w + 1 != g.w)
      return false;
    ActParams act;
    const float* bias = nullptr;
    if (fused_) {
      act = ToActParams(FusedActivation::FromAttrs(ctx.attrs(), ctx.Where()));
      if (ctx.HasInput("Bias")) bias = ctx.Input("Bias").data<float>();
    } else if (ctx.HasInput("Bias") || !ctx.attrs().GetString("fuse_activation", "").empty()) {
      return false;
    }
    if (y.numel() == 0) return true;
    ConvEntry& e = Entry(env, g);
    void* ws = e.workspace ? env.Scratch(e.workspace, 1) : nullptr;
    const float one = 1.f, zero = 0.f;
    PDI_CUDNN_CHECK(cudnnConvolutionBackwardData(env.dnn, &one, e.w, w.data<float>(), e.x,
                                                 x.data<float>(), e.conv, algo_[&e], ws,
                                                 e.workspace, &zero, e.y, y.data<float>()));
    LaunchEpilogue(y.data<float>(), bias, nullptr, y.numel(), g.c_out, g.oh * g.ow, act,
                   env.stream);
    return true;
  }

 private:
  ConvEntry& Entry(CudaEnv& env, const conv::Geom& g) {
    const std::string key = StrCat(g.n, ",", g.c_in, ",", g.h, ",", g.w, ",", g.c_out, ",", g.oh,
                                   ",", g.ow, ",", g.kh, ",", g.kw, ",", g.groups, ",",
                                   g.stride_h, ",", g.stride_w, ",", g.pad_t, ",", g.pad_l, ",",
                                   g.dil_h, ",", g.dil_w);
    auto it = cache_.find(key);
    if (it != cache_.end()) return *it->second;
    if (cache_.size() >= 16) {
      cache_.clear();
      algo_.clear();
    }
    auto e = std::make_unique<ConvEntry>();
    auto i = [](int64_t v) { return static_cast<int>(v); };
    PDI_CUDNN_CHECK(cudnnCreateTensorDescriptor(&e->x));
    PDI_CUDNN_CHECK(cudnnCreateTensorDescriptor(&e->y));
    PDI_CUDNN_CHECK(cudnnCreateFilterDescriptor(&e->w));
    PDI_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&e->conv));
    PDI_CUDNN_CHECK(cudnnSetTensor4dDescriptor(e->x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, i(g.n),
                                               i(g.c_in), i(g.h), i(g.w)));
    PDI_CUDNN_CHECK(cudnnSetTensor4dDescriptor(e->y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, i(g.n),
                                               i(g.c_out), i(g.oh), i(g.ow)));
    PDI_CUDNN_CHECK(cudnnSetFilter4dDescriptor(e->w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW,
                                               i(g.c_in), i(g.cout_g()), i(g.kh), i(g.kw)));
    PDI_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(e->conv, i(g.pad_t), i(g.pad_l),
                                                    i(g.stride_h), i(g.stride_w), i(g.dil_h),
                                                    i(g.dil_w), CUDNN_CROSS_CORRELATION,
                                                    CUDNN_DATA_FLOAT));
    PDI_CUDNN_CHECK(cudnnSetConvolutionGroupCount(e->conv, i(g.groups)));
    PDI_CUDNN_CHECK(cudnnSetConvolutionMathType(
        e->conv, env.allow_tf32 ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH));
    cudnnConvolutionBwdDataAlgoPerf_t perf[8];
    int found = 0;
    PDI_CUDNN_CHECK(cudnnFindConvolutionBackwardDataAlgorithm(env.dnn, e->w, e->x, e->conv, e->y,
                                                              8, &found, perf));
    bool chosen = false;
    cudnnConvolutionBwdDataAlgo_t algo = CUDNN_CONVOLUTION_BWD_DATA_ALGO_1;
    for (int k = 0; k < found && !chosen; ++k) {
      if (perf[k].status != CUDNN_STATUS_SUCCESS) continue;
      if (!env.allow_tf32 && perf[k].mathType == CUDNN_TENSOR_OP_MATH) continue;
      algo = perf[k].algo;
      e->workspace = perf[k].memory;
      chosen = true;
    }
    PDI_CHECK(chosen, ErrorCode::kUnsupported, "cuDNN found no algorithm for this transposed convolution");
    ConvEntry& ref = *e;
    algo_[&ref] = algo;
    cache_.emplace(key, std::move(e));
    return ref;
  }

  bool fused_;
  std::map<std::string, std::unique_ptr<ConvEntry>> cache_;
  std::map<const ConvEntry*, cudnnConvolutionBwdDataAlgo_t> algo_;
};

bool AcceptsConv(const Graph&, const Node& node) {
  // The epilogue kernel has no post affine (fuse_post_scale / fuse_post_shift).
  if (node.attrs.Has("fuse_post_scale") || node.attrs.Has("fuse_post_shift")) return false;
  return !conv::IsChannelLast(node.attrs.GetString("data_format", "NCHW"));
}

struct ConvRegistrar {
  ConvRegistrar() {
    for (const char* op : {"conv2d", "depthwise_conv2d", "fused_conv2d"}) {
      const bool fused = std::string(op) == "fused_conv2d";
      CudaKernelRegistry::Global().Register(CudaKernelDef{
          op, AcceptsConv, [fused](const Graph&, const Node&) -> std::unique_ptr<CudaKernel> {
            return std::make_unique<CudnnConv>(fused);
          }});
    }
    for (const char* op : {"conv2d_transpose", "depthwise_conv2d_transpose", "fused_conv2d_transpose"}) {
      const bool fused = std::string(op) == "fused_conv2d_transpose";
      CudaKernelRegistry::Global().Register(CudaKernelDef{
          op, AcceptsConv, [fused](const Graph&, const Node&) -> std::unique_ptr<CudaKernel> {
            return std::make_unique<CudnnConvTranspose>(fused);
          }});
    }
  }
} conv_registrar;

}  // namespace
}  // namespace cuda
}  // namespace pdinfer

#endif  // PDINFER_CUDA_HAVE_CUDNN
