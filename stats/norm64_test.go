package stats

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/brainhierarchy/bhscore/internal/npsum"
)

// atOnly hides a Dense's raw data, so NormOf64 takes its At path.
type atOnly struct{ mat.Matrix }

// TestNormOf64Paths checks that the raw-data path (a view with a stride
// wider than its columns, and a width that is not a multiple of the copy
// block) gives bitwise the values of the At path and of npsum on each
// column alone (numpy's order, tested against numpy in internal/npsum).
func TestNormOf64Paths(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	full := mat.NewDense(301, 23, nil)
	for i := range 301 {
		for j := range 23 {
			full.Set(i, j, 1e3*r.NormFloat64()+float64(j))
		}
	}
	x := full.Slice(0, 301, 2, 21).(*mat.Dense) // 19 columns, stride 23
	mean, std, n := NormOf64(x)
	m2, s2, n2 := NormOf64(atOnly{x})
	col := make([]float64, 301)
	for j := range 19 {
		mat.Col(col, j, x)
		wm, ws := npsum.MeanStd(col, 301, 1, 1, nil)
		if mean[j] != wm || std[j] != ws || m2[j] != wm || s2[j] != ws {
			t.Fatalf("column %d: raw %v %v, At %v %v, want %v %v", j, mean[j], std[j], m2[j], s2[j], wm, ws)
		}
		if n.Mean[j] != float32(wm) || n.Std[j] != float32(ws) || n2.Mean[j] != n.Mean[j] {
			t.Fatalf("column %d: float32 roundings differ", j)
		}
	}
}

// BenchmarkNormOf64 takes the statistics of a paper-size decoding ROI's
// training fMRI (6,000 trials x 1,000 voxels, float64).
func BenchmarkNormOf64(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	x := mat.NewDense(6000, 1000, nil)
	for i := range 6000 {
		for j := range 1000 {
			x.Set(i, j, r.NormFloat64())
		}
	}
	for b.Loop() {
		NormOf64(x)
	}
}
