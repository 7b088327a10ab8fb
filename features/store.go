package features

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
)

// Store is a set of DNN unit activations: one samples x units matrix per
// layer, the rows of every layer labelled by the same sorted stimulus stems.
//
// Implementations in this package are safe for concurrent use.
type Store interface {
	// Layers returns the layer names in sorted order.
	Layers() []string
	// Labels returns the stimulus stems (row labels) in sorted order.
	Labels() []string
	// Layer loads one layer. Rows follow Labels.
	Layer(ctx context.Context, name string) (*Layer, error)
}

// Errors wrapped by the errors this package returns.
var (
	// ErrNoLayer is wrapped when a store has no layer of the requested name.
	ErrNoLayer = errors.New("no such layer")
	// ErrFormat is wrapped when a file is not in the expected format or is corrupt.
	ErrFormat = errors.New("invalid format")
	// ErrMismatch is wrapped when layers disagree on stems or files on shapes.
	ErrMismatch = errors.New("mismatch")
)

// Error says where loading failed: the file, the layer and, for one image,
// the stimulus label. It unwraps to the cause.
type Error struct {
	File  string // file or directory; "" if none
	Layer string // layer; "" if none
	Label string // stimulus stem; "" if none
	Err   error
}

func (e *Error) Error() string {
	s := "features:"
	if e.Layer != "" {
		s += " layer " + e.Layer + ":"
	}
	if e.File != "" {
		s += " " + e.File + ":"
	}
	return s + " " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Layer is one layer's activations, float32, one row per image.
//
// Data holds Rows() x Units() values in row-major order; within a row the
// units are in C (row-major) order of Shape, as numpy's reshape(n, -1)
// gives them. A Layer is not modified by this package after it is returned;
// it is safe for concurrent reads.
type Layer struct {
	Name   string   // layer name
	Labels []string // row labels (stimulus stems), sorted
	// Shape is the unit shape of one image in numpy order, without the
	// sample axis: [C, H, W] for a convolutional layer stored as
	// 1 x C x H x W, [units] for a 1 x units one, [len(Index)] when a
	// feature index selected units.
	Shape []int
	// Index, when not nil, lists the 0-based C-order positions in
	// SourceShape that were selected (a feature-index file), in order.
	Index []int
	// SourceShape is the unit shape as stored, before Index; equal to
	// Shape when Index is nil.
	SourceShape []int
	Data        []float32 // Rows() x Units(), row-major
}

// Rows returns the number of images.
func (l *Layer) Rows() int { return len(l.Labels) }

// Units returns the number of units per image (the product of Shape).
func (l *Layer) Units() int { return prod(l.Shape) }

// Row returns the units of image i (C order of Shape), sharing Data.
func (l *Layer) Row(i int) []float32 {
	n := l.Units()
	return l.Data[i*n : (i+1)*n : (i+1)*n]
}

// At returns unit j of image i.
func (l *Layer) At(i, j int) float32 { return l.Data[i*l.Units()+j] }

// Select returns a new layer holding only the units at the given 0-based
// C-order positions of l's Shape, in the order given, like numpy's
// x.reshape(n, -1)[:, units]. Negative positions count from the end.
func (l *Layer) Select(units []int) (*Layer, error) {
	n := l.Units()
	idx := make([]int, len(units))
	for k, u := range units {
		if u < 0 {
			u += n
		}
		if u < 0 || u >= n {
			return nil, &Error{Layer: l.Name, Err: fmt.Errorf("unit index %d out of range [0, %d)", units[k], n)}
		}
		idx[k] = u
	}
	out := &Layer{
		Name:        l.Name,
		Labels:      l.Labels,
		Shape:       []int{len(idx)},
		SourceShape: l.SourceShape,
		Data:        make([]float32, l.Rows()*len(idx)),
	}
	if l.Index != nil {
		// Compose with the earlier selection so Index stays relative to SourceShape.
		out.Index = make([]int, len(idx))
		for k, u := range idx {
			out.Index[k] = l.Index[u]
		}
	} else {
		out.Index = idx
		out.SourceShape = append([]int(nil), l.Shape...)
	}
	for i := range l.Rows() {
		src, dst := l.Row(i), out.Row(i)
		for k, u := range idx {
			dst[k] = src[u]
		}
	}
	return out, nil
}

// NonFiniteError reports NaN or infinite values found by CheckFinite.
type NonFiniteError struct {
	Layer string
	Label string  // stimulus of the first non-finite value
	Unit  int     // C-order unit position of the first non-finite value
	Value float32 // the first non-finite value
	NaN   int     // number of NaN values in the layer
	Inf   int     // number of ±Inf values in the layer
}

func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("features: layer %s: %d NaN and %d infinite values (first: %v at %s unit %d)",
		e.Layer, e.NaN, e.Inf, e.Value, e.Label, e.Unit)
}

// CheckFinite returns a *NonFiniteError if the layer holds NaN or ±Inf
// values, nil otherwise. Loading keeps such values as they are.
func (l *Layer) CheckFinite() error {
	var e *NonFiniteError
	n := l.Units()
	for k, v := range l.Data {
		f := float64(v)
		isNaN, isInf := math.IsNaN(f), math.IsInf(f, 0)
		if !isNaN && !isInf {
			continue
		}
		if e == nil {
			e = &NonFiniteError{Layer: l.Name, Label: l.Labels[k/n], Unit: k % n, Value: v}
		}
		if isNaN {
			e.NaN++
		} else {
			e.Inf++
		}
	}
	if e == nil {
		return nil
	}
	return e
}

// ImageIndex returns the 1-based position of stem in the store's sorted
// labels, the image_index that bdpy's Features.index gives and that the
// fMRI files use, or 0 if the store has no such stem.
func ImageIndex(s Store, stem string) int {
	labels := s.Labels()
	i := sort.SearchStrings(labels, stem)
	if i < len(labels) && labels[i] == stem {
		return i + 1
	}
	return 0
}

func prod(dims []int) int {
	n := 1
	for _, d := range dims {
		n *= d
	}
	return n
}

func ctxErr(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	default:
		return nil
	}
}

// slice returns rows [r0, r1) of l, sharing its values.
func (l *Layer) slice(r0, r1 int) (*Layer, error) {
	if r0 < 0 || r1 > l.Rows() || r0 >= r1 {
		return nil, &Error{Layer: l.Name, Err: fmt.Errorf("rows [%d, %d) out of range [0, %d)", r0, r1, l.Rows())}
	}
	c := *l
	n := l.Units()
	c.Labels = l.Labels[r0:r1:r1]
	c.Data = l.Data[r0*n : r1*n : r1*n]
	return &c, nil
}
