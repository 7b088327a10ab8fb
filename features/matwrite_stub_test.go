//go:build matstub

package features

import "testing"

// TEMPORARY; delete with matfile_stub.go.
func writeV5(t *testing.T, path, name string, dims []int, data []float64) {
	t.Skip("no internal/mat")
}
