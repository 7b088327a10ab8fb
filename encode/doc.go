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
// # All units of a large layer: TrainStream
//
// A layer of 1,200 images x 3.2 M units is 15 GB of float32 and cannot be
// held (with its copies) by Train. TrainStream fits the encoders of every
// subject and ROI of such a layer in one pass over its units, read block by
// block from a packed store (features.OpenColumns, Fortran order),
// normalising each block as Train does; only each voxel's running best
// candidates, then its selected units, are held (fastl2lir.FitStream). Its
// encoders hold weights per voxel (Encoder.Sparse; W.mat is written sparse
// without a dense copy) and predict with PredictColumns / TestColumns,
// reading only the units they use. Results equal Train's bitwise whenever
// Train builds each voxel's system from its selected units, which it does
// for every layer large enough to need streaming (the test proves it).
// InMemoryBytes estimates Train's peak, so that callers can choose.
//
// Functions are safe for concurrent use; an Encoder is immutable after
// Train or Load.
package encode
