//go:build matstub

package features

import "errors"

// TEMPORARY; delete with matfile_stub.go.
func makeBenchData(root string) error { return errors.New("no internal/mat") }
