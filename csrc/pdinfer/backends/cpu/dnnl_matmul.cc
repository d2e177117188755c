// oneDNN matmul kernels: matmul_v2, matmul (v1), fused_matmul, fc, mul, bmm.
//
// Every op becomes one oneDNN matmul over plain tensors: transposes are strides of the
// operand descriptors (no copies), batch dims broadcast the way oneDNN does (a batch
// dim of 1 repeats), and a constant right operand without batch dims is packed once
// into the layout the primitive prefers. Epilogue order (FUSED_OPS): alpha * product
// -> + Bias -> + ResidualData -> activation; alpha runs as a linear post-op, with the
// bias divided by alpha beforehand so the bias itself is not scaled.
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "pdinfer/backends/cpu/dnnl_common.h"

namespace pdinfer {
namespace onednn {
namespace {

using dnnl::algorithm;
using DT = memory::data_type;

enum class MmOp { kMatmulV2, kMatmulV1, kFusedMatmul, kFc, kMul, kBmm };

MmOp OpKind(const std::string& op) {
  if (op == "matmul") return MmOp::kMatmulV1;
  if (op == "fused_matmul") return MmOp::kFusedMatmul;
  if (op == "fc") return MmOp::kFc;
  if (op == "mul") return MmOp::kMul;
  if (op == "bmm") return MmOp::kBmm;
  return MmOp::kMatmulV2;
}

// fc's activation: activation_type, else (models from Paddle's oneDNN passes)
// fuse_activation (see ops/fc.cc).
std::string FcActivationName(const AttributeMap& a) {
  std::string name = a.GetString("activation_type", "");
  if (name == "identity") name.clear();
  if (name.empty()) name = a.GetString("fuse_activation", "");
  return name;
}

const char* XSlot(MmOp k) { return k == MmOp::kFc ? "Input" : "X"; }
const char* YSlot(MmOp k) { return k == MmOp::kFc ? "W" : "Y"; }

int64_t Prod(const Shape& s, size_t b, size_t e) {
  int64_t p = 1;
  for (size_t i = b; i < e; ++i) p *= s[i];
  return p;
}

// Dense row-major strides of `dims`.
Dims DenseStrides(const Dims& dims) {
  Dims st(dims.size());
  int64_t s = 1;
  for (size_t i = dims.size(); i-- > 0;) {
    st[i] = s;
    s *= std::max<int64_t>(dims[i], 1);
  }
  return st;
}

// One matmul problem in oneDNN terms (all of rank r, batch dims first).
struct Problem {
  Dims src_dims, src_strides, w_dims, w_strides, dst_dims;
  bool w_batched = false;
  Dims bias_dims;      // empty: no bias
  Dims residual_dims;  // empty: no residual
};

struct MmEntry {
  bool ok = false;
  dnnl::primitive prim;  // matmul, or inner product (2-D problem, constant weights)
  memory::desc src_md, w_md, dst_md, bias_md, res_md, scratch_md;
  std::shared_ptr<memory> packed;  // constant weights in the primitive's layout
  std::string impl;
  Conversion src, w;  // operands as stored (f32) -> the primitive's (bf16 converts)
  Mem dst, bias, res, pad;
  int res_post_op_index = 0;  // of the residual's binary post-op
};

// Rows (the batch dimensions flattened) below which a constant-weights product runs as an
// inner product (measured on AVX2: brgemm 61-73 GFLOP/s against gemm:jit's 40 at 128-256
// rows of [768, 3072]; at 512+ rows gemm:jit reaches 75-81 and brgemm 53-68).
constexpr int64_t kInnerProductMaxRows = 512;

class MatmulKernel : public Kernel {
 public:
  MatmulKernel(const Graph& graph, const Node& node, const KernelOptions& options)
      : node_(node), kind_(OpKind(node.op)), bf16_(UseBf16(options)),
        cache_(CacheCapacity(options)) {
    const Value* y = InputValueOf(graph, node, YSlot(kind_));
    if (y && y->constant) y_const_ = y->constant;
    bool ok = true;
    if (kind_ == MmOp::kFc) {
      act_ = FusedOpActivation(node.attrs, FcActivationName(node.attrs), &ok);
    } else if (kind_ == MmOp::kFusedMatmul) {
      act_ = FusedActivationSpec(node.attrs, false, &ok);
    }
    if (kind_ == MmOp::kMatmulV1 || kind_ == MmOp::kFusedMatmul)
      alpha_ = static_cast<float>(node.attrs.GetFloat("alpha", 1.0));
  }

  bool Prepare(OpContext& ctx, KernelIO& io) override {
    const Shape& xs = ctx.InputShape(XSlot(kind_));
    const Shape& ys = ctx.InputShape(YSlot(kind_));
    const bool has_bias = (kind_ == MmOp::kFc || kind_ == MmOp::kFusedMatmul) &&
                          ctx.HasInput("Bias");
    const bool has_res = (kind_ == MmOp::kFc || kind_ == MmOp::kFusedMatmul) &&
                         ctx.HasInput("ResidualData");
    std::string key;
    AppendShape(&key, xs);
    AppendShape(&key, ys);
    if (has_bias) AppendShape(&key, ctx.InputShape("Bias"));
    if (has_res) AppendShape(&key, ctx.InputShape("ResidualData"));
    if (shapes_.Saw(xs)) cache_.Clear();
    MmEntry* e = cache_.Find(key);
    if (!e) {
      Problem p;
      MmEntry built;
      if (Plan(ctx, xs, ys, has_bias, has_res, &p)) built = Build(p, shapes_.Dynamic());
      e = &cache_.Insert(key, std::move(built));
    }
    if (!e->ok) return false;
    current_ = e;
    return true;
  }

  void Run(OpContext& ctx, KernelIO& io) override {
    MmEntry& e = *current_;
    KernelScratch& scratch = *io.scratch;
    const Tensor& x = ctx.Input(XSlot(kind_));
    const Tensor& y = ctx.Input(YSlot(kind_));
    Tensor& out = ctx.Output("Out");
    const memory* bias = nullptr;
    if (!e.bias_md.is_zero()) {
      const Tensor& b = ctx.Input("Bias");
      if (alpha_ == 1.f) {
        bias = &e.bias.At(b.raw_data());
      } else {
        const int64_t n = b.numel();
        float* scaled = static_cast<float*>(scratch.Get(sizeof(float) * n, kAux2Slot));
        const float* src = b.data<float>();
        for (int64_t i = 0; i < n; ++i) scaled[i] = src[i] / alpha_;
        bias = &e.bias.At(scaled);
      }
    }
    const memory* res =
        e.res_md.is_zero() ? nullptr : &e.res.At(ctx.Input("ResidualData").raw_data());
    Exec(e.prim,
         {{DNNL_ARG_SRC, &e.src.Apply(x.raw_data(), scratch, kSrcSlot)},
          {DNNL_ARG_WEIGHTS, e.packed ? e.packed.get() : &e.w.Apply(y.raw_data(), scratch, kAuxSlot)},
          {DNNL_ARG_BIAS, bias},
          {DNNL_ARG_ATTR_MULTIPLE_POST_OP(e.res_post_op_index) | DNNL_ARG_SRC_1, res},
          {DNNL_ARG_DST, &e.dst.At(out.raw_data())},
          {DNNL_ARG_SCRATCHPAD,
           &e.pad.At(scratch.Get(e.pad.bytes(), kScratchpad))}});
  }

  std::string Describe() const override { return current_ ? current_->impl : ""; }
  size_t CacheEntries() const override { return cache_.size(); }

 private:
  bool Plan(OpContext& ctx, const Shape& xs, const Shape& ys, bool has_bias, bool has_res,
            Problem* p) const {
    int64_t m = 0, k = 0, n = 0;
    Shape batch;  // broadcast batch dims
    Dims xb_dims, yb_dims;  // per-operand batch dims aligned to `batch` (1 = broadcast)
    bool x_trans = false, y_trans = false;
    int64_t xr = 0, xc = 0, yr = 0, yc = 0;  // stored matrices
    if (kind_ == MmOp::kFc || kind_ == MmOp::kMul) {
      const int64_t xn = kind_ == MmOp::kFc ? ctx.attrs().GetInt("in_num_col_dims", 1)
                                            : ctx.attrs().GetInt("x_num_col_dims", 1);
      const int64_t yn = kind_ == MmOp::kFc ? 1 : ctx.attrs().GetInt("y_num_col_dims", 1);
      if (xn < 1 || xn >= static_cast<int64_t>(xs.size())) return false;
      if (yn < 1 || yn >= static_cast<int64_t>(ys.size())) return false;
      xr = Prod(xs, 0, static_cast<size_t>(xn));
      xc = Prod(xs, static_cast<size_t>(xn), xs.size());
      yr = Prod(ys, 0, static_cast<size_t>(yn));
      yc = Prod(ys, static_cast<size_t>(yn), ys.size());
    } else if (kind_ == MmOp::kBmm) {
      if (xs.size() != 3 || ys.size() != 3 || xs[0] != ys[0]) return false;
      batch = {xs[0]};
      xb_dims = {xs[0]};
      yb_dims = {ys[0]};
      xr = xs[1];
      xc = xs[2];
      yr = ys[1];
      yc = ys[2];
    } else {
      const bool legacy = kind_ == MmOp::kMatmulV1;
      const bool tx = ctx.attrs().GetBool(legacy ? "transpose_X" : "trans_x", false);
      const bool ty = ctx.attrs().GetBool(legacy ? "transpose_Y" : "trans_y", false);
      if (xs.empty() || ys.empty()) return false;
      const bool x_vec = xs.size() == 1, y_vec = ys.size() == 1;
      Shape xbatch, ybatch;
      if (x_vec) {
        xr = 1;
        xc = xs[0];
      } else {
        xbatch.assign(xs.begin(), xs.end() - 2);
        xr = xs[xs.size() - 2];
        xc = xs.back();
      }
      if (y_vec) {
        yr = ys[0];
        yc = 1;
      } else {
        ybatch.assign(ys.begin(), ys.end() - 2);
        yr = ys[ys.size() - 2];
        yc = ys.back();
      }
      x_trans = tx && (legacy || !x_vec);
      y_trans = ty && (legacy || !y_vec);
      const size_t r = std::max(xbatch.size(), ybatch.size());
      batch.assign(r, 1);
      xb_dims.assign(r, 1);
      yb_dims.assign(r, 1);
      for (size_t i = 0; i < r; ++i) {
        const int64_t dx = i + xbatch.size() >= r ? xbatch[i + xbatch.size() - r] : 1;
        const int64_t dy = i + ybatch.size() >= r ? ybatch[i + ybatch.size() - r] : 1;
        if (dx != dy && dx != 1 && dy != 1) return false;
        xb_dims[i] = dx;
        yb_dims[i] = dy;
        batch[i] = std::max(dx, dy);
      }
    }
    m = x_trans ? xc : xr;
    k = x_trans ? xr : xc;
    const int64_t ky = y_trans ? yc : yr;
    n = y_trans ? yr : yc;
    if (k != ky || m <= 0 || n <= 0 || k <= 0) return false;
    for (int64_t d : batch)
      if (d <= 0) return false;

    // Y shared by every batch item, X holding all of them with its rows contiguous: one
    // tall 2-D product (and Y can be packed).
    int64_t y_batch = 1, x_batch = 1, nb = 1;
    for (int64_t d : yb_dims) y_batch *= d;
    for (int64_t d : xb_dims) x_batch *= d;
    for (int64_t d : batch) nb *= d;
    const Shape out_shape = InferredOutputShape(ctx, "Out");
    if (y_batch == 1 && !x_trans && x_batch == nb) {
      m *= nb;
      batch.clear();
      xb_dims.clear();
      yb_dims.clear();
    }
    const size_t r = batch.size() + 2;
    p->src_dims = xb_dims;
    p->src_dims.push_back(m);
    p->src_dims.push_back(k);
    p->w_dims = yb_dims;
    p->w_dims.push_back(k);
    p->w_dims.push_back(n);
    p->dst_dims = Dims(batch.begin(), batch.end());
    p->dst_dims.push_back(m);
    p->dst_dims.push_back(n);
    // Strides: batch dims dense over the stored matrices; the last two from transposes.
    {
      Dims full = xb_dims;
      full.push_back(xr);
      full.push_back(xc);
      Dims st = DenseStrides(full);
      p->src_strides = Dims(st.begin(), st.end() - 2);
      p->src_strides.push_back(x_trans ? 1 : xc);
      p->src_strides.push_back(x_trans ? xc : 1);
    }
    {
      Dims full = yb_dims;
      full.push_back(yr);
      full.push_back(yc);
      Dims st = DenseStrides(full);
      p->w_strides = Dims(st.begin(), st.end() - 2);
      p->w_strides.push_back(y_trans ? 1 : yc);
      p->w_strides.push_back(y_trans ? yc : 1);
    }
    p->w_batched = y_batch > 1;
    if (has_bias) {
      if (NumElements(ctx.InputShape("Bias")) != n) return false;
      p->bias_dims.assign(r, 1);
      p->bias_dims.back() = n;
    }
    if (has_res) {
      // ResidualData broadcasts (NumPy rule) to the output; align it with dst dims,
      // which equal the output dims unless a 1-D operand's dim was dropped.
      const Shape& rs = ctx.InputShape("ResidualData");
      Dims dst_as_out = p->dst_dims;
      if (NumElements(out_shape) != NumElements(Shape(dst_as_out.begin(), dst_as_out.end())))
        return false;
      // Work in the output's own dims, then fold to the 2-D/dst view when shapes agree.
      if (rs.size() > out_shape.size()) return false;
      Shape aligned(out_shape.size() - rs.size(), 1);
      aligned.insert(aligned.end(), rs.begin(), rs.end());
      for (size_t i = 0; i < aligned.size(); ++i)
        if (aligned[i] != 1 && aligned[i] != out_shape[i]) return false;
      if (aligned == out_shape) {
        p->residual_dims = p->dst_dims;
      } else if (Shape(dst_as_out.begin(), dst_as_out.end()) == out_shape) {
        p->residual_dims = Dims(aligned.begin(), aligned.end());
      } else {
        return false;
      }
    }
    return true;
  }

  // A 2-D problem with constant weights as oneDNN's inner product: its brgemm
  // implementation keeps the weights packed in its own blocked layout (packed once), where
  // the matmul implementation on CPUs without AVX-512 (gemm:jit) repacks them on every
  // call, up to half of the time of a [128, 768] x [768, 3072] product. Taken only when
  // oneDNN picks brgemm for it; the matmul primitive otherwise.
  bool BuildInnerProduct(const Problem& p, MmEntry* out) {
    if (p.src_dims.size() != 2 || p.w_batched || !y_const_) return false;
    const int64_t m = p.src_dims[0], k = p.src_dims[1], n = p.w_dims[1];
    if (m <= 0 || k <= 0 || n <= 0) return false;
    // From ~512 rows on, the matmul's gemm amortizes its repacking and is faster.
    if (m >= kInnerProductMaxRows) return false;
    if (p.src_strides != Dims{k, 1} || p.dst_dims != Dims{m, n}) return false;
    if (!p.bias_dims.empty() && p.bias_dims != Dims{1, n}) return false;
    MmEntry e;
    const DT in_dt = bf16_ ? DT::bf16 : DT::f32;
    const memory::desc src_md({m, k}, in_dt, memory::format_tag::nc);
    // The first shape picks the packed weights layout; later shapes (another m) ask for
    // the same one, so the weights are packed once, not once per shape.
    const memory::desc w_req =
        ip_weights_md_.is_zero() ? memory::desc({n, k}, in_dt, memory::format_tag::any)
                                 : ip_weights_md_;
    const memory::desc dst_md({m, n}, DT::f32, memory::format_tag::nc);
    dnnl::primitive_attr attr = BaseAttr();
    dnnl::post_ops po;
    int index = 0, res_index = 0;
    if (alpha_ != 1.f) {
      po.append_eltwise(algorithm::eltwise_linear, alpha_, 0.f);
      ++index;
    }
    if (!p.residual_dims.empty()) {
      if (p.residual_dims.size() != 2) return false;
      e.res_md = memory::desc(p.residual_dims, DT::f32, DenseStrides(p.residual_dims));
      po.append_binary(algorithm::binary_add, e.res_md);
      res_index = index++;
    }
    if (act_) po.append_eltwise(act_->alg, act_->alpha, act_->beta);
    attr.set_post_ops(po);
    dnnl::inner_product_forward::primitive_desc pd;
    if (!p.bias_dims.empty()) {
      e.bias_md = memory::desc({n}, DT::f32, memory::format_tag::a);
      pd = dnnl::inner_product_forward::primitive_desc(
          Engine(), dnnl::prop_kind::forward_inference, src_md, w_req, e.bias_md, dst_md, attr);
    } else {
      pd = dnnl::inner_product_forward::primitive_desc(Engine(), dnnl::prop_kind::forward_inference,
                                                       src_md, w_req, dst_md, attr);
    }
    e.impl = pd.impl_info_str();
    if (e.impl.rfind("brgemm", 0) != 0) return false;
    e.prim = dnnl::inner_product_forward(pd);
    e.src_md = pd.src_desc();
    e.w_md = pd.weights_desc();
    ip_weights_md_ = e.w_md;
    e.dst_md = pd.dst_desc();
    e.scratch_md = pd.scratchpad_desc();
    // The constant is [k, n] (strides p.w_strides): as [n, k] it is the transposed view.
    const memory::desc stored({n, k}, DT::f32, Dims{p.w_strides[1], p.w_strides[0]});
    e.packed = PackedConstant(y_const_, stored, e.w_md);
    e.src = Conversion(memory::desc({m, k}, DT::f32, Dims{k, 1}), e.src_md);
    e.dst = Mem(e.dst_md);
    if (!e.bias_md.is_zero()) e.bias = Mem(e.bias_md);
    if (!e.res_md.is_zero()) e.res = Mem(e.res_md);
    e.pad = Mem(e.scratch_md);
    e.res_post_op_index = res_index;
    e.ok = true;
    *out = std::move(e);
    return true;
  }

  MmEntry Build(const Problem& p, bool avoid_brgemm) {
    MmEntry e;
    if (!avoid_brgemm) {
      try {
        if (BuildInnerProduct(p, &e)) return e;
      } catch (const dnnl::error&) {
      }
      e = MmEntry();
    }
    try {
      const DT in_dt = bf16_ ? DT::bf16 : DT::f32;
      const bool pack = y_const_ && !p.w_batched;
      const memory::desc src_md(p.src_dims, in_dt, p.src_strides);
      const memory::desc w_plain(p.w_dims, in_dt, p.w_strides);
      const memory::desc w_req =
          pack ? memory::desc(p.w_dims, in_dt, memory::format_tag::any) : w_plain;
      const memory::desc dst_md(p.dst_dims, DT::f32, DenseStrides(p.dst_dims));
      dnnl::primitive_attr attr = BaseAttr();
      dnnl::post_ops po;
      int index = 0;
      if (alpha_ != 1.f) {
        po.append_eltwise(algorithm::eltwise_linear, alpha_, 0.f);
        ++index;
      }
      if (!p.residual_dims.empty()) {
        e.res_md = memory::desc(p.residual_dims, DT::f32, DenseStrides(p.residual_dims));
        po.append_binary(algorithm::binary_add, e.res_md);
        e.res_post_op_index = index++;
      }
      if (act_) po.append_eltwise(act_->alg, act_->alpha, act_->beta);
      attr.set_post_ops(po);
      dnnl::matmul::primitive_desc pd;
      if (!p.bias_dims.empty()) {
        e.bias_md = memory::desc(p.bias_dims, DT::f32, DenseStrides(p.bias_dims));
        pd = dnnl::matmul::primitive_desc(Engine(), src_md, w_req, e.bias_md, dst_md, attr);
      } else {
        pd = dnnl::matmul::primitive_desc(Engine(), src_md, w_req, dst_md, attr);
      }
      if (avoid_brgemm) AvoidBrgemm(&pd);
      if (IsRefImpl(pd.impl_info_str())) Decline();
      e.prim = dnnl::matmul(pd);
      e.src_md = pd.src_desc();
      e.w_md = pd.weights_desc();
      e.dst_md = pd.dst_desc();
      e.scratch_md = pd.scratchpad_desc();
      e.impl = pd.impl_info_str();
      if (pack) {
        // The constant as stored (f32) in the weights dims.
        const memory::desc stored(p.w_dims, DT::f32, p.w_strides);
        e.packed = PackedConstant(y_const_, stored, e.w_md);
      } else {
        e.w = Conversion(memory::desc(p.w_dims, DT::f32, p.w_strides), e.w_md);
      }
      e.src = Conversion(memory::desc(p.src_dims, DT::f32, p.src_strides), e.src_md);
      e.dst = Mem(e.dst_md);
      if (!e.bias_md.is_zero()) e.bias = Mem(e.bias_md);
      if (!e.res_md.is_zero()) e.res = Mem(e.res_md);
      e.pad = Mem(e.scratch_md);
      e.ok = true;
    } catch (const dnnl::error&) {
      e = MmEntry();
    }
    return e;
  }

  const Node& node_;
  MmOp kind_;
  bool bf16_;
  std::shared_ptr<const Tensor> y_const_;
  std::optional<EltwiseSpec> act_;
  float alpha_ = 1.f;
  memory::desc ip_weights_md_;  // packed weights layout of the inner-product path
  LruCache<MmEntry> cache_;
  ShapeCounter shapes_;
  MmEntry* current_ = nullptr;
};

bool AcceptsMatmul(const Graph& g, const Node& n, const KernelOptions&) {
  const MmOp kind = OpKind(n.op);
  if (!OnlyInputs(n, {XSlot(kind), YSlot(kind), "Bias", "ResidualData"})) return false;
  if (!IsFloat32Value(g, n.Input(XSlot(kind))) || !IsFloat32Value(g, n.Input(YSlot(kind))))
    return false;
  if (n.Input("Bias") != kNoValue && !IsFloat32Value(g, n.Input("Bias"))) return false;
  if (n.Input("ResidualData") != kNoValue && !IsFloat32Value(g, n.Input("ResidualData")))
    return false;
  for (const char* name : {"fused_reshape_X", "fused_transpose_X", "fused_reshape_Y",
                           "fused_transpose_Y", "fused_reshape_Out", "fused_transpose_Out"})
    if (!n.attrs.GetInts(name, {}).empty()) return false;
  if (n.attrs.GetInt("head_number", 1) > 1) return false;
  bool ok = true;
  if (kind == MmOp::kFc) {
    if (n.attrs.GetBool("padding_weights", false)) return false;
    FusedOpActivation(n.attrs, FcActivationName(n.attrs), &ok);
  } else if (kind == MmOp::kFusedMatmul) {
    FusedActivationSpec(n.attrs, false, &ok);
    if (n.attrs.GetFloat("alpha", 1.0) == 0.0) return false;
  } else if (kind == MmOp::kMatmulV1) {
    if (n.attrs.GetFloat("alpha", 1.0) == 0.0) return false;
  }
  return ok;
}

std::unique_ptr<Kernel> CreateMatmul(const Graph& g, const Node& n, const KernelOptions& o) {
  return std::make_unique<MatmulKernel>(g, n, o);
}

PDI_REGISTER_KERNEL(KernelDef{"matmul_v2", "onednn", AcceptsMatmul, CreateMatmul});
PDI_REGISTER_KERNEL(KernelDef{"matmul", "onednn", AcceptsMatmul, CreateMatmul});
PDI_REGISTER_KERNEL(KernelDef{"fused_matmul", "onednn", AcceptsMatmul, CreateMatmul});
PDI_REGISTER_KERNEL(KernelDef{"fc", "onednn", AcceptsMatmul, CreateMatmul});
PDI_REGISTER_KERNEL(KernelDef{"mul", "onednn", AcceptsMatmul, CreateMatmul});
PDI_REGISTER_KERNEL(KernelDef{"bmm", "onednn", AcceptsMatmul, CreateMatmul});

}  // namespace
}  // namespace onednn
}  // namespace pdinfer
