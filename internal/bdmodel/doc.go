// Package bdmodel holds what package decode and package encode share about
// a trained model in bdpy's bdmodel layout: the float32 rounding of W and b,
// de-normalising predictions, and the statistics files and info.yaml saved
// beside W.mat and b.mat.
//
// Errors carry no package prefix; the callers wrap them with theirs.
package bdmodel
