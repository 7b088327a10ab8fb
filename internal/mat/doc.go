// Package mat reads and writes the numeric arrays of MATLAB MAT files:
// version 5 (scipy.io.savemat, MATLAB -v6/-v7; pure Go) and version 7.3
// (HDF5, as hdf5storage and MATLAB write them; through internal/h5), plus
// bdpy's sparse arrays (decoder weights W.mat).
//
// Read, ReadAll, ReadSparse detect the format from the file header (Detect,
// DetectFile): the set of formats is fixed, so a plain switch picks the
// decoder.
// Arrays come back with numpy-order Dims (what scipy.io.loadmat and
// hdf5storage.loadmat return) and values in C order widened to float64;
// the column-major conversion happens once, while decoding. Struct, cell,
// char and MATLAB sparse variables are skipped by ReadAll and give
// ErrUnsupported when asked for by name. Writers go to a temporary file
// renamed over the destination.
//
// Corrupt input never panics and never makes the decoder allocate much
// more than the file holds: v5 dims are bounded by the bytes of their
// element, compressed elements by deflate's maximum ratio and by the data
// actually inflated; every zlib checksum is verified.
//
// All functions are safe for concurrent use; v5 decoding runs in parallel,
// v7.3 access is serialised by internal/h5 (libhdf5 is not thread-safe).
//
// # MAT v5 layout
//
//	offset  size  content
//	0       116   header text "MATLAB 5.0 MAT-file, Platform: ..., Created on: ..."
//	116     8     subsystem data offset (zeros or spaces: none)
//	124     2     version 0x0100
//	126     2     endian indicator "IM" (little-endian) or "MI" (big-endian)
//	128     ...   data elements, each an 8-byte tag (type uint32, size uint32)
//	              and its payload padded to 8 bytes; a payload of <= 4 bytes
//	              may use the small format: size<<16|type in 4 bytes + 4 data
//
//	element       payload
//	miCOMPRESSED  zlib stream of one miMATRIX element (no padding)
//	miMATRIX      array flags  miUINT32 x2: class (mxDOUBLE_CLASS=6 ... mxUINT64_CLASS=15,
//	                           struct=2, cell=1, char=4, sparse=5) | flags<<8
//	                           (complex 0x08, global 0x04, logical 0x02)
//	              dims         miINT32 x ndims (>= 2), MATLAB order = numpy order
//	              name         miINT8 (small format for names of <= 4 bytes)
//	              real part    any numeric type, possibly narrower than the class
//	                           (MATLAB stores integer-valued doubles as miUINT8 ...),
//	                           column-major
//
// WriteV5 writes little-endian, each class in its own type, logical as
// mxUINT8_CLASS with the logical flag (scipy reads it back as uint8).
//
// # MAT v7.3 layout
//
//	offset  size  content
//	0       116   "MATLAB 7.3 MAT-file, Platform: ..., Created on: ... HDF5 schema 1.00 ."
//	116     8     subsystem offset (zeros)
//	124     2     version 0x0200
//	126     2     "IM"
//	128     384   zeros (user block is 512 bytes)
//	512     ...   HDF5 file (signature \x89HDF\r\n\x1a\n)
//
//	object                   content
//	/<var>                   dataset, HDF5 dims = reversed MATLAB dims; data in the
//	                         class's type (logical: uint8 + MATLAB_int_decode=1)
//	  MATLAB_class           fixed-length string: double, single, int8 ... uint64, logical
//	  Python.Shape           uint64[ndim]: numpy shape (hdf5storage); 1-D arrays are
//	                         MATLAB columns n x 1, HDF5 dims (1, n)
//	  Python.Type, Python.numpy.Container, Python.numpy.UnderlyingType
//	  MATLAB_empty           1 for an empty array: the dataset holds its HDF5 dims
//	/<var> (bdpy sparse)     group, MATLAB_class "struct", MATLAB_fields (vlen
//	                         sequences of 1-byte strings), Python.Fields, Python.Type "dict"
//	  __bdpy_sparse_arrray   logical scalar true (bdpy's spelling, three r's)
//	  index                  cell (1 x ndim object references) -> /#refs#/*: int64
//	                         coordinates of the stored elements per axis (np.where)
//	  shape                  cell (1 x ndim references) -> int64 scalars
//	  value                  stored values (elements != background, NaN included)
//	  background             int64 scalar, 0
//	/#refs#/a                canonical empty (uint64 [0 0], MATLAB_empty)
//	/#refs#/b, c, ...        the referenced arrays (hdf5storage names them randomly)
//
// ReadSparse makes a sparse group dense exactly as bdpy's load_array:
// float64 filled with the background, stored values widened in place.
package mat
