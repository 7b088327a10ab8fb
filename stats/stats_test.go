package stats

import (
	"math"
	"testing"
)

func TestPearson(t *testing.T) {
	// Values from np.corrcoef([1, 2, 3, 4], [2, 1, 4, 3])[0, 1] = 0.6.
	if r := Pearson([]float64{1, 2, 3, 4}, []float64{2, 1, 4, 3}); math.Abs(r-0.6) > 1e-15 {
		t.Errorf("r = %v, want 0.6", r)
	}
	if r := Pearson([]float64{1, 2, 3}, []float64{3, 2, 1}); r != -1 {
		t.Errorf("anti-correlated r = %v", r)
	}
	// np.corrcoef gives NaN for a constant input.
	if r := Pearson([]float64{1, 1, 1}, []float64{1, 2, 3}); !math.IsNaN(r) {
		t.Errorf("constant input r = %v, want NaN", r)
	}
}
