package h5

// #include "shim.h"
import "C"

import (
	"errors"
	"fmt"
	"unsafe"
)

// object opens the group or dataset at path; the caller holds mu and
// closes the result with H5Oclose.
func (f *File) object(path string) (C.hid_t, error) {
	if !f.exists(path) {
		return -1, ErrNotFound
	}
	cp := cstr(path)
	defer free(cp)
	obj := C.H5Oopen(f.id(), cp, C.H5P_DEFAULT)
	if obj < 0 {
		return -1, errors.New("cannot open object")
	}
	return obj, nil
}

// attr opens attribute name on the object at path. The caller holds mu and
// closes both returned handles.
func (f *File) attr(path, name string) (obj, a C.hid_t, err error) {
	obj, err = f.object(path)
	if err != nil {
		return -1, -1, err
	}
	cn := cstr(name)
	defer free(cn)
	if C.H5Aexists(obj, cn) <= 0 {
		C.H5Oclose(obj)
		return -1, -1, fmt.Errorf("attribute %q: %w", name, ErrNotFound)
	}
	a = C.H5Aopen(obj, cn, C.H5P_DEFAULT)
	if a < 0 {
		C.H5Oclose(obj)
		return -1, -1, fmt.Errorf("attribute %q cannot be opened", name)
	}
	return obj, a, nil
}

// HasAttr reports whether the object at path has the named attribute.
func (f *File) HasAttr(path, name string) bool {
	lock()
	defer mu.Unlock()
	obj, a, err := f.attr(path, name)
	if err != nil {
		return false
	}
	C.H5Aclose(a)
	C.H5Oclose(obj)
	return true
}

// AttrNames lists the attributes of the object at path in creation order.
func (f *File) AttrNames(path string) ([]string, error) {
	lock()
	defer mu.Unlock()
	obj, err := f.object(path)
	if err != nil {
		return nil, f.err("list attributes", path, err)
	}
	defer C.H5Oclose(obj)
	n := C.bh_nattrs(obj)
	if n == C.hsize_t(^uint64(0)) {
		return nil, f.err("list attributes", path, errors.New("cannot query object"))
	}
	names := make([]string, 0, int(n))
	for i := C.hsize_t(0); i < n; i++ {
		a := C.H5Aopen_by_idx(obj, cdot, C.H5_INDEX_NAME, C.H5_ITER_INC, i, C.H5P_DEFAULT, C.H5P_DEFAULT)
		if a < 0 {
			return nil, f.err("list attributes", path, errors.New("cannot open attribute"))
		}
		sz := C.H5Aget_name(a, 0, nil)
		buf := make([]byte, int(sz)+1)
		C.H5Aget_name(a, C.size_t(len(buf)), (*C.char)(unsafe.Pointer(&buf[0])))
		C.H5Aclose(a)
		names = append(names, string(buf[:sz]))
	}
	return names, nil
}

var cdot = C.CString(".")

// withAttr opens attribute name of the object at path under the library
// lock and calls fn with the attribute and its type and dataspace; errors
// are wrapped with the file, path and attribute name.
func (f *File) withAttr(path, name string, fn func(a, t, s C.hid_t) error) error {
	lock()
	defer mu.Unlock()
	obj, a, err := f.attr(path, name)
	if err != nil {
		return f.err("read attribute", path, err)
	}
	defer C.H5Oclose(obj)
	defer C.H5Aclose(a)
	t := C.H5Aget_type(a)
	defer C.H5Tclose(t)
	s := C.H5Aget_space(a)
	defer C.H5Sclose(s)
	if err := fn(a, t, s); err != nil {
		return f.err("read attribute", path, fmt.Errorf("%s: %w", name, err))
	}
	return nil
}

// ReadAttrStrings reads a string attribute (variable- or fixed-length,
// scalar or array).
func (f *File) ReadAttrStrings(path, name string) ([]string, error) {
	var out []string
	err := f.withAttr(path, name, func(a, t, s C.hid_t) error {
		var err error
		out, _, err = readStrings(t, s, func(mt C.hid_t, buf unsafe.Pointer) C.herr_t {
			return C.H5Aread(a, mt, buf)
		}, func(mt C.hid_t, buf unsafe.Pointer) {
			C.H5Dvlen_reclaim(mt, s, C.H5P_DEFAULT, buf)
		})
		return err
	})
	return out, err
}

// ReadAttrString reads a scalar (or first) string attribute.
func (f *File) ReadAttrString(path, name string) (string, error) {
	s, err := f.ReadAttrStrings(path, name)
	if err != nil {
		return "", err
	}
	if len(s) == 0 {
		return "", f.err("read attribute", path, fmt.Errorf("%s: empty", name))
	}
	return s[0], nil
}

// ReadAttrFloat64 reads a numeric attribute as float64.
func (f *File) ReadAttrFloat64(path, name string) ([]float64, error) {
	var out []float64
	err := f.withAttr(path, name, func(a, t, s C.hid_t) error {
		in, err := infoOf(t, s)
		if err != nil {
			return err
		}
		if in.Class != ClassFloat && in.Class != ClassInt && in.Class != ClassUint {
			return fmt.Errorf("holds %s data, not numbers", in.Class)
		}
		out = make([]float64, in.Len())
		if len(out) > 0 && C.H5Aread(a, C.bh_native(kFloat64), unsafe.Pointer(&out[0])) < 0 {
			return errors.New("read failed")
		}
		return nil
	})
	return out, err
}

// setAttr replaces attribute name on the object at path with one of file
// type t and memory type mt holding the data at ptr.
func (f *File) setAttr(path, name string, dims []int, t, mt C.hid_t, ptr unsafe.Pointer) error {
	obj, err := f.object(path)
	if err != nil {
		return f.err("write attribute", path, err)
	}
	defer C.H5Oclose(obj)
	cn := cstr(name)
	defer free(cn)
	if C.H5Aexists(obj, cn) > 0 {
		C.H5Adelete(obj, cn)
	}
	s := space(dims)
	defer C.H5Sclose(s)
	a := C.H5Acreate2(obj, cn, t, s, C.H5P_DEFAULT, C.H5P_DEFAULT)
	if a < 0 {
		return f.err("write attribute", path, fmt.Errorf("cannot create %s", name))
	}
	defer C.H5Aclose(a)
	if ptr != nil && C.H5Awrite(a, mt, ptr) < 0 {
		return f.err("write attribute", path, fmt.Errorf("cannot write %s", name))
	}
	return nil
}

// SetAttrString sets a scalar string attribute: fixed-length ASCII sized to
// the value (as numpy.bytes_ values are written by h5py), or variable-length.
func (f *File) SetAttrString(path, name, value string, varLen bool) error {
	return f.SetAttrStrings(path, name, nil, []string{value}, varLen)
}

// SetAttrStrings sets a string attribute with the given dims (nil: scalar).
func (f *File) SetAttrStrings(path, name string, dims []int, values []string, varLen bool) error {
	if dims != nil {
		if err := checkLen(dims, len(values)); err != nil {
			return f.err("write attribute", path, err)
		}
	} else if len(values) != 1 {
		return f.err("write attribute", path, fmt.Errorf("%s: scalar needs one value", name))
	}
	lock()
	defer mu.Unlock()
	if varLen {
		t := C.bh_str_type(0, 1, 0)
		defer C.H5Tclose(t)
		buf := C.malloc(C.size_t(len(values)+1) * C.size_t(unsafe.Sizeof(uintptr(0))))
		defer C.free(buf)
		ptrs := unsafe.Slice((**C.char)(buf), len(values))
		for i, v := range values {
			ptrs[i] = cstr(v)
		}
		defer func() {
			for i := range values {
				free(ptrs[i])
			}
		}()
		return f.setAttr(path, name, dims, t, t, buf)
	}
	size := 1
	for _, v := range values {
		size = max(size, len(v))
	}
	t := C.bh_str_type(C.size_t(size), 0, 0)
	defer C.H5Tclose(t)
	raw := make([]byte, len(values)*size)
	for i, v := range values {
		copy(raw[i*size:], v)
	}
	cbuf := C.CBytes(raw)
	defer C.free(cbuf)
	return f.setAttr(path, name, dims, t, t, cbuf)
}

// SetAttr sets a numeric attribute stored in the element type of data, with
// the given dims (nil: scalar holding data[0]).
func (f *File) SetAttr(path, name string, dims []int, data Data) error {
	kind, n, ptr, err := dataKind(data)
	if err != nil {
		return f.err("write attribute", path, err)
	}
	if dims != nil {
		if err := checkLen(dims, n); err != nil {
			return f.err("write attribute", path, err)
		}
	} else if n != 1 {
		return f.err("write attribute", path, fmt.Errorf("%s: scalar needs one value", name))
	}
	lock()
	defer mu.Unlock()
	t := C.bh_native(C.int(kind))
	return f.setAttr(path, name, dims, t, t, ptr)
}
