package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// deferred holds the roots registered with DeferSync, with a count each
// (two callers may register the same root).
var deferred struct {
	n     atomic.Int64 // registrations; 0 is the fast path of every write
	mu    sync.Mutex
	roots map[string]int
}

// DeferSync makes Write, WriteBytes and File.Commit skip their fsyncs (steps
// 3 and 5 of the package documentation) for paths at or beneath root, until
// the returned function is called. Renames stay atomic: readers and killed
// processes still never see a partial file under its final name. Only
// durability across a power failure passes to the caller, who must Sync the
// files and directories before recording them as finished. internal/jobs
// does this for a job's outputs: it syncs them once, in parallel, before the
// job's done marker, instead of two fsyncs in turn per file written.
func DeferSync(root string) (restore func(), err error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("atomicfile: %w", err)
	}
	deferred.mu.Lock()
	if deferred.roots == nil {
		deferred.roots = map[string]int{}
	}
	deferred.roots[abs]++
	deferred.n.Add(1)
	deferred.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			deferred.mu.Lock()
			if deferred.roots[abs]--; deferred.roots[abs] == 0 {
				delete(deferred.roots, abs)
			}
			deferred.n.Add(-1)
			deferred.mu.Unlock()
		})
	}, nil
}

// syncDeferred reports whether path lies at or beneath a root registered
// with DeferSync.
func syncDeferred(path string) bool {
	if deferred.n.Load() == 0 {
		return false
	}
	p, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	deferred.mu.Lock()
	defer deferred.mu.Unlock()
	for {
		if deferred.roots[p] > 0 {
			return true
		}
		parent := filepath.Dir(p)
		if parent == p {
			return false
		}
		p = parent
	}
}

// Sync fsyncs the file or directory at path, so that its data (for a
// directory: the names in it) survive a power failure. File systems that
// cannot sync are not an error.
func Sync(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	defer f.Close()
	return SyncFile(f)
}

// SyncFile is Sync for a file already open (for reading will do).
func SyncFile(f *os.File) error {
	if err := fsync(f); err != nil {
		return fmt.Errorf("atomicfile: sync %s: %w", f.Name(), err)
	}
	return nil
}

// fsync syncs f; file systems that cannot sync are not an error.
func fsync(f *os.File) error {
	if err := f.Sync(); err != nil && !ignorableSyncError(err) {
		return err
	}
	return nil
}
