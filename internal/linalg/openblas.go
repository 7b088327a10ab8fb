//go:build cgo && !purego

package linalg

/*
#cgo LDFLAGS: -lopenblas -lm
#include <stdlib.h>
#include <string.h>

// Prototypes declared here rather than through cblas.h, so that the build
// does not depend on which cblas.h the alternatives system points at.
// Debian's libopenblas0 uses 32-bit integers.
void cblas_dgemm(int, int, int, int, int, int, double, const double*, int, const double*, int, double, double*, int);
void cblas_sgemm(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
void cblas_dsyrk(int, int, int, int, int, double, const double*, int, double, double*, int);
void cblas_ssyrk(int, int, int, int, int, float, const float*, int, float, float*, int);
void cblas_dtrsm(int, int, int, int, int, int, int, double, const double*, int, double*, int);
void cblas_strsm(int, int, int, int, int, int, int, float, const float*, int, float*, int);
void cblas_dsymv(int, int, int, double, const double*, int, const double*, int, double, double*, int);
void cblas_dtrsv(int, int, int, int, int, const double*, int, double*, int);
void cblas_strsv(int, int, int, int, int, const float*, int, float*, int);
void dpotrf_(const char*, const int*, double*, const int*, int*);
void spotrf_(const char*, const int*, float*, const int*, int*);
void openblas_set_num_threads(int);
int bh_chol_kernel(int);
int bh_dcholu(int, double*, int);
int bh_scholu(int, float*, int);
void bh_dcholsu(int, const double*, int, double*);
void bh_scholsu(int, const float*, int, float*);
void bh_sgather(int, const float*, int, const int*, float*, int);
double bh_dgather(int, const double*, int, const int*, double*, int, float*, double*);

// Present only in DYNAMIC_ARCH builds (Debian's); weak so that other builds link.
extern char* openblas_get_corename(void) __attribute__((weak));
extern void gotoblas_dynamic_init(void) __attribute__((weak));
extern void gotoblas_dynamic_quit(void) __attribute__((weak));

// Right-looking blocked Cholesky of the row-major lower triangle
// (LAPACK's column-major upper): for n of a few hundred it is faster than
// OpenBLAS 0.3.21's own potrf, whose small-size path does not reach GEMM
// speed. Returns LAPACK's info.
#define BH_POTRF(NAME, T, POTRF, TRSM, SYRK) \
static int NAME(int n, T* a, int lda, int nb) { \
	for (int j = 0; j < n; j += nb) { \
		int jb = n - j < nb ? n - j : nb, info = 0; \
		POTRF("U", &jb, a + j*lda + j, &lda, &info); \
		if (info != 0) return info + j; \
		int r = n - j - jb; \
		if (r > 0) { \
			TRSM(101, 142, 122, 112, 131, r, jb, 1, a + j*lda + j, lda, a + (j+jb)*lda + j, lda); \
			SYRK(101, 122, 111, r, jb, -1, a + (j+jb)*lda + j, lda, 1, a + (j+jb)*lda + j + jb, lda); \
		} \
	} \
	return 0; \
}
BH_POTRF(bh_dpotrf, double, dpotrf_, cblas_dtrsm, cblas_dsyrk)
BH_POTRF(bh_spotrf, float, spotrf_, cblas_strsm, cblas_ssyrk)

static const char* bh_corename(void) {
	if (openblas_get_corename == NULL) return "unknown";
	return openblas_get_corename();
}

// bh_setup re-selects the kernels of a DYNAMIC_ARCH OpenBLAS that fell back
// to its generic Prescott kernels on a CPU it does not recognise, unless the
// user chose a core with OPENBLAS_CORETYPE. Then it makes OpenBLAS
// single-threaded.
static void bh_setup(void) {
	const char* env = getenv("OPENBLAS_CORETYPE");
	if ((env == NULL || env[0] == 0) && openblas_get_corename != NULL &&
	    gotoblas_dynamic_init != NULL && gotoblas_dynamic_quit != NULL &&
	    strcmp(openblas_get_corename(), "Prescott") == 0) {
		const char* core = NULL;
		__builtin_cpu_init();
		if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
		    __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
		    __builtin_cpu_supports("avx512cd")) {
			core = "SkylakeX";
		} else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
			core = "Haswell";
		}
		if (core != NULL) {
			setenv("OPENBLAS_CORETYPE", core, 1);
			gotoblas_dynamic_quit();
			gotoblas_dynamic_init();
			unsetenv("OPENBLAS_CORETYPE");
		}
	}
	openblas_set_num_threads(1);
}
*/
import "C"

const (
	rowMajor = 101
	noTrans  = 111
	trans    = 112
	upper    = 121
	lower    = 122
	left     = 141
	nonUnit  = 131
)

func init() {
	C.bh_setup()
	C.bh_chol_kernel(-1)
}

// Backend names the backend and, for OpenBLAS, the kernel set in use.
func Backend() string { return "openblas/" + C.GoString(C.bh_corename()) }

// CholKernel names the kernel CholUpper uses: "avx512" or "openblas".
func CholKernel() string {
	if C.bh_chol_kernel(2) == 1 {
		return "avx512"
	}
	return "openblas"
}

// forcePortable selects the portable (OpenBLAS) CholUpper kernel when on
// is true, else the AVX-512 one if the CPU has it; for tests only, not
// safe to call concurrently with CholUpper.
func forcePortable(on bool) {
	if on {
		C.bh_chol_kernel(0)
	} else {
		C.bh_chol_kernel(1)
	}
}

func dcholu(n int, a []float64, lda int) bool {
	return C.bh_dcholu(C.int(n), (*C.double)(&a[0]), C.int(lda)) == 0
}

func scholu(n int, a []float32, lda int) bool {
	return C.bh_scholu(C.int(n), (*C.float)(&a[0]), C.int(lda)) == 0
}

func dcholsu(n int, a []float64, lda int, b []float64) {
	C.bh_dcholsu(C.int(n), (*C.double)(&a[0]), C.int(lda), (*C.double)(&b[0]))
}

func scholsu(n int, a []float32, lda int, b []float32) {
	C.bh_scholsu(C.int(n), (*C.float)(&a[0]), C.int(lda), (*C.float)(&b[0]))
}

func sgather(n int, g []float32, ld int, idx []int32, a []float32, lda int) {
	C.bh_sgather(C.int(n), (*C.float)(&g[0]), C.int(ld), (*C.int)(&idx[0]), (*C.float)(&a[0]), C.int(lda))
}

func dgather(n int, g []float64, ld int, idx []int32, a []float64, lda int, a32 []float32, rowsum []float64) float64 {
	return float64(C.bh_dgather(C.int(n), (*C.double)(&g[0]), C.int(ld), (*C.int)(&idx[0]), (*C.double)(&a[0]), C.int(lda),
		(*C.float)(&a32[0]), (*C.double)(&rowsum[0])))
}

func uplo(up bool) C.int {
	if up {
		return upper
	}
	return lower
}

func tr(t bool) C.int {
	if t {
		return trans
	}
	return noTrans
}

func dgemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	C.cblas_dgemm(rowMajor, tr(tA), tr(tB), C.int(m), C.int(n), C.int(k), C.double(alpha),
		(*C.double)(&a[0]), C.int(lda), (*C.double)(&b[0]), C.int(ldb), C.double(beta), (*C.double)(&c[0]), C.int(ldc))
}

func sgemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	C.cblas_sgemm(rowMajor, tr(tA), tr(tB), C.int(m), C.int(n), C.int(k), C.float(alpha),
		(*C.float)(&a[0]), C.int(lda), (*C.float)(&b[0]), C.int(ldb), C.float(beta), (*C.float)(&c[0]), C.int(ldc))
}

func dsyrk(up, t bool, n, k int, alpha float64, a []float64, lda int, beta float64, c []float64, ldc int) {
	C.cblas_dsyrk(rowMajor, uplo(up), tr(t), C.int(n), C.int(k), C.double(alpha), (*C.double)(&a[0]), C.int(lda),
		C.double(beta), (*C.double)(&c[0]), C.int(ldc))
}

func ssyrk(up, t bool, n, k int, alpha float32, a []float32, lda int, beta float32, c []float32, ldc int) {
	C.cblas_ssyrk(rowMajor, uplo(up), tr(t), C.int(n), C.int(k), C.float(alpha), (*C.float)(&a[0]), C.int(lda),
		C.float(beta), (*C.float)(&c[0]), C.int(ldc))
}

func dtrsmL(t bool, n, nrhs int, a []float64, lda int, b []float64, ldb int) {
	C.cblas_dtrsm(rowMajor, left, lower, tr(t), nonUnit, C.int(n), C.int(nrhs), 1, (*C.double)(&a[0]), C.int(lda),
		(*C.double)(&b[0]), C.int(ldb))
}

func strsmL(t bool, n, nrhs int, a []float32, lda int, b []float32, ldb int) {
	C.cblas_strsm(rowMajor, left, lower, tr(t), nonUnit, C.int(n), C.int(nrhs), 1, (*C.float)(&a[0]), C.int(lda),
		(*C.float)(&b[0]), C.int(ldb))
}

// potrfBlock is the block size of the blocked Cholesky (measured best for
// n ≈ 500 on AVX-512: 64).
const potrfBlock = 64

func dpotrf(n int, a []float64, lda int) bool {
	return C.bh_dpotrf(C.int(n), (*C.double)(&a[0]), C.int(lda), potrfBlock) == 0
}

func spotrf(n int, a []float32, lda int) bool {
	return C.bh_spotrf(C.int(n), (*C.float)(&a[0]), C.int(lda), potrfBlock) == 0
}

// Refine reports whether SolveRefined is worth using: float32 kernels
// are about twice as fast as float64 ones here.
const Refine = true

func dsymvU(n int, a []float64, lda int, x, y []float64) {
	// y = -A x + y
	C.cblas_dsymv(rowMajor, upper, C.int(n), -1, (*C.double)(&a[0]), C.int(lda), (*C.double)(&x[0]), 1, 1, (*C.double)(&y[0]), 1)
}

func strsvL(t bool, n int, a []float32, lda int, x []float32) {
	C.cblas_strsv(rowMajor, lower, tr(t), nonUnit, C.int(n), (*C.float)(&a[0]), C.int(lda), (*C.float)(&x[0]), 1)
}

func dtrsvL(t bool, n int, a []float64, lda int, x []float64) {
	C.cblas_dtrsv(rowMajor, lower, tr(t), nonUnit, C.int(n), (*C.double)(&a[0]), C.int(lda), (*C.double)(&x[0]), 1)
}
