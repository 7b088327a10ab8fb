package h5

// #include <stdlib.h>
// #include "hdf5.h"
//
// // bh_set_vlen_chars writes attribute name on obj: a 1-D array of n
// // variable-length sequences of 1-byte strings, the type MATLAB uses for
// // the MATLAB_fields attribute of a struct.
// static herr_t bh_set_vlen_chars(hid_t obj, const char *name, hvl_t *seqs, hsize_t n) {
//   hid_t c = H5Tcopy(H5T_C_S1);
//   if (c < 0) return -1;
//   H5Tset_size(c, 1);
//   H5Tset_strpad(c, H5T_STR_NULLTERM);
//   H5Tset_cset(c, H5T_CSET_ASCII);
//   hid_t t = H5Tvlen_create(c);
//   H5Tclose(c);
//   if (t < 0) return -1;
//   hid_t s = H5Screate_simple(1, &n, NULL);
//   if (s < 0) { H5Tclose(t); return -1; }
//   if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
//   hid_t a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
//   herr_t rc = -1;
//   if (a >= 0) { rc = H5Awrite(a, t, seqs); H5Aclose(a); }
//   H5Sclose(s);
//   H5Tclose(t);
//   return rc;
// }
import "C"

import (
	"fmt"
	"unsafe"
)

// SetAttrCharSeqs sets attribute name of the object at path to a 1-D
// array of variable-length sequences of 1-byte strings, one sequence per
// value: the type of the MATLAB_fields attribute MATLAB and hdf5storage
// give a struct group in a v7.3 MAT file.
func (f *File) SetAttrCharSeqs(path, name string, values []string) error {
	lock()
	defer mu.Unlock()
	obj, err := f.object(path)
	if err != nil {
		return f.err("write attribute", path, err)
	}
	defer C.H5Oclose(obj)
	n := len(values)
	seqs := (*C.hvl_t)(C.malloc(C.size_t(max(1, n)) * C.size_t(unsafe.Sizeof(C.hvl_t{}))))
	defer C.free(unsafe.Pointer(seqs))
	ss := unsafe.Slice(seqs, max(1, n))
	for i, v := range values {
		ss[i].len = C.size_t(len(v))
		ss[i].p = C.CBytes([]byte(v))
	}
	defer func() {
		for i := range values {
			C.free(ss[i].p)
		}
	}()
	cn := cstr(name)
	defer free(cn)
	if C.bh_set_vlen_chars(obj, cn, seqs, C.hsize_t(n)) < 0 {
		return f.err("write attribute", path, fmt.Errorf("cannot write %s", name))
	}
	return nil
}
