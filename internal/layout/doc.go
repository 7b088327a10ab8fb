// Package layout joins the output paths of one decoding or encoding job in
// bdpy's directory layout; package decode and package encode name the
// top-level directories.
package layout
