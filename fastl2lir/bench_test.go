package fastl2lir

import (
	"context"
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"
)

// Benchmarks of issues 4 and 16. Sizes: W1 = X 6000×1000 → Y 6000×1000,
// α 100, n_feat 500 (one paper-scale decoding job's fit); V2000 the same
// with 2,000 inputs; primal/dual the no-selection branches; FitImages the
// paper-scale encoding fit (1,200 images × 5 repeats, 1,000 units → 1,000
// voxels, float32 as the encoding scripts). Each also reports cpu-s/op,
// the process's user + system CPU time per fit: on a shared machine it is
// steadier than the wall time (ns/op), which on an idle 2-core machine is
// about half of it.
func BenchmarkFit(b *testing.B) {
	for _, c := range []struct {
		name       string
		n, p, q, k int
		prec       Precision
	}{
		{"W1-quarter", 1500, 250, 250, 125, Float64},
		{"W1", 6000, 1000, 1000, 500, Float64},
		{"W1-float32", 6000, 1000, 1000, 500, Float32},
		{"V2000", 6000, 2000, 1000, 500, Float64},
		{"primal-6000x1000", 6000, 1000, 1000, 0, Float64},
		{"dual-1200x8000", 1200, 8000, 1000, 0, Float64},
	} {
		b.Run(c.name, func(b *testing.B) {
			x, y := randProblem(1, c.n, c.p, c.q)
			o := &Options{Alpha: 100, NFeat: c.k, Precision: c.prec}
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				if _, err := Fit(context.Background(), x, y, o); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu0)
		})
	}
}

// BenchmarkFitImages is the paper-scale encoding fit from image-level
// statistics.
func BenchmarkFitImages(b *testing.B) {
	for _, prec := range []Precision{Float32, Float64} {
		b.Run(fmt.Sprintf("paper-encode-%v", prec), func(b *testing.B) {
			x, index, y := imageProblem(1200, 5, 1000, 1000)
			o := &Options{Alpha: 100, NFeat: 500, Precision: prec}
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				if _, err := FitImages(context.Background(), x, index, y, o); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu0)
		})
	}
}

// BenchmarkPredict predicts 250 test trials (50 images × 5) of a W1-sized
// model, as a decoding job does.
func BenchmarkPredict(b *testing.B) {
	x, y := randProblem(1, 1500, 1000, 1000)
	m, err := Fit(context.Background(), x, y, &Options{Alpha: 100, NFeat: 500})
	if err != nil {
		b.Fatal(err)
	}
	xt, _ := randProblem(2, 250, 1000, 1)
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		if _, err := m.Predict(xt); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu0)
}

// BenchmarkWholeLayer is the whole-layer encoding at reduced size: 1200
// images × 5 repeats, p units, 100 voxels, n_feat 500, float32 (the
// encoding scripts' precision).
func BenchmarkWholeLayer(b *testing.B) {
	for _, p := range []int{5000, 20000} {
		b.Run(fmt.Sprintf("p=%d", p), func(b *testing.B) {
			x, index, y := imageProblem(1200, 5, p, 100)
			o := &Options{Alpha: 100, NFeat: 500, Precision: Float32}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := FitImages(context.Background(), x, index, y, o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// imageProblem returns m distinct input rows of p units, the trial index of
// m·reps trials (each image reps times) and q targets per trial.
func imageProblem(m, reps, p, q int) (x *mat.Dense, index []int, y *mat.Dense) {
	x, _ = randProblem(3, m, p, 1)
	index = make([]int, m*reps)
	for t := range index {
		index[t] = t % m
	}
	_, y = randProblem(4, m*reps, 10, q)
	return x, index, y
}

// cpuTime returns the process's user + system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
}

// BenchmarkFitStreamGroups runs the streamed fit of
// TestFitStreamBoundedMemory's "many groups" case: 100 images x 200,000
// generated units, two problems of 1,500 targets, n_feat 50, float32, a
// 48 MiB budget, so that the solve pass gathers its columns in 5 groups.
func BenchmarkFitStreamGroups(b *testing.B) {
	const m, p, q = 100, 200_000, 1500
	rng := rand.New(rand.NewPCG(4, 4))
	y := mat.NewDense(3*m, q, nil)
	index := make([]int, 3*m)
	for t := range index {
		index[t] = t % m
		for j := range q {
			y.Set(t, j, rng.NormFloat64())
		}
	}
	probs := []Problem{{Index: index, Y: y}, {Index: index, Y: y}}
	o := &StreamOptions{Options: Options{Alpha: 100, NFeat: 50, Precision: Float32, Workers: 2}, Memory: 48 << 20}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FitStream(context.Background(), genSource{m}, m, p, probs, o); err != nil {
			b.Fatal(err)
		}
	}
}
