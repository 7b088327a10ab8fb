package features

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// Order is the flattening order of a unit shape.
type Order int

const (
	// C is row-major order, numpy's default: the last axis varies fastest.
	// The decoding analyses flatten features this way
	// (x.reshape(n, -1)).
	C Order = iota
	// Fortran is column-major order: the first axis varies fastest. The
	// encoding analyses and FastL2LiR's N-d targets flatten this way
	// (x.reshape(n, -1, order='F')).
	Fortran
)

func (o Order) String() string {
	switch o {
	case C:
		return "C"
	case Fortran:
		return "Fortran"
	}
	return fmt.Sprintf("Order(%d)", int(o))
}

// FortranPerm returns perm such that, for one image of unit shape shape,
// the value at Fortran-order flat position f sits at C-order flat position
// perm[f]. It panics if a dimension is negative.
func FortranPerm(shape []int) []int {
	for _, d := range shape {
		if d < 0 {
			panic("features: negative dimension")
		}
	}
	n := prod(shape)
	perm := make([]int, n)
	// C-order strides.
	stride := make([]int, len(shape))
	s := 1
	for k := len(shape) - 1; k >= 0; k-- {
		stride[k] = s
		s *= shape[k]
	}
	idx := make([]int, len(shape)) // multi-index, first axis fastest
	for f := range n {
		c := 0
		for k, i := range idx {
			c += i * stride[k]
		}
		perm[f] = c
		for k := range idx {
			idx[k]++
			if idx[k] < shape[k] {
				break
			}
			idx[k] = 0
		}
	}
	return perm
}

// Flatten copies src, one image's values in C order of shape, into dst in
// the given order and returns dst. dst may be nil; it is allocated then.
// It panics if len(src) (or a non-nil dst) is not the product of shape.
func Flatten(dst, src []float32, shape []int, order Order) []float32 {
	n := prod(shape)
	if len(src) != n {
		panic("features: Flatten: length of src does not match shape")
	}
	if dst == nil {
		dst = make([]float32, n)
	}
	if len(dst) != n {
		panic("features: Flatten: length of dst does not match shape")
	}
	switch order {
	case C:
		copy(dst, src)
	case Fortran:
		for f, c := range FortranPerm(shape) {
			dst[f] = src[c]
		}
	default:
		panic("features: unknown order")
	}
	return dst
}

// Unflatten is the inverse of Flatten: it copies src, values in the given
// order of shape, into dst in C order and returns dst.
func Unflatten(dst, src []float32, shape []int, order Order) []float32 {
	n := prod(shape)
	if len(src) != n {
		panic("features: Unflatten: length of src does not match shape")
	}
	if dst == nil {
		dst = make([]float32, n)
	}
	if len(dst) != n {
		panic("features: Unflatten: length of dst does not match shape")
	}
	switch order {
	case C:
		copy(dst, src)
	case Fortran:
		for f, c := range FortranPerm(shape) {
			dst[c] = src[f]
		}
	default:
		panic("features: unknown order")
	}
	return dst
}

// Dense returns the layer as a new Rows() x Units() float64 matrix (exact
// widening of the float32 values), each row's units flattened in the given
// order: C for decoding (bdpy/numpy default), Fortran for encoding.
func (l *Layer) Dense(order Order) *mat.Dense {
	r, n := l.Rows(), l.Units()
	data := make([]float64, r*n)
	var perm []int
	if order == Fortran {
		perm = FortranPerm(l.Shape)
	} else if order != C {
		panic("features: unknown order")
	}
	for i := range r {
		src, dst := l.Row(i), data[i*n:(i+1)*n]
		if perm == nil {
			for j, v := range src {
				dst[j] = float64(v)
			}
		} else {
			for f, c := range perm {
				dst[f] = float64(src[c])
			}
		}
	}
	if r == 0 || n == 0 {
		return &mat.Dense{}
	}
	return mat.NewDense(r, n, data)
}
