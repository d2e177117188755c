// Transposed convolutions whose stride equals the kernel size (no padding, no dilation,
// one group, no output_padding): the 2x upsampling of segmentation and detection heads.
// Each input pixel then writes its own kh x kw patch of the output and no two patches
// overlap, so the op is one matrix product
//     Y[N*H*W, kh*kw*OC] = X[N*H*W, IC] x W[IC, kh*kw*OC]   (+ bias, activation, affine)
// on channel-last input, followed by a copy of every patch to its place. oneDNN's own
// transposed convolution runs such a shape as a strided convolution over a zero-inserted
// input, and not at all for a handful of output channels.
#include <algorithm>
#include <cstring>

#include "pdinfer/backends/cpu/dnnl_common.h"
#include "pdinfer/core/thread_pool.h"
#include "pdinfer/ops/conv_util.h"

namespace pdinfer {
namespace onednn {
namespace {

using DT = memory::data_type;

struct PatchEntry {
  bool ok = false;
  dnnl::matmul prim;
  std::shared_ptr<memory> weights;
  Conversion in;        // input as stored -> channel-last
  Mem src, bias, y, pad;
  // Transposed with a bias: oneDNN's matrix kernels take no per-row bias, so a binary
  // add over Y^T applies it, with the activation / affine as its post-ops.
  dnnl::binary add_bias;
  bool out_nhwc = false;  // the output is stored channel-last (data_format or layout)
  // Few patch values per pixel (kh*kw*OC < 16, e.g. a 1-channel head): the product is
  // run transposed, Y^T[P, M] = W^T[P, IC] x X^T[IC, M], where the long side is the
  // one the matrix kernels vectorize.
  bool transposed = false;
  LayoutPtr out_layout;
  std::string impl;
};

bool IsPatchGeom(const conv::Geom& g) {
  return g.groups == 1 && g.dil_h == 1 && g.dil_w == 1 && g.pad_t == 0 && g.pad_b == 0 &&
         g.pad_l == 0 && g.pad_r == 0 && g.stride_h == g.kh && g.stride_w == g.kw &&
         g.oh == g.h * g.kh && g.ow == g.w * g.kw && g.kh * g.kw > 1;
}

class PatchDeconvKernel : public Kernel {
 public:
  PatchDeconvKernel(const Graph& graph, const Node& node, const KernelOptions& options,
                    std::optional<EltwiseSpec> act)
      : node_(node),
        nhwc_(conv::IsChannelLast(node.attrs.GetString("data_format", "NCHW"))),
        filter_(graph.value(node.Input("Filter")).constant),
        act_(act),
        cache_(CacheCapacity(options)) {
    if (node.op.rfind("fused_", 0) == 0) {
      post_scale_ = static_cast<float>(node.attrs.GetFloat("fuse_post_scale", 1.0));
      post_shift_ = static_cast<float>(node.attrs.GetFloat("fuse_post_shift", 0.0));
    }
  }

  bool AcceptsLayout(const std::string& slot) const override {
    return !nhwc_ && slot == "Input";
  }
  bool ProducesLayout(const std::string& slot) const override {
    return !nhwc_ && slot == "Output";
  }

  bool Prepare(OpContext& ctx, KernelIO& io) override {
    const conv::Geom g = conv::ParseConv2dTranspose(ctx);
    if (!IsPatchGeom(g) || g.n <= 0 || g.h <= 0 || g.w <= 0 || g.c_in <= 0 || g.c_out <= 0)
      return false;
    const LayoutPtr in_layout = InputLayout(node_, io, "Input");
    const bool allowed = OutputAllowed(node_, io, "Output");
    const bool has_bias = ctx.HasInput("Bias");
    std::string key;
    AppendShape(&key, ctx.InputShape("Input"));
    AppendLayout(&key, in_layout);
    key += allowed ? "A" : "P";
    key += has_bias ? "b" : "-";
    PatchEntry* e = cache_.Find(key);
    if (!e) e = &cache_.Insert(key, Build(g, in_layout, allowed, has_bias));
    if (!e->ok) return false;
    current_ = e;
    geom_ = g;
    has_bias_ = has_bias;
    SetOutputLayout(node_, io, "Output", e->out_layout);
    return true;
  }

  void Run(OpContext& ctx, KernelIO& io) override {
    PatchEntry& e = *current_;
    const conv::Geom& g = geom_;
    KernelScratch& scratch = *io.scratch;
    const int64_t OC = g.c_out, kh = g.kh, kw = g.kw, P = kh * kw * OC;
    const memory& src = e.in.Apply(ctx.Input("Input").raw_data(), scratch, kSrcSlot);
    float* y = static_cast<float*>(scratch.Get(e.y.bytes(), kDstSlot));
    const memory* bias = nullptr;
    if (has_bias_) {
      // The per-channel bias repeated for every tap of the patch.
      bias_rep_.resize(static_cast<size_t>(P));
      const float* b = ctx.Input("Bias").data<float>();
      for (int64_t t = 0; t < kh * kw; ++t) std::copy(b, b + OC, bias_rep_.data() + t * OC);
      bias = &e.bias.At(bias_rep_.data());
    }
    memory& x = e.src.At(src.get_data_handle());
    const bool sep_bias = e.transposed && bias;
    Exec(e.prim, {{DNNL_ARG_SRC, e.transposed ? e.weights.get() : &x},
                  {DNNL_ARG_WEIGHTS, e.transposed ? &x : e.weights.get()},
                  {DNNL_ARG_BIAS, sep_bias ? nullptr : bias},
                  {DNNL_ARG_DST, &e.y.At(y)},
                  {DNNL_ARG_SCRATCHPAD, &e.pad.At(scratch.Get(e.pad.bytes(), kScratchpad))}});
    if (sep_bias)
      Exec(e.add_bias, {{DNNL_ARG_SRC_0, &e.y.get()}, {DNNL_ARG_SRC_1, bias}, {DNNL_ARG_DST, &e.y.get()}});
    float* out = ctx.Output("Output").data<float>();
    const int64_t H = g.h, W = g.w, OH = g.oh, OW = g.ow;
    if (e.transposed) {
      // Yt[(a*kw + b)*OC + oc][(n*H + h)*W + w]
      const int64_t M = g.n * H * W;
      ctx.pool().ParallelFor(g.n * H, std::max<int64_t>(1, 8192 / (W * P)), [&](int64_t b0, int64_t b1) {
        for (int64_t nh = b0; nh < b1; ++nh) {
          const int64_t n = nh / H, h = nh % H;
          for (int64_t a = 0; a < kh; ++a)
            for (int64_t b = 0; b < kw; ++b)
              for (int64_t oc = 0; oc < OC; ++oc) {
                const float* yr = y + ((a * kw + b) * OC + oc) * M + nh * W;
                if (e.out_nhwc || OC == 1) {
                  float* orow = out + ((n * OH + h * kh + a) * OW + b) * OC + oc;
                  for (int64_t w = 0; w < W; ++w) orow[w * kw * OC] = yr[w];
                } else {
                  float* orow = out + ((n * OC + oc) * OH + h * kh + a) * OW + b;
                  for (int64_t w = 0; w < W; ++w) orow[w * kw] = yr[w];
                }
              }
        }
      });
    } else if (e.out_nhwc || OC == 1) {
      // Row a of the patch of pixel (h, w) is kw*OC contiguous values in both.
      const size_t chunk = static_cast<size_t>(kw * OC) * sizeof(float);
      ctx.pool().ParallelFor(g.n * H, std::max<int64_t>(1, 8192 / (W * P)), [&](int64_t b0, int64_t b1) {
        for (int64_t nh = b0; nh < b1; ++nh) {
          const float* yr = y + nh * W * P;
          float* orow = out + nh * kh * OW * OC;  // (n*OH + h*kh) * OW * OC
          for (int64_t a = 0; a < kh; ++a)
            for (int64_t w = 0; w < W; ++w)
              std::memcpy(orow + (a * OW + w * kw) * OC, yr + w * P + a * kw * OC, chunk);
        }
      });
    } else {
      ctx.pool().ParallelFor(g.n * OC, 1, [&](int64_t b0, int64_t b1) {
        for (int64_t noc = b0; noc < b1; ++noc) {
          const int64_t n = noc / OC, oc = noc % OC;
          float* plane = out + noc * OH * OW;
          for (int64_t h = 0; h < H; ++h) {
            const float* yr = y + (n * H + h) * W * P + oc;
            for (int64_t a = 0; a < kh; ++a) {
              float* orow = plane + (h * kh + a) * OW;
              for (int64_t w = 0; w < W; ++w)
                for (int64_t b = 0; b < kw; ++b) orow[w * kw + b] = yr[w * P + (a * kw + b) * OC];
            }
          }
        }
      });
    }
  }

  std::string Describe() const override {
    return current_ ? "patch:" + current_->impl : "";
  }
  size_t CacheEntries() const override { return cache_.size(); }

 private:
  PatchEntry Build(const conv::Geom& g, const LayoutPtr& in_layout, bool allowed,
                   bool has_bias) {
    PatchEntry e;
    try {
      const int64_t M = g.n * g.h * g.w, IC = g.c_in, OC = g.c_out, P = g.kh * g.kw * OC;
      e.transposed = P < 16;
      // Paddle's filter [IC, OC, kh, kw] read as [IC, kh, kw, OC] = [IC, P].
      const memory::desc stored =
          StridedDesc(Dims{IC, g.kh, g.kw, OC}, Dims{OC * g.kh * g.kw, g.kw, 1, g.kh * g.kw});
      const memory::desc src_md = e.transposed ? StridedDesc(Dims{IC, M}, Dims{1, IC})
                                               : memory::desc({M, IC}, DT::f32, memory::format_tag::ab);
      const memory::desc w_req = e.transposed ? memory::desc({P, IC}, DT::f32, memory::format_tag::ab)
                                              : memory::desc({IC, P}, DT::f32, memory::format_tag::any);
      const memory::desc b_md = e.transposed ? memory::desc({P, 1}, DT::f32, memory::format_tag::ab)
                                             : memory::desc({1, P}, DT::f32, memory::format_tag::ab);
      const memory::desc y_md = e.transposed ? memory::desc({P, M}, DT::f32, memory::format_tag::ab)
                                             : memory::desc({M, P}, DT::f32, memory::format_tag::ab);
      dnnl::primitive_attr attr = BaseAttr();
      dnnl::post_ops po;
      if (act_) po.append_eltwise(act_->alg, act_->alpha, act_->beta);
      if (post_scale_ != 1.f || post_shift_ != 0.f)
        po.append_eltwise(dnnl::algorithm::eltwise_linear, post_scale_, post_shift_);
      attr.set_post_ops(po);
      // Transposed: the filter is the left operand (src) and the activations the right.
      const memory::desc& a_md = e.transposed ? w_req : src_md;
      const memory::desc& b_req = e.transposed ? src_md : w_req;
      dnnl::matmul::primitive_desc pd;
      if (e.transposed && has_bias) {
        pd = dnnl::matmul::primitive_desc(Engine(), a_md, b_req, y_md, BaseAttr());
        dnnl::binary::primitive_desc bpd(Engine(), dnnl::algorithm::binary_add, y_md, b_md,
                                         y_md, attr);
        if (IsRefImpl(bpd.impl_info_str())) return PatchEntry();
        e.add_bias = dnnl::binary(bpd);
      } else if (has_bias) {
        pd = dnnl::matmul::primitive_desc(Engine(), a_md, b_req, b_md, y_md, attr);
      } else {
        pd = dnnl::matmul::primitive_desc(Engine(), a_md, b_req, y_md, attr);
      }
      if (IsRefImpl(pd.impl_info_str())) return PatchEntry();
      e.prim = dnnl::matmul(pd);
      e.impl = pd.impl_info_str();
      const memory::desc want = e.transposed ? pd.src_desc() : pd.weights_desc();
      if (!packed_ || !(packed_md_ == want)) {
        memory plain(memory::desc({IC, g.kh, g.kw, OC}, DT::f32, memory::format_tag::abcd),
                     Engine());
        Reorder(Wrap(stored, filter_->raw_data()), plain);
        auto t = std::make_shared<Tensor>(DataType::kFloat32, Shape{IC, P});
        std::memcpy(t->raw_data(), plain.get_data_handle(), t->nbytes());
        // [IC, P] row-major; the transposed product reads it as [P, IC].
        const memory::desc t_md = e.transposed ? StridedDesc(Dims{P, IC}, Dims{1, P})
                                               : memory::desc({IC, P}, DT::f32, memory::format_tag::ab);
        packed_ = PackedConstant(t, t_md, want);
        packed_md_ = want;
      }
      e.weights = packed_;
      const Dims src_dims{g.n, IC, g.h, g.w}, dst_dims{g.n, OC, g.oh, g.ow};
      const memory::desc in_stored =
          in_layout ? static_cast<const DnnlLayout&>(*in_layout).desc()
                    : (nhwc_ ? NhwcDesc(src_dims) : memory::desc(src_dims, DT::f32,
                                                                 memory::format_tag::nchw));
      e.in = Conversion(in_stored, NhwcDesc(src_dims));
      e.src = Mem(src_md);
      e.y = Mem(y_md);
      if (has_bias) e.bias = Mem(b_md);
      e.pad = Mem(pd.scratchpad_desc());
      e.out_nhwc = nhwc_ || allowed;
      if (!nhwc_ && allowed) e.out_layout = MakeLayout(NhwcDesc(dst_dims));
      e.ok = true;
    } catch (const dnnl::error&) {
      e = PatchEntry();
    }
    return e;
  }

  const Node& node_;
  bool nhwc_;
  std::shared_ptr<const Tensor> filter_;
  std::optional<EltwiseSpec> act_;
  float post_scale_ = 1.f, post_shift_ = 0.f;
  std::shared_ptr<memory> packed_;  // [IC, kh*kw*OC] in the matmul's layout
  memory::desc packed_md_;
  std::vector<float> bias_rep_;
  LruCache<PatchEntry> cache_;
  PatchEntry* current_ = nullptr;
  conv::Geom geom_;
  bool has_bias_ = false;
};

}  // namespace

bool PatchDeconvApplies(const Graph& g, const Node& n, const KernelOptions& options) {
  if (UseBf16(options)) return false;
  const Value* f = InputValueOf(g, n, "Filter");
  if (!f || !f->constant || f->constant->rank() != 4) return false;
  if (n.attrs.GetInt("groups", 1) != 1) return false;
  // The geometry known at load: kernel == stride, no padding, dilation, output_size or
  // output_padding (Prepare checks it again on the shapes of every run).
  auto ints = [&](const char* name) { return n.attrs.GetInts(name, {}); };
  const std::vector<int64_t> strides = ints("strides"), pads = ints("paddings"),
                             dil = ints("dilations"), out_pad = ints("output_padding"),
                             out_size = ints("output_size");
  const int64_t kh = f->constant->dim(2), kw = f->constant->dim(3);
  if (strides.size() != 2 || strides[0] != kh || strides[1] != kw || kh * kw < 2) return false;
  for (const auto* v : {&pads, &out_pad})
    for (int64_t p : *v)
      if (p != 0) return false;
  for (int64_t d : dil)
    if (d != 1) return false;
  if (!out_size.empty() || n.Input("ResidualData") != kNoValue) return false;
  const std::string algo = n.attrs.GetString("padding_algorithm", "EXPLICIT");
  if (algo != "EXPLICIT" && algo != "VALID") return false;
  bool ok = true;
  FusedActivationSpec(n.attrs, n.op.rfind("fused_", 0) != 0, &ok);
  return ok;
}

std::unique_ptr<Kernel> CreatePatchDeconv(const Graph& g, const Node& n,
                                          const KernelOptions& options) {
  bool ok = true;
  std::optional<EltwiseSpec> act =
      FusedActivationSpec(n.attrs, n.op.rfind("fused_", 0) != 0, &ok);
  return std::make_unique<PatchDeconvKernel>(g, n, options, act);
}

}  // namespace onednn
}  // namespace pdinfer
