//go:build cgo && !purego

// Cholesky factorisation A = UᵀU of a symmetric positive definite matrix
// held in its row-major upper triangle (LAPACK's column-major lower), and
// the solve with its factor: an AVX-512 kernel chosen at run time when the
// CPU has AVX-512F, else OpenBLAS (blocked potrf/trsm/syrk, trsv).

#include <math.h>
#include <stddef.h>
#include <immintrin.h>

void cblas_dtrsm(int, int, int, int, int, int, int, double, const double*, int, double*, int);
void cblas_strsm(int, int, int, int, int, int, int, float, const float*, int, float*, int);
void cblas_dsyrk(int, int, int, int, int, double, const double*, int, double, double*, int);
void cblas_ssyrk(int, int, int, int, int, float, const float*, int, float, float*, int);
void cblas_dtrsv(int, int, int, int, int, const double*, int, double*, int);
void cblas_strsv(int, int, int, int, int, const float*, int, float*, int);
void dpotrf_(const char*, const int*, double*, const int*, int*);
void spotrf_(const char*, const int*, float*, const int*, int*);

// CHOL_NB is the panel height, measured best for n ≈ 500 (32 over 16, 48, 64).
#define CHOL_NB 32
#define TGT __attribute__((target("avx512f,fma")))
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

// float32
#define T float
#define VT __m512
#define V 16
#define MASK __mmask16
#define NAME(x) CAT(bh_s, x)
#define SQRT sqrtf
#define vloadu(p) _mm512_loadu_ps(p)
#define vmloadu(m, p) _mm512_maskz_loadu_ps(m, p)
#define vstoreu(p, x) _mm512_storeu_ps(p, x)
#define vmstoreu(p, m, x) _mm512_mask_storeu_ps(p, m, x)
#define vset1(x) _mm512_set1_ps(x)
#define vzero() _mm512_setzero_ps()
#define vfmadd(a, b, c) _mm512_fmadd_ps(a, b, c)
#define vfnmadd(a, b, c) _mm512_fnmadd_ps(a, b, c)
#define vmul(a, b) _mm512_mul_ps(a, b)
#define vsub(a, b) _mm512_sub_ps(a, b)
#define vreduce(x) _mm512_reduce_add_ps(x)
#include "chol_avx512.h"
#undef T
#undef VT
#undef V
#undef MASK
#undef NAME
#undef SQRT
#undef vloadu
#undef vmloadu
#undef vstoreu
#undef vmstoreu
#undef vset1
#undef vzero
#undef vfmadd
#undef vfnmadd
#undef vmul
#undef vsub
#undef vreduce

// float64
#define T double
#define VT __m512d
#define V 8
#define MASK __mmask8
#define NAME(x) CAT(bh_d, x)
#define SQRT sqrt
#define vloadu(p) _mm512_loadu_pd(p)
#define vmloadu(m, p) _mm512_maskz_loadu_pd(m, p)
#define vstoreu(p, x) _mm512_storeu_pd(p, x)
#define vmstoreu(p, m, x) _mm512_mask_storeu_pd(p, m, x)
#define vset1(x) _mm512_set1_pd(x)
#define vzero() _mm512_setzero_pd()
#define vfmadd(a, b, c) _mm512_fmadd_pd(a, b, c)
#define vfnmadd(a, b, c) _mm512_fnmadd_pd(a, b, c)
#define vmul(a, b) _mm512_mul_pd(a, b)
#define vsub(a, b) _mm512_sub_pd(a, b)
#define vreduce(x) _mm512_reduce_add_pd(x)
#include "chol_avx512.h"

// Portable path: OpenBLAS on the same storage (row-major upper).
#define BH_POTRF_U(NAME, T, POTRF, TRSM, SYRK) \
static int NAME(int n, T* a, int lda, int nb) { \
	for (int j = 0; j < n; j += nb) { \
		int jb = n - j < nb ? n - j : nb, info = 0; \
		POTRF("L", &jb, a + (size_t)j*lda + j, &lda, &info); \
		if (info != 0) return info + j; \
		int r = n - j - jb; \
		if (r > 0) { \
			TRSM(101, 141, 121, 112, 131, jb, r, 1, a + (size_t)j*lda + j, lda, a + (size_t)j*lda + j + jb, lda); \
			SYRK(101, 121, 112, r, jb, -1, a + (size_t)j*lda + j + jb, lda, 1, a + (size_t)(j+jb)*lda + j + jb, lda); \
		} \
	} \
	/* OpenBLAS's potrf lets NaN through */ \
	for (int i = 0; i < n; i++) if (!(a[(size_t)i*lda + i] > 0)) return i + 1; \
	return 0; \
}
BH_POTRF_U(bh_dpotrf_blas, double, dpotrf_, cblas_dtrsm, cblas_dsyrk)
BH_POTRF_U(bh_spotrf_blas, float, spotrf_, cblas_strsm, cblas_ssyrk)

static int bh_avx512 = -1;

// bh_chol_kernel reports 1 when the AVX-512 kernels are in use; mode 0
// forces the portable path, 1 the AVX-512 one if the CPU has it, -1 asks.
int bh_chol_kernel(int mode) {
	if (mode == 0) {
		bh_avx512 = 0;
	} else if (mode == 1 || bh_avx512 < 0) {
		__builtin_cpu_init();
		bh_avx512 = __builtin_cpu_supports("avx512f") ? 1 : 0;
	}
	return bh_avx512;
}

int bh_dcholu(int n, double *a, int lda) {
	if (bh_avx512 < 0) bh_chol_kernel(-1);
	if (bh_avx512) return bh_dpotrf(n, a, lda);
	return bh_dpotrf_blas(n, a, lda, 64);
}

int bh_scholu(int n, float *a, int lda) {
	if (bh_avx512 < 0) bh_chol_kernel(-1);
	if (bh_avx512) return bh_spotrf(n, a, lda);
	return bh_spotrf_blas(n, a, lda, 64);
}

void bh_dcholsu(int n, const double *a, int lda, double *b) {
	if (bh_avx512) {
		bh_dpotrs(n, a, lda, b);
		return;
	}
	cblas_dtrsv(101, 121, 112, 131, n, a, lda, b, 1);
	cblas_dtrsv(101, 121, 111, 131, n, a, lda, b, 1);
}

void bh_scholsu(int n, const float *a, int lda, float *b) {
	if (bh_avx512) {
		bh_spotrs(n, a, lda, b);
		return;
	}
	cblas_strsv(101, 121, 112, 131, n, a, lda, b, 1);
	cblas_strsv(101, 121, 111, 131, n, a, lda, b, 1);
}

// Gathers of symmetric sub-matrices: a[r*lda + c] = g[idx[r]*ld + idx[c]]
// for c >= r (the upper triangle of G[S,S], idx ascending).

#define GTGT __attribute__((target("avx512f,avx512vl,avx512dq")))

GTGT static void bh_sgather512(int n, const float *g, int ld, const int *idx, float *a, int lda) {
	for (int r = 0; r < n; r++) {
		const float *row = g + (size_t)idx[r] * ld;
		float *dst = a + (size_t)r * lda;
		for (int c = r; c < n; c += 16) {
			__mmask16 m = n - c >= 16 ? 0xFFFF : (__mmask16)((1u << (n - c)) - 1);
			__m512i vi = _mm512_maskz_loadu_epi32(m, idx + c);
			__m512 v = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, vi, row, 4);
			_mm512_mask_storeu_ps(dst + c, m, v);
		}
	}
}

// bh_dgather512 also writes the float32 copy a32 (leading dimension lda)
// and returns ‖A‖∞, using rowsum (length n) as scratch.
GTGT static double bh_dgather512(int n, const double *g, int ld, const int *idx, double *a, int lda, float *a32, double *rowsum) {
	for (int c = 0; c < n; c++) rowsum[c] = 0;
	for (int r = 0; r < n; r++) {
		const double *row = g + (size_t)idx[r] * ld;
		double *dst = a + (size_t)r * lda;
		float *d32 = a32 + (size_t)r * lda;
		double v0 = row[idx[r]];
		dst[r] = v0;
		d32[r] = (float)v0;
		__m512d acc = _mm512_setzero_pd();
		for (int c = r + 1; c < n; c += 8) {
			__mmask8 m = n - c >= 8 ? 0xFF : (__mmask8)((1u << (n - c)) - 1);
			__m256i vi = _mm256_maskz_loadu_epi32(m, idx + c);
			__m512d v = _mm512_mask_i32gather_pd(_mm512_setzero_pd(), m, vi, row, 8);
			_mm512_mask_storeu_pd(dst + c, m, v);
			_mm256_mask_storeu_ps(d32 + c, m, _mm512_cvtpd_ps(v));
			__m512d av = _mm512_abs_pd(v);
			acc = _mm512_add_pd(acc, av);
			_mm512_mask_storeu_pd(rowsum + c, m, _mm512_add_pd(_mm512_maskz_loadu_pd(m, rowsum + c), av));
		}
		rowsum[r] += fabs(v0) + _mm512_reduce_add_pd(acc);
	}
	double nrm = 0;
	for (int c = 0; c < n; c++) nrm = rowsum[c] > nrm ? rowsum[c] : nrm;
	return nrm;
}

void bh_sgather(int n, const float *g, int ld, const int *idx, float *a, int lda) {
	if (bh_avx512) {
		bh_sgather512(n, g, ld, idx, a, lda);
		return;
	}
	for (int r = 0; r < n; r++) {
		const float *row = g + (size_t)idx[r] * ld;
		float *dst = a + (size_t)r * lda;
		for (int c = r; c < n; c++) dst[c] = row[idx[c]];
	}
}

double bh_dgather(int n, const double *g, int ld, const int *idx, double *a, int lda, float *a32, double *rowsum) {
	if (bh_avx512) {
		return bh_dgather512(n, g, ld, idx, a, lda, a32, rowsum);
	}
	for (int c = 0; c < n; c++) rowsum[c] = 0;
	for (int r = 0; r < n; r++) {
		const double *row = g + (size_t)idx[r] * ld;
		double *dst = a + (size_t)r * lda;
		float *d32 = a32 + (size_t)r * lda;
		for (int c = r; c < n; c++) {
			double v = row[idx[c]];
			dst[c] = v;
			d32[c] = (float)v;
			rowsum[r] += fabs(v);
			if (c != r) rowsum[c] += fabs(v);
		}
	}
	double nrm = 0;
	for (int c = 0; c < n; c++) nrm = rowsum[c] > nrm ? rowsum[c] : nrm;
	return nrm;
}
