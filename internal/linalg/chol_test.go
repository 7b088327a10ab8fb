package linalg

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// spdUpper returns the row-major upper triangle (leading dimension ld) of a
// random SPD matrix XᵀX + αI with X m×n, its full float64 copy, and b.
func spdUpper[T Float](rng *rand.Rand, n, ld int) (a []T, full, b []float64) {
	m := n + 20
	x := make([]float64, m*n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	full = make([]float64, n*n)
	for i := range n {
		for j := range n {
			var s float64
			for r := range m {
				s += x[r*n+i] * x[r*n+j]
			}
			full[i*n+j] = s
		}
		full[i*n+i] += 10
	}
	a = make([]T, n*ld)
	for i := range a {
		a[i] = T(math.NaN()) // the strict lower triangle must not be read
	}
	for i := range n {
		for j := i; j < n; j++ {
			a[i*ld+j] = T(full[i*n+j])
		}
	}
	b = make([]float64, n)
	for i := range b {
		b[i] = rng.NormFloat64()
	}
	return a, full, b
}

// checkCholUpper factors and solves, and returns the relative residual
// ‖b − A x‖∞ / (‖A‖∞ ‖x‖∞).
func checkCholUpper[T Float](t *testing.T, n, ld int) float64 {
	rng := rand.New(rand.NewPCG(uint64(n), uint64(ld)))
	a, full, b := spdUpper[T](rng, n, ld)
	if !CholUpper(n, a, ld) {
		t.Fatalf("n=%d: CholUpper rejected an SPD matrix", n)
	}
	for i := range n {
		for j := range i {
			if v := float64(a[i*ld+j]); !math.IsNaN(v) {
				t.Fatalf("n=%d: strict lower triangle written at (%d,%d)", n, i, j)
			}
		}
	}
	x := make([]T, n)
	for i := range x {
		x[i] = T(b[i])
	}
	CholSolveUpper(n, a, ld, x)
	var rn, an, xn float64
	for i := range n {
		r := float64(T(b[i]))
		var rs float64
		for j := range n {
			r -= full[i*n+j] * float64(x[j])
			rs += math.Abs(full[i*n+j])
		}
		rn = max(rn, math.Abs(r))
		an = max(an, rs)
		xn = max(xn, math.Abs(float64(x[i])))
	}
	return rn / (an * xn)
}

func TestCholUpper(t *testing.T) {
	kernels := []bool{false}
	if CholKernel() == "avx512" {
		kernels = append(kernels, true) // also the portable path
	}
	defer forcePortable(false)
	for _, portable := range kernels {
		forcePortable(portable)
		for _, n := range []int{1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 40, 63, 64, 65, 100, 129, 501} {
			for _, ld := range []int{n, n + 5} {
				name := fmt.Sprintf("%s/n=%d/ld=%d", CholKernel(), n, ld)
				if r := checkCholUpper[float64](t, n, ld); r > 1e-15 {
					t.Errorf("%s float64: relative residual %.3g", name, r)
				}
				if r := checkCholUpper[float32](t, n, ld); r > 1e-6 {
					t.Errorf("%s float32: relative residual %.3g", name, r)
				}
			}
		}
		// Not positive definite, and NaN on the diagonal.
		for _, bad := range []float64{-1, math.NaN()} {
			a := []float64{4, 1, 0, 1, 3, 0, 0, 0, 0}
			a[4] = bad
			if CholUpper(3, a, 3) {
				t.Errorf("%s: accepted diagonal %v", CholKernel(), bad)
			}
			a32 := []float32{4, 1, 0, 1, float32(bad), 0, 0, 0, 0}
			if CholUpper(3, a32, 3) {
				t.Errorf("%s: float32 accepted diagonal %v", CholKernel(), bad)
			}
		}
	}
}

func BenchmarkCholUpper(b *testing.B) {
	for _, n := range []int{501} {
		b.Run(fmt.Sprintf("float64/n=%d", n), func(b *testing.B) { benchChol[float64](b, n) })
		b.Run(fmt.Sprintf("float32/n=%d", n), func(b *testing.B) { benchChol[float32](b, n) })
	}
}

func benchChol[T Float](b *testing.B, n int) {
	rng := rand.New(rand.NewPCG(1, 2))
	a, _, _ := spdUpper[T](rng, n, n)
	w := make([]T, len(a))
	b.ReportMetric(0, "ns/op")
	for b.Loop() {
		copy(w, a)
		if !CholUpper(n, w, n) {
			b.Fatal("not SPD")
		}
	}
	b.ReportMetric(float64(n)*float64(n)*float64(n)/3/b.Elapsed().Seconds()*float64(b.N)/1e9, "GFLOPS")
}
