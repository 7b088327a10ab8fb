package stats

import "math"

// Pearson returns the Pearson correlation of a and b as
// np.corrcoef(a, b)[0, 1] computes it in float64: deviations from the
// means, covariance over the product of the standard deviations (all with
// ddof 1), clipped to [-1, 1]. It is NaN where either holds NaN or is
// constant. a and b must have the same length.
func Pearson(a, b []float64) float64 {
	if len(a) != len(b) {
		panic("stats: length mismatch")
	}
	n := float64(len(a))
	var ma, mb float64
	for i := range a {
		ma += a[i]
		mb += b[i]
	}
	ma /= n
	mb /= n
	var saa, sbb, sab float64
	for i := range a {
		da, db := a[i]-ma, b[i]-mb
		saa += da * da
		sbb += db * db
		sab += da * db
	}
	f := n - 1
	r := (sab / f) / math.Sqrt(saa/f) / math.Sqrt(sbb/f)
	if r > 1 {
		r = 1
	} else if r < -1 {
		r = -1
	}
	return r
}
