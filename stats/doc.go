// Package stats holds the statistics that package decode, package encode
// and the simulator share, computed as the original NumPy scripts compute
// them: normalisation statistics saved beside a model (Norm, NormOf64,
// NormOf32, Norm.Normalize32), the profile correlation that is a job's
// accuracy (ProfileCorrelation) and np.corrcoef's Pearson correlation.
//
// Functions only read their arguments and are safe for concurrent use.
package stats
