// Package analysis runs a study's decoding and encoding analyses as
// BHscore's scripts do, one job per (network, layer, direction, subject,
// ROI), resumable, on one machine or sharded over many.
//
// A study is a Config: read from the Go-native study file (YAML or JSON)
// or from one or more of the original BHscore encoding configs
// (bhscore_<fw>_<net>_allunits.yaml), which LoadConfig merges. Its solver
// settings keep nil for absent, so that the paper's values (alpha 100, 500
// inputs per target) are applied in one place, bdmodel.Solver, and an
// explicit 0 means what it means to fastl2lir.
//
// Run runs the jobs of a Shard (ParseShard, ShardFromEnv for Slurm arrays
// and Kubernetes indexed jobs) that are not done yet. Each job claims a
// lock file, reads its inputs through a byte-bounded cache shared by the
// worker's jobs (a layer's features are loaded once for all its subjects
// and ROIs; fMRI trials come through fmri.ReadTrials, feature stores through
// features.Open), reuses a finished model (bdmodel.IsDone) or trains one
// (decode.Train, encode.Train), tests it and writes its outputs atomically,
// then a done marker. A killed job is redone from scratch; outputs are
// byte-identical to an uninterrupted run's. On disk, under Config.Output:
//
//	path                                                          written by
//	feature_decoders/<train set>/<net>/<layer>/<sub>/<roi>/model/ decode.Decoder.Save
//	decoded_features/<test set>/<net>/<layer>/<sub>/<roi>/        decode.Result.SavePredictions
//	decoding_accuracy/<test set>/<net>/<layer>/<sub>/<roi>/       decode.Result.SaveAccuracy
//	feature_encoders/<train set>/<net>/<layer>/<sub>/<roi>/model/ encode.Encoder.Save
//	encoded_fmri/<test set>/<net>/<layer>/<sub>/<roi>/            encode.Result.SavePredictions
//	encoding_accuracy/<test set>/<net>/<layer>/<sub>/<roi>/       encode.Result.SaveAccuracy
//	.bhscore/                                                     lock files, done markers
//
// Scoring the accuracy trees is the root package's (bhscore.Run,
// bhscore.ScoreTrees). Run is safe to call from several processes sharing
// an output directory.
package analysis
