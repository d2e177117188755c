// oneDNN kernels for pool2d, batch_norm (inference statistics), layer_norm, softmax and
// log_softmax.
//
// pool2d and batch_norm work on whatever layout their input arrives in (a blocked
// convolution output stays blocked through them); layer_norm and softmax run on plain
// tensors. Cases outside the kernels (adaptive pooling with non-divisible sizes, windows
// that lie entirely in the padding, empty tensors, ...) are declined to the reference.
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "pdinfer/backends/cpu/dnnl_common.h"
#include "pdinfer/ops/conv_util.h"

namespace pdinfer {
namespace onednn {
namespace {

using dnnl::algorithm;
using dnnl::prop_kind;
using DT = memory::data_type;

// A primitive that reads one input (as stored) and writes one output, possibly
// staged in scratch and reordered to a plain output.
struct UnaryEntry {
  bool ok = false;
  dnnl::primitive prim;
  memory::desc src_stored, src_md, dst_md, out_md, scratch_md;
  bool stage = false;
  dnnl::reorder to_out;
  LayoutPtr out_layout;
  std::string impl;
  Conversion in;  // input as stored -> src_md
  Mem dst, out, pad;
  Mem aux[4];  // kernel-specific arguments (statistics, affine parameters)
};

// Fills the output side of `e` from the primitive's dst descriptor: the output keeps
// that layout when allowed, else it is stored as `plain_md`.
void FinishEntry(UnaryEntry* e, const memory::desc& dst_md, const memory::desc& plain_md,
                 bool allowed) {
  e->dst_md = dst_md;
  if (allowed) {
    e->out_md = dst_md;
    e->out_layout = MakeLayout(dst_md);
  } else {
    e->out_md = plain_md;
  }
  e->stage = !(e->out_md == dst_md);
  if (e->stage) {
    e->to_out = dnnl::reorder(dnnl::reorder::primitive_desc(Engine(), dst_md, Engine(), e->out_md));
    e->out = Mem(e->out_md);
  }
  e->in = Conversion(e->src_stored, e->src_md);
  e->dst = Mem(dst_md);
  e->pad = Mem(e->scratch_md);
}

// Executes e.prim with `args` (DST and SCRATCHPAD added here) and stores the result.
void RunUnary(UnaryEntry& e, const Tensor& input, std::initializer_list<ExecArg> extra,
              Tensor& output, KernelScratch& scratch) {
  ExecArg args[12];
  size_t n = 0;
  for (const ExecArg& a : extra) args[n++] = a;
  const memory& dst =
      e.dst.At(e.stage ? scratch.Get(e.dst.bytes(), kDstSlot) : output.raw_data());
  args[n++] = {DNNL_ARG_SRC, &e.in.Apply(input.raw_data(), scratch, kSrcSlot)};
  args[n++] = {DNNL_ARG_DST, &dst};
  args[n++] = {DNNL_ARG_SCRATCHPAD,
               &e.pad.At(scratch.Get(e.pad.bytes(), kScratchpad))};
  Exec(e.prim, args, n);
  if (e.stage) Exec(e.to_out, {{DNNL_ARG_FROM, &dst}, {DNNL_ARG_TO, &e.out.At(output.raw_data())}});
}

// ---------------------------------------------------------------- pool2d

struct PoolGeom {
  int64_t n, c, h, w, kh, kw, sh, sw, pt, pb, pl, pr, oh, ow;
};

// Paddle's pool2d geometry (ops/pool.cc). False for the cases this kernel leaves to the
// reference: adaptive windows whose sizes do not divide the input, and windows that can
// lie entirely inside the padding.
bool PoolGeometry(const OpContext& ctx, bool nhwc, PoolGeom* g) {
  const Shape& x = ctx.InputShape("X");
  if (x.size() != 4) return false;
  const AttributeMap& a = ctx.attrs();
  g->n = x[0];
  g->c = nhwc ? x[3] : x[1];
  g->h = nhwc ? x[1] : x[2];
  g->w = nhwc ? x[2] : x[3];
  const bool global = a.GetBool("global_pooling", false);
  const bool adaptive = a.GetBool("adaptive", false);
  const bool ceil_mode = a.GetBool("ceil_mode", false);
  std::vector<int64_t> k = a.GetInts("ksize", {});
  std::vector<int64_t> s = a.GetInts("strides", {1, 1});
  std::vector<int64_t> p = a.GetInts("paddings", {0, 0});
  if (k.size() != 2 || s.size() != 2) return false;
  if (p.size() == 2) p = {p[0], p[0], p[1], p[1]};
  if (p.size() != 4) return false;
  const std::string algo = a.GetString("padding_algorithm", "EXPLICIT");
  if (global) {
    g->kh = g->h;
    g->kw = g->w;
    g->sh = g->sw = 1;
    g->pt = g->pb = g->pl = g->pr = 0;
    g->oh = g->ow = 1;
  } else if (adaptive) {
    g->oh = k[0];
    g->ow = k[1];
    if (g->oh <= 0 || g->ow <= 0 || g->h % g->oh != 0 || g->w % g->ow != 0) return false;
    g->kh = g->sh = g->h / g->oh;
    g->kw = g->sw = g->w / g->ow;
    g->pt = g->pb = g->pl = g->pr = 0;
  } else {
    if (k[0] < 1 || k[1] < 1 || s[0] < 1 || s[1] < 1) return false;
    if (algo == "SAME") {
      const int64_t in[2] = {g->h, g->w};
      for (int i = 0; i < 2; ++i) {
        const int64_t out = (in[i] + s[i] - 1) / s[i];
        const int64_t sum = std::max<int64_t>((out - 1) * s[i] + k[i] - in[i], 0);
        p[2 * i] = sum / 2;
        p[2 * i + 1] = sum - sum / 2;
      }
    } else if (algo == "VALID") {
      p = {0, 0, 0, 0};
    }
    g->kh = k[0];
    g->kw = k[1];
    g->sh = s[0];
    g->sw = s[1];
    g->pt = p[0];
    g->pb = p[1];
    g->pl = p[2];
    g->pr = p[3];
    auto out_dim = [&](int64_t in, int64_t kk, int64_t p0, int64_t p1, int64_t st) {
      return ceil_mode ? (in - kk + p0 + p1 + st - 1) / st + 1 : (in - kk + p0 + p1) / st + 1;
    };
    g->oh = out_dim(g->h, g->kh, g->pt, g->pb, g->sh);
    g->ow = out_dim(g->w, g->kw, g->pl, g->pr, g->sw);
  }
  if (g->oh <= 0 || g->ow <= 0 || g->n * g->c * g->h * g->w == 0) return false;
  // oneDNN derives the output size from the right padding: grow it to cover ceil_mode's
  // overhang (which a non-exclusive average counts as padding, as Paddle does).
  auto fix_right = [](int64_t in, int64_t kk, int64_t p0, int64_t* p1, int64_t st, int64_t out) {
    if ((in - kk + p0 + *p1) / st + 1 < out) *p1 = (out - 1) * st + kk - in - p0;
  };
  fix_right(g->h, g->kh, g->pt, &g->pb, g->sh, g->oh);
  fix_right(g->w, g->kw, g->pl, &g->pr, g->sw, g->ow);
  // Every window must see at least one input element.
  if (g->pt >= g->kh || g->pb >= g->kh || g->pl >= g->kw || g->pr >= g->kw) return false;
  if ((g->h - g->kh + g->pt + g->pb) / g->sh + 1 != g->oh) return false;
  if ((g->w - g->kw + g->pl + g->pr) / g->sw + 1 != g->ow) return false;
  return true;
}

class PoolKernel : public Kernel {
 public:
  PoolKernel(const Graph&, const Node& node, const KernelOptions& options)
      : node_(node),
        nhwc_(conv::IsChannelLast(node.attrs.GetString("data_format", "NCHW"))),
        cache_(CacheCapacity(options)) {
    const bool is_max = node.attrs.GetString("pooling_type", "") == "max";
    const bool exclusive = node.attrs.GetBool("exclusive", true) ||
                           node.attrs.GetBool("adaptive", false);
    alg_ = is_max ? algorithm::pooling_max
                  : exclusive ? algorithm::pooling_avg_exclude_padding
                              : algorithm::pooling_avg_include_padding;
  }
  bool AcceptsLayout(const std::string& slot) const override { return !nhwc_ && slot == "X"; }
  bool ProducesLayout(const std::string& slot) const override { return !nhwc_ && slot == "Out"; }

  bool Prepare(OpContext& ctx, KernelIO& io) override {
    const LayoutPtr layout = InputLayout(node_, io, "X");
    const bool allowed = OutputAllowed(node_, io, "Out");
    std::string key;
    AppendShape(&key, ctx.InputShape("X"));
    AppendLayout(&key, layout);
    key += allowed ? "A" : "P";
    UnaryEntry* e = cache_.Find(key);
    if (!e) {
      UnaryEntry built;
      PoolGeom g;
      if (PoolGeometry(ctx, nhwc_, &g)) {
        built = Build(g, layout, allowed, true);
        // A layout without a fast implementation: convert to plain instead.
        if (!built.ok && layout) built = Build(g, layout, allowed, false);
      }
      e = &cache_.Insert(key, std::move(built));
    }
    if (!e->ok) return false;
    current_ = e;
    SetOutputLayout(node_, io, "Out", e->out_layout);
    return true;
  }

  void Run(OpContext& ctx, KernelIO& io) override {
    UnaryEntry& e = *current_;
    RunUnary(e, ctx.Input("X"), {}, ctx.Output("Out"), *io.scratch);
  }
  std::string Describe() const override { return current_ ? current_->impl : ""; }
  size_t CacheEntries() const override { return cache_.size(); }

 private:
  UnaryEntry Build(const PoolGeom& g, const LayoutPtr& layout, bool allowed,
                   bool use_layout) const {
    UnaryEntry e;
    try {
      const Dims src_dims{g.n, g.c, g.h, g.w}, dst_dims{g.n, g.c, g.oh, g.ow};
      memory::desc src_md, plain_out;
      if (nhwc_) {
        src_md = e.src_stored = NhwcDesc(src_dims);
        plain_out = NhwcDesc(dst_dims);
      } else {
        const memory::desc plain_in(src_dims, DT::f32, memory::format_tag::nchw);
        e.src_stored = layout ? static_cast<const DnnlLayout&>(*layout).desc() : plain_in;
        src_md = use_layout ? e.src_stored : plain_in;
        plain_out = memory::desc(dst_dims, DT::f32, memory::format_tag::nchw);
      }
      const memory::desc dst_req =
          nhwc_ ? plain_out : memory::desc(dst_dims, DT::f32, memory::format_tag::any);
      dnnl::pooling_forward::primitive_desc pd(
          Engine(), prop_kind::forward_inference, alg_, src_md, dst_req, Dims{g.sh, g.sw},
          Dims{g.kh, g.kw}, Dims{0, 0}, Dims{g.pt, g.pl}, Dims{g.pb, g.pr}, BaseAttr());
      // simple_nchw (plain NCHW data) is several times slower than the reference kernel.
      const std::string impl = pd.impl_info_str();
      if (IsRefImpl(impl) || impl.rfind("simple_nchw", 0) == 0) Decline();
      e.prim = dnnl::pooling_forward(pd);
      e.src_md = pd.src_desc();
      e.scratch_md = pd.scratchpad_desc();
      e.impl = pd.impl_info_str();
      FinishEntry(&e, pd.dst_desc(), plain_out, allowed && !nhwc_ && use_layout);
      e.ok = true;
    } catch (const dnnl::error&) {
      e = UnaryEntry();
    }
    return e;
  }

  const Node& node_;
  bool nhwc_;
  algorithm alg_;
  LruCache<UnaryEntry> cache_;
  UnaryEntry* current_ = nullptr;
};

bool AcceptsPool(const Graph& g, const Node& n, const KernelOptions&) {
  if (!OnlyInputs(n, {"X"})) return false;
  if (!IsFloat32Value(g, n.Input("X"))) return false;
  const std::string type = n.attrs.GetString("pooling_type", "");
  if (type != "max" && type != "avg") return false;
  const std::string fmt = n.attrs.GetString("data_format", "NCHW");
  return fmt == "NCHW" || fmt == "NHWC" || fmt == "AnyLayout";
}

// ---------------------------------------------------------------- batch_norm

bool BnChannelLast(const Node& n) {
  const std::string l = n.attrs.GetString("data_layout", "NCHW");
  return l == "NHWC" || l == "NDHWC" || l == "NLC" || l == "NWC";
}

// Inference batch_norm is a per-channel affine y = x * a + b with
// a = scale / sqrt(var + eps), b = bias - mean * a (computed per run from the inputs, as
// the reference kernel does): one binary multiply with a per-channel operand and a
// per-channel add post-op, a single pass over the data in whatever layout it has
// (oneDNN's own batch normalization re-derives the statistics per block and is slower).
class BatchNormKernel : public Kernel {
 public:
  BatchNormKernel(const Graph&, const Node& node, const KernelOptions& options)
      : node_(node), nhwc_(BnChannelLast(node)), cache_(CacheCapacity(options)) {
    eps_ = static_cast<float>(node.attrs.GetFloat("epsilon", 1e-5));
  }
  bool AcceptsLayout(const std::string& slot) const override { return !nhwc_ && slot == "X"; }
  bool ProducesLayout(const std::string& slot) const override { return !nhwc_ && slot == "Y"; }

  bool Prepare(OpContext& ctx, KernelIO& io) override {
    const Shape& xs = ctx.InputShape("X");
    if (xs.size() < 2 || xs.size() > 5 || NumElements(xs) == 0) return false;
    if (nhwc_ && xs.size() != 4) return false;
    const int64_t c = nhwc_ ? xs.back() : xs[1];
    for (const char* slot : {"Scale", "Bias", "Mean", "Variance"})
      if (ctx.HasInput(slot) && NumElements(ctx.InputShape(slot)) != c) return false;
    const LayoutPtr layout = InputLayout(node_, io, "X");
    const bool allowed = OutputAllowed(node_, io, "Y");
    std::string key;
    AppendShape(&key, xs);
    AppendLayout(&key, layout);
    key += allowed ? "A" : "P";
    UnaryEntry* e = cache_.Find(key);
    if (!e) {
      UnaryEntry built = Build(xs, layout, allowed, true);
      if (!built.ok && layout) built = Build(xs, layout, allowed, false);
      e = &cache_.Insert(key, std::move(built));
    }
    if (!e->ok) return false;
    current_ = e;
    channels_ = c;
    SetOutputLayout(node_, io, "Y", e->out_layout);
    return true;
  }

  void Run(OpContext& ctx, KernelIO& io) override {
    UnaryEntry& e = *current_;
    const int64_t c = channels_;
    float* ab = static_cast<float*>(io.scratch->Get(sizeof(float) * 2 * c, kAux2Slot));
    const float* scale = ctx.HasInput("Scale") ? ctx.Input("Scale").data<float>() : nullptr;
    const float* bias = ctx.HasInput("Bias") ? ctx.Input("Bias").data<float>() : nullptr;
    const float* mean = ctx.Input("Mean").data<float>();
    const float* var = ctx.Input("Variance").data<float>();
    for (int64_t i = 0; i < c; ++i) {
      const float a = (scale ? scale[i] : 1.f) / std::sqrt(var[i] + eps_);
      ab[i] = a;
      ab[c + i] = (bias ? bias[i] : 0.f) - mean[i] * a;
    }
    RunUnary(e, ctx.Input("X"),
             {{DNNL_ARG_SRC_1, &e.aux[0].At(ab)},
              {DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, &e.aux[1].At(ab + c)}},
             ctx.Output("Y"), *io.scratch);
    // The statistics outputs echo the running statistics (see ops/batch_norm.cc).
    auto copy_out = [&](const char* slot, const float* src) {
      if (!ctx.HasOutput(slot)) return;
      float* dst = ctx.Output(slot).data<float>();
      if (src) {
        std::copy(src, src + c, dst);
      } else {
        std::fill(dst, dst + c, 0.f);
      }
    };
    copy_out("MeanOut", mean);
    copy_out("VarianceOut", var);
    copy_out("SavedMean", nullptr);
    copy_out("SavedVariance", nullptr);
  }
  std::string Describe() const override { return current_ ? current_->impl : ""; }
  size_t CacheEntries() const override { return cache_.size(); }

 private:
  UnaryEntry Build(const Shape& xs, const LayoutPtr& layout, bool allowed, bool use_layout) {
    UnaryEntry e;
    try {
      Dims dims;
      memory::desc src_md, plain;
      if (nhwc_) {
        dims = {xs[0], xs[3], xs[1], xs[2]};
        src_md = plain = e.src_stored = NhwcDesc(dims);
      } else {
        dims = ToDims(xs);
        plain = PlainDesc(xs);
        e.src_stored = layout ? static_cast<const DnnlLayout&>(*layout).desc() : plain;
        src_md = use_layout ? e.src_stored : plain;
      }
      Dims adims(dims.size(), 1);
      adims[1] = dims[1];
      affine_md_ = PlainDesc(Shape(adims.begin(), adims.end()));
      dnnl::primitive_attr attr = BaseAttr();
      dnnl::post_ops po;
      po.append_binary(algorithm::binary_add, affine_md_);
      attr.set_post_ops(po);
      const memory::desc dst_req = use_layout && !nhwc_ && allowed ? src_md : plain;
      dnnl::binary::primitive_desc pd(Engine(), algorithm::binary_mul, src_md, affine_md_,
                                      dst_req, attr);
      if (IsRefImpl(pd.impl_info_str())) Decline();
      e.prim = dnnl::binary(pd);
      e.src_md = pd.src_desc(0);
      e.scratch_md = pd.scratchpad_desc();
      e.impl = pd.impl_info_str();
      FinishEntry(&e, pd.dst_desc(), plain, allowed && !nhwc_ && use_layout);
      e.aux[0] = Mem(affine_md_);
      e.aux[1] = Mem(affine_md_);
      e.ok = true;
    } catch (const dnnl::error&) {
      e = UnaryEntry();
    }
    return e;
  }

  const Node& node_;
  bool nhwc_;
  float eps_;
  int64_t channels_ = 0;
  memory::desc affine_md_;
  LruCache<UnaryEntry> cache_;
  UnaryEntry* current_ = nullptr;
};

bool AcceptsBatchNorm(const Graph& g, const Node& n, const KernelOptions&) {
  if (!OnlyInputs(n, {"X", "Scale", "Bias", "Mean", "Variance", "MomentumTensor"})) return false;
  for (const char* slot : {"X", "Mean", "Variance"})
    if (!IsFloat32Value(g, n.Input(slot))) return false;
  for (const char* slot : {"Scale", "Bias"})
    if (n.Input(slot) != kNoValue && !IsFloat32Value(g, n.Input(slot))) return false;
  return true;
}

// ---------------------------------------------------------------- layer_norm

class LayerNormKernel : public Kernel {
 public:
  LayerNormKernel(const Graph&, const Node& node, const KernelOptions& options)
      : node_(node), cache_(CacheCapacity(options)) {
    eps_ = static_cast<float>(node.attrs.GetFloat("epsilon", 1e-5));
  }

  bool Prepare(OpContext& ctx, KernelIO& io) override {
    const Shape& xs = ctx.InputShape("X");
    const int64_t r = static_cast<int64_t>(xs.size());
    int64_t begin = ctx.attrs().GetInt("begin_norm_axis", 1);
    if (begin < 0) begin += r;
    if (r < 1 || begin < 0 || begin >= r) return false;
    rows_ = 1;
    cols_ = 1;
    for (int64_t i = 0; i < r; ++i) (i < begin ? rows_ : cols_) *= xs[static_cast<size_t>(i)];
    if (rows_ == 0 || cols_ == 0) return false;
    for (const char* slot : {"Scale", "Bias"})
      if (ctx.HasInput(slot) && NumElements(ctx.InputShape(slot)) != cols_) return false;
    stats_ = ctx.HasOutput("Mean") || ctx.HasOutput("Variance");
    std::string key = std::to_string(rows_) + "x" + std::to_string(cols_);
    UnaryEntry* e = cache_.Find(key);
    if (!e) e = &cache_.Insert(key, Build(ctx));
    if (!e->ok) return false;
    current_ = e;
    return true;
  }

  void Run(OpContext& ctx, KernelIO& io) override {
    UnaryEntry& e = *current_;
    const size_t stat_bytes = sizeof(float) * static_cast<size_t>(rows_);
    const memory* scale = ctx.HasInput("Scale") ? &e.aux[0].At(ctx.Input("Scale").raw_data()) : nullptr;
    const memory* shift = ctx.HasInput("Bias") ? &e.aux[1].At(ctx.Input("Bias").raw_data()) : nullptr;
    const memory* mean = nullptr;
    const memory* var = nullptr;
    if (stats_) {
      mean = &e.aux[2].At(ctx.HasOutput("Mean") ? ctx.Output("Mean").raw_data()
                                                : io.scratch->Get(stat_bytes, kAuxSlot));
      var = &e.aux[3].At(ctx.HasOutput("Variance") ? ctx.Output("Variance").raw_data()
                                                   : io.scratch->Get(stat_bytes, kAux2Slot));
    }
    RunUnary(e, ctx.Input("X"),
             {{DNNL_ARG_SCALE, scale}, {DNNL_ARG_SHIFT, shift}, {DNNL_ARG_MEAN, mean},
              {DNNL_ARG_VARIANCE, var}},
             ctx.Output("Y"), *io.scratch);
  }
  std::string Describe() const override { return current_ ? current_->impl : ""; }
  size_t CacheEntries() const override { return cache_.size(); }

 private:
  UnaryEntry Build(const OpContext& ctx) const {
    UnaryEntry e;
    try {
      const memory::desc md({rows_, cols_}, DT::f32, memory::format_tag::ab);
      auto flags = dnnl::normalization_flags::none;
      if (ctx.HasInput("Scale")) flags |= dnnl::normalization_flags::use_scale;
      if (ctx.HasInput("Bias")) flags |= dnnl::normalization_flags::use_shift;
      const memory::desc smd({rows_}, DT::f32, memory::format_tag::a);
      dnnl::layer_normalization_forward::primitive_desc pd(
          Engine(), stats_ ? prop_kind::forward_training : prop_kind::forward_inference, md, md,
          smd, eps_, flags, BaseAttr());
      if (IsRefImpl(pd.impl_info_str())) Decline();
      e.prim = dnnl::layer_normalization_forward(pd);
      e.src_md = e.src_stored = pd.src_desc();
      e.scratch_md = pd.scratchpad_desc();
      e.impl = pd.impl_info_str();
      FinishEntry(&e, pd.dst_desc(), md, false);
      const memory::desc cmd({cols_}, DT::f32, memory::format_tag::a);
      e.aux[0] = Mem(cmd);
      e.aux[1] = Mem(cmd);
      e.aux[2] = Mem(smd);
      e.aux[3] = Mem(smd);
      e.ok = true;
    } catch (const dnnl::error&) {
      e = UnaryEntry();
    }
    return e;
  }

  const Node& node_;
  float eps_;
  int64_t rows_ = 0, cols_ = 0;
  bool stats_ = false;
  LruCache<UnaryEntry> cache_;
  UnaryEntry* current_ = nullptr;
};

bool AcceptsLayerNorm(const Graph& g, const Node& n, const KernelOptions&) {
  if (!OnlyInputs(n, {"X", "Scale", "Bias"})) return false;
  if (!IsFloat32Value(g, n.Input("X"))) return false;
  for (const char* slot : {"Scale", "Bias"})
    if (n.Input(slot) != kNoValue && !IsFloat32Value(g, n.Input(slot))) return false;
  return true;
}

// ---------------------------------------------------------------- softmax / log_softmax

class SoftmaxKernel : public Kernel {
 public:
  SoftmaxKernel(const Graph&, const Node& node, const KernelOptions& options)
      : node_(node), log_(node.op == "log_softmax"), cache_(CacheCapacity(options)) {}

  bool Prepare(OpContext& ctx, KernelIO& io) override {
    const Shape& xs = ctx.InputShape("X");
    const int64_t r = static_cast<int64_t>(xs.size());
    int64_t axis = ctx.attrs().GetInt("axis", -1);
    if (axis < 0) axis += r;
    if (r < 1 || axis < 0 || axis >= r || NumElements(xs) == 0) return false;
    std::string key;
    AppendShape(&key, xs);
    key += std::to_string(axis);
    UnaryEntry* e = cache_.Find(key);
    if (!e) {
      UnaryEntry built;
      try {
        const memory::desc md = PlainDesc(xs);
        dnnl::softmax_forward::primitive_desc pd(
            Engine(), prop_kind::forward_inference,
            log_ ? algorithm::softmax_log : algorithm::softmax_accurate, md, md,
            static_cast<int>(axis), BaseAttr());
        if (IsRefImpl(pd.impl_info_str())) Decline();
        built.prim = dnnl::softmax_forward(pd);
        built.src_md = built.src_stored = pd.src_desc();
        built.scratch_md = pd.scratchpad_desc();
        built.impl = pd.impl_info_str();
        FinishEntry(&built, pd.dst_desc(), md, false);
        built.ok = true;
      } catch (const dnnl::error&) {
        built = UnaryEntry();
      }
      e = &cache_.Insert(key, std::move(built));
    }
    if (!e->ok) return false;
    current_ = e;
    return true;
  }

  void Run(OpContext& ctx, KernelIO& io) override {
    UnaryEntry& e = *current_;
    RunUnary(e, ctx.Input("X"), {}, ctx.Output("Out"), *io.scratch);
  }
  std::string Describe() const override { return current_ ? current_->impl : ""; }
  size_t CacheEntries() const override { return cache_.size(); }

 private:
  const Node& node_;
  bool log_;
  LruCache<UnaryEntry> cache_;
  UnaryEntry* current_ = nullptr;
};

bool AcceptsSoftmax(const Graph& g, const Node& n, const KernelOptions&) {
  if (!OnlyInputs(n, {"X"})) return false;
  return IsFloat32Value(g, n.Input("X"));
}

template <typename K>
std::unique_ptr<Kernel> Create(const Graph& g, const Node& n, const KernelOptions& o) {
  return std::make_unique<K>(g, n, o);
}

PDI_REGISTER_KERNEL(KernelDef{"pool2d", "onednn", AcceptsPool, Create<PoolKernel>});
PDI_REGISTER_KERNEL(KernelDef{"batch_norm", "onednn", AcceptsBatchNorm, Create<BatchNormKernel>});
PDI_REGISTER_KERNEL(KernelDef{"layer_norm", "onednn", AcceptsLayerNorm, Create<LayerNormKernel>});
PDI_REGISTER_KERNEL(KernelDef{"softmax", "onednn", AcceptsSoftmax, Create<SoftmaxKernel>});
PDI_REGISTER_KERNEL(KernelDef{"log_softmax", "onednn", AcceptsSoftmax, Create<SoftmaxKernel>});

}  // namespace
}  // namespace onednn
}  // namespace pdinfer
