package features

import (
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestFortranPerm(t *testing.T) {
	for _, tc := range []struct {
		shape []int
		want  []int // np.arange(n).reshape(shape).flatten('F') (numpy 1.24.2)
	}{
		{[]int{5}, []int{0, 1, 2, 3, 4}},
		{[]int{2, 3}, []int{0, 3, 1, 4, 2, 5}},
		{[]int{2, 3, 4}, []int{0, 12, 4, 16, 8, 20, 1, 13, 5, 17, 9, 21, 2, 14, 6, 18, 10, 22, 3, 15, 7, 19, 11, 23}},
		{[]int{1, 1, 1}, []int{0}},
	} {
		if got := FortranPerm(tc.shape); !slices.Equal(got, tc.want) {
			t.Errorf("FortranPerm(%v) = %v, want %v", tc.shape, got, tc.want)
		}
		src := make([]float32, len(tc.want))
		for i := range src {
			src[i] = float32(i)
		}
		f := Flatten(nil, src, tc.shape, Fortran)
		for i, c := range tc.want {
			if f[i] != float32(c) {
				t.Fatalf("Flatten(%v, Fortran) = %v", tc.shape, f)
			}
		}
		if back := Unflatten(nil, f, tc.shape, Fortran); !slices.Equal(back, src) {
			t.Errorf("Unflatten(Flatten) = %v", back)
		}
		if c := Flatten(nil, src, tc.shape, C); !slices.Equal(c, src) {
			t.Errorf("Flatten(C) = %v", c)
		}
	}
}

func TestLayerDenseSelect(t *testing.T) {
	l := &Layer{Name: "conv", Labels: []string{"a", "b"}, Shape: []int{2, 3}, SourceShape: []int{2, 3},
		Data: []float32{0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15}}
	wantC := mat.NewDense(2, 6, []float64{0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15})
	wantF := mat.NewDense(2, 6, []float64{0, 3, 1, 4, 2, 5, 10, 13, 11, 14, 12, 15})
	if !mat.Equal(l.Dense(C), wantC) || !mat.Equal(l.Dense(Fortran), wantF) {
		t.Errorf("Dense: got %v / %v", mat.Formatted(l.Dense(C)), mat.Formatted(l.Dense(Fortran)))
	}
	s, err := l.Select([]int{5, 0, -2})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Data, []float32{5, 0, 4, 15, 10, 14}) || !slices.Equal(s.Shape, []int{3}) || !slices.Equal(s.Index, []int{5, 0, 4}) {
		t.Errorf("Select: %+v", s)
	}
	s2, err := s.Select([]int{1})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s2.Index, []int{0}) || !slices.Equal(s2.SourceShape, []int{2, 3}) || !slices.Equal(s2.Data, []float32{0, 10}) {
		t.Errorf("Select of Select: %+v", s2)
	}
	if _, err := l.Select([]int{6}); err == nil {
		t.Error("Select out of range succeeded")
	}
	if err := l.CheckFinite(); err != nil {
		t.Error(err)
	}
}
