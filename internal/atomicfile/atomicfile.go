package atomicfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// tmpMarker separates the final base name from the writer's pid and random
// suffix in a temporary name: ".<base>.tmp-<pid>-<random>".
const tmpMarker = ".tmp-"

// TempName returns a fresh temporary name for path, in path's directory,
// following the pattern ".<base>.tmp-<pid>-<random hex>". The file is not
// created.
func TempName(path string) string {
	dir, base := filepath.Split(path)
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand never fails on supported platforms; fall back to time.
		return filepath.Join(dir, "."+base+tmpMarker+strconv.Itoa(os.Getpid())+"-"+strconv.FormatInt(time.Now().UnixNano(), 16))
	}
	return filepath.Join(dir, "."+base+tmpMarker+strconv.Itoa(os.Getpid())+"-"+hex.EncodeToString(b[:]))
}

// IsTemp reports whether name (a base name or a path) has the form of a
// temporary file made by this package: ".<base>.tmp-<pid>-<hex>".
func IsTemp(name string) bool {
	name = filepath.Base(name)
	if len(name) < 2 || name[0] != '.' {
		return false
	}
	i := strings.LastIndex(name, tmpMarker)
	if i < 2 { // need at least one byte of base name
		return false
	}
	pid, rnd, ok := strings.Cut(name[i+len(tmpMarker):], "-")
	if !ok || pid == "" || rnd == "" {
		return false
	}
	for _, c := range pid {
		if c < '0' || c > '9' {
			return false
		}
	}
	for _, c := range rnd {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Write creates path's parent directory, calls fn with a temporary path in
// the same directory for fn to create and fill, then syncs that file, renames
// it over path and syncs the directory. fn must create the file at tmpPath
// (with any library: os.Create, an HDF5 writer, ...) and close it before
// returning. If fn or any later step fails, the temporary file is removed and
// path is left as it was.
func Write(path string, fn func(tmpPath string) error) (err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	tmp := TempName(path)
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if err := fn(tmp); err != nil {
		return err
	}
	durable := !syncDeferred(path)
	f, err := os.Open(tmp)
	if err != nil {
		return fmt.Errorf("atomicfile: writer did not create %s: %w", path, err)
	}
	if durable {
		if err := fsync(f); err != nil {
			f.Close()
			return fmt.Errorf("atomicfile: sync %s: %w", path, err)
		}
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	return commit(tmp, path, durable)
}

// WriteBytes atomically replaces path with data (mode 0666 before umask).
func WriteBytes(path string, data []byte) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("atomicfile: write %s: %w", path, err)
	}
	return f.Commit()
}

// File is a temporary file that becomes path on Commit. It embeds *os.File
// for writing; do not Close it directly. A File is not safe for concurrent
// use.
type File struct {
	*os.File
	path string
	done bool
}

// Create creates path's parent directory and opens a new temporary file for
// streaming writes (mode 0666 before umask). Call Commit to publish it under
// path or Abort to discard it; a deferred Abort after Commit is a no-op.
func Create(path string) (*File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return nil, fmt.Errorf("atomicfile: %w", err)
	}
	for range 10 {
		tmp := TempName(path)
		f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("atomicfile: %w", err)
		}
		return &File{File: f, path: path}, nil
	}
	return nil, fmt.Errorf("atomicfile: no free temporary name for %s", path)
}

// Path returns the final path the file is committed to.
func (f *File) Path() string { return f.path }

// Commit syncs and closes the temporary file, renames it over the final path
// and syncs the directory. On failure the temporary file is removed.
func (f *File) Commit() error {
	if f.done {
		return fmt.Errorf("atomicfile: %s already committed or aborted", f.path)
	}
	f.done = true
	tmp := f.Name()
	durable := !syncDeferred(f.path)
	if durable {
		if err := fsync(f.File); err != nil {
			f.File.Close()
			os.Remove(tmp)
			return fmt.Errorf("atomicfile: sync %s: %w", f.path, err)
		}
	}
	if err := f.File.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("atomicfile: close %s: %w", f.path, err)
	}
	if err := commit(tmp, f.path, durable); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// Abort closes and removes the temporary file. It is a no-op after Commit
// or a previous Abort.
func (f *File) Abort() error {
	if f.done {
		return nil
	}
	f.done = true
	f.File.Close()
	if err := os.Remove(f.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("atomicfile: %w", err)
	}
	return nil
}

// commit renames tmp over path and, if durable, syncs the directory.
func commit(tmp, path string, durable bool) error {
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	if !durable {
		return nil
	}
	return SyncDir(filepath.Dir(path))
}

// SyncDir fsyncs a directory so that renames and creations in it survive a
// crash. File systems that cannot sync directories are not an error.
func SyncDir(dir string) error { return Sync(dir) }

func ignorableSyncError(err error) bool {
	return errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) || errors.Is(err, errors.ErrUnsupported)
}

// RemoveTemps removes the temporary files (IsTemp) directly inside dir whose
// modification time is older than olderThan, and returns how many it
// removed. Use it only where no live writer can be at work, for example in a
// job's own output directory while holding the job's lock; an olderThan of a
// few minutes protects writers that are still running. A missing dir is not
// an error.
func RemoveTemps(dir string, olderThan time.Duration) (int, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("atomicfile: %w", err)
	}
	cutoff := time.Now().Add(-olderThan)
	n := 0
	for _, e := range ents {
		if e.IsDir() || !IsTemp(e.Name()) {
			continue
		}
		info, err := e.Info()
		if err != nil || info.ModTime().After(cutoff) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err == nil {
			n++
		}
	}
	return n, nil
}

// RemoveTempsOf removes the temporary files left for path by writers that
// died before committing (".<base>.tmp-<pid>-<hex>" beside path). Call it
// only where no live writer of path can be at work, e.g. under the job's
// lock. A missing directory is not an error.
func RemoveTempsOf(path string) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	prefix := "." + base + tmpMarker
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), prefix) && IsTemp(e.Name()) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
	}
	return nil
}
