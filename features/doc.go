// Package features reads DNN unit activations: bdpy's feature directories
// (one MATLAB file per image per layer) and a packed, checksummed,
// LZ4-compressed store made from them for fast repeated loading.
//
// Analyses consume the small Store interface: sorted layer names, sorted
// stimulus labels (stems), and one layer at a time as a samples x units
// float32 matrix (a *Layer) that keeps the unit shape of each image. The
// 1-based position of a stem in Labels is bdpy's image_index (ImageIndex).
//
// # Directory store (bdpy Features layout), OpenDir
//
//	path                          content
//	<root>/<layer>/               one sub-directory per layer, listed sorted
//	<root>/<layer>/<stem>.mat     variable "feat", shape 1 x unit shape
//	                              (1 x units, or 1 x C x H x W), any numeric
//	                              class; MATLAB v5 (scipy.io.savemat, the
//	                              PyTorch extractor) or v7.3 (HDF5, hdf5storage,
//	                              the Caffe extractor), detected per file
//	<root>/index_*.mat (anywhere) optional feature-index file: v7.3 struct
//	                              "index" of integer arrays, one per layer,
//	                              0-based C-order unit positions (ReadIndex;
//	                              written by WriteIndex, e.g. the seeded
//	                              random units of RandomIndex)
//
// Every layer must hold the same stems. Layers are read in parallel
// (DirOptions.Workers); HDF5 reads are serialised by internal/h5.
// Values become float32 (exact for float32 files, the usual case).
//
// # Packed store, Pack and OpenPacked
//
//	path                          content
//	<dir>/manifest.json           format, version, sorted layers and labels;
//	                              written last (an unfinished Pack does not open)
//	<dir>/<layer>.bhfeat          one file per layer, little-endian:
//
//	offset   size  field
//	0        8     magic "BHSCFEAT"
//	8        4     version (2; 1 for row-blocked files of earlier releases)
//	12       4     flags (0)
//	16       8     header length H
//	24       4     CRC-32C of the header
//	28       4     CRC-32C of bytes 0-27
//	32       H     header: layer name; unit shape; source shape and
//	               feature index (when units were selected); labels;
//	               v2: unit order (C or Fortran), rows per tile R, units
//	               per unit block U, tile table; v1: rows per block, block
//	               table. Each entry: {offset, stored length, codec
//	               (0 raw, 1 LZ4), CRC-32C of the stored bytes}
//	32+H     ...   v2: tiles of R rows x U units, all tiles of unit block 0
//	               (every image), then unit block 1, ...; v1: blocks of
//	               whole rows. float32 little-endian, row-major
//
// A unit block of every image is one contiguous byte range, so analyses
// that stream a layer too large for memory read it block by block with
// Columns (OpenColumns reads any store that way, through a scratch file
// when needed). Version 2 files hold units in Fortran order by default,
// the order the encoding analyses use (PackOptions.COrder). Pack converts
// a bdpy directory in one pass over its files, holding a few rows at a
// time (PackOptions.Memory).
//
// Every size in a header is checked against the file size before anything
// is allocated, and every checksum is verified on load. Pack writes each
// file to a temporary name and renames it; a rerun skips layers already
// packed intact.
//
// # Flattening
//
// Within a row, units are in C (row-major) order of the unit shape, as
// numpy's reshape(n, -1) gives them and as the decoding analyses use them.
// The encoding analyses flatten in Fortran order: see Order, Flatten,
// Unflatten, FortranPerm and Layer.Dense.
//
// Errors name the file, layer and stimulus (*Error) and wrap ErrFormat,
// ErrMismatch or ErrNoLayer where these apply. NaN and Inf values are kept
// as loaded; Layer.CheckFinite reports them.
package features
