#include "pdinfer/passes/conv_fuse_common.h"

#include <algorithm>
#include <cmath>

#include "pdinfer/ops/op_utils.h"

namespace pdinfer {
namespace convfuse {

const std::vector<std::string>& ConvOps() {
  static const std::vector<std::string> ops = {"conv2d", "depthwise_conv2d", "fused_conv2d"};
  return ops;
}

const std::vector<std::string>& ConvTransposeOps() {
  static const std::vector<std::string> ops = {"conv2d_transpose", "depthwise_conv2d_transpose",
                                               "fused_conv2d_transpose"};
  return ops;
}

const std::vector<std::string>& AllConvOps() {
  static const std::vector<std::string> ops = [] {
    std::vector<std::string> v = ConvOps();
    v.insert(v.end(), ConvTransposeOps().begin(), ConvTransposeOps().end());
    return v;
  }();
  return ops;
}

bool IsConvTranspose(const std::string& op) {
  const auto& ops = ConvTransposeOps();
  return std::find(ops.begin(), ops.end(), op) != ops.end();
}

namespace {

bool IsConvOp(const std::string& op) {
  const auto& ops = ConvOps();
  return std::find(ops.begin(), ops.end(), op) != ops.end();
}

bool IsFloat(DataType t) { return t == DataType::kFloat32 || t == DataType::kFloat64; }

std::vector<double> ToDoubles(const Tensor& t) {
  std::vector<double> v(static_cast<size_t>(t.numel()));
  if (t.dtype() == DataType::kFloat32) {
    const float* p = t.data<float>();
    for (size_t i = 0; i < v.size(); ++i) v[i] = p[i];
  } else {
    const double* p = t.data<double>();
    for (size_t i = 0; i < v.size(); ++i) v[i] = p[i];
  }
  return v;
}

// Float constant with exactly n values, as doubles.
std::optional<std::vector<double>> ConstantValues(const Graph& g, ValueId v, int64_t n,
                                                  DataType dtype) {
  const Tensor* t = ConstantOf(g, v);
  if (!t || t->dtype() != dtype || t->numel() != n || !t->has_data()) return std::nullopt;
  return ToDoubles(*t);
}

std::optional<ConvInfo> ReadConvImpl(const Graph& g, const Node& n) {
  ConvInfo info;
  info.transpose = IsConvTranspose(n.op);
  if (!info.transpose && !IsConvOp(n.op)) return std::nullopt;
  const ValueId x = n.Input("Input"), f = n.Input("Filter");
  const ValueId out = n.Output("Output");
  if (x == kNoValue || f == kNoValue || out == kNoValue) return std::nullopt;
  if (n.FindOutput("Output")->values.size() != 1) return std::nullopt;
  info.dtype = g.value(x).dtype;
  if (!IsFloat(info.dtype) || g.value(f).dtype != info.dtype) return std::nullopt;
  const Shape& fs = g.value(f).shape;
  if (fs.size() != 4) return std::nullopt;
  const Shape& xs = g.value(x).shape;
  if (g.value(x).shape_known && xs.size() != 4) return std::nullopt;
  info.nhwc = n.attrs.GetString("data_format", "NCHW") == "NHWC";
  info.groups = n.attrs.GetInt("groups", 1);
  if (info.groups < 1) return std::nullopt;
  info.c_out = info.transpose ? (fs[1] >= 0 ? fs[1] * info.groups : -1) : fs[0];
  if (info.c_out <= 0) return std::nullopt;

  const bool fused = n.op == "fused_conv2d" || n.op == "fused_conv2d_transpose";
  const std::string act = n.attrs.GetString("fuse_activation", "");
  info.has_activation = !act.empty();
  // A post affine runs after the activation: nothing may be added before it any more.
  if (n.attrs.Has("fuse_post_scale") || n.attrs.Has("fuse_post_shift")) info.has_activation = true;
  if (!fused) {
    // Legacy post-op attributes of conv2d: their activation parameters follow another
    // convention than fused_conv2d's, so such a conv takes nothing more.
    if (act == "identity") info.has_activation = false;
    if (n.attrs.GetBool("fuse_relu", false)) info.has_activation = true;
  }
  if (n.Input("ResidualData") != kNoValue) {
    if (info.transpose) return std::nullopt;
    // conv2d ignores ResidualData when fuse_residual_connection is false; fused_conv2d
    // always adds it, so that conv cannot be converted.
    if (!fused && !n.attrs.GetBool("fuse_residual_connection", true)) return std::nullopt;
    info.has_residual = true;
  }
  const ValueId b = n.Input("Bias");
  if (b != kNoValue && g.value(b).dtype != info.dtype) return std::nullopt;
  return info;
}

}  // namespace

std::optional<ConvInfo> ReadConv(const Graph& g, const Node& n) {
  try {
    return ReadConvImpl(g, n);
  } catch (const Error&) {  // malformed attributes: leave the node to the op's checks
    return std::nullopt;
  }
}

std::optional<std::vector<double>> ChannelConstant(const Graph& g, const Node& add,
                                                   ValueId conv_out, const ConvInfo& info,
                                                   const std::string& op) {
  if (add.op != op) return std::nullopt;
  const ValueId x = add.Input("X"), y = add.Input("Y");
  const ValueId out = add.Output("Out");
  if (x == kNoValue || y == kNoValue || out == kNoValue) return std::nullopt;
  if ((x == conv_out) == (y == conv_out)) return std::nullopt;  // neither, or both
  const bool conv_is_x = x == conv_out;
  const ValueId other = conv_is_x ? y : x;
  const Tensor* c = ConstantOf(g, other);
  if (!c || c->dtype() != info.dtype || !c->has_data()) return std::nullopt;
  if (g.value(out).dtype != info.dtype) return std::nullopt;
  const Value& cv = g.value(conv_out);
  if (!cv.shape_known || cv.shape.size() != 4) return std::nullopt;
  Shape conv_shape = cv.shape;
  // The channel dim is known from the filter even where the value's shape says -1.
  conv_shape[static_cast<size_t>(info.channel_axis())] = info.c_out;
  Shape xa, ya, os;
  try {
    const int64_t axis = add.attrs.GetInt("axis", -1);
    AlignBroadcastShapes(conv_is_x ? conv_shape : c->shape(), conv_is_x ? c->shape() : conv_shape,
                         axis, op, &xa, &ya, &os);
  } catch (const Error&) {
    return std::nullopt;
  }
  if (os.size() != 4) return std::nullopt;
  const Shape& ca = conv_is_x ? ya : xa;
  const size_t ch = static_cast<size_t>(info.channel_axis());
  for (size_t d = 0; d < 4; ++d)
    if (d != ch && ca[d] != 1) return std::nullopt;
  if (ca[ch] != 1 && ca[ch] != info.c_out) return std::nullopt;
  std::vector<double> v = ToDoubles(*c);
  if (static_cast<int64_t>(v.size()) == info.c_out) return v;
  if (v.size() != 1) return std::nullopt;
  return std::vector<double>(static_cast<size_t>(info.c_out), v[0]);
}

std::optional<std::vector<double>> CurrentBias(const Graph& g, const Node& conv,
                                               const ConvInfo& info) {
  const ValueId b = conv.Input("Bias");
  if (b == kNoValue) return std::vector<double>(static_cast<size_t>(info.c_out), 0.0);
  return ConstantValues(g, b, info.c_out, info.dtype);
}

std::optional<ChannelAffine> BatchNormAffine(const Graph& g, const GraphIndex& index,
                                             const Node& bn, const ConvInfo& info) {
  if (bn.op != "batch_norm") return std::nullopt;
  try {
    const std::string layout = bn.attrs.GetString("data_layout", "NCHW");
    const bool bn_last = layout == "NHWC" || layout == "NDHWC" || layout == "NLC" ||
                         layout == "NWC";
    if (bn_last != info.nhwc) return std::nullopt;
    const ValueId y = bn.Output("Y");
    if (y == kNoValue || g.value(y).dtype != info.dtype) return std::nullopt;
    // Side outputs (running statistics, saved batch statistics) must be unused.
    for (const Slot& s : bn.outputs) {
      for (ValueId v : s.values) {
        if (v == y || v == kNoValue) continue;
        if (index.IsGraphOutput(v)) return std::nullopt;
        for (int c : index.Consumers(v))
          if (&g.nodes()[static_cast<size_t>(c)] != &bn) return std::nullopt;
      }
    }
    const int64_t c = info.c_out;
    auto mean = ConstantValues(g, bn.Input("Mean"), c, info.dtype);
    auto var = ConstantValues(g, bn.Input("Variance"), c, info.dtype);
    if (!mean || !var) return std::nullopt;
    std::vector<double> gamma(static_cast<size_t>(c), 1.0), beta(static_cast<size_t>(c), 0.0);
    if (bn.Input("Scale") != kNoValue) {
      auto s = ConstantValues(g, bn.Input("Scale"), c, info.dtype);
      if (!s) return std::nullopt;
      gamma = *s;
    }
    if (bn.Input("Bias") != kNoValue) {
      auto b = ConstantValues(g, bn.Input("Bias"), c, info.dtype);
      if (!b) return std::nullopt;
      beta = *b;
    }
    // epsilon is a float attribute in Paddle: round it as the kernel does.
    const double eps = static_cast<float>(bn.attrs.GetFloat("epsilon", 1e-5));
    ChannelAffine a;
    a.scale.resize(static_cast<size_t>(c));
    a.shift.resize(static_cast<size_t>(c));
    for (size_t i = 0; i < static_cast<size_t>(c); ++i) {
      const double denom = (*var)[i] + eps;
      if (!(denom > 0) || !std::isfinite(denom)) return std::nullopt;
      a.scale[i] = gamma[i] / std::sqrt(denom);
      a.shift[i] = beta[i] - (*mean)[i] * a.scale[i];
    }
    return a;
  } catch (const Error&) {
    return std::nullopt;
  }
}

void MakeFused(Node& conv) {
  if (IsConvTranspose(conv.op)) {
    conv.op = "fused_conv2d_transpose";
  } else {
    conv.op = "fused_conv2d";
  }
  // Legacy spellings of post-ops mean nothing on the fused op (the passes only convert
  // convs without them).
  conv.attrs.Erase("fuse_relu");
  if (conv.attrs.GetString("fuse_activation", "") == "identity")
    conv.attrs.Set("fuse_activation", std::string());
}

void SetInput(Node& n, const std::string& slot, ValueId v) {
  for (Slot& s : n.inputs) {
    if (s.name == slot) {
      s.values = {v};
      return;
    }
  }
  n.inputs.push_back(Slot{slot, {v}});
}

void RedirectOutput(Node& conv, ValueId v) {
  for (Slot& s : conv.outputs)
    if (s.name == "Output") s.values = {v};
}

ValueId NewFloatConstant(Graph& g, const std::string& base, DataType dtype, const Shape& shape,
                         const std::vector<double>& values) {
  Tensor t(dtype, shape);
  if (dtype == DataType::kFloat32) {
    float* p = t.data<float>();
    for (size_t i = 0; i < values.size(); ++i) p[i] = static_cast<float>(values[i]);
  } else {
    double* p = t.data<double>();
    for (size_t i = 0; i < values.size(); ++i) p[i] = values[i];
  }
  return NewConstant(g, base, std::move(t));
}

namespace {

// out[i] = w[i] * scale(channel of i), rounded once from double.
template <typename T>
void ScaleFilter(const ConvInfo& info, const Shape& fs, const T* w, T* out,
                 const std::vector<double>& scale) {
  const int64_t taps = fs[2] * fs[3];
  if (!info.transpose) {
    // [OC, IC/groups, KH, KW]: one contiguous block per output channel.
    const int64_t block = fs[1] * taps;
    for (int64_t oc = 0; oc < fs[0]; ++oc) {
      const double s = scale[static_cast<size_t>(oc)];
      for (int64_t i = oc * block; i < (oc + 1) * block; ++i)
        out[i] = static_cast<T>(static_cast<double>(w[i]) * s);
    }
  } else {
    // [IC, OC/groups, KH, KW]: output channel = group(ic) * OC/groups + j.
    const int64_t ocg = fs[1], icg = fs[0] / info.groups;
    for (int64_t ci = 0; ci < fs[0]; ++ci)
      for (int64_t j = 0; j < ocg; ++j) {
        const double s = scale[static_cast<size_t>((ci / icg) * ocg + j)];
        const int64_t base = (ci * ocg + j) * taps;
        for (int64_t t = base; t < base + taps; ++t)
          out[t] = static_cast<T>(static_cast<double>(w[t]) * s);
      }
  }
}

}  // namespace

bool FoldAffine(Graph& g, Node& conv, const ConvInfo& info, const std::vector<double>& old_bias,
                const ChannelAffine& affine) {
  const ValueId f = conv.Input("Filter");
  const Tensor* ft = ConstantOf(g, f);
  if (!ft || ft->dtype() != info.dtype || ft->rank() != 4 || !ft->has_data()) return false;
  const Shape fs = ft->shape();
  if (!info.transpose) {
    if (fs[0] != info.c_out) return false;
  } else if (fs[0] % info.groups != 0 || fs[1] * info.groups != info.c_out) {
    return false;
  }
  Tensor w(info.dtype, fs);
  if (info.dtype == DataType::kFloat32) {
    ScaleFilter<float>(info, fs, ft->data<float>(), w.data<float>(), affine.scale);
  } else {
    ScaleFilter<double>(info, fs, ft->data<double>(), w.data<double>(), affine.scale);
  }
  std::vector<double> bias(static_cast<size_t>(info.c_out));
  for (size_t i = 0; i < bias.size(); ++i)
    bias[i] = old_bias[i] * affine.scale[i] + affine.shift[i];
  const std::string fname = g.value(f).name;
  const ValueId nf = NewConstant(g, fname + ".folded", std::move(w));
  const ValueId nb = NewFloatConstant(g, fname + ".folded_bias", info.dtype, {info.c_out}, bias);
  const ValueId old_bias_value = conv.Input("Bias");
  SetInput(conv, "Filter", nf);
  SetInput(conv, "Bias", nb);
  MakeFused(conv);
  ReleaseIfUnread(g, f);
  ReleaseIfUnread(g, old_bias_value);
  return true;
}

int RunToFixpoint(Graph& g, const std::function<int(Graph&, const GraphIndex&)>& round) {
  int total = 0;
  // Every rewrite removes at least one node, so this ends; the cap is a safety net.
  for (size_t iter = 0; iter <= g.nodes().size() + 1; ++iter) {
    int fired = 0;
    {
      GraphIndex index(g);
      fired = round(g, index);
    }
    if (fired == 0) break;
    total += fired;
    CleanupGraph(g);
  }
  return total;
}

namespace {

bool ConvTakesLinearOps(const Graph& g, const Node& n) {
  auto info = ReadConv(g, n);
  return info && !info->has_activation;
}

// The value of `n` read by the add other than `conv_out`.
ValueId OtherOperand(const Node& add, ValueId conv_out) {
  return add.Input("X") == conv_out ? add.Input("Y") : add.Input("X");
}

}  // namespace

int FuseConvBatchNorm(Graph& g, bool transpose, bool with_add) {
  Pattern p;
  const int conv = p.AddNode(transpose ? ConvTransposeOps() : ConvOps(),
                             [](const Graph& gr, const Node& n) {
                               auto info = ReadConv(gr, n);
                               return info && !info->has_activation && !info->has_residual &&
                                      IsConstant(gr, n.Input("Filter"));
                             });
  int add = -1, bn;
  if (with_add) {
    add = p.AddNode({"elementwise_add"});
    p.AddEdge(conv, "Output", add, "*");
    bn = p.AddNode({"batch_norm"});
    p.AddEdge(add, "Out", bn, "X");
  } else {
    bn = p.AddNode({"batch_norm"});
    p.AddEdge(conv, "Output", bn, "X");
  }
  return RunToFixpoint(g, [&](Graph& gr, const GraphIndex& index) {
    int fired = 0;
    for (const Match& m : FindMatches(gr, index, p)) {
      Node& c = gr.nodes()[static_cast<size_t>(m.nodes[static_cast<size_t>(conv)])];
      const Node& b = gr.nodes()[static_cast<size_t>(m.nodes[static_cast<size_t>(bn)])];
      auto info = ReadConv(gr, c);
      if (!info) continue;
      auto bias = CurrentBias(gr, c, *info);
      if (!bias) continue;
      if (with_add) {
        const Node& a = gr.nodes()[static_cast<size_t>(m.nodes[static_cast<size_t>(add)])];
        auto extra = ChannelConstant(gr, a, c.Output("Output"), *info);
        if (!extra) continue;
        for (size_t i = 0; i < bias->size(); ++i) (*bias)[i] += (*extra)[i];
      }
      auto affine = BatchNormAffine(gr, index, b, *info);
      if (!affine) continue;
      const ValueId y = b.Output("Y");
      if (!FoldAffine(gr, c, *info, *bias, *affine)) continue;
      RedirectOutput(c, y);
      if (with_add) RemoveNode(gr, m.nodes[static_cast<size_t>(add)]);
      RemoveNode(gr, m.nodes[static_cast<size_t>(bn)]);
      ++fired;
    }
    return fired;
  });
}

int FuseConvBias(Graph& g, bool transpose) {
  Pattern p;
  const int conv = p.AddNode(transpose ? ConvTransposeOps() : ConvOps(), ConvTakesLinearOps);
  const int add = p.AddNode({"elementwise_add"});
  p.AddEdge(conv, "Output", add, "*");
  return RunToFixpoint(g, [&](Graph& gr, const GraphIndex& index) {
    int fired = 0;
    for (const Match& m : FindMatches(gr, index, p)) {
      Node& c = gr.nodes()[static_cast<size_t>(m.nodes[static_cast<size_t>(conv)])];
      const Node& a = gr.nodes()[static_cast<size_t>(m.nodes[static_cast<size_t>(add)])];
      auto info = ReadConv(gr, c);
      if (!info) continue;
      auto bias = CurrentBias(gr, c, *info);
      if (!bias) continue;
      const ValueId conv_out = c.Output("Output");
      auto extra = ChannelConstant(gr, a, conv_out, *info);
      if (!extra) continue;
      for (size_t i = 0; i < bias->size(); ++i) (*bias)[i] += (*extra)[i];
      const ValueId out = a.Output("Out");
      const ValueId nb = NewFloatConstant(gr, gr.value(OtherOperand(a, conv_out)).name + ".fused",
                                          info->dtype, {info->c_out}, *bias);
      SetInput(c, "Bias", nb);
      MakeFused(c);
      RedirectOutput(c, out);
      RemoveNode(gr, m.nodes[static_cast<size_t>(add)]);
      ++fired;
    }
    return fired;
  });
}

namespace {

// The factor of a `scale` node as a per-channel affine (nullopt when the factor is a
// run-time tensor or the op computes something else).
std::optional<ChannelAffine> ScaleOpAffine(const Graph& g, const Node& n, const ConvInfo& info) {
  if (n.op != "scale" || n.Input("ScaleTensor") != kNoValue) return std::nullopt;
  const ValueId out = n.Output("Out");
  if (out == kNoValue || g.value(out).dtype != info.dtype) return std::nullopt;
  try {
    // Paddle's scale attributes are floats: round them as the kernel reads them.
    const double s = static_cast<float>(n.attrs.GetFloat("scale", 1.0));
    const double b = static_cast<float>(n.attrs.GetFloat("bias", 0.0));
    const bool after = n.attrs.GetBool("bias_after_scale", true);
    ChannelAffine a;
    a.scale.assign(static_cast<size_t>(info.c_out), s);
    a.shift.assign(static_cast<size_t>(info.c_out), after ? b : b * s);
    return a;
  } catch (const Error&) {
    return std::nullopt;
  }
}

}  // namespace

namespace {

int FoldScales(Graph& g) {
  std::vector<std::string> convs = ConvOps();
  for (const std::string& op : ConvTransposeOps()) convs.push_back(op);
  Pattern p;
  const int conv = p.AddNode(convs, [](const Graph& gr, const Node& n) {
    auto info = ReadConv(gr, n);
    return info && !info->has_activation && !info->has_residual &&
           IsConstant(gr, n.Input("Filter"));
  });
  const int mul = p.AddNode({"elementwise_mul", "scale"});
  p.AddEdge(conv, "Output", mul, "*");
  return RunToFixpoint(g, [&](Graph& gr, const GraphIndex& index) {
    int fired = 0;
    for (const Match& m : FindMatches(gr, index, p)) {
      Node& c = gr.nodes()[static_cast<size_t>(m.nodes[static_cast<size_t>(conv)])];
      const Node& s = gr.nodes()[static_cast<size_t>(m.nodes[static_cast<size_t>(mul)])];
      auto info = ReadConv(gr, c);
      if (!info) continue;
      auto bias = CurrentBias(gr, c, *info);
      if (!bias) continue;
      std::optional<ChannelAffine> affine;
      if (s.op == "scale") {
        if (s.Input("X") != c.Output("Output")) continue;
        affine = ScaleOpAffine(gr, s, *info);
      } else if (auto f = ChannelConstant(gr, s, c.Output("Output"), *info, "elementwise_mul")) {
        affine = ChannelAffine{*f, std::vector<double>(f->size(), 0.0)};
      }
      if (!affine) continue;
      const ValueId out = s.Output("Out");
      if (!FoldAffine(gr, c, *info, *bias, *affine)) continue;
      RedirectOutput(c, out);
      RemoveNode(gr, m.nodes[static_cast<size_t>(mul)]);
      ++fired;
    }
    return fired;
  });
}

}  // namespace

int FuseConvScale(Graph& g) {
  // A folded factor may expose a per-channel add behind it (conv -> mul -> add): take it
  // too, and any factor behind that.
  int total = 0;
  for (;;) {
    const int n = FoldScales(g);
    if (n == 0) break;
    total += n + FuseConvBias(g, false) + FuseConvBias(g, true);
  }
  return total;
}

}  // namespace convfuse
}  // namespace pdinfer
