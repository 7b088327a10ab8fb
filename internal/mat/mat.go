package mat

import (
	"errors"
	"fmt"
)

// Class is the MATLAB class of a numeric array.
type Class int

// The numeric MATLAB classes.
const (
	Double Class = iota
	Single
	Int8
	Int16
	Int32
	Int64
	Uint8
	Uint16
	Uint32
	Uint64
	Logical
)

var classNames = [...]string{"double", "single", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "logical"}

// String returns the MATLAB name of the class ("double", "single", ...).
func (c Class) String() string {
	if c < 0 || int(c) >= len(classNames) {
		return fmt.Sprintf("Class(%d)", int(c))
	}
	return classNames[c]
}

// classByName returns the class with the given MATLAB name.
func classByName(s string) (Class, bool) {
	for i, n := range classNames {
		if n == s {
			return Class(i), true
		}
	}
	return 0, false
}

// size returns the element size in bytes of the class's storage type.
func (c Class) size() int {
	switch c {
	case Double, Int64, Uint64:
		return 8
	case Single, Int32, Uint32:
		return 4
	case Int16, Uint16:
		return 2
	}
	return 1
}

// Array is a numeric MATLAB array.
//
// Dims are in numpy order, as scipy.io.loadmat and hdf5storage.loadmat
// return them: for MAT v5 files these are the MATLAB dims; for v7.3 files
// the reversed HDF5 dims, or hdf5storage's Python.Shape attribute where the
// file has one (a 1-D numpy array of n elements has Dims [n]).
// Data holds the values in C (row-major) order over Dims. Values of every
// class are widened exactly to float64, except int64 and uint64 values
// beyond ±2^53, which are rounded to the nearest float64.
type Array struct {
	Dims  []int
	Class Class
	Data  []float64
}

// Len returns the number of elements, the product of Dims (1 for no dims).
func (a *Array) Len() int { return product(a.Dims) }

func product(dims []int) int {
	n := 1
	for _, d := range dims {
		n *= d
	}
	return n
}

// check reports whether a is well formed: valid class, non-negative dims
// whose product is len(Data).
func (a *Array) check() error {
	if a == nil {
		return errors.New("nil array")
	}
	if a.Class < Double || a.Class > Logical {
		return fmt.Errorf("unknown class %d", int(a.Class))
	}
	n := 1
	for _, d := range a.Dims {
		if d < 0 {
			return fmt.Errorf("negative dimension in %v", a.Dims)
		}
		n *= d
	}
	if n != len(a.Data) {
		return fmt.Errorf("dims %v need %d values, have %d", a.Dims, n, len(a.Data))
	}
	return nil
}

var (
	// ErrFormat means a file is in neither MAT format, or is
	// corrupt.
	ErrFormat = errors.New("mat: not a MAT file or corrupt")
	// ErrNotFound means the file has no variable of the requested name.
	ErrNotFound = errors.New("mat: no such variable")
	// ErrUnsupported means a variable exists but is not a numeric array
	// (struct, cell, char, sparse, function handle, object) or is complex.
	ErrUnsupported = errors.New("mat: not a real numeric array")
)

// Error records a failure to read or write a MAT file.
type Error struct {
	File string // file path
	Var  string // variable name, "" for the whole file
	Err  error
}

func (e *Error) Error() string {
	if e.Var == "" {
		return fmt.Sprintf("mat: %s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("mat: %s: variable %q: %v", e.File, e.Var, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// corrupt wraps ErrFormat with a reason.
func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
}

// fortranToC returns data, given in Fortran (column-major) order over
// dims, in C (row-major) order. It returns data itself when both orders
// coincide (at most one dimension larger than 1).
func fortranToC(dims []int, data []float64) []float64 { return reorder(dims, data, true) }

// cToFortran returns data, given in C order over dims, in Fortran order.
func cToFortran(dims []int, data []float64) []float64 { return reorder(dims, data, false) }

// reorder converts data between Fortran and C order over dims (fromF: from
// Fortran), returning data itself when the orders coincide.
func reorder(dims []int, data []float64, fromF bool) []float64 {
	big := 0
	for _, d := range dims {
		if d > 1 {
			big++
		}
	}
	if big <= 1 {
		return data
	}
	out := make([]float64, len(data))
	permute(out, data, dims, fromF)
	return out
}

// permute walks src in Fortran order over dims (fromF) or C order and
// writes into dst at the other order's positions.
func permute(dst, src []float64, dims []int, fromF bool) {
	nd := len(dims)
	// Strides of the destination order, listed in the order src is walked.
	walk := make([]int, nd)   // dims in walk order (fastest first)
	stride := make([]int, nd) // destination stride of each walk dim
	cs := make([]int, nd)     // C strides
	fs := make([]int, nd)     // Fortran strides
	s := 1
	for i := nd - 1; i >= 0; i-- {
		cs[i] = s
		s *= dims[i]
	}
	s = 1
	for i := range nd {
		fs[i] = s
		s *= dims[i]
	}
	for k := range nd {
		if fromF { // fastest-varying source dim is dims[0]
			walk[k], stride[k] = dims[k], cs[k]
		} else { // fastest is dims[nd-1]
			walk[k], stride[k] = dims[nd-1-k], fs[nd-1-k]
		}
	}
	idx := make([]int, nd)
	off := 0
	n0, s0 := walk[0], stride[0]
	for i := 0; i < len(src); {
		// Inner loop over the fastest source dimension.
		o := off
		for j := 0; j < n0; j++ {
			dst[o] = src[i+j]
			o += s0
		}
		i += n0
		// Carry into the slower dims.
		for k := 1; k < nd; k++ {
			idx[k]++
			off += stride[k]
			if idx[k] < walk[k] {
				break
			}
			off -= stride[k] * walk[k]
			idx[k] = 0
		}
	}
}
