// oneDNN kernel for multihead_matmul (the fused self-attention block, FUSED_OPS.md):
//
//   QKV    = Input[B*S, Hin] x W[Hin, 3H] + Bias        one matmul, W packed once
//   scores = alpha * Q x K^T (+ BiasQK)                  batched over (B, heads); Q and K
//                                                         are strided views of QKV
//   P      = softmax(scores) along the last axis         in place
//   Out    = P x V                                       written straight into [B, S, H]
//                                                         with the heads side by side
//
// No copies or transposes: head splitting and merging are strides of the matmul
// operands. Shapes oneDNN cannot take this way are declined to the reference kernel.
#include <algorithm>
#include <unordered_map>

#include "pdinfer/backends/cpu/dnnl_common.h"

namespace pdinfer {
namespace onednn {
namespace {

using dnnl::algorithm;
using dnnl::prop_kind;
using DT = memory::data_type;

struct MhaEntry {
  bool ok = false;
  dnnl::primitive qkv;  // inner product (brgemm, weights packed) or matmul
  dnnl::matmul scores, context;
  dnnl::softmax_forward softmax;
  memory::desc in_md, qkv_src_md, qkv_dst_md, bias_md;
  memory::desc q_md, k_md, scores_md, v_md, out_md, mask_md;
  memory::desc pad_qkv, pad_scores, pad_softmax, pad_context;  // scratchpads
  std::shared_ptr<memory> w;
  std::string impl;
};

class MultiheadKernel : public Kernel {
 public:
  MultiheadKernel(const Graph& graph, const Node& node, const KernelOptions& options)
      : node_(node), bf16_(UseBf16(options)), cache_(CacheCapacity(options)) {
    w_ = graph.value(node.Input("W")).constant;
    heads_ = node.attrs.GetInt("head_number", 1);
    alpha_ = static_cast<float>(node.attrs.GetFloat("alpha", 1.0));
  }

  bool Prepare(OpContext& ctx, KernelIO& io) override {
    const Shape& in = ctx.InputShape("Input");
    const Shape& w = ctx.InputShape("W");
    if (in.size() != 3 || w.size() != 3 || NumElements(in) == 0 || heads_ <= 0) return false;
    const bool has_mask = ctx.HasInput("BiasQK");
    std::string key;
    AppendShape(&key, in);
    if (has_mask) AppendShape(&key, ctx.InputShape("BiasQK"));
    if (shapes_.Saw(in)) cache_.Clear();
    MhaEntry* e = cache_.Find(key);
    if (!e) {
      e = &cache_.Insert(key, Build(in, w, has_mask ? &ctx.InputShape("BiasQK") : nullptr,
                                    shapes_.Dynamic()));
    }
    if (!e->ok) return false;
    current_ = e;
    return true;
  }

  void Run(OpContext& ctx, KernelIO& io) override {
    MhaEntry& e = *current_;
    KernelScratch& scratch = *io.scratch;
    const Tensor& in = ctx.Input("Input");
    float* qkv = static_cast<float*>(scratch.Get(e.qkv_dst_md.get_size(), kAuxSlot));
    float* scores = static_cast<float*>(scratch.Get(e.scores_md.get_size(), kAux2Slot));
    auto pad = [&](const memory::desc& md) {
      return memory(md, Engine(), scratch.Get(std::max<size_t>(md.get_size(), 64), kScratchpad));
    };
    memory src = InputAs(in.raw_data(), e.in_md, e.qkv_src_md, scratch, kSrcSlot);
    e.qkv.execute(Stream(), {{DNNL_ARG_SRC, src},
                             {DNNL_ARG_WEIGHTS, *e.w},
                             {DNNL_ARG_BIAS, Wrap(e.bias_md, ctx.Input("Bias").raw_data())},
                             {DNNL_ARG_DST, Wrap(e.qkv_dst_md, qkv)},
                             {DNNL_ARG_SCRATCHPAD, pad(e.pad_qkv)}});
    const int64_t H = ctx.InputShape("W")[2];
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, Wrap(e.q_md, qkv)},
                                         {DNNL_ARG_WEIGHTS, Wrap(e.k_md, qkv + H)},
                                         {DNNL_ARG_DST, Wrap(e.scores_md, scores)},
                                         {DNNL_ARG_SCRATCHPAD, pad(e.pad_scores)}};
    if (!e.mask_md.is_zero())
      args.emplace(DNNL_ARG_ATTR_MULTIPLE_POST_OP(1) | DNNL_ARG_SRC_1,
                   Wrap(e.mask_md, ctx.Input("BiasQK").raw_data()));
    e.scores.execute(Stream(), args);
    memory s = Wrap(e.scores_md, scores);
    e.softmax.execute(Stream(), {{DNNL_ARG_SRC, s}, {DNNL_ARG_DST, s},
                                 {DNNL_ARG_SCRATCHPAD, pad(e.pad_softmax)}});
    e.context.execute(Stream(), {{DNNL_ARG_SRC, s},
                                 {DNNL_ARG_WEIGHTS, Wrap(e.v_md, qkv + 2 * H)},
                                 {DNNL_ARG_DST, Wrap(e.out_md, ctx.Output("Out").raw_data())},
                                 {DNNL_ARG_SCRATCHPAD, pad(e.pad_context)}});
  }

  std::string Describe() const override { return current_ ? current_->impl : ""; }
  size_t CacheEntries() const override { return cache_.size(); }

 private:
  MhaEntry Build(const Shape& in, const Shape& w, const Shape* mask, bool avoid_brgemm) const {
    MhaEntry e;
    try {
      const int64_t B = in[0], S = in[1], Hin = in[2], H = w[2];
      if (w[0] != Hin || w[1] != 3 || H % heads_ != 0) return e;
      const int64_t D = H / heads_, N = heads_;
      const DT in_dt = bf16_ ? DT::bf16 : DT::f32;
      // 1. QKV projection.
      e.in_md = memory::desc({B * S, Hin}, DT::f32, memory::format_tag::ab);
      e.qkv_src_md = memory::desc({B * S, Hin}, in_dt, memory::format_tag::ab);
      e.qkv_dst_md = memory::desc({B * S, 3 * H}, DT::f32, memory::format_tag::ab);
      e.bias_md = memory::desc({1, 3 * H}, DT::f32, memory::format_tag::ab);
      bool projected = false;
      // Small row counts only: from ~512 rows the matmul's gemm is faster (dnnl_matmul.cc).
      if (!avoid_brgemm && B * S < 512) {
        // As an inner product where oneDNN has brgemm for it: the weights stay packed,
        // where the matmul's gemm implementation (CPUs without AVX-512) repacks them on
        // every call. Same bytes for source, bias and destination.
        try {
          // One packed layout for every shape (the first shape's): packed once.
          const memory::desc w_req =
              ip_weights_md_.is_zero()
                  ? memory::desc({3 * H, Hin}, in_dt, memory::format_tag::any)
                  : ip_weights_md_;
          const memory::desc ip_bias({3 * H}, DT::f32, memory::format_tag::a);
          dnnl::inner_product_forward::primitive_desc pd(
              Engine(), prop_kind::forward_inference, e.qkv_src_md, w_req, ip_bias,
              e.qkv_dst_md, BaseAttr());
          if (std::string(pd.impl_info_str()).rfind("brgemm", 0) == 0) {
            e.qkv = dnnl::inner_product_forward(pd);
            ip_weights_md_ = pd.weights_desc();
            e.bias_md = ip_bias;
            e.pad_qkv = pd.scratchpad_desc();
            e.impl = pd.impl_info_str();
            // W [Hin, 3H] row-major, seen as [3H, Hin].
            e.w = PackedConstant(w_, memory::desc({3 * H, Hin}, DT::f32, Dims{1, 3 * H}),
                                 pd.weights_desc());
            projected = true;
          }
        } catch (const dnnl::error&) {
        }
      }
      if (!projected) {
        const memory::desc w_req({Hin, 3 * H}, in_dt, memory::format_tag::any);
        dnnl::matmul::primitive_desc pd(Engine(), e.qkv_src_md, w_req, e.bias_md, e.qkv_dst_md,
                                        BaseAttr());
        if (avoid_brgemm) AvoidBrgemm(&pd);
        if (IsRefImpl(pd.impl_info_str())) Decline();
        e.qkv = dnnl::matmul(pd);
        e.pad_qkv = pd.scratchpad_desc();
        e.impl = pd.impl_info_str();
        e.w = PackedConstant(w_, memory::desc({Hin, 3 * H}, DT::f32, memory::format_tag::ab),
                             pd.weights_desc());
      }
      // 2. Scores: Q [B, N, S, D] x K^T [B, N, D, S], views of QKV rows of 3H.
      const int64_t row = 3 * H;
      e.q_md = memory::desc({B, N, S, D}, DT::f32, Dims{S * row, D, row, 1});
      e.k_md = memory::desc({B, N, D, S}, DT::f32, Dims{S * row, D, 1, row});
      e.scores_md = memory::desc({B, N, S, S}, DT::f32, memory::format_tag::abcd);
      {
        dnnl::primitive_attr attr = BaseAttr();
        dnnl::post_ops po;
        po.append_eltwise(algorithm::eltwise_linear, alpha_, 0.f);
        if (mask) {
          Dims md(4, 1);
          const size_t off = 4 - mask->size();
          for (size_t i = 0; i < mask->size(); ++i) md[off + i] = (*mask)[i];
          const Dims full{B, N, S, S};
          for (size_t i = 0; i < 4; ++i)
            if (md[i] != 1 && md[i] != full[i]) return e;
          Dims st(4);
          int64_t s = 1;
          for (size_t i = 4; i-- > 0;) {
            st[i] = s;
            s *= md[i];
          }
          e.mask_md = memory::desc(md, DT::f32, st);
          po.append_binary(algorithm::binary_add, e.mask_md);
        }
        attr.set_post_ops(po);
        dnnl::matmul::primitive_desc pd(Engine(), e.q_md, e.k_md, e.scores_md, attr);
        if (avoid_brgemm) AvoidBrgemm(&pd);
        if (IsRefImpl(pd.impl_info_str())) Decline();
        e.scores = dnnl::matmul(pd);
        e.pad_scores = pd.scratchpad_desc();
      }
      // 3. Softmax over the keys, in place.
      {
        dnnl::softmax_forward::primitive_desc pd(Engine(), prop_kind::forward_inference,
                                                 algorithm::softmax_accurate, e.scores_md,
                                                 e.scores_md, 3, BaseAttr());
        if (IsRefImpl(pd.impl_info_str())) Decline();
        e.softmax = dnnl::softmax_forward(pd);
        e.pad_softmax = pd.scratchpad_desc();
      }
      // 4. Context: P [B, N, S, S] x V [B, N, S, D] -> Out [B, S, N*D] seen as [B, N, S, D].
      e.v_md = memory::desc({B, N, S, D}, DT::f32, Dims{S * row, D, row, 1});
      e.out_md = memory::desc({B, N, S, D}, DT::f32, Dims{S * H, D, H, 1});
      {
        dnnl::matmul::primitive_desc pd(Engine(), e.scores_md, e.v_md, e.out_md, BaseAttr());
        if (avoid_brgemm) AvoidBrgemm(&pd);
        if (IsRefImpl(pd.impl_info_str())) Decline();
        e.context = dnnl::matmul(pd);
        e.pad_context = pd.scratchpad_desc();
      }
      e.ok = true;
    } catch (const dnnl::error&) {
      e = MhaEntry();
    }
    return e;
  }

  const Node& node_;
  bool bf16_;
  std::shared_ptr<const Tensor> w_;
  int64_t heads_ = 1;
  float alpha_ = 1.f;
  // Packed weights layout of the inner-product projection (Build is const).
  mutable memory::desc ip_weights_md_;
  LruCache<MhaEntry> cache_;
  ShapeCounter shapes_;
  MhaEntry* current_ = nullptr;
};

bool AcceptsMultihead(const Graph& g, const Node& n, const KernelOptions&) {
  if (!OnlyInputs(n, {"Input", "W", "Bias", "BiasQK"})) return false;
  for (const char* slot : {"Input", "W", "Bias"})
    if (!IsFloat32Value(g, n.Input(slot))) return false;
  if (n.Input("BiasQK") != kNoValue && !IsFloat32Value(g, n.Input("BiasQK"))) return false;
  const Value* w = InputValueOf(g, n, "W");
  return w && w->constant && w->constant->rank() == 3;
}

std::unique_ptr<Kernel> CreateMultihead(const Graph& g, const Node& n, const KernelOptions& o) {
  return std::make_unique<MultiheadKernel>(g, n, o);
}

PDI_REGISTER_KERNEL(KernelDef{"multihead_matmul", "onednn", AcceptsMultihead, CreateMultihead});

}  // namespace
}  // namespace onednn
}  // namespace pdinfer
