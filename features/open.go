package features

import (
	"os"
	"path/filepath"
)

// LayerSource returns what Open(dir) reads for one layer, the input a
// fingerprint identifies: the layer's file of a packed store
// (<dir>/<layer>.bhfeat), else the layer's directory of a bdpy feature
// directory (<dir>/<layer>).
func LayerSource(dir, layer string) string {
	if _, err := os.Stat(filepath.Join(dir, manifestName)); err == nil {
		return filepath.Join(dir, layer+PackExt)
	}
	return filepath.Join(dir, layer)
}

// Open opens the feature store in dir, detecting its kind: a packed store
// (OpenPacked) when dir holds a packed store's manifest, else a bdpy feature
// directory (OpenDir with opts; a packed store has no options to take).
func Open(dir string, opts *DirOptions) (Store, error) {
	if _, err := os.Stat(filepath.Join(dir, manifestName)); err == nil {
		return OpenPacked(dir, nil)
	}
	return OpenDir(dir, opts)
}
