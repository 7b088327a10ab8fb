package linalg

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSolvers checks the Cholesky solve and the refined mixed-precision
// solve against each other on a random SPD system (condition ~1e3).
func TestSolvers(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	const n, m = 150, 400
	x := make([]float64, m*n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	a := make([]float64, n*n)
	SyrkUpper(true, n, m, 1, x, n, 0, a, n)
	for i := range n {
		a[i*n+i] += 0.5
	}
	b := make([]float64, n)
	for i := range b {
		b[i] = rng.NormFloat64()
	}
	l := append([]float64(nil), a...)
	if !CholUpper(n, l, n) {
		t.Fatal("CholUpper failed on an SPD matrix")
	}
	x1 := append([]float64(nil), b...)
	CholSolveUpper(n, l, n, x1)
	x2 := append([]float64(nil), b...)
	var w RefineWork
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	ag, a32, rs := make([]float64, n*n), make([]float32, n*n), make([]float64, n)
	anrm := GatherUpperMixed(n, a, n, idx, ag, a32, n, rs)
	if want := normInfUpper(n, a, n, rs); math.Abs(anrm-want) > 1e-13*want {
		t.Errorf("GatherUpperMixed norm %v, want %v", anrm, want)
	}
	for i := range n {
		for j := i; j < n; j++ {
			if ag[i*n+j] != a[i*n+j] || a32[i*n+j] != float32(a[i*n+j]) {
				t.Fatalf("GatherUpperMixed (%d,%d) = %v, %v; want %v", i, j, ag[i*n+j], a32[i*n+j], a[i*n+j])
			}
		}
	}
	if !SolveRefined(n, a, a32, n, anrm, x2, &w) {
		t.Fatal("refinement did not converge")
	}
	var d, s float64
	for i := range n {
		d = max(d, math.Abs(x1[i]-x2[i]))
		s = max(s, math.Abs(x1[i]))
	}
	// Both are backward stable in float64: forward errors ~ cond·eps.
	if d/s > 1e-11 {
		t.Errorf("refined vs direct relative difference %.3g (backend %s)", d/s, Backend())
	}
	// Not positive definite: both report failure.
	a[0] = -1
	anrm = GatherUpperMixed(n, a, n, idx, ag, a32, n, rs)
	if SolveRefined(n, a, a32, n, anrm, append([]float64(nil), b...), &w) {
		t.Error("refined solve accepted an indefinite matrix")
	}
	if CholUpper(n, append([]float64(nil), a...), n) {
		t.Error("CholUpper accepted an indefinite matrix")
	}
}
