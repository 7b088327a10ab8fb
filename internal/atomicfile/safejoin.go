package atomicfile

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// ErrUnsafeName is returned (wrapped) by SafeJoin for a path element that
// could escape the root directory or is not a plain file name.
var ErrUnsafeName = errors.New("unsafe file name")

// CheckName reports whether name can be used as a single path element under
// an output directory: it must be non-empty, not "." or "..", not absolute,
// and contain no '/', '\\' or NUL byte.
func CheckName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("atomicfile: empty name: %w", ErrUnsafeName)
	case name == "." || name == "..":
		return fmt.Errorf("atomicfile: name %q: %w", name, ErrUnsafeName)
	case strings.ContainsAny(name, "/\\\x00"):
		return fmt.Errorf("atomicfile: name %q contains '/', '\\' or NUL: %w", name, ErrUnsafeName)
	case filepath.IsAbs(name) || filepath.VolumeName(name) != "":
		return fmt.Errorf("atomicfile: name %q is absolute: %w", name, ErrUnsafeName)
	}
	return nil
}

// SafeJoin joins root and elems, each elem being one path element that
// passes CheckName. The result is always inside root: names taken from data
// (stimulus, layer, subject names) cannot write outside the output
// directory. root itself is trusted and only cleaned.
func SafeJoin(root string, elems ...string) (string, error) {
	parts := make([]string, 0, len(elems)+1)
	parts = append(parts, root)
	for _, e := range elems {
		if err := CheckName(e); err != nil {
			return "", err
		}
		parts = append(parts, e)
	}
	return filepath.Join(parts...), nil
}
