package features

import (
	"os"
	"path/filepath"
)

// Open opens the feature store in dir, detecting its kind: a packed store
// (OpenPacked) when dir holds a packed store's manifest, else a bdpy feature
// directory (OpenDir with opts; a packed store has no options to take).
func Open(dir string, opts *DirOptions) (Store, error) {
	if _, err := os.Stat(filepath.Join(dir, manifestName)); err == nil {
		return OpenPacked(dir, nil)
	}
	return OpenDir(dir, opts)
}
