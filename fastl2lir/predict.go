package fastl2lir

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/brainhierarchy/bhscore/internal/linalg"
)

// PredictTo writes X·W + B into dst, which must be n×q.
func (m *Model) PredictTo(dst *mat.Dense, x mat.Matrix) error {
	n, p := x.Dims()
	pw, q := m.W.Dims()
	if p != pw {
		return fmt.Errorf("fastl2lir: x has %d columns, the model %d inputs: %w", p, pw, ErrShape)
	}
	if len(m.B) != q {
		return fmt.Errorf("fastl2lir: model has %d intercepts for %d targets: %w", len(m.B), q, ErrShape)
	}
	if r, c := dst.Dims(); r != n || c != q {
		return fmt.Errorf("fastl2lir: destination is %d×%d, want %d×%d: %w", r, c, n, q, ErrShape)
	}
	xr := dense(x).RawMatrix()
	wr := m.W.RawMatrix()
	dr := dst.RawMatrix()
	for i := range n {
		copy(dr.Data[i*dr.Stride:i*dr.Stride+q], m.B)
	}
	linalg.Gemm(false, false, n, q, p, 1, xr.Data, xr.Stride, wr.Data, wr.Stride, 1, dr.Data, dr.Stride)
	return nil
}

// dense returns a as a *mat.Dense, copying only when a is another type.
func dense(a mat.Matrix) *mat.Dense {
	if d, ok := a.(*mat.Dense); ok {
		return d
	}
	return mat.DenseCopyOf(a)
}
