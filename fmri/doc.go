// Package fmri reads, selects, labels, averages and writes bdpy BData
// files, the HDF5 containers of the Kamitani lab's fMRI data (e.g.
// sub-01_perceptionNaturalImageTraining_VC_v2.h5), with the results bdpy's
// BData gives.
//
// # On-disk layout
//
// A BData file as written by bdpy's BData.save (h5py 3):
//
//	| path                           | shape                | type                                      |
//	|--------------------------------|----------------------|-------------------------------------------|
//	| /dataset                       | trials x columns     | float64 (any numeric type is read)        |
//	| /metadata/key                  | (n_keys,)            | strings: variable-length (h5py 3) or      |
//	| /metadata/description          | (n_keys,)            |   fixed-length NUL-padded (older files)   |
//	| /metadata/value                | n_keys x columns     | float64, NaN where a key does not apply   |
//	| /header/<name>                 | scalar or (n,)       | strings (ctime, callstack) or float64     |
//	|                                |                      |   (ctime_epoch); optional                 |
//	| /vmap/<key>/<repr(value)>      | scalar               | string: the label of a numeric value of   |
//	|                                |                      |   <key>, member named by Python repr(float)|
//	|                                |                      |   ("1.0", "2535895.008083", "1e-05")      |
//	| legacy /dataSet, /metaData/... | as above             | older files; preferred when present       |
//
// Columns hold voxels and per-trial labels alike; a metadata key such as
// "ROI_V1" or "image_index" is 1 on its columns. Labels: image_index is the
// 1-based position of the stimulus in the sorted stimulus list;
// stimulus_name values map through /vmap/stimulus_name to file stems
// ("n01518878_10042").
//
// # Selectors
//
// Columns are chosen with bdpy's selector language, reproduced with its
// quirks (see ParseSelector and Selector.Columns): "ROI_V1 = 1", "ROI_V1"
// (same), "|" or "+", "&", "-" (and-not), parentheses, quoted keys
// ('hemi-left'), "*" wildcards (ROI_V* also matches ROI_VC), and the
// ranking forms "(KEY)(N)(top)" and "ranking @ mask". A key is first turned
// into the mask "value == 1", so "roi_code = 2" selects nothing and
// "KEY = 0" selects every other column; "|", "&" and "-" share one
// precedence; a ")" pops the whole operator stack; only all-digit tokens are
// numbers. Ranking ties are broken exactly as NumPy 1.24's argsort breaks
// them. An unknown key is an error naming it (ErrKeyNotFound).
//
// # Reading only what is needed
//
// Open reads metadata, header and vmap; File.Select and File.ReadColumns
// stream the dataset in row blocks of at most 8 MiB and keep only the
// selected columns, so one ROI of a 6,000 x 15,000 file costs little more
// memory than the ROI itself.
//
// # Differences from bdpy
//
// A NaN label value is an error (bdpy's get_labels yields "n/a"); an empty
// selection is an error from Select (a gonum matrix cannot have zero
// columns; Columns returns the empty list); expressions bdpy would crash on
// (a number where a vector is needed, an unterminated quote) give ErrSyntax.
// Save writes ctime and ctime_epoch but not bdpy's callstack entries.
//
// # Non-finite values
//
// Select returns NaN and infinite values as stored, as bdpy does.
// SelectFinite (and CheckFinite for a matrix in hand) refuses them with a
// *NonFiniteError naming the file, the selector, the trial and the dataset
// column of the first one, and how many there are: the analyses use it by
// default, because one NaN voxel turns every model of its ROI into NaN.
//
// A File is safe for concurrent use (all HDF5 access is serialised by
// internal/h5).
package fmri
