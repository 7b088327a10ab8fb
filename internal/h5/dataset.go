package h5

// #include <stdlib.h>
// #include "hdf5.h"
// hid_t bh_native(int kind);
// herr_t bh_rows_read(hid_t ds, hid_t mtype, hsize_t row0, hsize_t nrows, hsize_t ncols, void *buf);
// hid_t bh_str_type(size_t size, int vlen, int utf8);
// hid_t bh_deref(hid_t loc, void *ref);
import "C"

import (
	"errors"
	"fmt"
	"math"
	"unsafe"
)

// Class is the storage class of a dataset or attribute.
type Class int

const (
	ClassOther Class = iota
	ClassFloat
	ClassInt  // signed integer
	ClassUint // unsigned integer
	ClassString
	ClassReference
	ClassCompound
)

func (c Class) String() string {
	return [...]string{"other", "float", "int", "uint", "string", "reference", "compound"}[c]
}

// Info describes a dataset or attribute.
type Info struct {
	Dims   []int // HDF5 order; empty for a scalar
	Class  Class
	Size   int  // element size in bytes (for variable-length strings, the pointer size)
	VarLen bool // variable-length string
}

// Len returns the number of elements.
func (in Info) Len() int {
	n := 1
	for _, d := range in.Dims {
		n *= d
	}
	return n
}

// maxElements bounds what a single read may allocate, so that a corrupt or
// hostile header cannot make us allocate terabytes.
const maxElements = 1 << 34

func classOf(t C.hid_t) Class {
	switch C.H5Tget_class(t) {
	case C.H5T_FLOAT:
		return ClassFloat
	case C.H5T_INTEGER:
		if C.H5Tget_sign(t) == C.H5T_SGN_NONE {
			return ClassUint
		}
		return ClassInt
	case C.H5T_STRING:
		return ClassString
	case C.H5T_REFERENCE:
		return ClassReference
	case C.H5T_COMPOUND:
		return ClassCompound
	}
	return ClassOther
}

func spaceDims(s C.hid_t) ([]int, error) {
	nd := int(C.H5Sget_simple_extent_ndims(s))
	if nd < 0 {
		return nil, errors.New("bad dataspace")
	}
	if nd == 0 {
		return []int{}, nil
	}
	d := make([]C.hsize_t, nd)
	C.H5Sget_simple_extent_dims(s, &d[0], nil)
	dims := make([]int, nd)
	n := 1.0
	for i := range d {
		dims[i] = int(d[i])
		n *= float64(d[i])
	}
	if n > maxElements {
		return nil, fmt.Errorf("dataspace of %v elements is too large", dims)
	}
	return dims, nil
}

func infoOf(t, s C.hid_t) (Info, error) {
	dims, err := spaceDims(s)
	if err != nil {
		return Info{}, err
	}
	in := Info{Dims: dims, Class: classOf(t), Size: int(C.H5Tget_size(t))}
	if in.Class == ClassString && C.H5Tis_variable_str(t) > 0 {
		in.VarLen = true
	}
	return in, nil
}

// dataset opens the dataset at path; the caller holds mu and closes it.
func (f *File) dataset(path string) (C.hid_t, error) {
	if !f.exists(path) {
		return -1, ErrNotFound
	}
	cp := cstr(path)
	defer free(cp)
	ds := C.H5Dopen2(f.id(), cp, C.H5P_DEFAULT)
	if ds < 0 {
		return -1, errors.New("not a dataset")
	}
	return ds, nil
}

// Info describes the dataset at path.
func (f *File) Info(path string) (Info, error) {
	lock()
	defer mu.Unlock()
	ds, err := f.dataset(path)
	if err != nil {
		return Info{}, f.err("stat", path, err)
	}
	defer C.H5Dclose(ds)
	t := C.H5Dget_type(ds)
	defer C.H5Tclose(t)
	s := C.H5Dget_space(ds)
	defer C.H5Sclose(s)
	in, err := infoOf(t, s)
	if err == nil {
		err = checkStored(ds, t, in)
	}
	if err != nil {
		return Info{}, f.err("stat", path, err)
	}
	return in, nil
}

const (
	kFloat64 = 0
	kFloat32 = 1
	kInt8    = 2
	kInt16   = 3
	kInt32   = 4
	kInt64   = 5
	kUint8   = 6
	kUint16  = 7
	kUint32  = 8
	kUint64  = 9
	kRef     = 10
)

// readNumeric reads a whole numeric dataset converted to the native type
// kind into a new slice made by mk.
func (f *File) readNumeric(path string, kind int, mk func(n int) unsafe.Pointer) ([]int, error) {
	lock()
	defer mu.Unlock()
	ds, err := f.dataset(path)
	if err != nil {
		return nil, f.err("read", path, err)
	}
	defer C.H5Dclose(ds)
	t := C.H5Dget_type(ds)
	defer C.H5Tclose(t)
	s := C.H5Dget_space(ds)
	defer C.H5Sclose(s)
	in, err := infoOf(t, s)
	if err == nil {
		err = checkStored(ds, t, in)
	}
	if err != nil {
		return nil, f.err("read", path, err)
	}
	if in.Class != ClassFloat && in.Class != ClassInt && in.Class != ClassUint {
		return nil, f.err("read", path, fmt.Errorf("dataset holds %s data, not numbers", in.Class))
	}
	n := in.Len()
	buf := mk(n)
	if n == 0 {
		return in.Dims, nil
	}
	if C.H5Dread(ds, C.bh_native(C.int(kind)), C.H5S_ALL, C.H5S_ALL, C.H5P_DEFAULT, buf) < 0 {
		return nil, f.err("read", path, errors.New("libhdf5 read failed (truncated or corrupt file?)"))
	}
	return in.Dims, nil
}

// readAs reads a whole numeric dataset converted to the native type kind,
// whose Go element type is T.
func readAs[T any](f *File, path string, kind int) ([]T, []int, error) {
	var out []T
	dims, err := f.readNumeric(path, kind, func(n int) unsafe.Pointer {
		out = make([]T, n)
		if n == 0 {
			return nil
		}
		return unsafe.Pointer(&out[0])
	})
	return out, dims, err
}

// ReadFloat64 reads a numeric dataset of any type as float64, C order.
func (f *File) ReadFloat64(path string) ([]float64, []int, error) {
	return readAs[float64](f, path, kFloat64)
}

// ReadInt64 reads a numeric dataset of any type as int64, C order.
func (f *File) ReadInt64(path string) ([]int64, []int, error) {
	return readAs[int64](f, path, kInt64)
}

// ReadUint64 reads a numeric dataset of any type as uint64, C order.
func (f *File) ReadUint64(path string) ([]uint64, []int, error) {
	return readAs[uint64](f, path, kUint64)
}

// ReadRows reads rows [row0, row0+len(dst)/ncols) of a 2-D numeric dataset
// with ncols columns into dst as float64. Only those rows are read from disk.
func (f *File) ReadRows(path string, row0 int, dst []float64) error {
	lock()
	defer mu.Unlock()
	ds, err := f.dataset(path)
	if err != nil {
		return f.err("read", path, err)
	}
	defer C.H5Dclose(ds)
	s := C.H5Dget_space(ds)
	dims, err := spaceDims(s)
	C.H5Sclose(s)
	if err != nil {
		return f.err("read", path, err)
	}
	if len(dims) != 2 {
		return f.err("read", path, fmt.Errorf("dataset has %d dimensions, want 2", len(dims)))
	}
	if dims[1] == 0 || len(dst)%dims[1] != 0 {
		return f.err("read", path, fmt.Errorf("buffer of %d values is not whole rows of %d", len(dst), dims[1]))
	}
	nrows := len(dst) / dims[1]
	if row0 < 0 || row0+nrows > dims[0] {
		return f.err("read", path, fmt.Errorf("rows [%d,%d) outside %d rows", row0, row0+nrows, dims[0]))
	}
	if nrows == 0 {
		return nil
	}
	if C.bh_rows_read(ds, C.bh_native(kFloat64), C.hsize_t(row0), C.hsize_t(nrows), C.hsize_t(dims[1]), unsafe.Pointer(&dst[0])) < 0 {
		return f.err("read", path, errors.New("libhdf5 read failed (truncated or corrupt file?)"))
	}
	return nil
}

// ReadStrings reads a string dataset (variable- or fixed-length; a scalar
// gives one string). Fixed-length strings lose their trailing NUL padding.
func (f *File) ReadStrings(path string) ([]string, []int, error) {
	lock()
	defer mu.Unlock()
	ds, err := f.dataset(path)
	if err != nil {
		return nil, nil, f.err("read", path, err)
	}
	defer C.H5Dclose(ds)
	t := C.H5Dget_type(ds)
	defer C.H5Tclose(t)
	s := C.H5Dget_space(ds)
	defer C.H5Sclose(s)
	if in, err := infoOf(t, s); err == nil {
		if err := checkStored(ds, t, in); err != nil {
			return nil, nil, f.err("read", path, err)
		}
	}
	out, dims, err := readStrings(t, s, func(mt C.hid_t, buf unsafe.Pointer) C.herr_t {
		return C.H5Dread(ds, mt, C.H5S_ALL, C.H5S_ALL, C.H5P_DEFAULT, buf)
	}, func(mt C.hid_t, buf unsafe.Pointer) {
		C.H5Dvlen_reclaim(mt, s, C.H5P_DEFAULT, buf)
	})
	if err != nil {
		return nil, nil, f.err("read", path, err)
	}
	return out, dims, nil
}

// readStrings reads strings of file type t and space s through read.
func readStrings(t, s C.hid_t, read func(C.hid_t, unsafe.Pointer) C.herr_t, reclaim func(C.hid_t, unsafe.Pointer)) ([]string, []int, error) {
	in, err := infoOf(t, s)
	if err != nil {
		return nil, nil, err
	}
	if in.Class != ClassString {
		return nil, nil, fmt.Errorf("holds %s data, not strings", in.Class)
	}
	n := in.Len()
	out := make([]string, n)
	if n == 0 {
		return out, in.Dims, nil
	}
	if in.VarLen {
		mt := C.bh_str_type(0, 1, 0)
		defer C.H5Tclose(mt)
		ptrs := make([]*C.char, n)
		buf := C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof(uintptr(0))))
		defer C.free(buf)
		if read(mt, buf) < 0 {
			return nil, nil, errors.New("libhdf5 read failed")
		}
		copy(ptrs, unsafe.Slice((**C.char)(buf), n))
		for i, p := range ptrs {
			if p != nil {
				out[i] = C.GoString(p)
			}
		}
		reclaim(mt, buf)
		return out, in.Dims, nil
	}
	size := in.Size
	mt := C.bh_str_type(C.size_t(size), 0, 0)
	defer C.H5Tclose(mt)
	raw := make([]byte, n*size)
	if read(mt, unsafe.Pointer(&raw[0])) < 0 {
		return nil, nil, errors.New("libhdf5 read failed")
	}
	for i := range out {
		b := raw[i*size : (i+1)*size]
		for j, c := range b {
			if c == 0 {
				b = b[:j]
				break
			}
		}
		out[i] = string(b)
	}
	return out, in.Dims, nil
}

// ReadRefs reads a dataset of object references and returns the path of
// each referenced object.
func (f *File) ReadRefs(path string) ([]string, []int, error) {
	lock()
	defer mu.Unlock()
	ds, err := f.dataset(path)
	if err != nil {
		return nil, nil, f.err("read", path, err)
	}
	defer C.H5Dclose(ds)
	t := C.H5Dget_type(ds)
	defer C.H5Tclose(t)
	s := C.H5Dget_space(ds)
	defer C.H5Sclose(s)
	in, err := infoOf(t, s)
	if err != nil {
		return nil, nil, f.err("read", path, err)
	}
	if in.Class != ClassReference {
		return nil, nil, f.err("read", path, fmt.Errorf("holds %s data, not references", in.Class))
	}
	n := in.Len()
	refs := make([]C.hobj_ref_t, n)
	out := make([]string, n)
	if n == 0 {
		return out, in.Dims, nil
	}
	if C.H5Dread(ds, C.bh_native(kRef), C.H5S_ALL, C.H5S_ALL, C.H5P_DEFAULT, unsafe.Pointer(&refs[0])) < 0 {
		return nil, nil, f.err("read", path, errors.New("libhdf5 read failed"))
	}
	for i := range refs {
		obj := C.bh_deref(ds, unsafe.Pointer(&refs[i]))
		if obj < 0 {
			return nil, nil, f.err("read", path, fmt.Errorf("reference %d does not resolve", i))
		}
		sz := C.H5Iget_name(obj, nil, 0)
		buf := make([]byte, int(sz)+1)
		C.H5Iget_name(obj, (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)))
		C.H5Oclose(obj)
		out[i] = string(buf[:sz])
	}
	return out, in.Dims, nil
}

// Data is a slice of one of the numeric element types the writers accept:
// []float64, []float32, []int8, []int16, []int32, []int64, []uint8,
// []uint16, []uint32, []uint64.
type Data any

func dataKind(data Data) (kind int, n int, ptr unsafe.Pointer, err error) {
	switch d := data.(type) {
	case []float64:
		return sliceOf(kFloat64, d)
	case []float32:
		return sliceOf(kFloat32, d)
	case []int8:
		return sliceOf(kInt8, d)
	case []int16:
		return sliceOf(kInt16, d)
	case []int32:
		return sliceOf(kInt32, d)
	case []int64:
		return sliceOf(kInt64, d)
	case []uint8:
		return sliceOf(kUint8, d)
	case []uint16:
		return sliceOf(kUint16, d)
	case []uint32:
		return sliceOf(kUint32, d)
	case []uint64:
		return sliceOf(kUint64, d)
	}
	return 0, 0, nil, fmt.Errorf("unsupported element type %T", data)
}

// sliceOf returns the native kind, length and data pointer (nil when
// empty) of d.
func sliceOf[T any](kind int, d []T) (int, int, unsafe.Pointer, error) {
	if len(d) == 0 {
		return kind, 0, nil, nil
	}
	return kind, len(d), unsafe.Pointer(unsafe.SliceData(d)), nil
}

// space creates a dataspace: scalar for dims == nil, simple otherwise.
func space(dims []int) C.hid_t {
	if dims == nil {
		return C.H5Screate(C.H5S_SCALAR)
	}
	if len(dims) == 0 {
		return C.H5Screate(C.H5S_SCALAR)
	}
	d := make([]C.hsize_t, len(dims))
	for i, v := range dims {
		d[i] = C.hsize_t(v)
	}
	return C.H5Screate_simple(C.int(len(d)), &d[0], nil)
}

func checkLen(dims []int, n int) error {
	want := 1
	for _, d := range dims {
		if d < 0 {
			return fmt.Errorf("negative dimension in %v", dims)
		}
		want *= d
	}
	if want != n {
		return fmt.Errorf("dims %v need %d values, got %d", dims, want, n)
	}
	return nil
}

// Write creates a numeric dataset at path (parents created as needed) with
// the given HDF5 dims (nil or empty for a scalar) and writes data into it,
// stored in the element type of data. Options may enable compression.
func (f *File) Write(path string, dims []int, data Data, opts ...WriteOption) error {
	kind, n, ptr, err := dataKind(data)
	if err != nil {
		return f.err("write", path, err)
	}
	if err := checkLen(dims, n); err != nil {
		return f.err("write", path, err)
	}
	lock()
	defer mu.Unlock()
	return f.create(path, dims, C.bh_native(C.int(kind)), ptr, opts)
}

// WriteOption configures dataset creation.
type WriteOption func(*writeOpts)

type writeOpts struct{ deflate int }

// Deflate compresses the dataset with zlib at the given level (1-9).
func Deflate(level int) WriteOption { return func(o *writeOpts) { o.deflate = level } }

func (f *File) create(path string, dims []int, t C.hid_t, ptr unsafe.Pointer, opts []WriteOption) error {
	var o writeOpts
	for _, fn := range opts {
		fn(&o)
	}
	if err := f.createGroup(parentOf(path)); err != nil {
		return err
	}
	if f.exists(path) {
		return f.err("write", path, errors.New("object already exists"))
	}
	s := space(dims)
	defer C.H5Sclose(s)
	// No object timestamps: the same data gives the same bytes.
	dcpl := C.H5Pcreate(C.H5P_CLS_DATASET_CREATE_ID_g)
	defer C.H5Pclose(dcpl)
	C.H5Pset_obj_track_times(dcpl, false)
	if o.deflate > 0 && len(dims) > 0 && checkLen(dims, 0) != nil {
		ch := make([]C.hsize_t, len(dims))
		for i, d := range dims {
			ch[i] = C.hsize_t(d)
		}
		C.H5Pset_chunk(dcpl, C.int(len(ch)), &ch[0])
		C.H5Pset_deflate(dcpl, C.uint(o.deflate))
	}
	cp := cstr(path)
	defer free(cp)
	ds := C.H5Dcreate2(f.id(), cp, t, s, C.H5P_DEFAULT, dcpl, C.H5P_DEFAULT)
	if ds < 0 {
		return f.err("write", path, errors.New("cannot create dataset"))
	}
	defer C.H5Dclose(ds)
	if ptr != nil {
		if C.H5Dwrite(ds, t, C.H5S_ALL, C.H5S_ALL, C.H5P_DEFAULT, ptr) < 0 {
			return f.err("write", path, errors.New("libhdf5 write failed"))
		}
	}
	return nil
}

// WriteStrings creates a string dataset. varLen selects variable-length
// strings (as h5py 3 writes them); otherwise fixed-length, NUL-padded to the
// longest string. dims nil or empty makes a scalar holding s[0].
func (f *File) WriteStrings(path string, dims []int, s []string, varLen bool) error {
	if err := checkLen(dims, len(s)); err != nil {
		return f.err("write", path, err)
	}
	lock()
	defer mu.Unlock()
	if varLen {
		t := C.bh_str_type(0, 1, 0)
		defer C.H5Tclose(t)
		buf := C.malloc(C.size_t(len(s)+1) * C.size_t(unsafe.Sizeof(uintptr(0))))
		defer C.free(buf)
		ptrs := unsafe.Slice((**C.char)(buf), len(s)+1)
		for i, v := range s {
			ptrs[i] = cstr(v)
		}
		defer func() {
			for i := range s {
				free(ptrs[i])
			}
		}()
		return f.create(path, dims, t, buf, nil)
	}
	size := 1
	for _, v := range s {
		size = max(size, len(v))
	}
	t := C.bh_str_type(C.size_t(size), 0, 0)
	defer C.H5Tclose(t)
	raw := make([]byte, max(1, len(s)*size))
	for i, v := range s {
		copy(raw[i*size:], v)
	}
	cbuf := C.CBytes(raw)
	defer C.free(cbuf)
	return f.create(path, dims, t, cbuf, nil)
}

// WriteRefs creates a dataset of object references to the objects at the
// given paths, which must already exist.
func (f *File) WriteRefs(path string, dims []int, targets []string) error {
	if err := checkLen(dims, len(targets)); err != nil {
		return f.err("write", path, err)
	}
	lock()
	defer mu.Unlock()
	refs := C.malloc(C.size_t(max(1, len(targets))) * C.size_t(unsafe.Sizeof(C.hobj_ref_t(0))))
	defer C.free(refs)
	rs := unsafe.Slice((*C.hobj_ref_t)(refs), max(1, len(targets)))
	for i, tgt := range targets {
		ct := cstr(tgt)
		rc := C.H5Rcreate(unsafe.Pointer(&rs[i]), f.id(), ct, C.H5R_OBJECT, -1)
		free(ct)
		if rc < 0 {
			return f.err("write", path, fmt.Errorf("cannot reference %s", tgt))
		}
	}
	return f.create(path, dims, C.bh_native(kRef), refs, nil)
}

// isNaN is used by callers of this package's tests.
var _ = math.NaN
