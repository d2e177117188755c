// Dense matrix multiply for the reference CPU kernels (conv via im2col, matmul, fc).
//
// Row-major, BLAS-like: C[m x n] = alpha * op(A)[m x k] * op(B)[k x n] + beta * C.
//   op(A) = A when !trans_a (A is m x k, row stride lda), A^T when trans_a (A is k x m).
//   op(B) = B when !trans_b (B is k x n, row stride ldb), B^T when trans_b (B is n x k).
// beta == 0 never reads C, so C may hold garbage (even NaN) on entry.
//
// Implementation: cache-blocked, operands packed into micro-panels, a 6x16 register
// micro-kernel (AVX2+FMA when the CPU has it, chosen at run time; a portable one
// otherwise). With a pool, independent output tiles run on its threads when the
// problem is big enough. Do not pass a pool from inside a ParallelFor on that same pool
// (ParallelFor calls on one pool do not nest); pass nullptr there.
//
// Thread-safety: reentrant; packing scratch is per thread.
#pragma once

#include <cstdint>

namespace pdinfer {

class ThreadPool;

void Gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
          int64_t ldc, ThreadPool* pool = nullptr);

void Gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha,
          const double* a, int64_t lda, const double* b, int64_t ldb, double beta, double* c,
          int64_t ldc, ThreadPool* pool = nullptr);

// Name of the float micro-kernel used on this CPU, e.g. "avx2_fma_6x16" (diagnostics).
const char* GemmKernelName();

}  // namespace pdinfer
