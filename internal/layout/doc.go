// Package layout builds the output paths of one decoding or encoding job in
// bdpy's directory layout; package decode and package encode name the
// top-level directories. Accuracy is the one function that builds an
// accuracy file's path, for the analyses that write it and the scoring that
// reads it.
package layout
