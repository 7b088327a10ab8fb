package hierarchy

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/brainhierarchy/bhscore/internal/nprand"
)

// DefaultMaxVoxels is the notebook's per-subject voxel subsample size for
// encoding scores.
const DefaultMaxVoxels = 1000

// Subsample returns acc when len(acc) <= n, otherwise the n values
// np.random.seed(seed); np.random.choice(acc, n, replace=False) returns
// (bit-exact with numpy's legacy RandomState). The result is a new slice
// in both cases.
func Subsample[T any](acc []T, n int, seed uint32) []T {
	if len(acc) <= n {
		return slices.Clone(acc)
	}
	idx := nprand.New(seed).Choice(len(acc), n, false)
	out := make([]T, n)
	for i, j := range idx {
		out[i] = acc[j]
	}
	return out
}

// Source yields the accuracies of one (layer, subject, ROI) job as a flat
// slice in C order (numpy's flatten()), e.g. the float32 "accuracy"
// variable of an accuracy.mat file.
type Source interface {
	Accuracy(ctx context.Context, layer, subject, roi string) ([]float32, error)
}

// PoolDecoding builds the decoding input of Compute as the notebook
// does: per layer, an ROIs × units array whose units are the subjects'
// accuracies concatenated in subject order.
func PoolDecoding(ctx context.Context, src Source, layers, subjects, rois []string) ([][][]float32, error) {
	out := make([][][]float32, len(layers))
	for i, lay := range layers {
		out[i] = make([][]float32, len(rois))
		for r, roi := range rois {
			var row []float32
			for _, sub := range subjects {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				a, err := src.Accuracy(ctx, lay, sub, roi)
				if err != nil {
					return nil, fmt.Errorf("hierarchy: decoding layer %s, subject %s, ROI %s: %w", lay, sub, roi, err)
				}
				row = append(row, a...)
			}
			if r > 0 && len(row) != len(out[i][0]) {
				return nil, fmt.Errorf("hierarchy: decoding layer %s: ROI %s has %d units, ROI %s has %d", lay, roi, len(row), rois[0], len(out[i][0]))
			}
			out[i][r] = row
		}
	}
	return out, nil
}

// PoolEncoding builds the encoding input of Compute as the notebook does:
// per ROI, a layers × voxels array whose voxels are the subjects'
// accuracies concatenated in subject order, each subject's file first
// subsampled to maxVoxels with Subsample(acc, maxVoxels, 0) when it has
// more (the notebook's np.random.seed(0) + choice; DefaultMaxVoxels).
// maxVoxels <= 0 disables the subsample.
func PoolEncoding(ctx context.Context, src Source, layers, subjects, rois []string, maxVoxels int) ([][][]float32, error) {
	out := make([][][]float32, len(rois))
	for r, roi := range rois {
		out[r] = make([][]float32, len(layers))
		for i, lay := range layers {
			var row []float32
			for _, sub := range subjects {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				a, err := src.Accuracy(ctx, lay, sub, roi)
				if err != nil {
					return nil, fmt.Errorf("hierarchy: encoding layer %s, subject %s, ROI %s: %w", lay, sub, roi, err)
				}
				if maxVoxels > 0 && len(a) > maxVoxels {
					a = Subsample(a, maxVoxels, 0)
				}
				row = append(row, a...)
			}
			if i > 0 && len(row) != len(out[r][0]) {
				return nil, fmt.Errorf("hierarchy: encoding ROI %s: layer %s has %d voxels, layer %s has %d", roi, lay, len(row), layers[0], len(out[r][0]))
			}
			out[r][i] = row
		}
	}
	return out, nil
}

// Scores is a network's scores from accuracy sources.
type Scores struct {
	// Decoding is the layer-selection score of the decoding accuracies,
	// Encoding the all-layers score of the encoding accuracies and
	// BHScore their mean (NaN if either is NaN).
	Decoding, Encoding, BHScore float64
	// DecodingResult, DecodingSelection and EncodingResult hold the
	// details (top ROIs, contingency tables, repeats).
	DecodingResult    *Result
	DecodingSelection *Selected
	EncodingResult    *Result
}

// Scoring describes how one network is scored: its accuracy sources and
// scoring settings as calc_bhscore.ipynb uses them. A nil source skips that direction
// (its score is NaN).
type Scoring struct {
	Layers, Subjects, ROIs []string
	Decoding, Encoding     Source
	// Settings control unit selection (nil: the published settings).
	Settings *Settings
	// Selection controls decoding layer selection (nil: exact 5-layer
	// expectation).
	Selection *Selection
	// MaxVoxels is the encoding subsample per subject; zero means
	// DefaultMaxVoxels, negative disables it.
	MaxVoxels int
}

// Score computes the decoding, encoding and averaged BH scores of s.
func (s *Scoring) Score(ctx context.Context) (*Scores, error) {
	out := &Scores{Decoding: math.NaN(), Encoding: math.NaN(), BHScore: math.NaN()}
	if s.Decoding != nil {
		acc, err := PoolDecoding(ctx, s.Decoding, s.Layers, s.Subjects, s.ROIs)
		if err != nil {
			return nil, err
		}
		res, err := Compute(acc, s.Settings)
		if err != nil {
			return nil, fmt.Errorf("hierarchy: decoding: %w", err)
		}
		sel, err := SelectLayers(ctx, res.Table, s.Selection)
		if err != nil {
			return nil, fmt.Errorf("hierarchy: decoding: %w", err)
		}
		out.DecodingResult, out.DecodingSelection, out.Decoding = res, sel, sel.Score
	}
	if s.Encoding != nil {
		mv := s.MaxVoxels
		if mv == 0 {
			mv = DefaultMaxVoxels
		}
		acc, err := PoolEncoding(ctx, s.Encoding, s.Layers, s.Subjects, s.ROIs, mv)
		if err != nil {
			return nil, err
		}
		res, err := Compute(acc, s.Settings)
		if err != nil {
			return nil, fmt.Errorf("hierarchy: encoding: %w", err)
		}
		out.EncodingResult, out.Encoding = res, res.Score
	}
	out.BHScore = (out.Decoding + out.Encoding) / 2
	return out, nil
}

// PerSubject scores every subject of s on its own (s with Subjects set
// to that one subject), in subject order.
func (s *Scoring) PerSubject(ctx context.Context) ([]*Scores, error) {
	out := make([]*Scores, len(s.Subjects))
	for i, sub := range s.Subjects {
		one := *s
		one.Subjects = []string{sub}
		sc, err := one.Score(ctx)
		if err != nil {
			return nil, err
		}
		out[i] = sc
	}
	return out, nil
}
