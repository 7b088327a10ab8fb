// Package decode runs the brain hierarchy score's decoding analysis: a
// FastL2LiR feature decoder per (network, layer, subject, ROI) that predicts
// a DNN layer's units from fMRI voxels, and its profile-correlation accuracy
// on the test images. It reproduces BHscore's
// decoding/feature_decoding_{train,predict}.py with bdpy's ModelTraining and
// ModelTest, including their floating-point types:
//
//	step                      original                              here
//	voxel statistics          float64 mean, std (ddof 1) over trials stats.NormOf64
//	                          (numpy's pairwise sums: Fortran order)
//	unit statistics           float32 over the distinct images       stats.NormOf32
//	                          (pairwise when a feature index is used)
//	normalise, ±Inf -> 0      X float64, Y float32 (NaN kept)        Train
//	align                     trial -> its image_index's feature row Train
//	fit                       inputs rounded to float32, fit float64 Train
//	save                      W sparse, b, 4 statistics float32       Decoder.Save (bdmodel)
//	test average              np.unique(image_index), float64 mean   Test
//	predict                   saved float32 stats, X -> float32,     Decoder.Predict
//	                          predict float64, de-normalise
//	accuracy                  np.corrcoef per unit (C order),        Test, stats.ProfileCorrelation
//	                          saved float32, shape (1,) + unit shape
//
// On disk (Paths):
//
//	feature_decoders/<train set>/<net>/<layer>/<sub>/<roi>/model/
//	    W.mat b.mat x_mean.mat x_norm.mat y_mean.mat y_norm.mat info.yaml
//	decoded_features/<test set>/<net>/<layer>/<sub>/<roi>/<stem>.mat   (feat)
//	decoding_accuracy/<test set>/<net>/<layer>/<sub>/<roi>/accuracy.mat (accuracy)
//
// Documented behaviours of the original that are kept: a constant DNN unit
// (zero standard deviation) gives a NaN decoder and a NaN accuracy for that
// unit only; an ROI with no more voxels than NFeat is fitted without
// selection. A constant voxel gives a NaN input column, which FastL2LiR
// selects first for every unit (all accuracies NaN), as in the original.
// Differences: every decoded-feature file is named after its own image
// (the original assumes test image_index values 1..N).
//
// Functions are safe for concurrent use; a Decoder is immutable after Train
// or Load.
package decode
