package features

import (
	"errors"
	"fmt"
	"slices"

	"github.com/brainhierarchy/bhscore/internal/mat"
	"github.com/brainhierarchy/bhscore/internal/nprand"
)

// RandomIndex returns a feature index that keeps n units of each layer,
// chosen at random without replacement from the layer's units (units maps
// a layer name to its number of units, the product of its unit shape) and
// listed in increasing order. Layers with at most n units keep all of them.
//
// Each layer draws from its own generator seeded with seed, so a layer's
// selection does not depend on the other layers. The selection equals
// numpy's
//
//	np.random.seed(seed); np.sort(np.random.choice(units, n, replace=False))
//
// (legacy MT19937 RandomState), so a Python user can reproduce it. The
// paper decodes 1,000 random units per layer (index_random1000.mat).
func RandomIndex(units map[string]int, n int, seed uint32) (UnitIndex, error) {
	if n <= 0 {
		return nil, fmt.Errorf("features: random index: %d units requested, want at least 1", n)
	}
	idx := make(UnitIndex, len(units))
	for layer, u := range units {
		if u <= 0 {
			return nil, &Error{Layer: layer, Err: fmt.Errorf("random index: layer has %d units", u)}
		}
		var sel []int
		if u <= n {
			sel = make([]int, u)
			for i := range sel {
				sel[i] = i
			}
		} else {
			sel = nprand.New(seed).Choice(u, n, false)
			slices.Sort(sel)
		}
		idx[layer] = sel
	}
	return idx, nil
}

// WriteIndex writes idx as a bdpy feature-index file at path, the MATLAB
// v7.3 file that ReadIndex and bdpy's Features(feature_index=...) read:
// struct "index" with one int64 array of 0-based positions per layer, as
//
//	hdf5storage.savemat(path, {'index': {layer: positions, ...}}, format='7.3')
//
// writes it. The file is written atomically.
func WriteIndex(path string, idx UnitIndex) error {
	if len(idx) == 0 {
		return &Error{File: path, Err: errors.New("feature index has no layers")}
	}
	fields := make(map[string]*mat.Array, len(idx))
	for layer, pos := range idx {
		if len(pos) == 0 {
			return &Error{File: path, Layer: layer, Err: errors.New("feature index selects no units")}
		}
		a := &mat.Array{Dims: []int{len(pos)}, Class: mat.Int64, Data: make([]float64, len(pos))}
		for i, p := range pos {
			a.Data[i] = float64(p)
		}
		fields[layer] = a
	}
	if err := mat.WriteV73Struct(path, "index", fields); err != nil {
		return &Error{File: path, Err: err}
	}
	return nil
}
