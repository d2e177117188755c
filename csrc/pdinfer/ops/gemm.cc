#include "pdinfer/ops/gemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "dnnl.h"
#include "pdinfer/core/thread_pool.h"

// oneDNN (GNU-OpenMP build) takes its thread count from the calling thread's OpenMP ICV.
extern "C" void omp_set_num_threads(int);

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define PDI_GEMM_X86_AVX2 1
#endif

namespace pdinfer {
namespace {

// Register tile (rows x cols of C held in registers) and cache blocks. A kMC x kKC block
// of A (96 KiB for float) stays in L2 while a kKC x kNR micro-panel of B (16 KiB) is
// reused from L1 by every row panel of the block.
constexpr int64_t kMR = 6;
constexpr int64_t kNR = 16;
constexpr int64_t kKC = 256;
constexpr int64_t kMC = 96;   // multiple of kMR
constexpr int64_t kNC = 512;  // multiple of kNR: widest column block one task handles
constexpr int64_t kDirectBMaxRows = 64;  // m below this reads B without packing it

// pb points at kc rows of kNR values, consecutive rows ldb apart (kNR when packed).
template <typename T>
using MicroKernel = void (*)(int64_t kc, const T* pa, const T* pb, int64_t ldb, T* c,
                             int64_t ldc, T beta);

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

template <typename T>
struct PackScratch {
  std::vector<T> a, b;
};

template <typename T>
PackScratch<T>& ThreadScratch() {
  thread_local PackScratch<T> s;
  return s;
}

// Copies rows [i0, i0+mc) x cols [p0, p0+kc) of op(A), times alpha, into kMR-row panels:
// panel at dst + ir*kc holds, for each p, the kMR values of rows ir..ir+kMR-1 (zero past m).
template <typename T>
void PackA(bool trans, const T* a, int64_t lda, int64_t i0, int64_t mc, int64_t p0, int64_t kc,
           T alpha, T* dst) {
  for (int64_t ir = 0; ir < mc; ir += kMR) {
    const int64_t mr = std::min(kMR, mc - ir);
    T* d = dst + ir * kc;
    if (!trans) {
      for (int64_t r = 0; r < mr; ++r) {
        const T* src = a + (i0 + ir + r) * lda + p0;
        for (int64_t p = 0; p < kc; ++p) d[p * kMR + r] = alpha * src[p];
      }
    } else {
      for (int64_t p = 0; p < kc; ++p) {
        const T* src = a + (p0 + p) * lda + i0 + ir;
        for (int64_t r = 0; r < mr; ++r) d[p * kMR + r] = alpha * src[r];
      }
    }
    if (mr < kMR)
      for (int64_t p = 0; p < kc; ++p)
        for (int64_t r = mr; r < kMR; ++r) d[p * kMR + r] = T(0);
  }
}

// Copies rows [p0, p0+kc) x cols [j0, j0+nc) of op(B) into kNR-column panels: panel at
// dst + jr*kc holds, for each p, the kNR values of columns jr..jr+kNR-1 (zero past n).
template <typename T>
void PackB(bool trans, const T* b, int64_t ldb, int64_t p0, int64_t kc, int64_t j0, int64_t nc,
           T* dst) {
  for (int64_t jr = 0; jr < nc; jr += kNR) {
    const int64_t nr = std::min(kNR, nc - jr);
    T* d = dst + jr * kc;
    if (!trans) {
      for (int64_t p = 0; p < kc; ++p) {
        const T* src = b + (p0 + p) * ldb + j0 + jr;
        T* dp = d + p * kNR;
        if (nr == kNR) {
          for (int64_t c = 0; c < kNR; ++c) dp[c] = src[c];
        } else {
          for (int64_t c = 0; c < nr; ++c) dp[c] = src[c];
          for (int64_t c = nr; c < kNR; ++c) dp[c] = T(0);
        }
      }
    } else {
      for (int64_t c = 0; c < nr; ++c) {
        const T* src = b + (j0 + jr + c) * ldb + p0;
        for (int64_t p = 0; p < kc; ++p) d[p * kNR + c] = src[p];
      }
      for (int64_t c = nr; c < kNR; ++c)
        for (int64_t p = 0; p < kc; ++p) d[p * kNR + c] = T(0);
    }
  }
}

// Portable kernel: GCC/Clang vector types let the compiler keep the tile in SIMD registers
// of whatever ISA the file is compiled for (SSE2 by default), which plain nested loops
// over a T[6][16] array do not reliably get.
template <typename T>
void MicroKernelGeneric(int64_t kc, const T* pa, const T* pb, int64_t ldb, T* c, int64_t ldc,
                        T beta) {
  constexpr int kLanes = 16 / sizeof(T);  // one 128-bit vector
  constexpr int kVecs = kNR / kLanes;
  typedef T Vec __attribute__((vector_size(16)));
  Vec acc[kMR][kVecs];
  for (int r = 0; r < kMR; ++r)
    for (int v = 0; v < kVecs; ++v) acc[r][v] = Vec{} ;
  for (int64_t p = 0; p < kc; ++p) {
    Vec bv[kVecs];
    std::memcpy(bv, pb + p * ldb, sizeof(bv));
    const T* ap = pa + p * kMR;
    for (int r = 0; r < kMR; ++r) {
      const T av = ap[r];
      for (int v = 0; v < kVecs; ++v) acc[r][v] += av * bv[v];
    }
  }
  for (int64_t r = 0; r < kMR; ++r) {
    T out[kNR];
    std::memcpy(out, acc[r], sizeof(out));
    T* cr = c + r * ldc;
    if (beta == T(0)) {
      for (int64_t j = 0; j < kNR; ++j) cr[j] = out[j];
    } else {
      for (int64_t j = 0; j < kNR; ++j) cr[j] = out[j] + beta * cr[j];
    }
  }
}

#ifdef PDI_GEMM_X86_AVX2
// 6x16 tile in 12 ymm accumulators; per k step: 2 loads of B, 6 broadcasts of A, 12 FMAs.
__attribute__((target("avx2,fma"))) void MicroKernelAvx2(int64_t kc, const float* pa,
                                                          const float* pb, int64_t ldb,
                                                          float* c, int64_t ldc, float beta) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int64_t p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_loadu_ps(pb);
    const __m256 b1 = _mm256_loadu_ps(pb + 8);
    __m256 a = _mm256_broadcast_ss(pa + 0);
    c00 = _mm256_fmadd_ps(a, b0, c00);
    c01 = _mm256_fmadd_ps(a, b1, c01);
    a = _mm256_broadcast_ss(pa + 1);
    c10 = _mm256_fmadd_ps(a, b0, c10);
    c11 = _mm256_fmadd_ps(a, b1, c11);
    a = _mm256_broadcast_ss(pa + 2);
    c20 = _mm256_fmadd_ps(a, b0, c20);
    c21 = _mm256_fmadd_ps(a, b1, c21);
    a = _mm256_broadcast_ss(pa + 3);
    c30 = _mm256_fmadd_ps(a, b0, c30);
    c31 = _mm256_fmadd_ps(a, b1, c31);
    a = _mm256_broadcast_ss(pa + 4);
    c40 = _mm256_fmadd_ps(a, b0, c40);
    c41 = _mm256_fmadd_ps(a, b1, c41);
    a = _mm256_broadcast_ss(pa + 5);
    c50 = _mm256_fmadd_ps(a, b0, c50);
    c51 = _mm256_fmadd_ps(a, b1, c51);
    pa += kMR;
    pb += ldb;
  }
  if (beta != 0.0f) {
    const __m256 bv = _mm256_set1_ps(beta);
#define PDI_GEMM_LOAD_C(r)                                                 \
  c##r##0 = _mm256_fmadd_ps(bv, _mm256_loadu_ps(c + (r)*ldc), c##r##0); \
  c##r##1 = _mm256_fmadd_ps(bv, _mm256_loadu_ps(c + (r)*ldc + 8), c##r##1);
    PDI_GEMM_LOAD_C(0)
    PDI_GEMM_LOAD_C(1)
    PDI_GEMM_LOAD_C(2)
    PDI_GEMM_LOAD_C(3)
    PDI_GEMM_LOAD_C(4)
    PDI_GEMM_LOAD_C(5)
#undef PDI_GEMM_LOAD_C
  }
#define PDI_GEMM_STORE_C(r)                      \
  _mm256_storeu_ps(c + (r)*ldc, c##r##0);       \
  _mm256_storeu_ps(c + (r)*ldc + 8, c##r##1);
  PDI_GEMM_STORE_C(0)
  PDI_GEMM_STORE_C(1)
  PDI_GEMM_STORE_C(2)
  PDI_GEMM_STORE_C(3)
  PDI_GEMM_STORE_C(4)
  PDI_GEMM_STORE_C(5)
#undef PDI_GEMM_STORE_C
}
#endif

struct FloatKernelChoice {
  MicroKernel<float> fn;
  const char* name;
};

FloatKernelChoice ChooseFloatKernel() {
  // PDINFER_DISABLE_AVX2=1 forces the portable kernel (to test it on AVX2 machines).
  const char* force = std::getenv("PDINFER_DISABLE_AVX2");
  bool generic = force && std::strcmp(force, "1") == 0;
#ifdef PDI_GEMM_X86_AVX2
  __builtin_cpu_init();
  if (!generic && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return {MicroKernelAvx2, "avx2_fma_6x16"};
#endif
  (void)generic;
  return {MicroKernelGeneric<float>, "generic_6x16"};
}

const FloatKernelChoice& FloatKernel() {
  static const FloatKernelChoice choice = ChooseFloatKernel();
  return choice;
}

// Computes the C tile rows [i0, i0+mc) x cols [j0, j0+nc) over the whole k range.
// With direct_b, full kNR-column panels of B are read in place (row-major, not
// transposed): packing B costs about as much as the multiply when few rows of A reuse
// it. Only a ragged last panel is copied (zero padded).
template <typename T>
void GemmTile(bool trans_a, bool trans_b, int64_t k, T alpha, const T* a, int64_t lda,
              const T* b, int64_t ldb, T beta, T* c, int64_t ldc, int64_t i0, int64_t mc,
              int64_t j0, int64_t nc, bool direct_b, MicroKernel<T> kernel) {
  PackScratch<T>& s = ThreadScratch<T>();
  const int64_t kc_max = std::min(k, kKC);
  const size_t need_a = static_cast<size_t>(CeilDiv(mc, kMR) * kMR * kc_max);
  const size_t need_b = static_cast<size_t>((direct_b ? 1 : CeilDiv(nc, kNR)) * kNR * kc_max);
  if (s.a.size() < need_a) s.a.resize(need_a);
  if (s.b.size() < need_b) s.b.resize(need_b);
  T tmp[kMR * kNR];
  for (int64_t p0 = 0; p0 < k; p0 += kKC) {
    const int64_t kc = std::min(kKC, k - p0);
    PackA(trans_a, a, lda, i0, mc, p0, kc, alpha, s.a.data());
    if (!direct_b) PackB(trans_b, b, ldb, p0, kc, j0, nc, s.b.data());
    const T beta_eff = p0 == 0 ? beta : T(1);
    for (int64_t jr = 0; jr < nc; jr += kNR) {
      const int64_t nr = std::min(kNR, nc - jr);
      const T* pb = s.b.data() + jr * kc;
      int64_t pb_ld = kNR;
      if (direct_b && nr == kNR) {
        pb = b + p0 * ldb + j0 + jr;
        pb_ld = ldb;
      } else if (direct_b) {
        PackB(false, b, ldb, p0, kc, j0 + jr, nr, s.b.data());
        pb = s.b.data();
      }
      for (int64_t ir = 0; ir < mc; ir += kMR) {
        const int64_t mr = std::min(kMR, mc - ir);
        const T* pa = s.a.data() + ir * kc;
        T* cp = c + (i0 + ir) * ldc + j0 + jr;
        if (mr == kMR && nr == kNR) {
          kernel(kc, pa, pb, pb_ld, cp, ldc, beta_eff);
          continue;
        }
        kernel(kc, pa, pb, pb_ld, tmp, kNR, T(0));
        for (int64_t r = 0; r < mr; ++r) {
          T* cr = cp + r * ldc;
          const T* tr = tmp + r * kNR;
          if (beta_eff == T(0)) {
            for (int64_t j = 0; j < nr; ++j) cr[j] = tr[j];
          } else {
            for (int64_t j = 0; j < nr; ++j) cr[j] = tr[j] + beta_eff * cr[j];
          }
        }
      }
    }
  }
}

template <typename T>
void GemmImpl(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
              int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc, ThreadPool* pool,
              MicroKernel<T> kernel) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == T(0)) {
    for (int64_t i = 0; i < m; ++i) {
      T* cr = c + i * ldc;
      if (beta == T(0)) {
        std::fill(cr, cr + n, T(0));
      } else {
        for (int64_t j = 0; j < n; ++j) cr[j] *= beta;
      }
    }
    return;
  }
  const int threads = pool ? pool->num_threads() : 1;
  // Below ~256K multiply-adds the fork/join costs more than it saves.
  const bool parallel = threads > 1 && static_cast<double>(m) * n * k >= 262144.0;
  const int64_t mb = CeilDiv(m, kMC);
  int64_t nc = kNC;
  if (parallel) {
    // Enough tiles to keep every thread busy, but not so thin that packing A dominates.
    while (mb * CeilDiv(n, nc) < 2 * threads && nc > 4 * kNR) nc /= 2;
  }
  const int64_t nb = CeilDiv(n, nc);
  // Few rows of A reuse each packed panel of B: read B in place instead.
  const bool direct_b = !trans_b && m < kDirectBMaxRows;
  auto run = [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t ib = t / nb, jb = t % nb;
      const int64_t i0 = ib * kMC, j0 = jb * nc;
      GemmTile<T>(trans_a, trans_b, k, alpha, a, lda, b, ldb, beta, c, ldc, i0,
                  std::min(kMC, m - i0), j0, std::min(nc, n - j0), direct_b, kernel);
    }
  };
  if (parallel && mb * nb > 1) {
    pool->ParallelFor(mb * nb, 1, run);
  } else {
    run(0, mb * nb);
  }
}

}  // namespace

void Gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
          int64_t ldc, ThreadPool* pool) {
  // oneDNN's sgemm (row-major, same conventions) is faster than the micro-kernel below
  // on every x86 ISA it has a JIT for; the in-tree kernel stays as the fallback. Its
  // threads: the pool's count when one is given, else 1 (callers inside a ParallelFor
  // pass no pool and must not fan out again).
  if (m > 0 && n > 0 && k > 0 && std::getenv("PDINFER_NO_DNNL_GEMM") == nullptr) {
    omp_set_num_threads(pool ? pool->num_threads() : 1);
    if (dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb,
                   beta, c, ldc) == dnnl_success)
      return;
  }
  GemmImpl<float>(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, pool,
                  FloatKernel().fn);
}

void Gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha,
          const double* a, int64_t lda, const double* b, int64_t ldb, double beta, double* c,
          int64_t ldc, ThreadPool* pool) {
  GemmImpl<double>(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, pool,
                   MicroKernelGeneric<double>);
}

const char* GemmKernelName() { return FloatKernel().name; }

}  // namespace pdinfer
