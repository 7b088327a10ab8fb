package linalg

import (
	"math"
)

// RefineWork is scratch space for SolveRefined, reusable across calls.
type RefineWork struct {
	r, x   []float64
	d      []float32
	maxDim int
}

// SolveRefined solves the symmetric positive definite system A x = b in
// float64 accuracy with a float32 Cholesky factorisation and float64
// iterative refinement, the method of LAPACK's dsposv: it stops when the
// residual satisfies ‖b − A x‖∞ ≤ ‖x‖∞ ‖A‖∞ ε √n (a backward error as
// small as a float64 Cholesky solve gives). a holds the upper triangle
// (row-major, leading dimension lda) and is not modified; a32 holds its
// float32 rounding (same layout) and is overwritten by its Cholesky
// factor; anrm is ‖A‖∞ (GatherUpperMixed returns all three). On success b
// is overwritten with x and it reports true; it reports false, leaving b
// unchanged, when the float32 factorisation fails or refinement does not
// converge in 30 steps; callers then use a float64 factorisation.
func SolveRefined(n int, a []float64, a32 []float32, lda int, anrm float64, b []float64, w *RefineWork) bool {
	if n == 0 {
		return true
	}
	if n > w.maxDim {
		w.r = make([]float64, n)
		w.x = make([]float64, n)
		w.d = make([]float32, n)
		w.maxDim = n
	}
	r, x, d := w.r[:n], w.x[:n], w.d[:n]
	// Every |a_ij| <= ‖A‖∞: below this bound nothing overflows float32.
	if !(anrm < 1e37) || !CholUpper(n, a32, lda) {
		return false
	}
	eps := 0x1p-53
	cte := anrm * eps * math.Sqrt(float64(n))
	clear(x)
	copy(r, b)
	for range 30 {
		for i, v := range r {
			d[i] = float32(v)
		}
		CholSolveUpper(n, a32, lda, d)
		for i, v := range d {
			x[i] += float64(v)
		}
		copy(r, b)
		dsymvU(n, a, lda, x, r) // r = b - A x
		var xn, rn float64
		for i := range n {
			xn = max(xn, math.Abs(x[i]))
			rn = max(rn, math.Abs(r[i]))
		}
		if math.IsNaN(rn) || math.IsNaN(xn) {
			return false
		}
		if rn <= xn*cte {
			copy(b, x)
			return true
		}
	}
	return false
}
