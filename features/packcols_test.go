package features

import (
	"context"
	"testing"
)

func TestPackColumnsAndSelect(t *testing.T) {
	ctx := context.Background()
	src := synthStore(t)
	var layers []ColumnLayer
	for _, name := range src.Layers() {
		l, _ := src.Layer(ctx, name)
		layers = append(layers, ColumnLayer{Name: name, Shape: l.Shape, Fill: func(_ context.Context, u0, u1 int, dst []float32) error {
			copy(dst, wantColumns(l, Fortran, u0, u1))
			return nil
		}})
	}
	dir := t.TempDir()
	if err := PackColumns(ctx, dir, src.Labels(), layers, &PackOptions{BlockUnits: 7, BlockBytes: 100}); err != nil {
		t.Fatal(err)
	}
	p, err := OpenPacked(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range src.Layers() {
		want, _ := src.Layer(ctx, name)
		got, err := p.Layer(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		sameLayer(t, got, want)
	}
	// A rerun finds every layer intact.
	skipped := 0
	if err := PackColumns(ctx, dir, src.Labels(), layers, &PackOptions{BlockUnits: 7, BlockBytes: 100,
		Progress: func(_ string, _, _ int, skip bool) {
			if skip {
				skipped++
			}
		}}); err != nil || skipped != 3 {
		t.Fatalf("rerun: %v, %d layers skipped", err, skipped)
	}
	// Units picked by an index: Packed.Select reads block by block.
	idx := UnitIndex{"conv1": {59, 0, 7, 33, -1}, "fc6": {3, 49}, "fc8": {0}}
	want, mem := WithIndex(src, idx), WithIndex(p, idx)
	for _, name := range src.Layers() {
		w, err := want.Layer(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		g, err := mem.Layer(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		sameLayer(t, g, w)
	}
	if _, err := p.Select(ctx, "conv1", []int{60}); err == nil {
		t.Error("out-of-range unit: no error")
	}
}
