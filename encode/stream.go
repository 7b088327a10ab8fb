package encode

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/brainhierarchy/bhscore/bdmodel"
	"github.com/brainhierarchy/bhscore/fastl2lir"
	"github.com/brainhierarchy/bhscore/features"
	"github.com/brainhierarchy/bhscore/fmri"
	"github.com/brainhierarchy/bhscore/stats"
)

// Target is one ROI's training data for TrainStream: trials x voxels and
// each trial's stimulus_name label.
type Target struct {
	Y      mat.Matrix
	Labels []string
}

// StreamOptions configures TrainStream: the solver settings of Options
// plus the memory budget.
type StreamOptions struct {
	Options
	// Memory is the budget in bytes for the whole fit, inputs included
	// (0: 3/4 of the machine's memory, see internal/memplan).
	Memory int64
	// BlockUnits, if > 0, fixes the units per block of the correlation
	// pass (rounded up to a multiple of fastl2lir.ColumnAlign).
	BlockUnits int
	// UnitsProgress, if not nil, is called after each block of the
	// correlation pass with the units read and the layer's units; the
	// solve pass reports voxels through Options.Progress.
	UnitsProgress func(done, total int)
}

// InMemoryBytes estimates the peak memory of Train on a layer of m images
// x units units for an ROI of trials x voxels: the layer and its Fortran,
// normalised and float64 copies, the solver's copy and the dense weights.
// Analyses stream layers (TrainStream) whose estimate exceeds their budget.
func InMemoryBytes(m, units, trials, voxels int) int64 {
	mu := int64(m) * int64(units)
	return mu*(4+4+4+8+4) + int64(units)*int64(voxels)*8 + int64(trials)*int64(voxels)*(8+4+4+8)
}

// sourceColumnBytes is what normSource holds per column of a block beyond
// FitStream's own block: the row-major copy and its normalised form.
const sourceColumnBytes = 2 * 4

// TrainStream fits the encoders of several ROIs (e.g. every subject and
// ROI) from one DNN layer in one pass over its units: train holds the
// layer's training images with units in Fortran order (features.OpenColumns
// with Order Fortran), read block by block; no copy of the whole layer is
// ever made, so layers far larger than memory can be encoded from all
// their units. The result equals Train's for every target, bitwise, when
// Train builds each voxel's system from its selected units (which it does
// for every layer too large for memory; see fastl2lir.FitStream), and the
// encoders hold their weights per voxel (Encoder.Sparse).
//
// Before reading any feature, the memory plan (fastl2lir.PlanStream) is
// checked against o.Memory; an impossible plan fails at once with the
// numbers.
func TrainStream(ctx context.Context, train *features.Columns, targets []Target, o *StreamOptions) ([]*Encoder, error) {
	if o == nil {
		o = &StreamOptions{}
	}
	if train.Order() != features.Fortran && len(train.Shape()) > 1 {
		return nil, fmt.Errorf("encode: layer %s: TrainStream needs units in Fortran order", train.Name())
	}
	m, u := train.Rows(), train.Units()
	stems := train.Labels()
	if m < 2 {
		return nil, fmt.Errorf("encode: layer %s: need at least 2 images (have %d)", train.Name(), m)
	}
	probs := make([]fastl2lir.Problem, len(targets))
	yns := make([]stats.Norm, len(targets))
	var yBytes int64
	for i, t := range targets {
		n, v := t.Y.Dims()
		if len(t.Labels) != n {
			return nil, fmt.Errorf("encode: target %d: %d trials but %d labels", i, n, len(t.Labels))
		}
		if n < 2 {
			return nil, fmt.Errorf("encode: layer %s: target %d: need at least 2 trials (have %d)", train.Name(), i, n)
		}
		index, err := rowsOf(t.Labels, stems)
		if err != nil {
			return nil, fmt.Errorf("encode: layer %s: target %d: training fMRI: %w", train.Name(), i, err)
		}
		ys, yn := normTargets(t.Y)
		probs[i], yns[i] = fastl2lir.Problem{Index: index, Y: ys}, yn
		yBytes += int64(n) * int64(v) * 8
	}
	src := &normSource{cols: train, m: m, u: u, order: streamOrder(train), zeroInf: true,
		norm: stats.Norm{Mean: make([]float32, u), Std: make([]float32, u)}}
	so := &fastl2lir.StreamOptions{
		Options:           *o.solver(),
		Memory:            o.Memory,
		BlockColumns:      o.BlockUnits,
		SourceColumnBytes: sourceColumnBytes * int64(m),
		ColumnsProgress:   o.UnitsProgress,
	}
	if so.Memory > 0 {
		// The normalised targets are held throughout (the caller's own
		// copies are counted by the caller).
		so.Memory -= yBytes + readerReserve(train, m)
	}
	sparse, err := fastl2lir.FitStream(ctx, src, m, u, probs, so)
	if err != nil {
		return nil, fmt.Errorf("encode: layer %s: %w", train.Name(), err)
	}
	out := make([]*Encoder, len(sparse))
	for i, s := range sparse {
		for k, w := range s.W {
			s.W[k] = float64(float32(w))
		}
		for j, b := range s.B {
			s.B[j] = float64(float32(b))
		}
		out[i] = &Encoder{Sparse: s, X: src.norm, Y: yns[i], Shape: train.Shape()}
	}
	return out, nil
}

// readerReserve is the memory a Columns reader holds while reading: one
// unit block of every image, stored and expanded.
func readerReserve(c *features.Columns, m int) int64 {
	return 2 * int64(c.BlockUnits()) * int64(m) * 4
}

// streamOrder is numpyOrder for a streamed layer.
func streamOrder(c *features.Columns) features.Order {
	idx, _ := c.Index()
	if idx != nil || len(c.Shape()) > 1 {
		return features.Fortran
	}
	return features.C
}

// normTargets returns y cast to float32, normalised as Train does, widened
// to float64, and the voxel statistics.
func normTargets(y mat.Matrix) (*mat.Dense, stats.Norm) {
	n, v := y.Dims()
	y32 := make([]float32, n*v)
	for i := range n {
		for j := range v {
			y32[i*v+j] = float32(y.At(i, j))
		}
	}
	yn := stats.NormOf32(y32, n, v, features.Fortran) // BData.select's order
	yz := yn.Normalize32(y32, n, v, true)
	return mat.NewDense(n, v, widen(yz)), yn
}

// normSource reads a layer's units in Fortran order block by block and
// normalises them as Train does: with statistics over the images computed
// on first reading each unit (training) or given (prediction).
type normSource struct {
	cols    *features.Columns
	m, u    int
	order   features.Order // memory order of the script's matrix (stats)
	zeroInf bool
	norm    stats.Norm // per unit; filled as blocks are read when training
	done    int        // units [0, done) have statistics (training)
	fixed   bool       // norm is given
}

func (s *normSource) ReadColumns(ctx context.Context, j0, j1 int, dst []float32) error {
	m := s.m
	bw := j1 - j0
	if err := s.cols.Read(ctx, j0, j1, dst); err != nil {
		return err
	}
	if !s.fixed && j1 > s.done {
		if j0 > s.done {
			return fmt.Errorf("encode: internal error: units %d-%d read before %d", j0, j1, s.done)
		}
		rows := make([]float32, m*bw) // row-major, as the in-memory path holds it
		for i := range bw {
			for r := range m {
				rows[r*bw+i] = dst[i*m+r]
			}
		}
		n := s.statsOf(ctx, rows, j0, j1)
		if n.Mean == nil {
			return fmt.Errorf("encode: reading unit %d: %w", j0-1, ctx.Err())
		}
		copy(s.norm.Mean[j0:j1], n.Mean)
		copy(s.norm.Std[j0:j1], n.Std)
		s.done = j1
	}
	sub := stats.Norm{Mean: s.norm.Mean[j0:j1], Std: s.norm.Std[j0:j1]}
	sub.NormalizeColumns32(dst[:m*bw], m, s.zeroInf)
	return nil
}

// statsOf returns the statistics of units [j0, j1) given their values
// (row-major), as stats.NormOf32 computes them over the whole layer. A
// single unit of a C-ordered layer of several units is summed row by row
// there, not pairwise as NormOf32 sums a one-column matrix: it is computed
// beside its neighbour.
func (s *normSource) statsOf(ctx context.Context, rows []float32, j0, j1 int) stats.Norm {
	m, bw := s.m, j1-j0
	if bw > 1 || s.u == 1 || s.order == features.Fortran {
		return stats.NormOf32(rows, m, bw, s.order)
	}
	pair := make([]float32, 2*m)
	if err := s.cols.Read(ctx, j0-1, j1, pair); err != nil {
		return stats.Norm{}
	}
	two := make([]float32, 2*m)
	for r := range m {
		two[2*r], two[2*r+1] = pair[r], pair[m+r]
	}
	n := stats.NormOf32(two, m, 2, s.order)
	return stats.Norm{Mean: n.Mean[1:], Std: n.Std[1:]}
}

// PredictColumns returns the de-normalised encoded voxels (images x
// voxels) of the images in feat (units in Fortran order), reading only the
// units the encoder selected; for an encoder of TrainStream (Sparse).
// Values equal Predict's to rounding (the sums run in another order).
func (e *Encoder) PredictColumns(ctx context.Context, feat *features.Columns) (*mat.Dense, error) {
	if e.Sparse == nil {
		return nil, fmt.Errorf("encode: layer %s: PredictColumns needs an encoder stored per voxel", feat.Name())
	}
	if !slices.Equal(feat.Shape(), e.Shape) {
		return nil, fmt.Errorf("encode: layer %s: unit shape %v, encoder %v", feat.Name(), feat.Shape(), e.Shape)
	}
	if feat.Order() != features.Fortran && len(e.Shape) > 1 {
		return nil, fmt.Errorf("encode: layer %s: PredictColumns needs units in Fortran order", feat.Name())
	}
	src := &normSource{cols: feat, m: feat.Rows(), u: feat.Units(), norm: e.X, fixed: true}
	y, err := e.Sparse.PredictColumns(ctx, src, feat.Rows())
	if err != nil {
		return nil, fmt.Errorf("encode: layer %s: %w", feat.Name(), err)
	}
	bdmodel.Denormalize(y, e.Y.Mean, e.Y.Std)
	return y, nil
}

// TestColumns is Test for an encoder of TrainStream: the test images'
// units are read from feat (Fortran order), only those the encoder uses.
func TestColumns(ctx context.Context, e *Encoder, feat *features.Columns, y mat.Matrix, labels []string) (*Result, error) {
	pred, err := e.PredictColumns(ctx, feat)
	if err != nil {
		return nil, err
	}
	return score(feat.Name(), feat.Labels(), pred, y, labels)
}

// score compares predictions of the test images stems (sorted) with the
// test trials y averaged per stimulus label.
func score(layer string, stems []string, pred *mat.Dense, y mat.Matrix, labels []string) (*Result, error) {
	avg, ulabels, _, err := fmri.MeanByLabel(y, labels, fmri.Float32)
	if err != nil {
		return nil, fmt.Errorf("encode: layer %s: test fMRI: %w", layer, err)
	}
	rows := make([]int, len(stems))
	for i, stem := range stems {
		k := sort.SearchStrings(ulabels, stem)
		if k == len(ulabels) || ulabels[k] != stem {
			return nil, fmt.Errorf("encode: layer %s: test image %q has no fMRI trials", layer, stem)
		}
		rows[i] = k
	}
	_, v := avg.Dims()
	if _, pv := pred.Dims(); pv != v {
		return nil, fmt.Errorf("encode: layer %s: %d test voxels, encoder has %d", layer, v, pv)
	}
	truth := mat.NewDense(len(rows), v, nil)
	for i, r := range rows {
		truth.SetRow(i, avg.RawRowView(r))
	}
	return &Result{
		Labels:   slices.Clone(stems),
		Pred:     pred,
		Truth:    truth,
		Accuracy: stats.ProfileCorrelation(pred, truth),
	}, nil
}
