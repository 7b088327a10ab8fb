// Package reliability holds the library's reliability suite and nothing
// else: it has no exported API. Its tests feed every reader and analysis
// hostile input (truncated, empty, corrupt and foreign .h5 and .mat files,
// packed stores with broken headers, files declaring absurd dimensions,
// NaN/Inf and constant data, mismatched labels, unsafe stimulus names,
// malformed configs), check numerical robustness of the solver
// (alpha near 0, collinear voxels, worker-count independence), and kill
// and restart a whole simulated study (package sim) to prove that its
// outputs are byte-identical to an uninterrupted run's and that no partial
// file is ever taken as finished.
//
// Every case asserts a clear error that names the file, variable, layer,
// subject or ROI, or the original's documented behaviour, and that nothing
// panicked. Run it with
//
//	go test ./internal/reliability/
//
// The hostile HDF5 inputs in testdata are written by
// testdata/gen_hostile.py (h5py); everything else is built by the tests.
package reliability
