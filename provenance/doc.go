// Package provenance fingerprints what a job's outputs were computed from,
// so that a rerun reuses an output only when everything that determined it
// is unchanged, and says why it recomputes one otherwise.
//
// A Fingerprint is a sorted list of named parameters (direction, network,
// layer, subject, ROI, alpha, n_feat, precision policy, the analysis' format
// version, ...: whatever the caller sets) and a sorted list of inputs, each
// identified by an Identifier. Sum is the SHA-256 of its canonical JSON
// encoding; Diff lists, in words, what differs between two fingerprints
// ("alpha 100 -> 1e+06", "training fMRI /data/sub-01.h5: content changed").
//
// # Input identity
//
// Reading every input in full on every run would cost as much as the
// analysis itself (a training BData file is ~1 GB, a layer's feature tree up
// to 15 GB), so an input's identity depends on what it is:
//
//	input                      identity                                         catches
//	regular file <= 1 MiB      path, size, SHA-256 of the content               any change, even with the mtime restored
//	regular file  > 1 MiB      path, size, modification time (ns)               rewrites, copies over it, touch
//	directory                  path; sorted list of every regular file beneath   added, removed, resized or rewritten
//	                           it with its size and modification time, hashed    files; temporaries are ignored
//	FIFO, socket, device       an error naming the path (fsx.ErrNotRegular)
//
// The path is always part of the identity, so moving a study's input tree
// makes its jobs run again; a file rewritten with the same content and the
// same modification time (cp -p, rsync -t) keeps its identity. Small files
// (settings, configs, feature-index files, small simulated inputs) are
// hashed, so restoring an old modification time does not hide a change.
//
// Identities are cached per Identifier (one per run), so a file shared by
// many jobs is examined once.
//
// Fingerprints are stored as indented JSON with no time of writing, so an
// unchanged rerun writes byte-identical files.
package provenance
