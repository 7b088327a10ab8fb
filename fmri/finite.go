package fmri

import (
	"context"
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// ErrNonFinite is wrapped by errors for NaN or infinite values in fMRI data
// an analysis would use. The original scripts propagate them silently (one
// NaN voxel turns every decoder of its ROI into NaN, which scoring counts as
// 0), so the analyses refuse them by default.
var ErrNonFinite = errors.New("non-finite value")

// NonFiniteError locates the first NaN or infinite value of a selection, in
// row-major order. It matches ErrNonFinite with errors.Is.
type NonFiniteError struct {
	File     string  // file name, "" for in-memory data
	Selector string  // the selector expression (an ROI), "" if none
	Trial    int     // 0-based row of the dataset
	Column   int     // 0-based column of the dataset (the voxel)
	Index    int     // 0-based column within the selection
	Value    float64 // NaN, +Inf or -Inf
	Count    int     // non-finite values in the selection
}

func (e *NonFiniteError) Error() string {
	s := "fmri: "
	if e.File != "" {
		s += e.File + ": "
	}
	if e.Selector != "" {
		s += e.Selector + ": "
	}
	s += fmt.Sprintf("%v at trial %d, dataset column %d (voxel %d of the selection)", e.Value, e.Trial, e.Column, e.Index)
	if e.Count > 1 {
		s += fmt.Sprintf("; %d non-finite values in all", e.Count)
	}
	return s + ": " + ErrNonFinite.Error()
}

// Is reports whether target is ErrNonFinite.
func (e *NonFiniteError) Is(target error) bool { return target == ErrNonFinite }

// CheckFinite returns a *NonFiniteError for the first NaN or infinite value
// of x, or nil. cols maps x's columns to dataset columns (nil: the
// identity), so that the error names the voxel in the file.
func CheckFinite(x mat.Matrix, cols []int) error {
	r, c := x.Dims()
	var first *NonFiniteError
	count := 0
	check := func(i, j int, v float64) {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			return
		}
		count++
		if first == nil {
			first = &NonFiniteError{Trial: i, Column: j, Index: j, Value: v}
			if cols != nil {
				first.Column = cols[j]
			}
		}
	}
	if d, ok := x.(*mat.Dense); ok {
		raw := d.RawMatrix()
		for i := range r {
			for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+c] {
				check(i, j, v)
			}
		}
	} else {
		for i := range r {
			for j := range c {
				check(i, j, x.At(i, j))
			}
		}
	}
	if first == nil {
		return nil
	}
	first.Count = count
	return first
}

// SelectFinite is src.Select(ctx, expr) that also returns a
// *NonFiniteError naming the file, the selector, the trial and the voxel
// of the first NaN or infinite value selected (CheckSelection).
func SelectFinite(ctx context.Context, src Source, expr string) (*mat.Dense, error) {
	x, err := src.Select(ctx, expr)
	if err != nil {
		return nil, err
	}
	if err := CheckSelection(src, expr, x); err != nil {
		return nil, err
	}
	return x, nil
}

// CheckSelection is CheckFinite for x, the matrix src.Select(ctx, expr)
// returned: the *NonFiniteError also names src's file (when src has a
// Name method, as *File does), the selector and the voxel's dataset
// column (when src has a Columns method, as *File and *BData do).
func CheckSelection(src Source, expr string, x mat.Matrix) error {
	var cols []int
	if c, ok := src.(interface{ Columns(string) ([]int, error) }); ok {
		var err error
		if cols, err = c.Columns(expr); err != nil {
			return err
		}
		if _, n := x.Dims(); len(cols) != n {
			cols = nil
		}
	}
	err := CheckFinite(x, cols)
	if err == nil {
		return nil
	}
	nf := err.(*NonFiniteError)
	nf.Selector = expr
	if n, ok := src.(interface{ Name() string }); ok {
		nf.File = n.Name()
	}
	return nf
}
