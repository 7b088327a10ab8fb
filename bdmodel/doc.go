// Package bdmodel is the one home of a trained model directory in bdpy's
// "bdmodel" layout, as bdpy's ModelTraining writes it and ModelTest reads
// it, for decoders and encoders alike:
//
//	file          variable   contents                                   here
//	W.mat         W          bdpy sparse array, (inputs,) + target      SaveWeights, LoadWeights
//	                         shape, float32 (or chunks W/00000000.mat)
//	b.mat         b          float32, (1,) + target shape                SaveWeights, LoadWeights
//	x_mean.mat    x_mean     float32 input means                         Stats.Save, LoadStats
//	x_norm.mat    x_norm     float32 input ddof-1 standard deviations    Stats.Save, LoadStats
//	y_mean.mat    y_mean     float32 target means                        Stats.Save, LoadStats
//	y_norm.mat    y_norm     float32 target ddof-1 standard deviations   Stats.Save, LoadStats
//	info.yaml     -          _status: computation_status: done           WriteInfo, IsDone
//	bhscore_fingerprint.json what the model was trained from (bhscore)  FingerprintFile, Unmark
//
// Save writes a whole directory (statistics, W and b, info.yaml last, every
// file atomically); IsDone is the test the original scripts use to skip a
// finished job. bhscore also records, in FingerprintFile, the fingerprint
// of what a model was trained from (parameters and input identities; see
// package analysis), so that a model is reused only by the configuration
// that made it. bdpy ignores the file: ModelTest reads W.mat and b.mat (or
// W/*.mat, b/*.mat) by name, the original test scripts the statistics files
// by name. Unmark removes info.yaml and the fingerprint before a model is
// rewritten, so that a killed rewrite never looks finished. The package also declares the paper's solver settings
// (DefaultAlpha, DefaultNFeat) and applies them in one place (Solver), and
// holds the float32 conventions both analyses share: Round, Denormalize,
// SaveArray, SaveRows.
//
// Errors of SaveWeights and LoadWeights start with "bdmodel:"; the others
// carry no package prefix (Save and SaveRows take the caller's), so that the
// analyses report them under their own names.
package bdmodel
