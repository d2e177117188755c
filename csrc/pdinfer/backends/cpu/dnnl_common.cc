#include "pdinfer/backends/cpu/dnnl_common.h"
#include "pdinfer/backends/cpu/dnnl_backend.h"
#include "pdinfer/ops/fused_activation.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <mutex>

namespace pdinfer {
namespace onednn {

using dnnl::algorithm;

const dnnl::engine& Engine() {
  static const dnnl::engine* engine = new dnnl::engine(dnnl::engine::kind::cpu, 0);
  return *engine;
}

dnnl::stream& Stream() {
  thread_local std::unique_ptr<dnnl::stream> stream;
  if (!stream) stream = std::make_unique<dnnl::stream>(Engine());
  return *stream;
}

bool CpuHasBf16() {
  static const bool has = [] {
    const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
    const auto bf16 = static_cast<unsigned>(dnnl::cpu_isa::avx512_core_bf16);
    return (isa & bf16) == bf16;
  }();
  return has;
}

namespace {
bool EnvOn(const char* name) {
  const char* v = std::getenv(name);
  return v && *v && std::string(v) != "0";
}
}  // namespace

bool AllowRefImpls() {
  static const bool allow = EnvOn("PDINFER_ONEDNN_ALLOW_REF");
  return allow;
}

bool UseBf16(const KernelOptions& options) {
  static const bool force = EnvOn("PDINFER_ONEDNN_FORCE_BF16");
  return options.bf16 && (force || CpuHasBf16());
}

Dims ToDims(const Shape& shape) {
  if (shape.empty()) return Dims{1};
  return Dims(shape.begin(), shape.end());
}

memory::desc StridedDesc(const Dims& dims, const Dims& strides, memory::data_type dt) {
  return memory::desc(dims, dt, strides);
}

memory::desc PlainDesc(const Shape& shape, memory::data_type dt) {
  Dims dims = ToDims(shape);
  Dims strides(dims.size());
  int64_t s = 1;
  for (size_t i = dims.size(); i-- > 0;) {
    strides[i] = s;
    s *= std::max<int64_t>(dims[i], 1);
  }
  return memory::desc(dims, dt, strides);
}

memory::desc NhwcDesc(const Dims& d, memory::data_type dt) {
  // d = {N, C, H, W}; stored as N, H, W, C.
  return memory::desc(d, dt, Dims{d[2] * d[3] * d[1], 1, d[3] * d[1], d[1]});
}

bool IsPlain(const memory::desc& md) {
  if (md.get_format_kind() != memory::format_kind::blocked) return false;
  if (md.get_inner_nblks() != 0) return false;
  const Dims dims = md.get_dims();
  const Dims pdims = md.get_padded_dims();
  const Dims strides = md.get_strides();
  if (dims != pdims) return false;
  int64_t s = 1;
  for (size_t i = dims.size(); i-- > 0;) {
    if (dims[i] > 1 && strides[i] != s) return false;
    s *= std::max<int64_t>(dims[i], 1);
  }
  return true;
}

std::string DescToString(const memory::desc& md) {
  if (md.get_format_kind() != memory::format_kind::blocked) return "opaque";
  const Dims dims = md.get_dims();
  const Dims strides = md.get_strides();
  const int nd = static_cast<int>(dims.size());
  std::vector<int> order(static_cast<size_t>(nd));
  for (int i = 0; i < nd; ++i) order[static_cast<size_t>(i)] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return strides[static_cast<size_t>(a)] > strides[static_cast<size_t>(b)]; });
  const Dims blks = md.get_inner_blks();
  const Dims idxs = md.get_inner_idxs();
  std::string s;
  for (int i : order) {
    bool blocked = std::find(idxs.begin(), idxs.end(), i) != idxs.end();
    s += static_cast<char>((blocked ? 'A' : 'a') + i);
  }
  for (size_t i = 0; i < blks.size(); ++i)
    s += std::to_string(blks[i]) + static_cast<char>('a' + idxs[i]);
  if (md.get_data_type() == memory::data_type::bf16) s += ":bf16";
  return s;
}

std::string DnnlLayout::ToString() const { return DescToString(md_); }

void DnnlLayout::ToPlain(const Tensor& src, Tensor& dst) const {
  memory s = Wrap(md_, src.raw_data());
  memory d = Wrap(PlainDesc(src.shape(), md_.get_data_type()), dst.raw_data());
  Reorder(s, d);
}

LayoutPtr MakeLayout(const memory::desc& md) {
  if (IsPlain(md)) return nullptr;
  return std::make_shared<DnnlLayout>(md);
}

memory::desc StoredDesc(const Tensor& t, const LayoutPtr& layout) {
  if (layout) {
    const auto* dl = dynamic_cast<const DnnlLayout*>(layout.get());
    PDI_ENFORCE_INTERNAL(dl, "tensor layout '", layout->ToString(), "' is not a oneDNN layout");
    return dl->desc();
  }
  return PlainDesc(t.shape());
}

memory Wrap(const memory::desc& md, const void* data) {
  return memory(md, Engine(), const_cast<void*>(data));
}

void Reorder(const memory& src, const memory& dst) {
  dnnl::reorder(src, dst).execute(Stream(), const_cast<memory&>(src), const_cast<memory&>(dst));
}

memory InputAs(const Tensor& t, const LayoutPtr& layout, const memory::desc& want,
               KernelScratch& scratch, int slot) {
  return InputAs(t.raw_data(), StoredDesc(t, layout), want, scratch, slot);
}

memory InputAs(const void* data, const memory::desc& stored, const memory::desc& want,
               KernelScratch& scratch, int slot) {
  if (stored == want ||
      (IsPlain(stored) && IsPlain(want) && want.get_dims() == stored.get_dims() &&
       want.get_data_type() == stored.get_data_type()))
    return Wrap(want, data);
  memory dst(want, Engine(), scratch.Get(want.get_size(), slot));
  Reorder(Wrap(stored, data), dst);
  return dst;
}

namespace {
bool SameStorage(const memory::desc& a, const memory::desc& b) {
  return a == b || (IsPlain(a) && IsPlain(b) && a.get_dims() == b.get_dims() &&
                    a.get_data_type() == b.get_data_type());
}
}  // namespace

Conversion::Conversion(const memory::desc& stored, const memory::desc& want)
    : needed_(!SameStorage(stored, want)), src_(stored), dst_(want) {
  if (needed_)
    prim_ = dnnl::reorder(dnnl::reorder::primitive_desc(Engine(), stored, Engine(), want));
}

memory& Conversion::Apply(const void* data, KernelScratch& scratch, int slot) {
  if (!needed_) return dst_.At(data);
  memory& d = dst_.At(scratch.Get(dst_.bytes(), slot));
  prim_.execute(Stream(), src_.At(data), d);
  return d;
}

void Exec(const dnnl::primitive& prim, const ExecArg* args, size_t count) {
  dnnl_exec_arg_t c_args[16];
  int n = 0;
  for (size_t i = 0; i < count; ++i) {
    const ExecArg& a = args[i];
    if (!a.mem || !*a.mem) continue;
    PDI_ENFORCE_INTERNAL(n < 16, "too many oneDNN arguments");
    c_args[n++] = {a.arg, a.mem->get()};
  }
  dnnl::error::wrap_c_api(dnnl_primitive_execute(prim.get(), Stream().get(), n, c_args),
                          "could not execute a primitive");
}

void ExecMany(const dnnl::primitive& prim, const std::vector<ExecArg>& args) {
  std::vector<dnnl_exec_arg_t> c_args;
  c_args.reserve(args.size());
  for (const ExecArg& a : args)
    if (a.mem && *a.mem) c_args.push_back({a.arg, a.mem->get()});
  dnnl::error::wrap_c_api(dnnl_primitive_execute(prim.get(), Stream().get(),
                                                 static_cast<int>(c_args.size()), c_args.data()),
                          "could not execute a primitive");
}

memory Scratchpad(const dnnl::primitive_desc_base& pd, KernelScratch& scratch) {
  const memory::desc md = pd.scratchpad_desc();
  return memory(md, Engine(), scratch.Get(std::max<size_t>(md.get_size(), 64), kScratchpad));
}

dnnl::primitive_attr BaseAttr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

namespace {

float Or(double v, float def) { return v != 0.0 ? static_cast<float>(v) : def; }

// Paddle's hard_swish(x) = x * min(max(x + offset, 0), threshold) / scale equals oneDNN's
// x * clamp(alpha * x + beta, 0, 1) exactly when threshold == scale.
bool HardSwishSpec(double threshold, double scale, double offset, EltwiseSpec* spec) {
  if (threshold != scale || scale == 0.0) return false;
  *spec = {algorithm::eltwise_hardswish, static_cast<float>(1.0 / scale),
           static_cast<float>(offset / scale)};
  return true;
}

}  // namespace

std::optional<EltwiseSpec> FusedActivationSpec(const AttributeMap& attrs, bool legacy_conv,
                                               bool* ok) {
  std::string act = attrs.GetString("fuse_activation", "");
  if (!legacy_conv) return FusedOpActivation(attrs, act, ok);
  if (act.empty() && attrs.GetBool("fuse_relu", false)) act = "relu";
  return ActivationSpec(act, attrs.GetFloat("fuse_alpha", 0.0), attrs.GetFloat("fuse_beta", 0.0),
                        attrs.GetFloat("fuse_gamma", 0.0), true, ok);
}

std::optional<EltwiseSpec> FusedOpActivation(const AttributeMap& attrs, std::string name,
                                             bool* ok) {
  // The reference kernels read it this way (ops/matmul_util.cc EpilogueActivation).
  AttributeMap m;
  if (name == "gelu_tanh" || name == "gelu_erf") {
    m.Set("fuse_alpha", name == "gelu_tanh" ? 1.0 : 0.0);
    name = "gelu";
  } else {
    for (const char* k : {"fuse_alpha", "fuse_beta", "fuse_gamma"})
      if (attrs.Has(k)) m.Set(k, attrs.GetFloat(k, 0.0));
  }
  m.Set("fuse_activation", name);
  FusedActivation f;
  try {
    f = FusedActivation::FromAttrs(m, "");
  } catch (const Error&) {
    *ok = false;
    return std::nullopt;
  }
  return ActivationSpec(f.name, f.alpha, f.beta, f.gamma, false, ok);
}

std::optional<EltwiseSpec> ActivationSpec(const std::string& act, double a, double b, double c,
                                          bool legacy_conv, bool* ok) {
  *ok = true;
  if (act.empty() || act == "identity") return std::nullopt;
  EltwiseSpec s;
  if (act == "relu") {
    s = {algorithm::eltwise_relu, 0.f, 0.f};
  } else if (act == "sigmoid") {
    s = {algorithm::eltwise_logistic, 0.f, 0.f};
  } else if (act == "tanh") {
    s = {algorithm::eltwise_tanh, 0.f, 0.f};
  } else if (act == "leaky_relu") {
    s = {algorithm::eltwise_relu, static_cast<float>(a), 0.f};
  } else if (legacy_conv) {
    // ops/conv_util.cc ParseEpilogue.
    if (act == "relu6") {
      s = {algorithm::eltwise_clip, 0.f, b > 0.0 ? static_cast<float>(b) : 6.f};
    } else if (act == "swish") {
      s = {algorithm::eltwise_swish, Or(a, 1.f), 0.f};
    } else if (act == "hard_swish") {
      HardSwishSpec(6.0, 6.0, 3.0, &s);
    } else if (act == "hard_sigmoid") {
      s = {algorithm::eltwise_hardsigmoid, Or(a, static_cast<float>(1.0 / 6.0)), Or(b, 0.5f)};
    } else if (act == "gelu") {
      s = {algorithm::eltwise_gelu_erf, 0.f, 0.f};
    } else if (act == "gelu_tanh") {
      s = {algorithm::eltwise_gelu_tanh, 0.f, 0.f};
    } else {
      *ok = false;
    }
  } else {
    // ops/fused_activation.h (FusedActivation).
    if (act == "relu6") {
      s = {algorithm::eltwise_clip, 0.f, static_cast<float>(a)};
    } else if (act == "elu") {
      s = {algorithm::eltwise_elu, static_cast<float>(a), 0.f};
    } else if (act == "hard_sigmoid") {
      s = {algorithm::eltwise_hardsigmoid, static_cast<float>(a), static_cast<float>(b)};
    } else if (act == "hard_swish") {
      *ok = HardSwishSpec(a, b, c, &s);
    } else if (act == "swish") {
      s = {algorithm::eltwise_swish, static_cast<float>(a), 0.f};
    } else if (act == "silu") {
      s = {algorithm::eltwise_swish, 1.f, 0.f};
    } else if (act == "gelu") {
      s = {a != 0.0 ? algorithm::eltwise_gelu_tanh : algorithm::eltwise_gelu_erf, 0.f, 0.f};
    } else if (act == "mish") {
      // The threshold only switches softplus to the identity where tanh() already
      // rounds to 1 in float32.
      *ok = a >= 10.0;
      s = {algorithm::eltwise_mish, 0.f, 0.f};
    } else if (act == "softplus") {
      *ok = b >= 15.0 && a > 0.0;
      s = {algorithm::eltwise_soft_relu, static_cast<float>(a), 0.f};
    } else if (act == "clip") {
      s = {algorithm::eltwise_clip, static_cast<float>(a), static_cast<float>(b)};
    } else if (act == "abs") {
      s = {algorithm::eltwise_abs, 0.f, 0.f};
    } else if (act == "sqrt") {
      s = {algorithm::eltwise_sqrt, 0.f, 0.f};
    } else if (act == "square") {
      s = {algorithm::eltwise_square, 0.f, 0.f};
    } else {
      *ok = false;
    }
  }
  if (!*ok) return std::nullopt;
  return s;
}

bool ActivationOpSpec(const std::string& op, const AttributeMap& at, EltwiseSpec* s) {
  auto f = [&](const char* name, double def) { return static_cast<float>(at.GetFloat(name, def)); };
  if (op == "relu") {
    *s = {algorithm::eltwise_relu, 0.f, 0.f};
  } else if (op == "relu6") {
    *s = {algorithm::eltwise_clip, 0.f, f("threshold", 6.0)};
  } else if (op == "leaky_relu") {
    *s = {algorithm::eltwise_relu, f("alpha", 0.02), 0.f};
  } else if (op == "elu") {
    *s = {algorithm::eltwise_elu, f("alpha", 1.0), 0.f};
  } else if (op == "gelu") {
    *s = {at.GetBool("approximate", false) ? algorithm::eltwise_gelu_tanh
                                            : algorithm::eltwise_gelu_erf,
          0.f, 0.f};
  } else if (op == "sigmoid") {
    *s = {algorithm::eltwise_logistic, 0.f, 0.f};
  } else if (op == "tanh") {
    *s = {algorithm::eltwise_tanh, 0.f, 0.f};
  } else if (op == "hard_sigmoid") {
    *s = {algorithm::eltwise_hardsigmoid, f("slope", 0.2), f("offset", 0.5)};
  } else if (op == "hard_swish") {
    return HardSwishSpec(at.GetFloat("threshold", 6.0), at.GetFloat("scale", 6.0),
                         at.GetFloat("offset", 3.0), s);
  } else if (op == "swish") {
    *s = {algorithm::eltwise_swish, f("beta", 1.0), 0.f};
  } else if (op == "silu") {
    *s = {algorithm::eltwise_swish, 1.f, 0.f};
  } else if (op == "mish") {
    if (at.GetFloat("threshold", 20.0) < 10.0) return false;
    *s = {algorithm::eltwise_mish, 0.f, 0.f};
  } else if (op == "softplus") {
    const double beta = at.GetFloat("beta", 1.0), th = at.GetFloat("threshold", 20.0);
    if (beta <= 0.0 || th < 15.0) return false;
    *s = {algorithm::eltwise_soft_relu, static_cast<float>(beta), 0.f};
  } else if (op == "brelu") {
    *s = {algorithm::eltwise_clip, f("t_min", 0.0), f("t_max", 24.0)};
  } else if (op == "abs") {
    *s = {algorithm::eltwise_abs, 0.f, 0.f};
  } else if (op == "sqrt") {
    *s = {algorithm::eltwise_sqrt, 0.f, 0.f};
  } else if (op == "exp") {
    *s = {algorithm::eltwise_exp, 0.f, 0.f};
  } else if (op == "square") {
    *s = {algorithm::eltwise_square, 0.f, 0.f};
  } else {
    return false;
  }
  return true;
}

namespace {

struct PackedEntry {
  std::weak_ptr<const Tensor> source;
  const Tensor* raw = nullptr;
  memory::desc src_md, want;
  std::weak_ptr<memory> packed;
};

std::mutex& PackedMutex() {
  static std::mutex* mu = new std::mutex();
  return *mu;
}

std::vector<PackedEntry>& PackedEntries() {
  static auto* entries = new std::vector<PackedEntry>();
  return *entries;
}

}  // namespace

std::shared_ptr<memory> PackedConstant(const std::shared_ptr<const Tensor>& constant,
                                       const memory::desc& src_md, const memory::desc& want) {
  if (want == src_md) {
    // Already in the wanted layout: a view of the constant itself, kept alive with it.
    auto holder = std::make_shared<std::pair<std::shared_ptr<const Tensor>, memory>>(
        constant, Wrap(src_md, constant->raw_data()));
    return std::shared_ptr<memory>(holder, &holder->second);
  }
  std::lock_guard<std::mutex> lock(PackedMutex());
  auto& entries = PackedEntries();
  for (const PackedEntry& e : entries) {
    if (e.raw != constant.get() || e.source.expired()) continue;
    if (!(e.want == want) || !(e.src_md == src_md)) continue;
    if (auto p = e.packed.lock()) return p;
  }
  auto packed = std::make_shared<memory>(want, Engine());
  Reorder(Wrap(src_md, constant->raw_data_unpinned()), *packed);
  // The packed copy is what runs from now on. Where the plain one is a view of the model
  // file, its pages go back to the system (a later reader gets them from the file again);
  // where it is memory of its own (a record copied for alignment, weights a pass
  // rewrote) that nothing else has read, it is freed, and rebuilt from the packed copy
  // by the reverse reorder (exact: same data type) should anything read it later.
  if (constant->buffer() && constant->buffer()->file_backed()) {
    constant->ReleaseResidentPages();
  } else if (want.get_data_type() == memory::data_type::f32 &&
             src_md.get_data_type() == memory::data_type::f32 &&
             src_md.get_size() == constant->nbytes()) {
    std::shared_ptr<const memory> from = packed;
    const memory::desc plain = src_md;
    constant->EvictData([from, plain](void* p) { Reorder(*from, Wrap(plain, p)); });
  }
  entries.erase(std::remove_if(entries.begin(), entries.end(),
                               [](const PackedEntry& e) {
                                 return e.source.expired() || e.packed.expired();
                               }),
                entries.end());
  entries.push_back(PackedEntry{constant, constant.get(), src_md, want, packed});
  return packed;
}

size_t CacheCapacity(const KernelOptions& options) {
  // Small by default: a miss for a shape seen before is still cheap (oneDNN's global
  // primitive cache keeps the compiled code), and every entry holds memory.
  return options.cache_capacity > 0 ? static_cast<size_t>(options.cache_capacity) : 4;
}

void AppendShape(std::string* key, const Shape& s) {
  for (int64_t d : s) {
    *key += std::to_string(d);
    *key += ',';
  }
  *key += ';';
}

void AppendLayout(std::string* key, const LayoutPtr& layout) {
  if (!layout) {
    *key += "p;";
    return;
  }
  const auto* dl = dynamic_cast<const DnnlLayout*>(layout.get());
  if (!dl) {
    *key += "?;";
    return;
  }
  const memory::desc& md = dl->desc();
  *key += DescToString(md);
  for (int64_t s : md.get_strides()) {
    *key += std::to_string(s);
    *key += ',';
  }
  *key += ';';
}

bool IsFloat32Value(const Graph& g, ValueId v) {
  return v != kNoValue && g.value(v).dtype == DataType::kFloat32;
}

const Value* InputValueOf(const Graph& g, const Node& n, const std::string& slot, size_t k) {
  const ValueId v = n.Input(slot, k);
  return v == kNoValue ? nullptr : &g.value(v);
}

bool OnlyInputs(const Node& n, std::initializer_list<const char*> slots) {
  for (const Slot& s : n.inputs) {
    bool has_value = false;
    for (ValueId v : s.values)
      if (v != kNoValue) has_value = true;
    if (!has_value) continue;
    bool listed = false;
    for (const char* name : slots)
      if (s.name == name) listed = true;
    if (!listed) return false;
  }
  return true;
}

bool IsConstantInput(const Graph& g, const Node& n, const std::string& slot, size_t k) {
  const Value* v = InputValueOf(g, n, slot, k);
  return v && v->constant != nullptr;
}

namespace {
size_t SlotIndex(const std::vector<Slot>& slots, const std::string& name) {
  for (size_t i = 0; i < slots.size(); ++i)
    if (slots[i].name == name) return i;
  return slots.size();
}
}  // namespace

LayoutPtr InputLayout(const Node& n, const KernelIO& io, const std::string& slot, size_t k) {
  const size_t i = SlotIndex(n.inputs, slot);
  if (i >= io.in.size() || k >= io.in[i].size()) return nullptr;
  return io.in[i][k];
}

void SetOutputLayout(const Node& n, KernelIO& io, const std::string& slot, LayoutPtr layout,
                     size_t k) {
  const size_t i = SlotIndex(n.outputs, slot);
  PDI_ENFORCE_INTERNAL(i < io.out.size() && k < io.out[i].size(), "no output slot '", slot, "'");
  PDI_ENFORCE_INTERNAL(!layout || io.out_allowed[i][k], "output '", slot,
                       "' may not take a non-plain layout");
  io.out[i][k] = std::move(layout);
}

const Shape& InferredOutputShape(OpContext& ctx, const std::string& slot, size_t k) {
  const size_t i = SlotIndex(ctx.node().outputs, slot);
  auto& refs = ctx.output_refs();
  PDI_ENFORCE_INTERNAL(i < refs.size() && k < refs[i].size(), ctx.Where(), ": no output '",
                       slot, "'");
  return refs[i][k].meta.shape;
}

bool OutputAllowed(const Node& n, const KernelIO& io, const std::string& slot, size_t k) {
  const size_t i = SlotIndex(n.outputs, slot);
  return i < io.out_allowed.size() && k < io.out_allowed[i].size() && io.out_allowed[i][k];
}

void PrepareCallingThread(int num_threads) {
  thread_local int current = -1;
  const int n = std::max(1, num_threads);
  if (n != current) {
    omp_set_num_threads(n);
    current = n;
  }
}

std::string BackendInfo() {
  const dnnl_version_t* v = dnnl_version();
  std::string isa;
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::avx512_core_amx_fp16: isa = "avx512_core_amx_fp16"; break;
    case dnnl::cpu_isa::avx512_core_amx: isa = "avx512_core_amx"; break;
    case dnnl::cpu_isa::avx512_core_fp16: isa = "avx512_core_fp16"; break;
    case dnnl::cpu_isa::avx512_core_bf16: isa = "avx512_core_bf16"; break;
    case dnnl::cpu_isa::avx512_core_vnni: isa = "avx512_core_vnni"; break;
    case dnnl::cpu_isa::avx512_core: isa = "avx512_core"; break;
    case dnnl::cpu_isa::avx2_vnni_2: isa = "avx2_vnni_2"; break;
    case dnnl::cpu_isa::avx2_vnni: isa = "avx2_vnni"; break;
    case dnnl::cpu_isa::avx2: isa = "avx2"; break;
    case dnnl::cpu_isa::avx: isa = "avx"; break;
    case dnnl::cpu_isa::sse41: isa = "sse41"; break;
    default: isa = "default"; break;
  }
  return StrCat(v->major, ".", v->minor, ".", v->patch, " (", isa, ")");
}

}  // namespace onednn
}  // namespace pdinfer
