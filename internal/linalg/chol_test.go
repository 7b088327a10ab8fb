package linalg

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"syscall"
	"testing"
	"time"
)

// sentinel fills what CholUpper must not touch; it is large, so that
// reading it into the factorisation would show in the residual.
const sentinel = 1e6

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
	// A guard region after the matrix, and the strict lower triangle, hold
	// a sentinel that must be neither read nor written.
	a = make([]T, n*ld+64)[:n*ld]
	for i := range a[:cap(a)] {
		a[:cap(a)][i] = sentinel
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
		for j := range ld {
			if (j < i || j >= n) && a[i*ld+j] != sentinel {
				t.Fatalf("n=%d ld=%d: written outside the upper triangle at (%d,%d)", n, ld, i, j)
			}
		}
	}
	for i, v := range a[len(a):cap(a)] {
		if v != sentinel {
			t.Fatalf("n=%d ld=%d: written %d past the end", n, ld, i)
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
	cpu0 := cpuTime()
	for b.Loop() {
		copy(w, a)
		if !CholUpper(n, w, n) {
			b.Fatal("not SPD")
		}
	}
	// CPU time, not wall time: robust to other processes on a shared machine.
	cpu := (cpuTime() - cpu0).Seconds() / float64(b.N)
	b.ReportMetric(cpu*1e3, "cpu-ms/op")
	b.ReportMetric(float64(n)*float64(n)*float64(n)/3/cpu/1e9, "GFLOPS/cpu")
}

// cpuTime returns the process's user + system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestGatherUpper checks the gathers against direct indexing, for both
// kernels, including sizes that are not multiples of the vector width.
func TestGatherUpper(t *testing.T) {
	kernels := []bool{false}
	if CholKernel() == "avx512" {
		kernels = append(kernels, true)
	}
	defer forcePortable(false)
	rng := rand.New(rand.NewPCG(3, 4))
	const p = 97
	ld := p + 3
	g64 := make([]float64, p*ld)
	g32 := make([]float32, p*ld)
	for i := range g64 {
		g64[i] = rng.NormFloat64()
		g32[i] = float32(g64[i])
	}
	for _, portable := range kernels {
		forcePortable(portable)
		for _, n := range []int{1, 7, 8, 9, 16, 17, 33, 60} {
			idx := make([]int32, 0, n)
			for _, i := range rng.Perm(p)[:n] {
				idx = append(idx, int32(i))
			}
			slices.Sort(idx)
			lda := n + 2
			a64, a32, b32 := make([]float64, n*lda), make([]float32, n*lda), make([]float32, n*lda)
			rs := make([]float64, n)
			GatherUpperMixed(n, g64, ld, idx, a64, a32, lda, rs)
			GatherUpper(n, g32, ld, idx, b32, lda)
			for r := range n {
				for c := r; c < n; c++ {
					want := g64[int(idx[r])*ld+int(idx[c])]
					if a64[r*lda+c] != want || a32[r*lda+c] != float32(want) || b32[r*lda+c] != float32(want) {
						t.Fatalf("%s n=%d (%d,%d): got %v %v %v, want %v", CholKernel(), n, r, c, a64[r*lda+c], a32[r*lda+c], b32[r*lda+c], want)
					}
				}
			}
		}
	}
}

// BenchmarkGather gathers the 501² systems of W1 (p = 1000, k = 500, plus
// the bias) from a float64 Gram matrix, cycling through 16 selections.
func BenchmarkGather(b *testing.B) {
	const p, k = 1000, 500
	ld := p + 1
	rng := rand.New(rand.NewPCG(5, 6))
	g := make([]float64, ld*ld)
	for i := range g {
		g[i] = rng.NormFloat64()
	}
	var sels [16][]int32
	for s := range sels {
		for _, i := range rng.Perm(p)[:k] {
			sels[s] = append(sels[s], int32(i))
		}
		slices.Sort(sels[s])
		sels[s] = append(sels[s], p)
	}
	const n = k + 1
	a, a32, rs := make([]float64, n*n), make([]float32, n*n), make([]float64, n)
	cpu0 := cpuTime()
	i := 0
	for b.Loop() {
		GatherUpperMixed(n, g, ld, sels[i%16], a, a32, n, rs)
		i++
	}
	b.ReportMetric((cpuTime()-cpu0).Seconds()*1e3/float64(b.N), "cpu-ms/op")
}
