//go:build !cgo || purego

package linalg

import (
	"math"

	"gonum.org/v1/gonum/blas"
	bgonum "gonum.org/v1/gonum/blas/gonum"
	lgonum "gonum.org/v1/gonum/lapack/gonum"
)

var (
	bimpl bgonum.Implementation
	limpl lgonum.Implementation
)

// Backend names the backend.
func Backend() string { return "gonum" }

func tr(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

func dgemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	bimpl.Dgemm(tr(tA), tr(tB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func sgemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	bimpl.Sgemm(tr(tA), tr(tB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func ul(up bool) blas.Uplo {
	if up {
		return blas.Upper
	}
	return blas.Lower
}

func dsyrk(up, t bool, n, k int, alpha float64, a []float64, lda int, beta float64, c []float64, ldc int) {
	bimpl.Dsyrk(ul(up), tr(t), n, k, alpha, a, lda, beta, c, ldc)
}

func ssyrk(up, t bool, n, k int, alpha float32, a []float32, lda int, beta float32, c []float32, ldc int) {
	bimpl.Ssyrk(ul(up), tr(t), n, k, alpha, a, lda, beta, c, ldc)
}

func dtrsmL(t bool, n, nrhs int, a []float64, lda int, b []float64, ldb int) {
	bimpl.Dtrsm(blas.Left, blas.Lower, tr(t), blas.NonUnit, n, nrhs, 1, a, lda, b, ldb)
}

func strsmL(t bool, n, nrhs int, a []float32, lda int, b []float32, ldb int) {
	bimpl.Strsm(blas.Left, blas.Lower, tr(t), blas.NonUnit, n, nrhs, 1, a, lda, b, ldb)
}

func dpotrf(n int, a []float64, lda int) bool {
	return limpl.Dpotrf(blas.Lower, n, a, lda)
}

// spotrf is an unblocked left-looking Cholesky in float32 arithmetic (gonum
// has no float32 LAPACK).
func spotrf(n int, a []float32, lda int) bool {
	for j := range n {
		rj := a[j*lda : j*lda+j+1]
		d := rj[j] - bimpl.Sdot(j, rj[:j], 1, rj[:j], 1)
		if !(d > 0) || math.IsNaN(float64(d)) {
			return false
		}
		d = float32(math.Sqrt(float64(d)))
		rj[j] = d
		for i := j + 1; i < n; i++ {
			ri := a[i*lda : i*lda+j+1]
			ri[j] = (ri[j] - bimpl.Sdot(j, ri[:j], 1, rj[:j], 1)) / d
		}
	}
	return true
}

// Refine reports whether SolveRefined is worth using: not with the pure-Go
// float32 Cholesky.
const Refine = false

func dsymvU(n int, a []float64, lda int, x, y []float64) {
	bimpl.Dsymv(blas.Upper, n, -1, a, lda, x, 1, 1, y, 1)
}

func strsvL(t bool, n int, a []float32, lda int, x []float32) {
	bimpl.Strsv(blas.Lower, tr(t), blas.NonUnit, n, a, lda, x, 1)
}

func dtrsvL(t bool, n int, a []float64, lda int, x []float64) {
	bimpl.Dtrsv(blas.Lower, tr(t), blas.NonUnit, n, a, lda, x, 1)
}

// CholKernel names the kernel CholUpper uses.
func CholKernel() string { return "gonum" }

func forcePortable(bool) {}

func dcholu(n int, a []float64, lda int) bool {
	return limpl.Dpotrf(blas.Upper, n, a, lda)
}

// scholu is an unblocked right-looking Cholesky A = UᵀU in float32
// arithmetic on the row-major upper triangle (gonum has no float32 LAPACK).
func scholu(n int, a []float32, lda int) bool {
	for k := range n {
		rk := a[k*lda : k*lda+n]
		d := rk[k]
		if !(d > 0) {
			return false
		}
		d = float32(math.Sqrt(float64(d)))
		rk[k] = d
		bimpl.Sscal(n-k-1, 1/d, rk[k+1:], 1)
		for i := k + 1; i < n; i++ {
			bimpl.Saxpy(n-i, -rk[i], rk[i:], 1, a[i*lda+i:i*lda+n], 1)
		}
	}
	return true
}

func dcholsu(n int, a []float64, lda int, b []float64) {
	bimpl.Dtrsv(blas.Upper, blas.Trans, blas.NonUnit, n, a, lda, b, 1)
	bimpl.Dtrsv(blas.Upper, blas.NoTrans, blas.NonUnit, n, a, lda, b, 1)
}

func scholsu(n int, a []float32, lda int, b []float32) {
	bimpl.Strsv(blas.Upper, blas.Trans, blas.NonUnit, n, a, lda, b, 1)
	bimpl.Strsv(blas.Upper, blas.NoTrans, blas.NonUnit, n, a, lda, b, 1)
}

func sgather(n int, g []float32, ld int, idx []int32, a []float32, lda int) {
	for r := range n {
		row := g[int(idx[r])*ld:]
		dst := a[r*lda : r*lda+n]
		for c := r; c < n; c++ {
			dst[c] = row[idx[c]]
		}
	}
}

func dgather(n int, g []float64, ld int, idx []int32, a []float64, lda int, a32 []float32, rowsum []float64) float64 {
	for r := range n {
		row := g[int(idx[r])*ld:]
		dst, d32 := a[r*lda:r*lda+n], a32[r*lda:r*lda+n]
		for c := r; c < n; c++ {
			v := row[idx[c]]
			dst[c], d32[c] = v, float32(v)
		}
	}
	return normInfUpper(n, a, lda, rowsum)
}
