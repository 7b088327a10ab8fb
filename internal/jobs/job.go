package jobs

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
)

// Job is one unit of work. Key must be stable across runs and machines and
// unique within a job list; it is a slash-separated list of names, each a
// valid file name (see atomicfile.CheckName).
type Job interface {
	Key() string
}

// Outputter is implemented by jobs that know their output files. After the
// job function succeeds, Run records the files (and, for a directory, every
// regular file beneath it) in the job's done marker, so a later run can tell
// a complete job from a partial one. Outputs is called after the job
// function returned, so it may report files whose names depend on the data.
type Outputter interface {
	Outputs() []string
}

// String is a Job whose key is the string itself.
type String string

// Key returns s.
func (s String) Key() string { return string(s) }

// CheckKey reports whether key is a valid job key: non-empty elements
// separated by '/', each passing atomicfile.CheckName.
func CheckKey(key string) error {
	if key == "" {
		return fmt.Errorf("jobs: empty job key")
	}
	for _, e := range strings.Split(key, "/") {
		if err := atomicfile.CheckName(e); err != nil {
			return fmt.Errorf("jobs: job key %q: %w", key, err)
		}
	}
	return nil
}

// Sort returns a copy of list sorted by key, after checking that every key
// is valid and unique.
func Sort(list []Job) ([]Job, error) {
	out := slices.Clone(list)
	slices.SortStableFunc(out, func(a, b Job) int { return strings.Compare(a.Key(), b.Key()) })
	for i, j := range out {
		if err := CheckKey(j.Key()); err != nil {
			return nil, err
		}
		if i > 0 && out[i-1].Key() == j.Key() {
			return nil, fmt.Errorf("jobs: duplicate job key %q", j.Key())
		}
	}
	return out, nil
}

// KeyPath returns the file path for key under dir with suffix appended to
// the last element: KeyPath("out/.state", "decode/a/b", ".done") is
// "out/.state/decode/a/b.done".
func KeyPath(dir, key, suffix string) (string, error) {
	if err := CheckKey(key); err != nil {
		return "", err
	}
	elems := strings.Split(key, "/")
	elems[len(elems)-1] += suffix
	p, err := atomicfile.SafeJoin(dir, elems...)
	if err != nil {
		return "", fmt.Errorf("jobs: job key %q: %w", key, err)
	}
	return filepath.Clean(p), nil
}
