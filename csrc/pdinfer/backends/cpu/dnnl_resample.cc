// oneDNN kernel for nearest_interp_v2 with integer upscaling factors (FPN-style 2x
// upsampling in detection necks). It works on whatever layout its input arrives in, so a
// blocked convolution output goes through the upsampling and the following add without
// reorders.
//
// Only integer factors are taken: for dst = k * src, oneDNN's nearest rule
// round((d + 0.5) / k - 0.5) and Paddle's CPU rule floor(d * ratio) both give d / k
// exactly (no rounding ties), so the result is the reference's whichever of the two
// rules the node follows (see ops/interpolate.cc). The CPU rule is taken only where its
// float ratio 1 / k is exact (k a power of two) and without align_corners.
#include <algorithm>

#include "pdinfer/backends/cpu/dnnl_common.h"

namespace pdinfer {
namespace onednn {
namespace {

using DT = memory::data_type;

bool PowerOfTwo(int64_t k) { return k > 0 && (k & (k - 1)) == 0; }

struct ResampleEntry {
  bool ok = false;
  dnnl::resampling_forward prim;
  memory::desc src_stored, src_md, dst_md, out_md, scratch_md;
  bool stage = false;
  dnnl::reorder to_out;
  LayoutPtr out_layout;
  std::string impl;
};

class ResampleKernel : public Kernel {
 public:
  ResampleKernel(const Graph&, const Node& node, const KernelOptions& options)
      : node_(node),
        nhwc_(node.attrs.GetString("data_layout", "NCHW") == "NHWC"),
        onednn_rule_(node.attrs.GetBool("use_onednn_resampling", true)),
        align_corners_(node.attrs.GetBool("align_corners", true)),
        cache_(CacheCapacity(options)) {}
  bool AcceptsLayout(const std::string& slot) const override { return !nhwc_ && slot == "X"; }
  bool ProducesLayout(const std::string& slot) const override { return !nhwc_ && slot == "Out"; }

  bool Prepare(OpContext& ctx, KernelIO& io) override {
    const Shape& xs = ctx.InputShape("X");
    const Shape& os = InferredOutputShape(ctx, "Out");
    if (xs.size() != 4 || os.size() != 4 || NumElements(xs) == 0) return false;
    const int hi = nhwc_ ? 1 : 2, wi = nhwc_ ? 2 : 3;
    for (int i : {hi, wi}) {
      if (os[i] < xs[i] || os[i] % xs[i] != 0) return false;
      const int64_t k = os[i] / xs[i];
      if (!onednn_rule_ && (align_corners_ || !PowerOfTwo(k))) return false;
    }
    const LayoutPtr layout = InputLayout(node_, io, "X");
    const bool allowed = OutputAllowed(node_, io, "Out");
    std::string key;
    AppendShape(&key, xs);
    AppendShape(&key, os);
    AppendLayout(&key, layout);
    key += allowed ? "A" : "P";
    ResampleEntry* e = cache_.Find(key);
    if (!e) {
      ResampleEntry b = Build(xs, os, layout, allowed, true);
      if (!b.ok && layout) b = Build(xs, os, layout, allowed, false);
      e = &cache_.Insert(key, std::move(b));
    }
    if (!e->ok) return false;
    current_ = e;
    SetOutputLayout(node_, io, "Out", e->out_layout);
    return true;
  }

  void Run(OpContext& ctx, KernelIO& io) override {
    ResampleEntry& e = *current_;
    KernelScratch& scratch = *io.scratch;
    Tensor& output = ctx.Output("Out");
    memory src = InputAs(ctx.Input("X").raw_data(), e.src_stored, e.src_md, scratch, kSrcSlot);
    memory dst = e.stage ? memory(e.dst_md, Engine(), scratch.Get(e.dst_md.get_size(), kDstSlot))
                         : Wrap(e.dst_md, output.raw_data());
    e.prim.execute(Stream(),
                   {{DNNL_ARG_SRC, src},
                    {DNNL_ARG_DST, dst},
                    {DNNL_ARG_SCRATCHPAD,
                     memory(e.scratch_md, Engine(),
                            scratch.Get(std::max<size_t>(e.scratch_md.get_size(), 64),
                                        kScratchpad))}});
    if (e.stage) {
      memory out = Wrap(e.out_md, output.raw_data());
      e.to_out.execute(Stream(), dst, out);
    }
  }
  std::string Describe() const override { return current_ ? current_->impl : ""; }
  size_t CacheEntries() const override { return cache_.size(); }

 private:
  ResampleEntry Build(const Shape& xs, const Shape& os, const LayoutPtr& layout, bool allowed,
                      bool use_layout) const {
    ResampleEntry e;
    try {
      const Dims src_dims = nhwc_ ? Dims{xs[0], xs[3], xs[1], xs[2]} : ToDims(xs);
      const Dims dst_dims = nhwc_ ? Dims{os[0], os[3], os[1], os[2]} : ToDims(os);
      const memory::desc plain_in = nhwc_ ? NhwcDesc(src_dims) : PlainDesc(xs);
      const memory::desc plain_out = nhwc_ ? NhwcDesc(dst_dims) : PlainDesc(os);
      e.src_stored = layout ? static_cast<const DnnlLayout&>(*layout).desc() : plain_in;
      e.src_md = use_layout ? e.src_stored : plain_in;
      const memory::desc dst_req =
          nhwc_ ? plain_out : memory::desc(dst_dims, DT::f32, memory::format_tag::any);
      dnnl::resampling_forward::primitive_desc pd(
          Engine(), dnnl::prop_kind::forward_inference, dnnl::algorithm::resampling_nearest,
          e.src_md, dst_req, BaseAttr());
      if (IsRefImpl(pd.impl_info_str())) Decline();
      e.prim = dnnl::resampling_forward(pd);
      e.dst_md = pd.dst_desc();
      e.scratch_md = pd.scratchpad_desc();
      e.impl = pd.impl_info_str();
      const bool keep = allowed && use_layout && !nhwc_;
      e.out_md = keep ? e.dst_md : plain_out;
      e.out_layout = keep ? MakeLayout(e.dst_md) : nullptr;
      e.stage = !(e.out_md == e.dst_md);
      if (e.stage)
        e.to_out =
            dnnl::reorder(dnnl::reorder::primitive_desc(Engine(), e.dst_md, Engine(), e.out_md));
      e.ok = true;
    } catch (const dnnl::error&) {
      e = ResampleEntry();
    }
    return e;
  }

  const Node& node_;
  bool nhwc_, onednn_rule_, align_corners_;
  LruCache<ResampleEntry> cache_;
  ResampleEntry* current_ = nullptr;
};

bool AcceptsResample(const Graph& g, const Node& n, const KernelOptions&) {
  if (!OnlyInputs(n, {"X"}) || !IsFloat32Value(g, n.Input("X"))) return false;
  if (n.attrs.GetString("interp_method", "nearest") != "nearest") return false;
  const std::string layout = n.attrs.GetString("data_layout", "NCHW");
  return layout == "NCHW" || layout == "NHWC" || layout == "AnyLayout";
}

std::unique_ptr<Kernel> CreateResample(const Graph& g, const Node& n, const KernelOptions& o) {
  return std::make_unique<ResampleKernel>(g, n, o);
}

PDI_REGISTER_KERNEL(KernelDef{"nearest_interp_v2", "onednn", AcceptsResample, CreateResample});

}  // namespace
}  // namespace onednn
}  // namespace pdinfer
