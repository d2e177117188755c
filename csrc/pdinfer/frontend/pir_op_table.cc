#include "pdinfer/frontend/pir_op_table.h"

#include <unordered_map>

namespace pdinfer {

namespace {

using K = PirOperand::Kind;
PirOperand T(const char* slot) { return {K::kTensor, slot}; }
PirOperand L(const char* slot) { return {K::kList, slot}; }
PirOperand IA(const char* attr, const char* slot, const char* list_slot) {
  return {K::kIntArray, slot, attr, list_slot};
}
PirOperand S(const char* attr, const char* slot) { return {K::kScalar, slot, attr}; }
PirOperand Ignore() { return {K::kIgnore, nullptr}; }

std::vector<PirOpSpec> BuildTable() {
  std::vector<PirOpSpec> t;
  auto unary = [&](const char* pir, const char* legacy,
                   std::vector<std::pair<const char*, const char*>> renames = {},
                   std::vector<const char*> extra = {}) {
    t.push_back({pir, legacy, {T("X")}, {"Out"}, std::move(renames), std::move(extra)});
  };
  auto binary = [&](const char* pir, const char* legacy) {
    t.push_back({pir, legacy, {T("X"), T("Y")}, {"Out"}, {}, {"axis=-1"}});
  };

  // Elementwise arithmetic and comparisons (numpy broadcasting: axis -1).
  binary("add", "elementwise_add");
  binary("subtract", "elementwise_sub");
  binary("multiply", "elementwise_mul");
  binary("divide", "elementwise_div");
  binary("maximum", "elementwise_max");
  binary("minimum", "elementwise_min");
  binary("elementwise_pow", "elementwise_pow");
  binary("remainder", "elementwise_mod");
  binary("floor_divide", "elementwise_floordiv");
  binary("equal", "equal");
  binary("not_equal", "not_equal");
  binary("less_than", "less_than");
  binary("less_equal", "less_equal");
  binary("greater_than", "greater_than");
  binary("greater_equal", "greater_equal");
  t.push_back({"logical_and", "logical_and", {T("X"), T("Y")}, {"Out"}});
  t.push_back({"logical_or", "logical_or", {T("X"), T("Y")}, {"Out"}});
  t.push_back({"logical_xor", "logical_xor", {T("X"), T("Y")}, {"Out"}});
  unary("logical_not", "logical_not");
  for (const char* n : {"bitwise_and", "bitwise_or", "bitwise_xor"})
    t.push_back({n, n, {T("X"), T("Y")}, {"Out"}});

  // Activations and unary math.
  for (const char* n : {"relu", "sigmoid", "tanh", "exp", "log", "log2", "log10", "log1p",
                        "sqrt", "rsqrt", "square", "abs", "sign", "reciprocal", "floor",
                        "ceil", "round", "sin", "cos", "erf", "silu", "softsign",
                        "tanh_shrink", "logsigmoid", "tan",
                        "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh",
                        "expm1", "bitwise_not"})
    unary(n, n);
  // pd_op.isnan etc. are elementwise: the legacy v1 ops of these names reduce to one bool.
  unary("isnan", "isnan_v2");
  unary("isinf", "isinf_v2");
  unary("isfinite", "isfinite_v2");
  unary("mish", "mish", {{"lambda", "threshold"}});
  unary("celu", "celu");
  unary("relu6", "relu6", {}, {"threshold=6.0"});
  unary("gelu", "gelu");
  unary("hardswish", "hard_swish", {}, {"threshold=6.0", "scale=6.0", "offset=3.0"});
  unary("hardsigmoid", "hard_sigmoid");
  unary("swish", "swish", {}, {"beta=1.0"});
  unary("leaky_relu", "leaky_relu", {{"negative_slope", "alpha"}});
  unary("elu", "elu");
  unary("selu", "selu");
  unary("softplus", "softplus");
  unary("hardtanh", "brelu", {{"t_min", "t_min"}, {"t_max", "t_max"}});
  unary("hardshrink", "hard_shrink");
  unary("softshrink", "softshrink", {{"threshold", "lambda"}});
  unary("thresholded_relu", "thresholded_relu");
  unary("stanh", "stanh");
  unary("assign", "assign");
  t.push_back({"pow", "pow", {T("X")}, {"Out"}, {{"y", "factor"}}});
  t.push_back({"prelu", "prelu", {T("X"), T("Alpha")}, {"Out"}});
  t.push_back({"clip", "clip", {T("X"), S("min", "Min"), S("max", "Max")}, {"Out"}});
  t.push_back({"scale", "scale", {T("X"), S("scale", "ScaleTensor")}, {"Out"}});
  t.push_back({"softmax", "softmax", {T("X")}, {"Out"}});
  t.push_back({"log_softmax", "log_softmax", {T("X")}, {"Out"}});
  t.push_back({"where", "where", {T("Condition"), T("X"), T("Y")}, {"Out"}});
  t.push_back({"add_n", "sum", {L("X")}, {"Out"}});

  // Dense layers.
  t.push_back({"matmul", "matmul_v2", {T("X"), T("Y")}, {"Out"},
               {{"transpose_x", "trans_x"}, {"transpose_y", "trans_y"}}});
  t.push_back({"bmm", "bmm", {T("X"), T("Y")}, {"Out"}});
  t.push_back({"embedding", "lookup_table_v2", {T("Ids"), T("W")}, {"Out"}});
  t.push_back({"conv2d", "conv2d", {T("Input"), T("Filter")}, {"Output"}});
  t.push_back({"depthwise_conv2d", "depthwise_conv2d", {T("Input"), T("Filter")}, {"Output"}});
  t.push_back({"conv2d_transpose", "conv2d_transpose",
               {T("Input"), T("Filter"), IA("output_size", nullptr, nullptr)}, {"Output"}});
  t.push_back({"depthwise_conv2d_transpose", "depthwise_conv2d_transpose",
               {T("Input"), T("Filter"), IA("output_size", nullptr, nullptr)}, {"Output"}});
  t.push_back({"pool2d", "pool2d", {T("X"), IA("ksize", nullptr, nullptr)}, {"Out"}});
  t.push_back({"max_pool2d_with_index", "max_pool2d_with_index", {T("X")}, {"Out", "Mask"},
               {{"kernel_size", "ksize"}}});

  // Normalization.
  for (const char* bn : {"batch_norm", "batch_norm_"})
    t.push_back({bn, "batch_norm",
                 {T("X"), T("Mean"), T("Variance"), T("Scale"), T("Bias")},
                 {"Y", "MeanOut", "VarianceOut", "SavedMean", "SavedVariance", "ReserveSpace"},
                 {{"data_format", "data_layout"}}});
  t.push_back({"layer_norm", "layer_norm", {T("X"), T("Scale"), T("Bias")},
               {"Y", "Mean", "Variance"}});
  t.push_back({"group_norm", "group_norm", {T("X"), T("Scale"), T("Bias")},
               {"Y", "Mean", "Variance"}, {{"data_format", "data_layout"}}});
  t.push_back({"instance_norm", "instance_norm", {T("X"), T("Scale"), T("Bias")},
               {"Y", "SavedMean", "SavedVariance"}});

  // Interpolation: operands x, out_size, size_tensor (vector), scale_tensor. Paddle runs
  // PIR nearest_interp with its CPU kernel only (its oneDNN path rejects the f64 scale
  // list), whose source-index rule differs from the oneDNN resampling used for legacy
  // programs at non-integer ratios; the attribute selects the CPU rule.
  t.push_back({"nearest_interp", "nearest_interp_v2",
               {T("X"), T("OutSize"), L("SizeTensor"), T("Scale")}, {"Out"},
               {{"data_format", "data_layout"}}, {"use_onednn_resampling=false"}});
  t.push_back({"bilinear_interp", "bilinear_interp_v2",
               {T("X"), T("OutSize"), L("SizeTensor"), T("Scale")}, {"Out"},
               {{"data_format", "data_layout"}}});

  // Shape manipulation.
  t.push_back({"reshape", "reshape2", {T("X"), IA("shape", "Shape", "ShapeTensor")}, {"Out"}});
  t.push_back({"transpose", "transpose2", {T("X")}, {"Out"}, {{"perm", "axis"}}});
  t.push_back({"flatten", "flatten_contiguous_range", {T("X")}, {"Out"}});
  t.push_back({"squeeze", "squeeze2", {T("X"), IA("axes", nullptr, nullptr)}, {"Out"}});
  t.push_back({"unsqueeze", "unsqueeze2",
               {T("X"), IA("axes", "AxesTensor", "AxesTensorList")}, {"Out"}});
  t.push_back({"slice", "slice",
               {T("Input"), IA("starts", "StartsTensor", "StartsTensorList"),
                IA("ends", "EndsTensor", "EndsTensorList")},
               {"Out"}});
  t.push_back({"strided_slice", "strided_slice",
               {T("Input"), IA("starts", "StartsTensor", "StartsTensorList"),
                IA("ends", "EndsTensor", "EndsTensorList"),
                IA("strides", "StridesTensor", "StridesTensorList")},
               {"Out"}});
  t.push_back({"concat", "concat", {L("X"), S("axis", "AxisTensor")}, {"Out"}});
  t.push_back({"stack", "stack", {L("X")}, {"Y"}});
  t.push_back({"unstack", "unstack", {T("X")}, {"Y*"}});
  t.push_back({"split", "split",
               {T("X"), IA("sections", nullptr, "SectionsTensorList"), S("axis", "AxisTensor")},
               {"Out*"}});
  t.push_back({"split_with_num", "split", {T("X"), S("axis", "AxisTensor")}, {"Out*"}});
  t.push_back({"gather", "gather", {T("X"), T("Index"), S("axis", "Axis")}, {"Out"}});
  t.push_back({"gather_nd", "gather_nd", {T("X"), T("Index")}, {"Out"}});
  t.push_back({"index_select", "index_select", {T("X"), T("Index")}, {"Out"}, {{"axis", "dim"}}});
  t.push_back({"expand", "expand_v2",
               {T("X"), IA("shape", "Shape", "expand_shapes_tensor")}, {"Out"}});
  t.push_back({"expand_as", "expand_as_v2", {T("X"), T("Y")}, {"Out"}});
  t.push_back({"tile", "tile",
               {T("X"), IA("repeat_times", "RepeatTimes", "repeat_times_tensor")}, {"Out"}});
  t.push_back({"pad3d", "pad3d", {T("X"), IA("paddings", "Paddings", nullptr)}, {"Out"},
               {{"pad_value", "value"}}});
  t.push_back({"pad", "pad", {T("X"), S("pad_value", nullptr)}, {"Out"}});
  t.push_back({"shape", "shape", {T("Input")}, {"Out"}});
  t.push_back({"numel", "size", {T("Input")}, {"Out"}});

  // Creation ops whose operands are all tensors.
  t.push_back({"linspace", "linspace", {T("Start"), T("Stop"), T("Num")}, {"Out"}});
  t.push_back({"full_batch_size_like", "fill_constant_batch_size_like", {T("Input")}, {"Out"}});

  // Reductions: PIR's axis operand is an IntArray; an empty list means all axes.
  for (auto [pir, legacy] : {std::pair{"sum", "reduce_sum"}, std::pair{"mean", "reduce_mean"},
                             std::pair{"max", "reduce_max"}, std::pair{"min", "reduce_min"},
                             std::pair{"prod", "reduce_prod"}, std::pair{"all", "reduce_all"},
                             std::pair{"any", "reduce_any"}})
    t.push_back({pir, legacy, {T("X"), IA("dim", nullptr, nullptr)}, {"Out"},
                 {{"keepdim", "keep_dim"}, {"axis", "dim"}}});
  t.push_back({"argmax", "arg_max", {T("X"), S("axis", nullptr)}, {"Out"}});
  t.push_back({"argmin", "arg_min", {T("X"), S("axis", nullptr)}, {"Out"}});
  t.push_back({"topk", "top_k_v2", {T("X"), S("k", "K")}, {"Out", "Indices"}});
  t.push_back({"cumsum", "cumsum", {T("X"), S("axis", nullptr)}, {"Out"}});
  t.push_back({"p_norm", "p_norm", {T("X")}, {"Out"}});
  // dropout(x, seed_tensor, Scalar p, ...): p is an operand (a pd_op.full), not an attr.
  t.push_back({"dropout", "dropout", {T("X"), Ignore(), S("dropout_prob", nullptr)},
               {"Out", "Mask"}, {{"mode", "dropout_implementation"}, {"p", "dropout_prob"}}});
  return t;
}

const std::unordered_map<std::string, PirOpSpec>& Table() {
  static const auto* table = [] {
    auto* m = new std::unordered_map<std::string, PirOpSpec>();
    for (auto& spec : BuildTable()) m->emplace(spec.pir, spec);
    return m;
  }();
  return *table;
}

}  // namespace

const PirOpSpec* FindPirOpSpec(const std::string& name) {
  auto it = Table().find(name);
  return it == Table().end() ? nullptr : &it->second;
}

std::vector<std::string> PirTableOpNames() {
  std::vector<std::string> names;
  for (const auto& kv : Table()) names.push_back(kv.first);
  return names;
}

}  // namespace pdinfer
