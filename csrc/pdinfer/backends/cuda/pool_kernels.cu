// pool2d (max / avg, global, adaptive, SAME/VALID/explicit padding, NCHW/NHWC) and
// nearest / bilinear interpolation on the device (float32). Window placement follows
// the reference kernels in ops/pool.cc and ops/interpolate.cc.
#include <cfloat>
#include <cstdint>

#include "pdinfer/backends/cuda/cuda_common.h"
#include "pdinfer/ops/conv_util.h"

namespace pdinfer {
namespace cuda {
namespace {

struct PoolParams {
  int64_t n, c, h, w, oh, ow, kh, kw, sh, sw, pad_t, pad_l;
  bool nhwc, is_max, adaptive_windows, count_valid;
};

__device__ __forceinline__ void Window(int64_t o, int64_t in, int64_t out, int64_t k, int64_t s,
                                       int64_t pad, bool adaptive, int64_t* b, int64_t* e) {
  if (adaptive) {
    *b = (o * in) / out;
    *e = ((o + 1) * in + out - 1) / out;
  } else {
    const int64_t start = o * s - pad;
    *b = start > 0 ? start : 0;
    *e = start + k < in ? start + k : in;
  }
  if (*e < *b) *e = *b;
}

__global__ void Pool2dKernel(const float* x, float* y, PoolParams p) {
  const int64_t total = p.n * p.c * p.oh * p.ow;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t n, c, oh, ow;
    if (p.nhwc) {
      c = i % p.c;
      ow = (i / p.c) % p.ow;
      oh = (i / (p.c * p.ow)) % p.oh;
      n = i / (p.c * p.ow * p.oh);
    } else {
      ow = i % p.ow;
      oh = (i / p.ow) % p.oh;
      c = (i / (p.ow * p.oh)) % p.c;
      n = i / (p.ow * p.oh * p.c);
    }
    int64_t hb, he, wb, we;
    Window(oh, p.h, p.oh, p.kh, p.sh, p.pad_t, p.adaptive_windows, &hb, &he);
    Window(ow, p.w, p.ow, p.kw, p.sw, p.pad_l, p.adaptive_windows, &wb, &we);
    float acc = p.is_max ? -FLT_MAX : 0.f;
    for (int64_t ih = hb; ih < he; ++ih)
      for (int64_t iw = wb; iw < we; ++iw) {
        const int64_t idx = p.nhwc ? ((n * p.h + ih) * p.w + iw) * p.c + c
                                   : ((n * p.c + c) * p.h + ih) * p.w + iw;
        const float v = x[idx];
        if (p.is_max) acc = v > acc ? v : acc;
        else acc += v;
      }
    if (!p.is_max) {
      const int64_t d = p.count_valid ? (he - hb) * (we - wb) : p.kh * p.kw;
      acc = d > 0 ? acc / static_cast<float>(d) : 0.f;
    }
    y[i] = acc;
  }
}

bool RunPool2d(OpContext& ctx, CudaEnv& env) {
  const Tensor& x = ctx.Input("X");
  Tensor& y = ctx.Output("Out");
  if (x.dtype() != DataType::kFloat32 || x.rank() != 4 || y.rank() != 4) return false;
  if (y.numel() == 0) return true;
  const auto& a = ctx.attrs();
  PoolParams p{};
  p.nhwc = conv::IsChannelLast(a.GetString("data_format", "NCHW"));
  p.n = x.dim(0);
  p.c = p.nhwc ? x.dim(3) : x.dim(1);
  p.h = p.nhwc ? x.dim(1) : x.dim(2);
  p.w = p.nhwc ? x.dim(2) : x.dim(3);
  p.oh = p.nhwc ? y.dim(1) : y.dim(2);
  p.ow = p.nhwc ? y.dim(2) : y.dim(3);
  p.is_max = a.GetString("pooling_type", "") == "max";
  const bool global = a.GetBool("global_pooling", false);
  const bool adaptive = a.GetBool("adaptive", false);
  std::vector<int64_t> k = a.GetInts("ksize", {});
  std::vector<int64_t> s = a.GetInts("strides", {1, 1});
  std::vector<int64_t> pad = a.GetInts("paddings", {0, 0});
  if (k.size() != 2 || s.size() != 2) return false;
  if (pad.size() == 2) pad = {pad[0], pad[0], pad[1], pad[1]};
  if (pad.size() != 4) return false;
  const std::string algo = a.GetString("padding_algorithm", "EXPLICIT");
  if (algo == "SAME") {
    const int64_t in[2] = {p.h, p.w};
    for (int i = 0; i < 2; ++i) {
      const int64_t out = (in[i] + s[i] - 1) / s[i];
      const int64_t sum = std::max<int64_t>((out - 1) * s[i] + k[i] - in[i], 0);
      pad[2 * i] = sum / 2;
    }
  } else if (algo == "VALID") {
    pad = {0, 0, 0, 0};
  }
  if (global || adaptive) pad = {0, 0, 0, 0};
  if (global) k = {p.h, p.w};
  p.kh = k[0];
  p.kw = k[1];
  p.sh = s[0];
  p.sw = s[1];
  p.pad_t = pad[0];
  p.pad_l = pad[2];
  const bool divisible = p.oh > 0 && p.ow > 0 && p.h % p.oh == 0 && p.w % p.ow == 0;
  p.adaptive_windows = adaptive && (!p.is_max || divisible);
  p.count_valid = a.GetBool("exclusive", true) || adaptive;
  Pool2dKernel<<<GridFor(y.numel()), 256, 0, env.stream>>>(x.data<float>(), y.data<float>(), p);
  return true;
}
PDI_CUDA_OPS(RunPool2d, "pool2d");

}  // namespace
}  // namespace cuda
}  // namespace pdinfer
