//go:build matstub

package features

import "errors"

// TEMPORARY stub until internal/mat lands; delete.
func readVar(path, name string) ([]int, []float32, error) {
	return nil, nil, errors.New("no internal/mat")
}
