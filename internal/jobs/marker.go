package jobs

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
	"github.com/brainhierarchy/bhscore/provenance"
	"golang.org/x/sync/errgroup"
)

// markerVersion is the format version written in done markers: 2 adds the
// fingerprint. Version 1 markers are still read (they have none).
const markerVersion = 2

// Marker is the content of a done marker: the fingerprint of what the job
// was computed from, if the run knew it, and the outputs of the finished
// job. Paths are relative to the marker's directory, with '/' separators,
// sorted.
type Marker struct {
	Version     int                     `json:"version"`
	Fingerprint *provenance.Fingerprint `json:"fingerprint,omitempty"`
	Outputs     []MarkerOutput          `json:"outputs"`
}

// MarkerOutput is one output file recorded in a Marker.
type MarkerOutput struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// MarkDone records outputs in a done marker at markerPath, written
// atomically. Each output is a file or a directory; a directory stands for
// every regular file beneath it except temporary files (atomicfile.IsTemp)
// and the marker itself. The marker has no time stamp, so the same outputs
// give a byte-identical marker.
func MarkDone(markerPath string, outputs []string, fp *provenance.Fingerprint) error {
	return markDone(markerPath, outputs, fp, "")
}

// markDone is MarkDone that also leaves out the lock file lockPath and its
// reclaim and stale companions, should they lie in an output directory.
func markDone(markerPath string, outputs []string, fp *provenance.Fingerprint, lockPath string) error {
	absLock := ""
	if lockPath != "" {
		var err error
		if absLock, err = filepath.Abs(lockPath); err != nil {
			return fmt.Errorf("jobs: lock %s: %w", lockPath, err)
		}
	}
	isLock := func(p string) bool {
		return absLock != "" && (p == absLock || strings.HasPrefix(p, absLock+".reclaim-") || strings.HasPrefix(p, absLock+".stale-"))
	}
	absMarker, err := filepath.Abs(markerPath)
	if err != nil {
		return fmt.Errorf("jobs: marker %s: %w", markerPath, err)
	}
	base := filepath.Dir(absMarker)
	var files []string
	for _, o := range outputs {
		abs, err := filepath.Abs(o)
		if err != nil {
			return fmt.Errorf("jobs: output %s: %w", o, err)
		}
		info, err := os.Stat(abs)
		if err != nil {
			return fmt.Errorf("jobs: output of %s: %w", markerPath, err)
		}
		if !info.IsDir() {
			if !isLock(abs) && abs != absMarker {
				files = append(files, abs)
			}
			continue
		}
		err = filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() && !atomicfile.IsTemp(d.Name()) && p != absMarker && !isLock(p) {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("jobs: output of %s: %w", markerPath, err)
		}
	}
	m := Marker{Version: markerVersion, Fingerprint: fp, Outputs: []MarkerOutput{}}
	seen := map[string]bool{}
	var unique []string
	for _, f := range files {
		rel, err := filepath.Rel(base, f)
		if err != nil {
			return fmt.Errorf("jobs: output %s: %w", f, err)
		}
		rel = filepath.ToSlash(rel)
		if seen[rel] {
			continue
		}
		seen[rel] = true
		unique = append(unique, f)
		m.Outputs = append(m.Outputs, MarkerOutput{Path: rel})
	}
	// Hash the outputs and make them durable before the marker names them:
	// their writers may have left that to us (atomicfile.DeferSync). The
	// fsyncs run side by side, so the file system commits them together.
	var g errgroup.Group
	g.SetLimit(syncWorkers)
	for i, f := range unique {
		g.Go(func() error {
			size, sum, err := hashFile(f)
			if err != nil {
				return fmt.Errorf("jobs: output of %s: %w", markerPath, err)
			}
			m.Outputs[i].Size, m.Outputs[i].SHA256 = size, sum
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	var dg errgroup.Group
	dg.SetLimit(syncWorkers)
	for _, d := range outputDirs(outputs, unique) {
		dg.Go(func() error { return atomicfile.SyncDir(d) })
	}
	if err := dg.Wait(); err != nil {
		return fmt.Errorf("jobs: output of %s: %w", markerPath, err)
	}
	slices.SortFunc(m.Outputs, func(a, b MarkerOutput) int {
		switch {
		case a.Path < b.Path:
			return -1
		case a.Path > b.Path:
			return 1
		}
		return 0
	})
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("jobs: marker %s: %w", markerPath, err)
	}
	data = append(data, '\n')
	// A worker killed while writing this marker left its temporary file;
	// the caller holds the job's lock, so no live writer owns one.
	if err := atomicfile.RemoveTempsOf(markerPath); err != nil {
		return fmt.Errorf("jobs: marker %s: %w", markerPath, err)
	}
	if err := atomicfile.WriteBytes(markerPath, data); err != nil {
		return fmt.Errorf("jobs: marker %s: %w", markerPath, err)
	}
	return nil
}

// syncWorkers bounds the files hashed and synced at once by markDone. The
// work is mostly waiting on the disk, so it exceeds the core count.
const syncWorkers = 16

// hashFile returns the size and SHA-256 of the file at path, and fsyncs it.
func hashFile(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", err
	}
	if err := atomicfile.SyncFile(f); err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// outputDirs lists, sorted, the directories whose entries must be durable
// for the files to be found after a power failure: each file's directory and
// every directory up to and including the parent of the output that holds
// it (outputs were created by their job, names and all).
func outputDirs(outputs, files []string) []string {
	set := map[string]bool{}
	var roots []string
	for _, o := range outputs {
		if abs, err := filepath.Abs(o); err == nil {
			roots = append(roots, filepath.Dir(abs))
		}
	}
	for _, f := range files {
		for d := filepath.Dir(f); !set[d]; d = filepath.Dir(d) {
			set[d] = true
			if slices.Contains(roots, d) || filepath.Dir(d) == d {
				break
			}
		}
	}
	dirs := slices.Collect(maps.Keys(set))
	slices.Sort(dirs)
	return dirs
}

// ReadMarker reads and parses the done marker at markerPath.
func ReadMarker(markerPath string) (*Marker, error) {
	data, err := os.ReadFile(markerPath)
	if err != nil {
		return nil, fmt.Errorf("jobs: marker: %w", err)
	}
	var m Marker
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("jobs: marker %s: %w", markerPath, err)
	}
	if m.Version != 1 && m.Version != markerVersion {
		return nil, fmt.Errorf("jobs: marker %s: unknown version %d", markerPath, m.Version)
	}
	for _, o := range m.Outputs {
		if o.Path == "" || filepath.IsAbs(o.Path) || o.Size < 0 {
			return nil, fmt.Errorf("jobs: marker %s: bad output entry %q", markerPath, o.Path)
		}
	}
	return &m, nil
}

// RemoveOutputs removes the done marker at markerPath, then every output
// file it lists (files the job wrote), then the directories those leave
// empty. A missing marker or output is not
// an error. Run calls it, under the job's lock, before redoing a stale job,
// so that no output of the old configuration survives next to new ones.
func RemoveOutputs(markerPath string) error { return removeOutputs(markerPath, nil) }

// removeOutputs is RemoveOutputs that keeps the outputs for which keep (if
// not nil) returns true.
func removeOutputs(markerPath string, keep func(path string) bool) error {
	m, err := ReadMarker(markerPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err := os.Remove(markerPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("jobs: %w", err)
	}
	if err != nil {
		return nil // unreadable marker: its outputs are unknown
	}
	base := filepath.Dir(markerPath)
	dirs := map[string]bool{}
	for _, o := range m.Outputs {
		p := filepath.Join(base, filepath.FromSlash(o.Path))
		if keep != nil && keep(p) {
			continue
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("jobs: removing stale output: %w", err)
		}
		dirs[filepath.Dir(p)] = true
	}
	// Remove the directories this left empty (os.Remove keeps others),
	// deepest first.
	list := slices.Collect(maps.Keys(dirs))
	slices.SortFunc(list, func(a, b string) int { return len(b) - len(a) })
	for _, d := range list {
		os.Remove(d)
	}
	return nil
}

// ErrIncomplete is returned (wrapped) by Verify and CheckDone when an output
// listed in a done marker is missing, has another size or another hash.
var ErrIncomplete = errors.New("job output incomplete")

// ErrStale is returned (wrapped in a *StaleError) by CheckFingerprint when
// a job is done but was computed from something else than it would be now.
var ErrStale = errors.New("job output stale")

// StaleError says why a finished job's outputs no longer match its
// fingerprint. It matches ErrStale with errors.Is.
type StaleError struct {
	Marker  string
	Reasons []string // provenance.Diff of the recorded and the current fingerprint
}

func (e *StaleError) Error() string {
	return "jobs: marker " + e.Marker + ": " + ErrStale.Error() + ": " + strings.Join(e.Reasons, "; ")
}

// Is reports whether target is ErrStale.
func (e *StaleError) Is(target error) bool { return target == ErrStale }

// CheckDone returns nil if the marker at markerPath exists, parses, and every
// output it lists is a regular file of the recorded size. It reads no file
// contents.
func CheckDone(markerPath string) error { return check(markerPath, nil, false, false) }

// Done reports whether CheckDone(markerPath) succeeds.
func Done(markerPath string) bool { return CheckDone(markerPath) == nil }

// Verify is CheckDone that also recomputes each output's SHA-256.
func Verify(markerPath string) error { return check(markerPath, nil, false, true) }

// CheckFingerprint is CheckDone (Verify if verify is set) that also
// requires the marker to record fingerprint fp: a marker without one (an
// older bhscore's) or with another gives a *StaleError saying what changed.
func CheckFingerprint(markerPath string, fp *provenance.Fingerprint, verify bool) error {
	return check(markerPath, fp, true, verify)
}

func check(markerPath string, fp *provenance.Fingerprint, checkFP, hash bool) error {
	m, err := ReadMarker(markerPath)
	if err != nil {
		return err
	}
	if checkFP && (m.Fingerprint == nil || !m.Fingerprint.Equal(fp)) {
		return &StaleError{Marker: markerPath, Reasons: provenance.Diff(m.Fingerprint, fp)}
	}
	base := filepath.Dir(markerPath)
	for _, o := range m.Outputs {
		p := filepath.Join(base, filepath.FromSlash(o.Path))
		info, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("jobs: marker %s: %w: %w", markerPath, ErrIncomplete, err)
		}
		if !info.Mode().IsRegular() || info.Size() != o.Size {
			return fmt.Errorf("jobs: marker %s: %w: %s has %d bytes, want %d", markerPath, ErrIncomplete, p, info.Size(), o.Size)
		}
		if hash {
			_, sum, err := hashFile(p)
			if err != nil {
				return fmt.Errorf("jobs: marker %s: %w", markerPath, err)
			}
			if sum != o.SHA256 {
				return fmt.Errorf("jobs: marker %s: %w: %s has SHA-256 %s, want %s", markerPath, ErrIncomplete, p, sum, o.SHA256)
			}
		}
	}
	return nil
}
