// Package encode runs the brain hierarchy score's encoding analysis, the
// mirror image of package decode: a FastL2LiR encoder per (network, layer,
// subject, ROI) that predicts an ROI's voxels from a DNN layer's units, and
// its per-voxel profile-correlation accuracy on the test images. It
// reproduces BHscore's encoding/featenc_fastl2lir_{train,predict}.py:
//
//	step                original                                    here
//	inputs              features flattened in Fortran order, float32 Train
//	targets             ROI voxels cast to float32                   Train
//	statistics          float32 (units over images, voxels over      stats.NormOf32
//	                    trials), ddof 1, saved float32; summed in
//	                    numpy's order: pairwise for the Fortran-
//	                    ordered voxels and >2-d or indexed layers
//	normalise           float32, ±Inf -> 0, NaN kept                 Train
//	align               trial -> its stimulus_name's feature row     Train (FitImages)
//	fit                 dtype float32                                Train
//	predict             test units normalised in float32, predicted  Encoder.Predict
//	                    in float64, de-normalised
//	truth               test fMRI averaged per stimulus (float32)    Test
//	accuracy            np.corrcoef per voxel, float32, (1, voxels)  Test
//
// On disk (Paths):
//
//	feature_encoders/<train set>/<net>/<layer>/<sub>/<roi>/model/  (as decode)
//	encoded_fmri/<test set>/<net>/<layer>/<sub>/<roi>/<stem>.mat    (feat)
//	encoding_accuracy/<test set>/<net>/<layer>/<sub>/<roi>/accuracy.mat
//
// The original writes accuracies to encoded_fmri/.../profile_correlation/;
// they are written where the BH-score notebook reads them instead.
//
// Documented behaviour of the original that is kept: a constant unit
// becomes a NaN input column that FastL2LiR selects first for every voxel,
// so the whole layer's encoders and accuracies are NaN.
//
// Functions are safe for concurrent use; an Encoder is immutable after
// Train or Load.
package encode
