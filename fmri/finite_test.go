package fmri

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestSelectFinite(t *testing.T) {
	b := New()
	x := mat.NewDense(3, 4, []float64{
		1, 2, 3, 4,
		5, 6, math.NaN(), 8,
		9, math.Inf(-1), 11, 12,
	})
	if err := b.Add(x, "VoxelData"); err != nil {
		t.Fatal(err)
	}
	if err := b.AddMetadata("ROI_V1", []float64{0, 1, 1, 0}, "V1", "VoxelData"); err != nil {
		t.Fatal(err)
	}
	if err := b.AddMetadata("ROI_V2", []float64{1, 0, 0, 1}, "V2", "VoxelData"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, err := SelectFinite(ctx, b, "ROI_V1 = 1")
	var nf *NonFiniteError
	if !errors.Is(err, ErrNonFinite) || !errors.As(err, &nf) {
		t.Fatalf("V1: %v, want ErrNonFinite", err)
	}
	// Row-major: the NaN at trial 1, dataset column 2 (selection column 1)
	// comes first; the -Inf at trial 2, column 1 is counted.
	if nf.Trial != 1 || nf.Column != 2 || nf.Index != 1 || !math.IsNaN(nf.Value) || nf.Count != 2 || nf.Selector != "ROI_V1 = 1" {
		t.Errorf("V1: %+v", nf)
	}
	for _, s := range []string{"NaN at trial 1, dataset column 2", "ROI_V1 = 1", "2 non-finite values"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("%q lacks %q", err, s)
		}
	}
	if got, err := SelectFinite(ctx, b, "ROI_V2 = 1"); err != nil || got.At(2, 1) != 12 {
		t.Errorf("V2 (finite): %v, %v", got, err)
	}
}
