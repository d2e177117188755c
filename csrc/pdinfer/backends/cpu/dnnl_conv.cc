// oneDNN kernels for 2-D convolution and transposed convolution:
// conv2d, depthwise_conv2d, fused_conv2d, conv2d_transpose, depthwise_conv2d_transpose,
// fused_conv2d_transpose. Bias runs inside the primitive, ResidualData as a sum
// post-op (copied into the destination first), the activation as an eltwise post-op.
//
// NCHW convolutions let oneDNN pick the activation layouts (format_tag::any): the output
// stays in the picked (blocked) layout when every reader accepts it, and is reordered to
// plain otherwise. NHWC convolutions run on the channel-last data directly.
// Filters are packed once per chosen weights layout (shared between cloned predictors).
#include <algorithm>
#include <unordered_map>

#include "pdinfer/backends/cpu/dnnl_common.h"
#include "pdinfer/ops/conv_util.h"

namespace pdinfer {
namespace onednn {
namespace {

using dnnl::algorithm;
using dnnl::prop_kind;
using DT = memory::data_type;

struct ConvEntry {
  bool ok = false;
  dnnl::primitive prim;
  memory::desc src_md, dst_md, out_md, scratch_md;
  memory::desc in_md, plain_out_md;  // how a plain input / output is stored (NCHW or NHWC)
  bool stage = false;  // dst_md differs from how the output is stored
  dnnl::reorder to_out;
  std::shared_ptr<memory> weights;
  LayoutPtr out_layout;
  std::string impl;
  // Made once (the key fixes the input and residual layouts), re-pointed every run.
  Conversion in;
  dnnl::reorder res_copy;  // ResidualData (as stored) -> dst, for the sum post-op
  Mem res, dst, out, bias, pad;
};

bool IsTransposeOp(const std::string& op) {
  return op == "conv2d_transpose" || op == "depthwise_conv2d_transpose" ||
         op == "fused_conv2d_transpose";
}

bool IsFusedOp(const std::string& op) { return op.rfind("fused_", 0) == 0; }

class ConvKernel : public Kernel {
 public:
  ConvKernel(const Graph& graph, const Node& node, const KernelOptions& options)
      : node_(node),
        transpose_(IsTransposeOp(node.op)),
        nhwc_(conv::IsChannelLast(node.attrs.GetString("data_format", "NCHW"))),
        bf16_(UseBf16(options)),
        filter_(graph.value(node.Input("Filter")).constant),
        cache_(CacheCapacity(options)) {
    bool ok = true;
    act_ = FusedActivationSpec(node.attrs, !IsFusedOp(node.op), &ok);
    if (IsFusedOp(node.op)) {
      post_scale_ = static_cast<float>(node.attrs.GetFloat("fuse_post_scale", 1.0));
      post_shift_ = static_cast<float>(node.attrs.GetFloat("fuse_post_shift", 0.0));
    }
  }

  bool AcceptsLayout(const std::string& slot) const override {
    return !nhwc_ && (slot == "Input" || slot == "ResidualData");
  }
  bool ProducesLayout(const std::string& slot) const override {
    return !nhwc_ && slot == "Output";
  }

  bool Prepare(OpContext& ctx, KernelIO& io) override {
    const conv::Geom g = transpose_ ? conv::ParseConv2dTranspose(ctx) : conv::ParseConv2d(ctx);
    // Bias / ResidualData were validated by the op's shape inference.
    conv::Epilogue ep;
    ep.has_bias = ctx.HasInput("Bias");
    ep.has_residual = ctx.HasInput("ResidualData") &&
                      ctx.attrs().GetBool("fuse_residual_connection", true);
    if (NumElements(ctx.InputShape("Input")) == 0 || g.oh <= 0 || g.ow <= 0 || g.c_out <= 0 ||
        g.cin_g() <= 0)
      return false;

    const LayoutPtr in_layout = InputLayout(node_, io, "Input");
    const LayoutPtr res_layout = ep.has_residual ? InputLayout(node_, io, "ResidualData") : nullptr;
    const bool allowed = OutputAllowed(node_, io, "Output");
    std::string key;
    AppendShape(&key, ctx.InputShape("Input"));
    AppendLayout(&key, in_layout);
    key += allowed ? "A" : "P";
    key += ep.has_bias ? "b" : "-";
    key += ep.has_residual ? "r" : "-";
    AppendLayout(&key, res_layout);
    if (shapes_.Saw(ctx.InputShape("Input"))) cache_.Clear();
    ConvEntry* e = cache_.Find(key);
    if (!e) {
      // Channel-last activations first: every oneDNN primitive downstream (binary with
      // per-channel operands, pooling, resampling) has fast code for them on every ISA,
      // which is not true of the channel-blocked layouts `any` may pick.
      ConvEntry b = Build(g, ep, allowed, shapes_.Dynamic(), true);
      if (!b.ok && !nhwc_) b = Build(g, ep, allowed, shapes_.Dynamic(), false);
      if (b.ok) {
        try {
          b.in = Conversion(in_layout ? static_cast<const DnnlLayout&>(*in_layout).desc() : b.in_md,
                            b.src_md);
          if (ep.has_residual) {
            const memory::desc res_md =
                res_layout ? static_cast<const DnnlLayout&>(*res_layout).desc() : b.plain_out_md;
            b.res = Mem(res_md);
            b.res_copy = dnnl::reorder(
                dnnl::reorder::primitive_desc(Engine(), res_md, Engine(), b.dst_md));
          }
          b.dst = Mem(b.dst_md);
          if (b.stage) b.out = Mem(b.out_md);
          if (ep.has_bias) b.bias = Mem(memory::desc({g.c_out}, DT::f32, memory::format_tag::a));
          b.pad = Mem(b.scratch_md);
        } catch (const dnnl::error&) {
          b = ConvEntry();
        }
      }
      e = &cache_.Insert(key, std::move(b));
    }
    if (!e->ok) return false;
    current_ = e;
    has_bias_ = ep.has_bias;
    has_residual_ = ep.has_residual;
    SetOutputLayout(node_, io, "Output", e->out_layout);
    return true;
  }

  void Run(OpContext& ctx, KernelIO& io) override {
    ConvEntry& e = *current_;
    KernelScratch& scratch = *io.scratch;
    const Tensor& input = ctx.Input("Input");
    Tensor& output = ctx.Output("Output");
    const memory& src = e.in.Apply(input.raw_data(), scratch, kSrcSlot);
    const memory& dst = e.dst.At(e.stage ? scratch.Get(e.dst.bytes(), kDstSlot)
                                         : output.raw_data());
    if (has_residual_)
      Exec(e.res_copy, {{DNNL_ARG_FROM, &e.res.At(ctx.Input("ResidualData").raw_data())},
                        {DNNL_ARG_TO, &dst}});
    const memory* bias = has_bias_ ? &e.bias.At(ctx.Input("Bias").raw_data()) : nullptr;
    const memory& pad =
        e.pad.At(scratch.Get(e.pad.bytes(), kScratchpad));
    Exec(e.prim, {{DNNL_ARG_SRC, &src},
                  {DNNL_ARG_WEIGHTS, e.weights.get()},
                  {DNNL_ARG_BIAS, bias},
                  {DNNL_ARG_DST, &dst},
                  {DNNL_ARG_SCRATCHPAD, &pad}});
    if (e.stage) Exec(e.to_out, {{DNNL_ARG_FROM, &dst}, {DNNL_ARG_TO, &e.out.At(output.raw_data())}});
  }

  std::string Describe() const override { return current_ ? current_->impl : ""; }
  size_t CacheEntries() const override { return cache_.size(); }

 private:
  ConvEntry Build(const conv::Geom& g, const conv::Epilogue& ep, bool allowed,
                  bool avoid_brgemm, bool channels_last) const {
    ConvEntry e;
    try {
      const DT act_dt = bf16_ ? DT::bf16 : DT::f32;
      const Dims src_dims{g.n, g.c_in, g.h, g.w};
      const Dims dst_dims{g.n, g.c_out, g.oh, g.ow};
      const int64_t G = g.groups, ocg = g.cout_g(), icg = g.cin_g();
      Dims w_dims = G > 1 ? Dims{G, ocg, icg, g.kh, g.kw} : Dims{g.c_out, g.c_in, g.kh, g.kw};
      // How the Paddle filter is stored, in oneDNN's weights dims.
      memory::desc w_stored;
      const int64_t taps = g.kh * g.kw;
      if (!transpose_) {
        // [C_out, C_in/groups, kh, kw] row-major == {G, OC/G, IC/G, kh, kw} row-major.
        w_stored = memory::desc(w_dims, DT::f32,
                                G > 1 ? memory::format_tag::goihw : memory::format_tag::oihw);
      } else {
        // [C_in, C_out/groups, kh, kw]: input channel outermost.
        w_stored = G > 1 ? StridedDesc(w_dims, Dims{icg * ocg * taps, taps, ocg * taps, g.kw, 1})
                         : StridedDesc(w_dims, Dims{taps, g.c_out * taps, g.kw, 1});
      }
      const bool cl = nhwc_ || channels_last;
      const memory::desc src_req = cl ? NhwcDesc(src_dims, act_dt)
                                      : memory::desc(src_dims, act_dt, memory::format_tag::any);
      const memory::desc dst_req = cl ? NhwcDesc(dst_dims, DT::f32)
                                      : memory::desc(dst_dims, DT::f32, memory::format_tag::any);
      const memory::desc w_req(w_dims, act_dt, memory::format_tag::any);
      const memory::desc b_md({g.c_out}, DT::f32, memory::format_tag::a);
      const Dims strides{g.stride_h, g.stride_w};
      const Dims dil{g.dil_h - 1, g.dil_w - 1};
      const Dims pad_l{g.pad_t, g.pad_l};
      Dims pad_r{g.pad_b, g.pad_r};
      if (transpose_) {
        // output_size / output_padding grow the output past what the window reaches:
        // oneDNN expresses that as a smaller (possibly negative) right padding.
        pad_r = {(g.h - 1) * g.stride_h + (g.kh - 1) * g.dil_h + 1 - g.oh - g.pad_t,
                 (g.w - 1) * g.stride_w + (g.kw - 1) * g.dil_w + 1 - g.ow - g.pad_l};
      }
      dnnl::primitive_attr attr = BaseAttr();
      dnnl::post_ops po;
      if (ep.has_residual) po.append_sum(1.f);
      if (act_) po.append_eltwise(act_->alg, act_->alpha, act_->beta);
      if (post_scale_ != 1.f || post_shift_ != 0.f)
        po.append_eltwise(algorithm::eltwise_linear, post_scale_, post_shift_);
      attr.set_post_ops(po);
      memory::desc w_md, src_md, dst_md, scratch_md;
      if (!transpose_) {
        dnnl::convolution_forward::primitive_desc pd = ep.has_bias
                      ? dnnl::convolution_forward::primitive_desc(
                            Engine(), prop_kind::forward_inference, algorithm::convolution_direct,
                            src_req, w_req, b_md, dst_req, strides, dil, pad_l, pad_r, attr)
                      : dnnl::convolution_forward::primitive_desc(
                            Engine(), prop_kind::forward_inference, algorithm::convolution_direct,
                            src_req, w_req, dst_req, strides, dil, pad_l, pad_r, attr);
        if (avoid_brgemm) AvoidBrgemm(&pd);
        if (IsRefImpl(pd.impl_info_str())) Decline();
        e.prim = dnnl::convolution_forward(pd);
        src_md = pd.src_desc();
        w_md = pd.weights_desc();
        dst_md = pd.dst_desc();
        scratch_md = pd.scratchpad_desc();
        e.impl = pd.impl_info_str();
      } else {
        dnnl::deconvolution_forward::primitive_desc pd = ep.has_bias
                      ? dnnl::deconvolution_forward::primitive_desc(
                            Engine(), prop_kind::forward_inference,
                            algorithm::deconvolution_direct, src_req, w_req, b_md, dst_req,
                            strides, dil, pad_l, pad_r, attr)
                      : dnnl::deconvolution_forward::primitive_desc(
                            Engine(), prop_kind::forward_inference,
                            algorithm::deconvolution_direct, src_req, w_req, dst_req, strides,
                            dil, pad_l, pad_r, attr);
        if (avoid_brgemm) AvoidBrgemm(&pd);
        if (IsRefImpl(pd.impl_info_str())) Decline();
        e.prim = dnnl::deconvolution_forward(pd);
        src_md = pd.src_desc();
        w_md = pd.weights_desc();
        dst_md = pd.dst_desc();
        scratch_md = pd.scratchpad_desc();
        e.impl = pd.impl_info_str();
      }
      e.src_md = src_md;
      e.dst_md = dst_md;
      e.scratch_md = scratch_md;
      e.weights = PackedConstant(filter_, w_stored, w_md);
      e.in_md = nhwc_ ? NhwcDesc(src_dims) : memory::desc(src_dims, DT::f32, memory::format_tag::nchw);
      e.plain_out_md =
          nhwc_ ? NhwcDesc(dst_dims) : memory::desc(dst_dims, DT::f32, memory::format_tag::nchw);
      if (!nhwc_ && allowed) {
        e.out_md = dst_md;
        e.out_layout = MakeLayout(dst_md);
      } else {
        e.out_md = e.plain_out_md;
      }
      e.stage = !(e.out_md == dst_md);
      if (e.stage) e.to_out = dnnl::reorder(dnnl::reorder::primitive_desc(Engine(), dst_md, Engine(), e.out_md));
      e.ok = true;
    } catch (const dnnl::error&) {
      e = ConvEntry();  // no implementation for this case: the reference runs it
    }
    return e;
  }

  const Node& node_;
  bool transpose_, nhwc_, bf16_;
  std::shared_ptr<const Tensor> filter_;
  std::optional<EltwiseSpec> act_;
  float post_scale_ = 1.f, post_shift_ = 0.f;  // fuse_post_scale / fuse_post_shift
  LruCache<ConvEntry> cache_;
  ShapeCounter shapes_;
  ConvEntry* current_ = nullptr;
  bool has_bias_ = false, has_residual_ = false;
};

bool AcceptsConv(const Graph& g, const Node& n, const KernelOptions& options) {
  const bool transpose = IsTransposeOp(n.op);
  if (!OnlyInputs(n, {"Input", "Filter", "Bias", "ResidualData"})) return false;
  if (!IsFloat32Value(g, n.Input("Input"))) return false;
  const Value* f = InputValueOf(g, n, "Filter");
  if (!f || !f->constant || f->constant->dtype() != DataType::kFloat32 ||
      f->constant->rank() != 4)
    return false;
  if (n.Input("Bias") != kNoValue && !IsFloat32Value(g, n.Input("Bias"))) return false;
  if (n.Input("ResidualData") != kNoValue) {
    if (transpose || !IsFloat32Value(g, n.Input("ResidualData"))) return false;
  }
  const std::string fmt = n.attrs.GetString("data_format", "NCHW");
  if (!(fmt == "NCHW" || fmt == "NHWC" || fmt == "AnyLayout")) return false;
  if (n.attrs.GetBool("fuse_relu_before_depthwise_conv", false)) return false;
  // Transposed convolutions with a handful of output channels per group (a segmentation
  // head's 1-channel upsampling) pad the channels to a full vector block in oneDNN and
  // run slower than the reference's direct col2im, unless the patch kernel takes them.
  if (transpose && f->constant->dim(1) < 8 && !PatchDeconvApplies(g, n, options)) return false;
  bool ok = true;
  FusedActivationSpec(n.attrs, !IsFusedOp(n.op), &ok);
  return ok;
}

std::unique_ptr<Kernel> CreateConv(const Graph& g, const Node& n, const KernelOptions& o) {
  if (IsTransposeOp(n.op) && PatchDeconvApplies(g, n, o)) return CreatePatchDeconv(g, n, o);
  return std::make_unique<ConvKernel>(g, n, o);
}

PDI_REGISTER_KERNEL(KernelDef{"conv2d", "onednn", AcceptsConv, CreateConv});
PDI_REGISTER_KERNEL(KernelDef{"depthwise_conv2d", "onednn", AcceptsConv, CreateConv});
PDI_REGISTER_KERNEL(KernelDef{"fused_conv2d", "onednn", AcceptsConv, CreateConv});
PDI_REGISTER_KERNEL(KernelDef{"conv2d_transpose", "onednn", AcceptsConv, CreateConv});
PDI_REGISTER_KERNEL(KernelDef{"depthwise_conv2d_transpose", "onednn", AcceptsConv, CreateConv});
PDI_REGISTER_KERNEL(KernelDef{"fused_conv2d_transpose", "onednn", AcceptsConv, CreateConv});

}  // namespace
}  // namespace onednn
}  // namespace pdinfer
