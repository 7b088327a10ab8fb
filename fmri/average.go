package fmri

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Arithmetic selects the floating-point type MeanByLabel sums in.
type Arithmetic int

const (
	// Float64 averages in float64, as the decoding scripts do
	// (np.mean of the float64 voxel matrix).
	Float64 Arithmetic = iota
	// Float32 casts the trials to float32 and averages in float32, as the
	// encoding scripts do; the result holds the float32 values widened.
	Float32
)

// Label is the type of a trial label: a numeric value (image_index) or a
// string (a stimulus_name label).
type Label interface{ ~float64 | ~string }

// MeanByLabel averages the rows of x (trials) that share a label: one row
// per distinct label, labels in ascending order (np.unique; strings in
// byte order), each row the mean of its trials. The sums run over the
// trials in their order, one row after another, in the chosen precision,
// then divide by the count, which reproduces np.mean(x[labels == l],
// axis=0) bit for bit. It also returns the labels and the number of trials
// of each. A NaN label is an error; len(labels) must equal the rows of x.
func MeanByLabel[L Label](x mat.Matrix, labels []L, prec Arithmetic) (*mat.Dense, []L, []int, error) {
	r, c := x.Dims()
	if len(labels) != r {
		return nil, nil, nil, &Error{Err: fmt.Errorf("%w: %d labels for %d trials", ErrShape, len(labels), r)}
	}
	for i, l := range labels {
		if f, ok := any(l).(float64); ok && math.IsNaN(f) {
			return nil, nil, nil, &Error{Err: fmt.Errorf("%w at trial %d", ErrNaNLabel, i)}
		}
		// Named float types reach here through the generic type set.
		if l != l {
			return nil, nil, nil, &Error{Err: fmt.Errorf("%w at trial %d", ErrNaNLabel, i)}
		}
	}
	uniq := slices.Clone(labels)
	slices.SortFunc(uniq, cmp.Compare[L])
	uniq = slices.Compact(uniq)
	pos := make(map[L]int, len(uniq))
	for i, l := range uniq {
		pos[l] = i
	}
	counts := make([]int, len(uniq))
	out := mat.NewDense(len(uniq), c, nil)
	row := make([]float64, c)
	switch prec {
	case Float32:
		acc := make([]float32, len(uniq)*c)
		for i, l := range labels {
			k := pos[l]
			counts[k]++
			mat.Row(row, i, x)
			a := acc[k*c : (k+1)*c]
			for j, v := range row {
				a[j] += float32(v)
			}
		}
		for k := range uniq {
			n := float32(counts[k])
			dst := out.RawRowView(k)
			for j, v := range acc[k*c : (k+1)*c] {
				dst[j] = float64(v / n)
			}
		}
	default:
		for i, l := range labels {
			k := pos[l]
			counts[k]++
			mat.Row(row, i, x)
			dst := out.RawRowView(k)
			for j, v := range row {
				dst[j] += v
			}
		}
		for k := range uniq {
			n := float64(counts[k])
			dst := out.RawRowView(k)
			for j := range dst {
				dst[j] /= n
			}
		}
	}
	return out, uniq, counts, nil
}
