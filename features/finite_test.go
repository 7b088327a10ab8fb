package features

import (
	"context"
	"errors"
	"math"
	"testing"
)

// TestColumnsFinite: with ColumnsOptions.Finite, reading a block of units
// that holds a NaN fails naming the layer, the image and the unit; other
// blocks read normally.
func TestColumnsFinite(t *testing.T) {
	l := &Layer{Name: "fc", Labels: []string{"a", "b", "c"}, Shape: []int{4}, SourceShape: []int{4},
		Data: []float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}}
	l.Data[1*4+2] = float32(math.NaN()) // image b, unit 2
	s, err := NewMem(l)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, err := OpenColumns(ctx, s, "fc", &ColumnsOptions{ScratchDir: t.TempDir(), Finite: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dst := make([]float32, 2*3)
	if err := c.Read(ctx, 0, 2, dst); err != nil {
		t.Errorf("finite units: %v", err)
	}
	err = c.Read(ctx, 2, 4, dst)
	var nf *NonFiniteError
	if !errors.As(err, &nf) || nf.Label != "b" || nf.Unit != 2 || nf.NaN != 1 || nf.Layer != "fc" {
		t.Errorf("units with a NaN: %v (%+v)", err, nf)
	}
}
