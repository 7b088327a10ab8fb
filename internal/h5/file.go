package h5

// #include "shim.h"
import "C"

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"syscall"
	"unsafe"

	"gonum.org/v1/hdf5"

	"github.com/brainhierarchy/bhscore/internal/fsx"
)

// ErrNotHDF5 is returned by Open for a file that exists but has no HDF5
// signature.
var ErrNotHDF5 = errors.New("not an HDF5 file")

// ErrNotFound is wrapped by errors for missing objects and attributes.
var ErrNotFound = errors.New("no such object")

// Error says which file and object an HDF5 operation failed on.
type Error struct {
	File string // file name as given to Open or Create
	Path string // object path inside the file, "" for the file itself
	Op   string // what was attempted: "open", "read", "write", ...
	Err  error
}

func (e *Error) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("h5: %s %s: %v", e.Op, e.File, e.Err)
	}
	return fmt.Sprintf("h5: %s %s:%s: %v", e.Op, e.File, e.Path, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// File is an open HDF5 file. It is safe for concurrent use.
type File struct {
	f    *hdf5.File
	name string
}

func (f *File) id() C.hid_t { return C.hid_t(f.f.ID()) }

func (f *File) err(op, path string, err error) error {
	return &Error{File: f.name, Path: path, Op: op, Err: err}
}

// Open opens an existing HDF5 file read-only.
func Open(name string) (*File, error) {
	// libhdf5 opens by name: a FIFO would block it forever.
	if err := fsx.CheckRegular(name); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // Error names the file
		}
		return nil, &Error{File: name, Op: "open", Err: err}
	}
	lock()
	defer mu.Unlock()
	if !hdf5.IsHDF5(name) {
		return nil, &Error{File: name, Op: "open", Err: ErrNotHDF5}
	}
	hf, err := hdf5.OpenFile(name, hdf5.F_ACC_RDONLY)
	if err != nil {
		return nil, &Error{File: name, Op: "open", Err: fmt.Errorf("libhdf5 cannot open it (truncated or corrupt?): %w", err)}
	}
	return &File{f: hf, name: name}, nil
}

// Create creates (truncating) an HDF5 file. A userBlock > 0 reserves that
// many bytes at the start of the file (a power of two >= 512), as MATLAB
// v7.3 files do; WriteUserBlock fills it after Close.
//
// A failure keeps the operating system's error (e.g. syscall.ENOSPC, "no
// space left on device"), which libhdf5 only reports on its error stack.
func Create(name string, userBlock int) (*File, error) {
	lock()
	defer mu.Unlock()
	if userBlock == 0 {
		hf, err := hdf5.CreateFile(name, hdf5.F_ACC_TRUNC)
		if err == nil {
			return &File{f: hf, name: name}, nil
		}
		// Try again through the shim, which reports the OS error.
		if _, cerr := createID(name, 0); cerr != nil {
			err = cerr
		}
		return nil, &Error{File: name, Op: "create", Err: err}
	}
	id, err := createID(name, userBlock)
	if err != nil {
		return nil, &Error{File: name, Op: "create", Err: err}
	}
	C.H5Fclose(id)
	hf, err := hdf5.OpenFile(name, hdf5.F_ACC_RDWR)
	if err != nil {
		return nil, &Error{File: name, Op: "create", Err: err}
	}
	return &File{f: hf, name: name}, nil
}

// createID creates name with libhdf5 and returns its handle. A failure
// wraps the errno of the system call that failed, if any (H5Fcreate's own
// error only says that it failed).
func createID(name string, userBlock int) (C.hid_t, error) {
	cn := cstr(name)
	defer free(cn)
	var errno C.int
	id := C.bh_create(cn, C.hsize_t(userBlock), &errno)
	if id >= 0 {
		return id, nil
	}
	what := "libhdf5 cannot create the file"
	if userBlock > 0 {
		what = fmt.Sprintf("libhdf5 cannot create the file with a %d-byte user block", userBlock)
	}
	if errno != 0 {
		return id, fmt.Errorf("%s: %w", what, syscall.Errno(errno))
	}
	return id, errors.New(what)
}

// WriteUserBlock writes data at the start of a closed file created with a
// user block of at least len(data) bytes.
func WriteUserBlock(name string, data []byte) error {
	fh, err := os.OpenFile(name, os.O_WRONLY, 0)
	if err != nil {
		return &Error{File: name, Op: "write user block", Err: err}
	}
	if _, err := fh.WriteAt(data, 0); err != nil {
		fh.Close()
		return &Error{File: name, Op: "write user block", Err: err}
	}
	return fh.Close()
}

// Name returns the file name given to Open or Create.
func (f *File) Name() string { return f.name }

// Close flushes and closes the file.
func (f *File) Close() error {
	lock()
	defer mu.Unlock()
	if f.f == nil {
		return nil
	}
	// Close every object left open so that H5Fclose really closes the file.
	err := f.f.Close()
	f.f = nil
	if err != nil {
		return f.err("close", "", err)
	}
	return nil
}

// Exists reports whether an object (group, dataset) exists at path.
func (f *File) Exists(path string) bool {
	lock()
	defer mu.Unlock()
	return f.exists(path)
}

func (f *File) exists(path string) bool {
	if path == "/" || path == "" {
		return true
	}
	cp := cstr(path)
	defer free(cp)
	return C.bh_exists(f.id(), cp) == 1
}

// Kind is the type of an HDF5 object.
type Kind int

const (
	KindUnknown Kind = iota
	KindGroup
	KindDataset
)

// Kind returns the kind of the object at path.
func (f *File) Kind(path string) (Kind, error) {
	lock()
	defer mu.Unlock()
	if !f.exists(path) {
		return KindUnknown, f.err("stat", path, ErrNotFound)
	}
	cp := cstr(path)
	defer free(cp)
	switch C.bh_objtype(f.id(), cp) {
	case C.H5O_TYPE_GROUP:
		return KindGroup, nil
	case C.H5O_TYPE_DATASET:
		return KindDataset, nil
	}
	return KindUnknown, nil
}

// Members lists the names of the links in a group, sorted by name.
func (f *File) Members(group string) ([]string, error) {
	lock()
	defer mu.Unlock()
	if !f.exists(group) {
		return nil, f.err("list", group, ErrNotFound)
	}
	cp := cstr(group)
	defer free(cp)
	n := C.bh_nmembers(f.id(), cp)
	if n == C.hsize_t(^uint64(0)) {
		return nil, f.err("list", group, errors.New("not a group"))
	}
	if n == 0 {
		return []string{}, nil
	}
	arr := (**C.char)(C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof(uintptr(0)))))
	defer C.free(unsafe.Pointer(arr))
	got := C.bh_members(f.id(), cp, arr, n)
	if got < 0 {
		return nil, f.err("list", group, errors.New("cannot iterate group"))
	}
	ptrs := unsafe.Slice(arr, int(got))
	names := make([]string, int(got))
	for i, p := range ptrs {
		names[i] = C.GoString(p)
		C.free(unsafe.Pointer(p))
	}
	sort.Strings(names)
	return names, nil
}

// CreateGroup creates a group and any missing parents.
func (f *File) CreateGroup(path string) error {
	lock()
	defer mu.Unlock()
	return f.createGroup(path)
}

func (f *File) createGroup(path string) error {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	cur := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		cur += "/" + p
		if f.exists(cur) {
			continue
		}
		if err := f.newGroup(cur); err != nil {
			return f.err("create group", cur, err)
		}
	}
	return nil
}

// parentOf returns the parent group path of an object path.
func parentOf(path string) string {
	i := strings.LastIndex(path, "/")
	if i <= 0 {
		return "/"
	}
	return path[:i]
}

// newGroup creates one group without object timestamps, so that files
// with the same content have the same bytes. The caller holds mu.
func (f *File) newGroup(path string) error {
	gcpl := C.H5Pcreate(C.H5P_CLS_GROUP_CREATE_ID_g)
	defer C.H5Pclose(gcpl)
	C.H5Pset_obj_track_times(gcpl, false)
	cp := cstr(path)
	defer free(cp)
	g := C.H5Gcreate2(f.id(), cp, C.H5P_DEFAULT, gcpl, C.H5P_DEFAULT)
	if g < 0 {
		return errors.New("cannot create group")
	}
	C.H5Gclose(g)
	return nil
}
