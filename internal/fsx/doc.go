// Package fsx opens user-supplied input files safely: only regular files
// (after following symbolic links) are opened.
//
// A named pipe (FIFO) given where a BData, MAT or feature file is expected
// would otherwise block the reader forever in open(2) or read(2), and a
// device or socket would give a confusing error or never end. Every input
// bhscore reads from a user's path (fMRI, features, settings, configs,
// packed stores, feature-index files) goes through this package:
//
//	function        checks                                   then
//	CheckRegular    stat: must be a regular file             (caller opens by name, e.g. libhdf5)
//	Open            stat, open with O_NONBLOCK, fstat again  *os.File, blocking mode restored
//	ReadFile        Open                                     whole content
//
// Open checks twice, so a path replaced by a FIFO between the stat and the
// open still fails instead of blocking: opening a FIFO read-only with
// O_NONBLOCK returns at once. The errors are *fs.PathError values wrapping
// ErrNotRegular, and say what the path is ("a named pipe (FIFO)",
// "a directory", "a socket", "a device").
package fsx
