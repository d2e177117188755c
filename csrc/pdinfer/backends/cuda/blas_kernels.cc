// Matrix products on cuBLASLt: matmul_v2, matmul (v1), fused_matmul, fc and the fused
// attention block multihead_matmul. fp32 with CUBLAS_COMPUTE_32F (TF32 only when
// allowed); bias and ReLU go into the cuBLASLt epilogue, a same-shape residual through
// the C operand (beta = 1), other activations in one element-wise pass afterwards.
#if PDINFER_CUDA_HAVE_CUBLAS

#include <cstring>

#include "pdinfer/backends/cuda/cuda_act.cuh"
#include "pdinfer/backends/cuda/cuda_blas.h"
#include "pdinfer/ops/matmul_util.h"

namespace pdinfer {
namespace cuda {

#define PDI_CUBLAS_CHECK(expr)                                                          \
  do {                                                                                  \
    cublasStatus_t pdi_s_ = (expr);                                                     \
    if (pdi_s_ != CUBLAS_STATUS_SUCCESS)                                                \
      ThrowError(ErrorCode::kInternal, "cuBLASLt error ", static_cast<int>(pdi_s_), " in ", #expr); \
  } while (0)

constexpr size_t kLtWorkspace = size_t{32} << 20;

struct LtGemm::Entry {
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
  cublasLtMatmulAlgo_t algo{};
  size_t workspace = 0;
  ~Entry() {
    if (op) cublasLtMatmulDescDestroy(op);
    if (a) cublasLtMatrixLayoutDestroy(a);
    if (b) cublasLtMatrixLayoutDestroy(b);
    if (c) cublasLtMatrixLayoutDestroy(c);
  }
};

LtGemm::~LtGemm() = default;

namespace {

int Alignment(const void* p) {
  const uintptr_t v = reinterpret_cast<uintptr_t>(p);
  for (int a : {256, 128, 64, 32, 16, 8})
    if (v % static_cast<uintptr_t>(a) == 0) return a;
  return 4;
}

cublasLtMatrixLayout_t Layout(uint64_t rows, uint64_t cols, int64_t ld, int64_t batch,
                              int64_t stride) {
  cublasLtMatrixLayout_t l = nullptr;
  PDI_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&l, CUDA_R_32F, rows, cols, ld));
  if (batch > 1) {
    const int32_t count = static_cast<int32_t>(batch);
    PDI_CUBLAS_CHECK(cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count,
                                                      sizeof(count)));
    PDI_CUBLAS_CHECK(cublasLtMatrixLayoutSetAttribute(
        l, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride, sizeof(stride)));
  }
  return l;
}

}  // namespace

LtGemm::Entry& LtGemm::Get(CudaEnv& env, const GemmDesc& d, bool bias, bool residual) {
  const std::string key = StrCat(d.m, ",", d.n, ",", d.k, ",", d.batch, ",", d.trans_a, d.trans_b,
                                 ",", d.lda, ",", d.ldb, ",", d.stride_a, ",", d.stride_b, ",",
                                 d.stride_out, ",", d.relu, bias, residual);
  auto it = cache_.find(key);
  if (it != cache_.end()) return *it->second;
  if (cache_.size() >= 32) cache_.clear();
  auto e = std::make_unique<Entry>();
  const cublasComputeType_t compute = env.allow_tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  PDI_CUBLAS_CHECK(cublasLtMatmulDescCreate(&e->op, compute, CUDA_R_32F));
  // Column-major view of the row-major problem: out^T (n x m) = op(B)^T-side x op(A)^T-side.
  const cublasOperation_t ta = d.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t tb = d.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  PDI_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(e->op, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof(ta)));
  PDI_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(e->op, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof(tb)));
  cublasLtEpilogue_t epi = CUBLASLT_EPILOGUE_DEFAULT;
  if (bias) epi = d.relu ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_BIAS;
  else if (d.relu) epi = CUBLASLT_EPILOGUE_RELU;
  PDI_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(e->op, CUBLASLT_MATMUL_DESC_EPILOGUE, &epi, sizeof(epi)));
  // "A" of the column-major call is our B, "B" is our A.
  e->a = d.trans_b ? Layout(d.k, d.n, d.ldb, d.batch, d.stride_b) : Layout(d.n, d.k, d.ldb, d.batch, d.stride_b);
  e->b = d.trans_a ? Layout(d.m, d.k, d.lda, d.batch, d.stride_a) : Layout(d.k, d.m, d.lda, d.batch, d.stride_a);
  e->c = Layout(d.n, d.m, d.n, d.batch, d.stride_out);
  cublasLtMatmulPreference_t pref = nullptr;
  PDI_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref));
  PDI_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                        &kLtWorkspace, sizeof(kLtWorkspace)));
  // Operand addresses change between runs (arena offsets): promise only 16 bytes.
  const uint32_t align = 16;
  for (auto attr : {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
                    CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES})
    cublasLtMatmulPreferenceSetAttribute(pref, attr, &align, sizeof(align));
  cublasLtMatmulHeuristicResult_t result{};
  int found = 0;
  cublasStatus_t st = cublasLtMatmulAlgoGetHeuristic(env.lt, e->op, e->a, e->b, e->c, e->c, pref, 1,
                                                     &result, &found);
  cublasLtMatmulPreferenceDestroy(pref);
  PDI_CHECK(st == CUBLAS_STATUS_SUCCESS && found > 0, ErrorCode::kUnsupported,
            "cuBLASLt has no algorithm for a ", d.m, "x", d.n, "x", d.k, " product");
  e->algo = result.algo;
  e->workspace = result.workspaceSize;
  Entry& ref = *e;
  cache_.emplace(key, std::move(e));
  return ref;
}

void LtGemm::Run(CudaEnv& env, const GemmDesc& d, const float* a, const float* b, const float* bias,
                 const float* residual, float* out) {
  if (d.m == 0 || d.n == 0 || d.batch == 0) return;
  for (const void* p : {static_cast<const void*>(a), static_cast<const void*>(b),
                        static_cast<const void*>(out), static_cast<const void*>(residual)})
    PDI_CHECK(!p || Alignment(p) >= 16, ErrorCode::kUnsupported, "unaligned GEMM operand");
  Entry& e = Get(env, d, bias != nullptr, residual != nullptr);
  if (bias)
    PDI_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(e.op, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias,
                                                    sizeof(bias)));
  void* ws = e.workspace ? env.Scratch(e.workspace, 2) : nullptr;
  const float beta = residual ? 1.f : 0.f;
  PDI_CUBLAS_CHECK(cublasLtMatmul(env.lt, e.op, &d.alpha, b, e.a, a, e.b, &beta,
                                  residual ? residual : out, e.c, out, e.c, &e.algo, ws,
                                  e.workspace, env.stream));
}

namespace {

bool Aligned16(const Tensor& t) { return Alignment(t.raw_data()) >= 16; }

// The product of matmul / matmul_v2 / fused_matmul as a GemmDesc (false: a batch
// broadcast cuBLASLt's single stride cannot express).
bool DescribeMatmul(const OpContext& ctx, bool legacy, bool trans_x, bool trans_y, GemmDesc* d) {
  const matmul::MatmulPlan p = matmul::PlanMatmul(ctx, ctx.InputShape("X"), ctx.InputShape("Y"),
                                                  legacy, trans_x, trans_y);
  d->m = p.x.out_rows();
  d->n = p.y.out_cols();
  d->k = p.x.out_cols();
  d->trans_a = p.x.trans;
  d->trans_b = p.y.trans;
  d->lda = p.x.ld();
  d->ldb = p.y.ld();
  const int64_t nb = matmul::Product(p.batch), xb = matmul::Product(p.x.batch),
                yb = matmul::Product(p.y.batch);
  if (yb == 1 && !p.x.trans && xb == nb) {  // one tall product
    d->m *= nb;
    d->batch = 1;
  } else {
    if ((xb != nb && xb != 1) || (yb != nb && yb != 1)) return false;
    d->batch = nb;
    d->stride_a = xb == 1 ? 0 : p.x.size();
    d->stride_b = yb == 1 ? 0 : p.y.size();
    d->stride_out = d->m * d->n;
  }
  return d->k > 0;
}

class MatmulKernel : public CudaKernel {
 public:
  explicit MatmulKernel(const std::string& op) : op_(op) {}

  bool Run(OpContext& ctx, CudaEnv& env) override {
    const Tensor& x = ctx.Input("X");
    const Tensor& y = ctx.Input("Y");
    Tensor& out = ctx.Output("Out");
    if (x.dtype() != DataType::kFloat32 || y.dtype() != DataType::kFloat32) return false;
    if (out.numel() == 0) return true;
    const auto& a = ctx.attrs();
    const bool legacy = op_ == "matmul";
    const bool fused = op_ == "fused_matmul";
    if (!legacy) matmul::RejectFusedLayoutAttrs(ctx);
    GemmDesc d;
    if (!DescribeMatmul(ctx, legacy, a.GetBool(legacy ? "transpose_X" : "trans_x", false),
                        a.GetBool(legacy ? "transpose_Y" : "trans_y", false), &d))
      return false;
    d.alpha = static_cast<float>(legacy || fused ? a.GetFloat("alpha", 1.0) : 1.0);
    const float* bias = nullptr;
    const float* residual = nullptr;
    ActParams act;
    if (fused) {
      act = ToActParams(matmul::EpilogueActivation(ctx, a.GetString("fuse_activation", "")));
      if (ctx.HasInput("Bias")) {
        if (ctx.Input("Bias").numel() != d.n) return false;
        bias = ctx.Input("Bias").data<float>();
      }
      if (ctx.HasInput("ResidualData")) {
        const Tensor& r = ctx.Input("ResidualData");
        if (r.shape() != out.shape() || !Aligned16(r)) return false;
        residual = r.data<float>();
      }
    }
    if (!Aligned16(x) || !Aligned16(y) || !Aligned16(out) || (bias && Alignment(bias) < 16))
      return false;
    d.relu = act.act == Act::kRelu;
    gemm_.Run(env, d, x.data<float>(), y.data<float>(), bias, residual, out.data<float>());
    if (!d.relu) LaunchAct(out.data<float>(), out.data<float>(), out.numel(), act, env.stream);
    return true;
  }

 private:
  std::string op_;
  LtGemm gemm_;
};

class FcKernel : public CudaKernel {
 public:
  bool Run(OpContext& ctx, CudaEnv& env) override {
    const Tensor& in = ctx.Input("Input");
    const Tensor& w = ctx.Input("W");
    Tensor& out = ctx.Output("Out");
    const auto& a = ctx.attrs();
    if (in.dtype() != DataType::kFloat32 || w.dtype() != DataType::kFloat32 || w.rank() != 2 ||
        a.GetBool("padding_weights", false))
      return false;
    if (out.numel() == 0) return true;
    std::string name = a.GetString("activation_type", "");
    if (name == "identity") name.clear();
    if (name.empty()) name = a.GetString("fuse_activation", "");
    const ActParams act = ToActParams(matmul::EpilogueActivation(ctx, name));
    GemmDesc d;
    d.k = w.dim(0);
    d.n = w.dim(1);
    d.m = d.k ? in.numel() / d.k : 0;
    d.lda = d.k;
    d.ldb = d.n;
    if (d.k == 0 || d.m * d.n != out.numel()) return false;
    const float* bias = nullptr;
    const float* residual = nullptr;
    if (ctx.HasInput("Bias")) {
      if (ctx.Input("Bias").numel() != d.n) return false;
      bias = ctx.Input("Bias").data<float>();
    }
    if (ctx.HasInput("ResidualData")) {
      const Tensor& r = ctx.Input("ResidualData");
      if (r.numel() != out.numel() || !Aligned16(r)) return false;
      residual = r.data<float>();
    }
    if (!Aligned16(in) || !Aligned16(w) || !Aligned16(out) || (bias && Alignment(bias) < 16))
      return false;
    d.relu = act.act == Act::kRelu;
    gemm_.Run(env, d, in.data<float>(), w.data<float>(), bias, residual, out.data<float>());
    if (!d.relu) LaunchAct(out.data<float>(), out.data<float>(), out.numel(), act, env.stream);
    return true;
  }

 private:
  LtGemm gemm_;
};

// multihead_matmul: QKV projection (one GEMM with the bias epilogue), split into heads,
// scores = alpha Q K^T (batched GEMM), masked softmax, context = P V, heads merged.
class MultiheadKernel : public CudaKernel {
 public:
  bool Run(OpContext& ctx, CudaEnv& env) override {
    const Tensor& in = ctx.Input("Input");
    const Tensor& w = ctx.Input("W");
    const Tensor& bias = ctx.Input("Bias");
    Tensor& out = ctx.Output("Out");
    if (in.dtype() != DataType::kFloat32 || w.dtype() != DataType::kFloat32 || in.rank() != 3 ||
        w.rank() != 3 || w.dim(1) != 3)
      return false;
    const int64_t heads = ctx.attrs().GetInt("head_number", 1);
    const int64_t B = in.dim(0), S = in.dim(1), Hin = in.dim(2), H = w.dim(2);
    if (heads <= 0 || H % heads != 0 || bias.numel() != 3 * H || w.dim(0) != Hin) return false;
    if (out.numel() == 0) return true;
    const int64_t hd = H / heads;
    const float* mask = nullptr;
    int64_t ms[4] = {0, 0, 0, 0};
    if (ctx.HasInput("BiasQK")) {
      const Tensor& m = ctx.Input("BiasQK");
      if (m.dtype() != DataType::kFloat32 || m.rank() > 4) return false;
      const int64_t full[4] = {B, heads, S, S};
      const int off = 4 - m.rank();
      const std::vector<int64_t> st = Strides(m.shape());
      for (int i = 0; i < m.rank(); ++i) {
        const int64_t dim = m.dim(i);
        if (dim != 1 && dim != full[off + i]) return false;
        ms[off + i] = dim == 1 ? 0 : st[static_cast<size_t>(i)];
      }
      mask = m.data<float>();
    }
    const size_t qkv_elems = static_cast<size_t>(B * S * 3 * H);
    float* qkv = static_cast<float*>(env.Scratch(2 * qkv_elems * sizeof(float), 0));
    float* split = qkv + qkv_elems;
    const size_t score_elems = static_cast<size_t>(B * heads * S * S);
    float* scores = static_cast<float*>(env.Scratch((score_elems + B * S * H) * sizeof(float), 3));
    float* context = scores + score_elems;
    GemmDesc proj;
    proj.m = B * S;
    proj.n = 3 * H;
    proj.k = Hin;
    proj.lda = Hin;
    proj.ldb = 3 * H;
    proj_.Run(env, proj, in.data<float>(), w.data<float>(), bias.data<float>(), nullptr, qkv);
    LaunchSplitQkv(qkv, split, B, S, heads, hd, env.stream);
    const float* q = split;
    const float* k = split + B * heads * S * hd;
    const float* v = split + 2 * B * heads * S * hd;
    GemmDesc qk;
    qk.m = S;
    qk.n = S;
    qk.k = hd;
    qk.batch = B * heads;
    qk.trans_b = true;
    qk.lda = hd;
    qk.ldb = hd;
    qk.stride_a = S * hd;
    qk.stride_b = S * hd;
    qk.stride_out = S * S;
    qk.alpha = static_cast<float>(ctx.attrs().GetFloat("alpha", 1.0));
    scores_.Run(env, qk, q, k, nullptr, nullptr, scores);
    LaunchMaskedSoftmax(scores, mask, ms, B, heads, S, env.stream);
    GemmDesc pv;
    pv.m = S;
    pv.n = hd;
    pv.k = S;
    pv.batch = B * heads;
    pv.lda = S;
    pv.ldb = hd;
    pv.stride_a = S * S;
    pv.stride_b = S * hd;
    pv.stride_out = S * hd;
    context_.Run(env, pv, scores, v, nullptr, nullptr, context);
    LaunchMergeHeads(context, out.data<float>(), B, S, heads, hd, env.stream);
    return true;
  }

 private:
  LtGemm proj_, scores_, context_;
};

struct BlasRegistrar {
  BlasRegistrar() {
    for (const char* op : {"matmul_v2", "matmul", "fused_matmul"})
      CudaKernelRegistry::Global().Register(CudaKernelDef{
          op, nullptr, [op](const Graph&, const Node&) -> std::unique_ptr<CudaKernel> {
            return std::make_unique<MatmulKernel>(op);
          }});
    CudaKernelRegistry::Global().Register(CudaKernelDef{
        "fc", nullptr, [](const Graph&, const Node&) -> std::unique_ptr<CudaKernel> {
          return std::make_unique<FcKernel>();
        }});
    CudaKernelRegistry::Global().Register(CudaKernelDef{
        "multihead_matmul", nullptr, [](const Graph&, const Node&) -> std::unique_ptr<CudaKernel> {
          return std::make_unique<MultiheadKernel>();
        }});
  }
} blas_registrar;

}  // namespace
}  // namespace cuda
}  // namespace pdinfer

#endif  // PDINFER_CUDA_HAVE_CUBLAS
