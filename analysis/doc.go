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
// features.Open), reuses a finished model with a matching fingerprint (see Reruns) or trains one
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
// # Reruns
//
// Each job has a fingerprint (package provenance): direction, network and
// its dir, layer, subject, ROI and selector, alpha, n_feat, the precision
// policy, FormatVersion, the non-finite policy, whether models and
// predictions are kept, and the identity of each input file. It is kept in
// the job's done marker; a job whose fingerprint changed is redone (its old
// outputs removed first) and Event.Reasons / Summary.Redone say why. A model
// directory records the fingerprint of its training in
// bdmodel.FingerprintFile: a model is reused only when it matches; a
// finished model without one is refused (ErrModelUnverified) unless
// Options.ReuseModels. Run (and Claim) claims the output directory for the
// configuration: a live run with another one is refused (ErrConflict). Jobs
// left undone because live workers hold them are named in Summary.Held
// (ErrHeld). Config.NonFinite chooses between refusing NaN/Inf inputs (the
// default) and propagating them as the original scripts do. Records gives
// what each network's finished jobs were computed from, for reports.
//
// Scoring the accuracy trees is the root package's (bhscore.Run,
// bhscore.ScoreTrees). Run is safe to call from several processes sharing
// an output directory.
package analysis
