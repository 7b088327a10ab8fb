package fmri

import (
	"context"

	"gonum.org/v1/gonum/mat"
)

// Source yields trials of an fMRI data set: the trials x voxels matrix of
// the columns a selector picks (an ROI such as "ROI_V1 = 1") and the
// values or labels of a per-trial key. *File and *BData implement it; the
// analyses take a Source so that other Go programs can feed them from
// anywhere.
type Source interface {
	// Select returns the trials x columns matrix of the selector expression.
	Select(ctx context.Context, expr string) (*mat.Dense, error)
	// Values returns one value per trial of a label key (e.g. image_index).
	Values(ctx context.Context, key string) ([]float64, error)
	// Labels returns one label per trial of a key with a value-label map
	// (e.g. stimulus_name).
	Labels(ctx context.Context, key string) ([]string, error)
}

var (
	_ Source = (*File)(nil)
	_ Source = (*BData)(nil)
)

// Trials is an ROI's trials with their labels.
type Trials struct {
	X      *mat.Dense // trials x voxels
	Values []float64  // numeric label of every trial
	Labels []string   // string label of every trial; nil when the key has no vmap
}

// ReadTrials reads the trials of the columns selected by roi (a selector
// expression, e.g. "ROI_V1 = 1") and the labels of every trial under key
// (e.g. "image_index" or "stimulus_name"). Labels is filled when the
// source has a value-label map for key.
func ReadTrials(ctx context.Context, src Source, roi, key string) (*Trials, error) {
	x, err := src.Select(ctx, roi)
	if err != nil {
		return nil, err
	}
	v, err := src.Values(ctx, key)
	if err != nil {
		return nil, err
	}
	t := &Trials{X: x, Values: v}
	if hasVmap(src, key) {
		if t.Labels, err = src.Labels(ctx, key); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func hasVmap(src Source, key string) bool {
	type vmapper interface{ VmapKeys() []string }
	vm, ok := src.(vmapper)
	if !ok {
		return false
	}
	for _, k := range vm.VmapKeys() {
		if k == key {
			return true
		}
	}
	return false
}
