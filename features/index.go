package features

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/brainhierarchy/bhscore/internal/h5"
)

// UnitIndex is a bdpy feature index: for each layer, 0-based positions in
// the C-order flattening of one image's unit shape, in the order they are
// selected (x.reshape(n, -1, order='C')[:, index[layer]]).
type UnitIndex map[string][]int

// ReadIndex reads a bdpy feature-index file: a MATLAB v7.3 (hdf5storage)
// file whose variable "index" is a struct with one integer array per
// layer, as written by
//
//	hdf5storage.savemat(path, {'index': {'conv1': idx1, ...}}, format='7.3')
//
// Arrays of any shape are flattened (they hold positions, not a grid);
// values must be of an integer class (numpy, and so bdpy, refuses to index
// with floats). Negative positions count from the end, as in numpy.
func ReadIndex(path string) (UnitIndex, error) {
	f, err := h5.Open(path)
	if err != nil {
		if errors.Is(err, h5.ErrNotHDF5) {
			return nil, &Error{File: path, Err: fmt.Errorf("%w: feature-index file is not MATLAB v7.3 (HDF5); MATLAB v5 index files are not supported", ErrFormat)}
		}
		return nil, &Error{File: path, Err: err}
	}
	defer f.Close()
	names, err := f.Members("/index")
	if err != nil {
		return nil, &Error{File: path, Err: fmt.Errorf("%w: no struct variable \"index\": %v", ErrFormat, err)}
	}
	idx := make(UnitIndex, len(names))
	for _, layer := range names {
		p := "/index/" + layer
		in, err := f.Info(p)
		if err != nil {
			return nil, &Error{File: path, Layer: layer, Err: err}
		}
		if in.Class != h5.ClassInt && in.Class != h5.ClassUint {
			return nil, &Error{File: path, Layer: layer, Err: fmt.Errorf("%w: index holds %s data, not integers", ErrFormat, in.Class)}
		}
		v, _, err := f.ReadInt64(p)
		if err != nil {
			return nil, &Error{File: path, Layer: layer, Err: err}
		}
		pos := make([]int, len(v))
		for i, x := range v {
			if x > math.MaxInt32 || x < math.MinInt32 {
				return nil, &Error{File: path, Layer: layer, Err: fmt.Errorf("%w: index value %d out of range", ErrFormat, x)}
			}
			pos[i] = int(x)
		}
		idx[layer] = pos
	}
	return idx, nil
}

// Layers returns the sorted layer names of the index.
func (u UnitIndex) Layers() []string {
	var s []string
	for k := range u {
		s = append(s, k)
	}
	slices.Sort(s)
	return s
}

// WithIndex returns a store whose layers are s's layers with the units of
// idx selected (see Layer.Select). Loading a layer missing from idx is an
// error, as in bdpy.
func WithIndex(s Store, idx UnitIndex) Store { return &indexed{s, idx} }

type indexed struct {
	Store
	idx UnitIndex
}

func (x *indexed) Layer(ctx context.Context, name string) (*Layer, error) {
	sel, ok := x.idx[name]
	if !ok {
		return nil, &Error{Layer: name, Err: errors.New("layer missing from the feature index")}
	}
	if p, ok := x.Store.(*Packed); ok {
		return p.Select(ctx, name, sel)
	}
	l, err := x.Store.Layer(ctx, name)
	if err != nil {
		return nil, err
	}
	return l.Select(sel)
}

// Rows reads images [r0, r1) of the underlying store (all of the layer if
// it is not a RowReader) and selects the index's units.
func (x *indexed) Rows(ctx context.Context, name string, r0, r1 int) (*Layer, error) {
	sel, ok := x.idx[name]
	if !ok {
		return nil, &Error{Layer: name, Err: errors.New("layer missing from the feature index")}
	}
	var l *Layer
	var err error
	if rr, ok := x.Store.(RowReader); ok {
		l, err = rr.Rows(ctx, name, r0, r1)
	} else if l, err = x.Store.Layer(ctx, name); err == nil {
		l, err = l.slice(r0, r1)
	}
	if err != nil {
		return nil, err
	}
	return l.Select(sel)
}
