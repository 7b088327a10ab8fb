// Package atomicfile writes files so that a reader, a crash or a killed
// process never sees a half-written output under its final name.
//
// Every writer works on a temporary file in the destination's directory and
// renames it over the final name only once the data is complete and synced:
//
//	step                         on disk
//	1. create parent directory   dir/
//	2. write to a temporary name dir/.<base>.tmp-<pid>-<random>
//	3. fsync the temporary file  (data durable before it gets its name)
//	4. rename over the final     dir/<base>            (atomic on POSIX)
//	5. fsync the directory       (the rename itself durable)
//
// On any error the temporary file is removed. A process killed between steps
// 2 and 4 leaves only a temporary file, whose name starts with a dot and
// contains ".tmp-": it never looks like a finished output to anyone listing
// the directory, IsTemp recognises it and RemoveTemps deletes such leftovers.
//
// A caller that writes many files and records them as finished in one place
// (internal/jobs, with a job's done marker) may take over steps 3 and 5 with
// DeferSync: the renames stay atomic, and it syncs all the files and their
// directories together with Sync before it records them.
//
// Names that come from data (stimulus names, layer names) must be joined with
// SafeJoin, which refuses any element that could escape the output directory.
//
// All functions are safe for concurrent use; two writers of the same final
// name each write their own temporary file and the last rename wins.
package atomicfile
