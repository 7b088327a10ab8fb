// Package h5 is the one door through which bhscore talks to libhdf5.
//
// Debian's libhdf5 is built without thread safety, so every call into the
// C library made by any bhscore package goes through this package, which
// holds a single process-wide mutex for the duration of each call. The
// package wraps gonum.org/v1/hdf5 for files, groups and datasets and adds
// the few operations that binding lacks (type-converting reads, hyperslab
// row reads, variable- and fixed-length strings, object references, user
// blocks, attributes of any type) in a small cgo shim.
//
// Paths are absolute HDF5 paths ("/metadata/key"). Multi-dimensional data is
// exchanged in C (row-major) order with dims in HDF5 order; callers that
// speak MATLAB order reverse the dims themselves.
//
// A *File is safe for concurrent use by multiple goroutines: all access is
// serialised.
package h5
