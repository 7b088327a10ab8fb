package linalg

// Float is the element type of the kernels.
type Float interface{ float32 | float64 }

// Gemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices, where
// op(A) is m×k, op(B) is k×n and C is m×n; tA and tB select transposition.
func Gemm[T Float](tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		scale(m, n, beta, c, ldc)
		return
	}
	switch a := any(a).(type) {
	case []float64:
		dgemm(tA, tB, m, n, k, float64(alpha), a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	case []float32:
		sgemm(tA, tB, m, n, k, float32(alpha), a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	}
}

// SyrkLower computes the lower triangle of C = alpha*A*Aᵀ + beta*C (trans
// false, A is n×k) or C = alpha*Aᵀ*A + beta*C (trans true, A is k×n). The
// strict upper triangle of C is not referenced.
func SyrkLower[T Float](trans bool, n, k int, alpha T, a []T, lda int, beta T, c []T, ldc int) {
	if n == 0 {
		return
	}
	if k == 0 {
		for i := range n {
			for j := 0; j <= i; j++ {
				c[i*ldc+j] *= beta
			}
		}
		return
	}
	switch a := any(a).(type) {
	case []float64:
		dsyrk(false, trans, n, k, float64(alpha), a, lda, float64(beta), any(c).([]float64), ldc)
	case []float32:
		ssyrk(false, trans, n, k, float32(alpha), a, lda, float32(beta), any(c).([]float32), ldc)
	}
}

// SyrkUpper is SyrkLower for the upper triangle of C: the strict lower
// triangle of C is not referenced.
func SyrkUpper[T Float](trans bool, n, k int, alpha T, a []T, lda int, beta T, c []T, ldc int) {
	if n == 0 {
		return
	}
	if k == 0 {
		for i := range n {
			for j := i; j < n; j++ {
				c[i*ldc+j] *= beta
			}
		}
		return
	}
	switch a := any(a).(type) {
	case []float64:
		dsyrk(true, trans, n, k, float64(alpha), a, lda, float64(beta), any(c).([]float64), ldc)
	case []float32:
		ssyrk(true, trans, n, k, float32(alpha), a, lda, float32(beta), any(c).([]float32), ldc)
	}
}

// CholUpper overwrites the upper triangle of the symmetric n×n matrix a
// (row-major, leading dimension lda) with its Cholesky factor U, A = UᵀU.
// The strict lower triangle is not referenced. It reports false when a is
// not positive definite (or NaN reaches a pivot); a is then partly
// overwritten. With cgo on a CPU with AVX-512F it runs a blocked AVX-512
// kernel written for the few-hundred-row systems of feature selection
// (several times OpenBLAS 0.3.21's potrf at that size), else OpenBLAS.
func CholUpper[T Float](n int, a []T, lda int) bool {
	if n == 0 {
		return true
	}
	switch a := any(a).(type) {
	case []float64:
		return dcholu(n, a, lda)
	case []float32:
		return scholu(n, a, lda)
	}
	panic("unreachable")
}

// CholSolveUpper solves A x = b in place in b (length n) given the factor
// U of A from CholUpper.
func CholSolveUpper[T Float](n int, a []T, lda int, b []T) {
	if n == 0 {
		return
	}
	switch a := any(a).(type) {
	case []float64:
		dcholsu(n, a, lda, any(b).([]float64))
	case []float32:
		scholsu(n, a, lda, any(b).([]float32))
	}
}

// PotrfLower overwrites the lower triangle of the symmetric n×n matrix a
// with its Cholesky factor L (A = L*Lᵀ). It reports false when a is not
// positive definite (or holds NaN); a is then partly overwritten.
func PotrfLower[T Float](n int, a []T, lda int) bool {
	if n == 0 {
		return true
	}
	switch a := any(a).(type) {
	case []float64:
		return dpotrf(n, a, lda)
	case []float32:
		return spotrf(n, a, lda)
	}
	panic("unreachable")
}

// PotrsLower solves A*X = B in place in b (n×nrhs) given the Cholesky factor
// of A from PotrfLower.
func PotrsLower[T Float](n, nrhs int, a []T, lda int, b []T, ldb int) {
	if n == 0 || nrhs == 0 {
		return
	}
	if nrhs == 1 && ldb == 1 {
		switch a := any(a).(type) {
		case []float64:
			dtrsvL(false, n, a, lda, any(b).([]float64))
			dtrsvL(true, n, a, lda, any(b).([]float64))
		case []float32:
			strsvL(false, n, a, lda, any(b).([]float32))
			strsvL(true, n, a, lda, any(b).([]float32))
		}
		return
	}
	switch a := any(a).(type) {
	case []float64:
		dtrsmL(false, n, nrhs, a, lda, any(b).([]float64), ldb)
		dtrsmL(true, n, nrhs, a, lda, any(b).([]float64), ldb)
	case []float32:
		strsmL(false, n, nrhs, a, lda, any(b).([]float32), ldb)
		strsmL(true, n, nrhs, a, lda, any(b).([]float32), ldb)
	}
}

func scale[T Float](m, n int, beta T, c []T, ldc int) {
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		for j := range row {
			if beta == 0 {
				row[j] = 0
			} else {
				row[j] *= beta
			}
		}
	}
}
