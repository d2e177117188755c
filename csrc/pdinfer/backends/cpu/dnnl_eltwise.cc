// oneDNN kernels for element-wise ops: activations (relu, gelu, hard_swish, ...), scale,
// clip, the binary elementwise_{add,sub,mul,div,max,min} with Paddle's broadcast rule and
// fused_elementwise_{add,sub,mul,div} (binary + activation post-op), and concat.
//
// All of them keep the layout of their (first full-size) input: a blocked convolution
// output flows through activations, residual adds and SE-style broadcast multiplies
// without being reordered. A second operand in another layout is converted to the
// first one's (same shape) or to plain (broadcast operand) in scratch.
#include <algorithm>
#include <unordered_map>

#include "pdinfer/backends/cpu/dnnl_common.h"
#include "pdinfer/ops/op_utils.h"

namespace pdinfer {
namespace onednn {
namespace {

using dnnl::algorithm;
using dnnl::prop_kind;
using DT = memory::data_type;

const memory::desc& LayoutDesc(const LayoutPtr& l) {
  return static_cast<const DnnlLayout&>(*l).desc();
}

// ---------------------------------------------------------------- unary

struct EltEntry {
  bool ok = false;
  dnnl::eltwise_forward prim;
  memory::desc md;  // src and dst (in place capable)
  bool convert = false;  // input non-plain, output plain: reorder into the output first
  dnnl::reorder to_plain;
  memory::desc in_md;
  LayoutPtr out_layout;
  std::string impl;
  Mem src, dst;
};

// The eltwise parameters of a unary op node; false when there is no exact equivalent.
bool UnarySpec(const Node& n, EltwiseSpec* s) {
  if (n.op == "scale") {
    const float scale = static_cast<float>(n.attrs.GetFloat("scale", 1.0));
    const float bias = static_cast<float>(n.attrs.GetFloat("bias", 0.0));
    const bool after = n.attrs.GetBool("bias_after_scale", true);
    *s = {algorithm::eltwise_linear, scale, after ? bias : scale * bias};
    return true;
  }
  if (n.op == "clip") {
    *s = {algorithm::eltwise_clip, static_cast<float>(n.attrs.GetFloat("min", 0.0)),
          static_cast<float>(n.attrs.GetFloat("max", 0.0))};
    return true;
  }
  return ActivationOpSpec(n.op, n.attrs, s);
}

class EltwiseKernel : public Kernel {
 public:
  EltwiseKernel(const Graph&, const Node& node, const KernelOptions& options)
      : node_(node), cache_(CacheCapacity(options)) {
    UnarySpec(node, &spec_);
  }
  bool AcceptsLayout(const std::string& slot) const override { return slot == "X"; }
  bool ProducesLayout(const std::string& slot) const override { return slot == "Out"; }

  bool Prepare(OpContext& ctx, KernelIO& io) override {
    const Shape& xs = ctx.InputShape("X");
    if (NumElements(xs) == 0) return false;
    const LayoutPtr layout = InputLayout(node_, io, "X");
    const bool allowed = OutputAllowed(node_, io, "Out");
    std::string key;
    AppendShape(&key, xs);
    AppendLayout(&key, layout);
    key += allowed ? "A" : "P";
    EltEntry* e = cache_.Find(key);
    if (!e) {
      EltEntry b = Build(xs, layout, allowed);
      if (!b.ok && layout && allowed) b = Build(xs, layout, false);
      e = &cache_.Insert(key, std::move(b));
    }
    if (!e->ok) return false;
    current_ = e;
    SetOutputLayout(node_, io, "Out", e->out_layout);
    return true;
  }

  void Run(OpContext& ctx, KernelIO& io) override {
    EltEntry& e = *current_;
    const memory& dst = e.dst.At(ctx.Output("Out").raw_data());
    const memory& src = e.src.At(ctx.Input("X").raw_data());
    if (e.convert) {
      Exec(e.to_plain, {{DNNL_ARG_FROM, &src}, {DNNL_ARG_TO, &dst}});
      Exec(e.prim, {{DNNL_ARG_SRC, &dst}, {DNNL_ARG_DST, &dst}});
    } else {
      Exec(e.prim, {{DNNL_ARG_SRC, &src}, {DNNL_ARG_DST, &dst}});
    }
  }
  std::string Describe() const override { return current_ ? current_->impl : ""; }
  size_t CacheEntries() const override { return cache_.size(); }

 private:
  // keep_layout: the output keeps a non-plain input's layout (else converted to plain).
  EltEntry Build(const Shape& xs, const LayoutPtr& layout, bool keep_layout) const {
    EltEntry b;
    try {
      const memory::desc plain = PlainDesc(xs);
      b.in_md = layout ? LayoutDesc(layout) : plain;
      b.md = (layout && keep_layout) ? b.in_md : plain;
      b.convert = !(b.in_md == b.md);
      if (b.convert)
        b.to_plain =
            dnnl::reorder(dnnl::reorder::primitive_desc(Engine(), b.in_md, Engine(), b.md));
      dnnl::eltwise_forward::primitive_desc pd(Engine(), prop_kind::forward_inference, spec_.alg,
                                               b.md, b.md, spec_.alpha, spec_.beta, BaseAttr());
      if (pd.scratchpad_desc().get_size() != 0 || IsRefImpl(pd.impl_info_str())) Decline();
      b.prim = dnnl::eltwise_forward(pd);
      b.impl = pd.impl_info_str();
      b.out_layout = (layout && keep_layout) ? layout : nullptr;
      b.src = Mem(b.in_md);
      b.dst = Mem(b.md);
      b.ok = true;
    } catch (const dnnl::error&) {
      b = EltEntry();
    }
    return b;
  }

  const Node& node_;
  EltwiseSpec spec_;
  LruCache<EltEntry> cache_;
  EltEntry* current_ = nullptr;
};

bool AcceptsEltwise(const Graph& g, const Node& n, const KernelOptions&) {
  if (!IsFloat32Value(g, n.Input("X")) || !OnlyInputs(n, {"X"})) return false;
  EltwiseSpec s;
  return UnarySpec(n, &s);
}

// ---------------------------------------------------------------- binary

algorithm BinaryAlg(const std::string& op) {
  const std::string base = op.rfind("fused_", 0) == 0 ? op.substr(6) : op;
  if (base == "elementwise_add") return algorithm::binary_add;
  if (base == "elementwise_sub") return algorithm::binary_sub;
  if (base == "elementwise_mul") return algorithm::binary_mul;
  if (base == "elementwise_div") return algorithm::binary_div;
  if (base == "elementwise_max") return algorithm::binary_max;
  if (base == "elementwise_min") return algorithm::binary_min;
  return algorithm::undef;
}

bool Commutative(algorithm a) {
  return a == algorithm::binary_add || a == algorithm::binary_mul ||
         a == algorithm::binary_max || a == algorithm::binary_min;
}

struct BinEntry {
  bool ok = false;
  dnnl::binary prim;
  bool swap = false;  // src0 is Y
  memory::desc src0_md, src1_md, dst_md;
  memory::desc src0_stored, src1_stored;  // how the operands arrive
  LayoutPtr out_layout;
  memory::desc scratch_md;
  std::string impl;
  Conversion in0, in1;
  Mem dst, pad;
};

class BinaryKernel : public Kernel {
 public:
  BinaryKernel(const Graph&, const Node& node, const KernelOptions& options)
      : node_(node), alg_(BinaryAlg(node.op)), cache_(CacheCapacity(options)) {
    bool ok = true;
    if (node.op.rfind("fused_", 0) == 0) act_ = FusedActivationSpec(node.attrs, false, &ok);
  }
  bool AcceptsLayout(const std::string& slot) const override {
    return slot == "X" || slot == "Y";
  }
  bool ProducesLayout(const std::string& slot) const override { return slot == "Out"; }

  bool Prepare(OpContext& ctx, KernelIO& io) override {
    const Shape& xs = ctx.InputShape("X");
    const Shape& ys = ctx.InputShape("Y");
    const LayoutPtr xl = InputLayout(node_, io, "X");
    const LayoutPtr yl = InputLayout(node_, io, "Y");
    const bool allowed = OutputAllowed(node_, io, "Out");
    std::string key;
    AppendShape(&key, xs);
    AppendShape(&key, ys);
    AppendLayout(&key, xl);
    AppendLayout(&key, yl);
    key += allowed ? "A" : "P";
    BinEntry* e = cache_.Find(key);
    if (!e) {
      BinEntry b = Build(ctx, xs, ys, xl, yl, allowed);
      // No fast implementation for these layouts: run on plain copies.
      if (!b.ok && allowed && (xl || yl)) b = Build(ctx, xs, ys, xl, yl, false);
      e = &cache_.Insert(key, std::move(b));
    }
    if (!e->ok) return false;
    current_ = e;
    SetOutputLayout(node_, io, "Out", e->out_layout);
    return true;
  }

  void Run(OpContext& ctx, KernelIO& io) override {
    BinEntry& e = *current_;
    const Tensor& a = ctx.Input(e.swap ? "Y" : "X");
    const Tensor& b = ctx.Input(e.swap ? "X" : "Y");
    KernelScratch& scratch = *io.scratch;
    Exec(e.prim,
         {{DNNL_ARG_SRC_0, &e.in0.Apply(a.raw_data(), scratch, kSrcSlot)},
          {DNNL_ARG_SRC_1, &e.in1.Apply(b.raw_data(), scratch, kAuxSlot)},
          {DNNL_ARG_DST, &e.dst.At(ctx.Output("Out").raw_data())},
          {DNNL_ARG_SCRATCHPAD,
           &e.pad.At(scratch.Get(e.pad.bytes(), kScratchpad))}});
  }
  std::string Describe() const override { return current_ ? current_->impl : ""; }
  size_t CacheEntries() const override { return cache_.size(); }

 private:
  BinEntry Build(const OpContext& ctx, const Shape& xs, const Shape& ys, const LayoutPtr& xl,
                 const LayoutPtr& yl, bool allowed) const {
    BinEntry e;
    try {
      Shape xa, ya, os;
      AlignBroadcastShapes(xs, ys, ctx.attrs().GetInt("axis", -1), ctx.Where(), &xa, &ya, &os);
      if (NumElements(os) == 0) return e;
      if (xa == os) {
        e.swap = false;
      } else if (ya == os && Commutative(alg_)) {
        e.swap = true;
      } else {
        return e;  // the first operand broadcasts: left to the reference
      }
      const Shape& s0 = e.swap ? ys : xs;
      const Shape& s1 = e.swap ? xs : ys;
      const Shape& a1 = e.swap ? xa : ya;
      const LayoutPtr& l0 = e.swap ? yl : xl;
      const LayoutPtr& l1 = e.swap ? xl : yl;
      const memory::desc plain_out = PlainDesc(os);
      // Operand 0 as stored; a non-plain one keeps its layout only if the output may.
      e.src0_stored = l0 ? LayoutDesc(l0) : plain_out;
      const bool keep = l0 && allowed && s0 == os;
      e.src0_md = keep ? e.src0_stored : plain_out;
      if (l0 && s0 != os) return e;  // cannot happen (same numel, other rank): be safe
      // Operand 1: same shape -> operand 0's descriptor; broadcast -> plain.
      e.src1_stored = l1 ? LayoutDesc(l1) : PlainDesc(a1);
      if (l1 && s1 != a1) return e;
      e.src1_md = (a1 == os) ? e.src0_md : PlainDesc(a1);
      e.dst_md = e.src0_md;
      dnnl::primitive_attr attr = BaseAttr();
      if (act_) {
        dnnl::post_ops po;
        po.append_eltwise(act_->alg, act_->alpha, act_->beta);
        attr.set_post_ops(po);
      }
      dnnl::binary::primitive_desc pd(Engine(), alg_, e.src0_md, e.src1_md, e.dst_md, attr);
      if (IsRefImpl(pd.impl_info_str())) Decline();
      e.prim = dnnl::binary(pd);
      e.scratch_md = pd.scratchpad_desc();
      e.impl = pd.impl_info_str();
      e.out_layout = keep ? l0 : nullptr;
      e.in0 = Conversion(e.src0_stored, e.src0_md);
      e.in1 = Conversion(e.src1_stored, e.src1_md);
      e.dst = Mem(e.dst_md);
      e.pad = Mem(e.scratch_md);
      e.ok = true;
    } catch (const dnnl::error&) {
      e = BinEntry();
    } catch (const Error&) {
      e = BinEntry();  // shapes that do not broadcast: the reference reports it
    }
    return e;
  }

  const Node& node_;
  algorithm alg_;
  std::optional<EltwiseSpec> act_;
  LruCache<BinEntry> cache_;
  BinEntry* current_ = nullptr;
};

bool AcceptsBinary(const Graph& g, const Node& n, const KernelOptions&) {
  if (BinaryAlg(n.op) == algorithm::undef || !OnlyInputs(n, {"X", "Y"})) return false;
  if (!IsFloat32Value(g, n.Input("X")) || !IsFloat32Value(g, n.Input("Y"))) return false;
  bool ok = true;
  if (n.op.rfind("fused_", 0) == 0) FusedActivationSpec(n.attrs, false, &ok);
  return ok;
}

// ---------------------------------------------------------------- concat

struct ConcatEntry {
  bool ok = false;
  dnnl::concat prim;
  std::vector<memory::desc> src_md;
  memory::desc dst_md, out_md, scratch_md;
  bool stage = false;
  dnnl::reorder to_out;
  LayoutPtr out_layout;
  std::string impl;
  std::vector<Mem> src;
  Mem dst, out, pad;
};

class ConcatKernel : public Kernel {
 public:
  ConcatKernel(const Graph&, const Node& node, const KernelOptions& options)
      : node_(node), cache_(CacheCapacity(options)) {}
  bool AcceptsLayout(const std::string& slot) const override { return slot == "X"; }
  bool ProducesLayout(const std::string& slot) const override { return slot == "Out"; }

  bool Prepare(OpContext& ctx, KernelIO& io) override {
    const size_t count = ctx.InputCount("X");
    if (count == 0) return false;
    const Shape& s0 = ctx.InputShape("X", 0);
    const int64_t r = static_cast<int64_t>(s0.size());
    int64_t axis = ctx.attrs().GetInt("axis", 0);
    if (axis < 0) axis += r;
    if (r < 1 || axis < 0 || axis >= r) return false;
    const bool allowed = OutputAllowed(node_, io, "Out");
    std::string key = std::to_string(axis) + (allowed ? "A" : "P");
    bool all_blocked = true;
    for (size_t k = 0; k < count; ++k) {
      if (!ctx.HasInput("X", k)) return false;
      const Shape& s = ctx.InputShape("X", k);
      if (NumElements(s) == 0 || s.size() != s0.size()) return false;
      AppendShape(&key, s);
      const LayoutPtr l = InputLayout(node_, io, "X", k);
      AppendLayout(&key, l);
      if (!l) all_blocked = false;
    }
    ConcatEntry* e = cache_.Find(key);
    if (!e) {
      ConcatEntry b;
      try {
        Shape out = s0;
        out[static_cast<size_t>(axis)] = 0;
        for (size_t k = 0; k < count; ++k) {
          const Shape& s = ctx.InputShape("X", k);
          const LayoutPtr l = InputLayout(node_, io, "X", k);
          b.src_md.push_back(l ? LayoutDesc(l) : PlainDesc(s));
          out[static_cast<size_t>(axis)] += s[static_cast<size_t>(axis)];
        }
        const memory::desc plain = PlainDesc(out);
        const bool blocked_out = allowed && all_blocked;
        const memory::desc dst_req =
            blocked_out ? memory::desc(ToDims(out), DT::f32, memory::format_tag::any) : plain;
        dnnl::concat::primitive_desc pd(Engine(), dst_req, static_cast<int>(axis), b.src_md,
                                        BaseAttr());
        b.prim = dnnl::concat(pd);
        b.dst_md = pd.dst_desc();
        b.scratch_md = pd.scratchpad_desc();
        b.impl = pd.impl_info_str();
        b.out_md = blocked_out ? b.dst_md : plain;
        b.out_layout = blocked_out ? MakeLayout(b.dst_md) : nullptr;
        b.stage = !(b.out_md == b.dst_md);
        if (b.stage) {
          b.to_out =
              dnnl::reorder(dnnl::reorder::primitive_desc(Engine(), b.dst_md, Engine(), b.out_md));
          b.out = Mem(b.out_md);
        }
        for (const memory::desc& md : b.src_md) b.src.emplace_back(md);
        b.dst = Mem(b.dst_md);
        b.pad = Mem(b.scratch_md);
        b.ok = true;
      } catch (const dnnl::error&) {
        b = ConcatEntry();
      }
      e = &cache_.Insert(key, std::move(b));
    }
    if (!e->ok) return false;
    current_ = e;
    SetOutputLayout(node_, io, "Out", e->out_layout);
    return true;
  }

  void Run(OpContext& ctx, KernelIO& io) override {
    ConcatEntry& e = *current_;
    KernelScratch& scratch = *io.scratch;
    std::vector<ExecArg> args;
    args.reserve(e.src.size() + 2);
    for (size_t k = 0; k < e.src.size(); ++k)
      args.push_back({DNNL_ARG_MULTIPLE_SRC + static_cast<int>(k),
                      &e.src[k].At(ctx.Input("X", k).raw_data())});
    Tensor& output = ctx.Output("Out");
    const memory& dst =
        e.dst.At(e.stage ? scratch.Get(e.dst.bytes(), kDstSlot) : output.raw_data());
    args.push_back({DNNL_ARG_DST, &dst});
    args.push_back({DNNL_ARG_SCRATCHPAD, &e.pad.At(scratch.Get(e.pad.bytes(), kScratchpad))});
    ExecMany(e.prim, args);
    if (e.stage) Exec(e.to_out, {{DNNL_ARG_FROM, &dst}, {DNNL_ARG_TO, &e.out.At(output.raw_data())}});
  }
  std::string Describe() const override { return current_ ? current_->impl : ""; }
  size_t CacheEntries() const override { return cache_.size(); }

 private:
  const Node& node_;
  LruCache<ConcatEntry> cache_;
  ConcatEntry* current_ = nullptr;
};

bool AcceptsConcat(const Graph& g, const Node& n, const KernelOptions&) {
  if (!OnlyInputs(n, {"X"})) return false;
  const Slot* xs = n.FindInput("X");
  if (!xs || xs->values.empty()) return false;
  for (ValueId v : xs->values)
    if (!IsFloat32Value(g, v)) return false;
  return true;
}

template <typename K>
std::unique_ptr<Kernel> Create(const Graph& g, const Node& n, const KernelOptions& o) {
  return std::make_unique<K>(g, n, o);
}

// Not registered: exp, elementwise_max / elementwise_min. oneDNN's versions do not
// propagate NaN (exp(NaN) = inf; max/min return the other operand), Paddle's do.
struct Registrations {
  Registrations() {
    for (const char* op :
         {"relu", "relu6", "leaky_relu", "elu", "gelu", "sigmoid", "tanh", "hard_sigmoid",
          "hard_swish", "swish", "silu", "mish", "softplus", "brelu", "abs", "sqrt",
          "square", "scale", "clip"})
      KernelRegistry::Global().Register(
          KernelDef{op, "onednn", AcceptsEltwise, Create<EltwiseKernel>});
    for (const char* op :
         {"elementwise_add", "elementwise_sub", "elementwise_mul", "elementwise_div",
          "fused_elementwise_add", "fused_elementwise_sub",
          "fused_elementwise_mul", "fused_elementwise_div"})
      KernelRegistry::Global().Register(KernelDef{op, "onednn", AcceptsBinary, Create<BinaryKernel>});
    KernelRegistry::Global().Register(
        KernelDef{"concat", "onednn", AcceptsConcat, Create<ConcatKernel>});
  }
};
Registrations registrations;

}  // namespace
}  // namespace onednn
}  // namespace pdinfer
