package linalg

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/lapack/gonum"
)

// SolveLU solves the general n×n system A*X = B in place in b (n×nrhs,
// row-major) by LU with partial pivoting, overwriting a. It reports false
// when A is exactly singular. It is the fallback for systems that are not
// positive definite and always runs in pure Go.
func SolveLU(n, nrhs int, a []float64, lda int, b []float64, ldb int) bool {
	if n == 0 {
		return true
	}
	var impl gonum.Implementation
	ipiv := make([]int, n)
	if !impl.Dgetrf(n, n, a, lda, ipiv) {
		return false
	}
	impl.Dgetrs(blas.NoTrans, n, nrhs, a, lda, ipiv, b, ldb)
	return true
}
