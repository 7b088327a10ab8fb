package h5

// #include "hdf5.h"
import "C"

import "fmt"

// maxExpansion bounds how many bytes a dataset may declare per byte it
// stores: deflate, the filter h5py, hdf5storage and MATLAB use, expands
// at most ~1032:1.
const maxExpansion = 1100

// checkStored rejects a dataset that declares far more data than the file
// holds for it (a hostile or corrupt header, or chunks never written), so
// that no read allocates beyond what the file can expand to. The caller
// holds mu.
func checkStored(ds, t C.hid_t, in Info) error {
	declared := float64(in.Len()) * float64(C.H5Tget_size(t))
	if declared <= 1<<20 {
		return nil
	}
	stored := float64(C.H5Dget_storage_size(ds))
	if declared > stored*maxExpansion+(1<<20) {
		return fmt.Errorf("dataspace of %v elements (%.0f bytes) but only %.0f bytes stored: truncated or corrupt file", in.Dims, declared, stored)
	}
	return nil
}
