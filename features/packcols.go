package features

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/pierrec/lz4/v4"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
)

// ColumnLayer is a layer PackColumns writes block by block of units, for
// a producer that computes units rather than images (a simulator, a layer
// transposed elsewhere).
type ColumnLayer struct {
	Name string
	// Shape is the unit shape of one image.
	Shape []int
	// Fill writes units [u0, u1) of every image into dst, unit-major
	// (dst[(u-u0)*rows+r] is unit u of image r), units numbered in Fortran
	// order of Shape (the order the file stores).
	Fill func(ctx context.Context, u0, u1 int, dst []float32) error
}

// PackColumns writes a packed store (format version 2, units in Fortran
// order) whose layers are produced by their Fill functions one unit block
// at a time (PackOptions.BlockUnits, default 4096), so that memory holds
// one unit block of every image, whatever the layer's size. labels are the
// sorted, unique stimulus stems (the rows). Like Pack, every file is
// written under a temporary name and renamed, the manifest last, and a
// rerun skips layers already written intact.
func PackColumns(ctx context.Context, dir string, labels []string, layers []ColumnLayer, opts *PackOptions) error {
	var o PackOptions
	if opts != nil {
		o = *opts
	}
	if len(layers) == 0 || len(labels) == 0 {
		return &Error{File: dir, Err: errors.New("PackColumns needs layers and labels")}
	}
	if !slices.IsSorted(labels) || len(slices.Compact(slices.Clone(labels))) != len(labels) {
		return &Error{File: dir, Err: errors.New("labels not sorted and unique")}
	}
	names := make([]string, len(layers))
	for i, l := range layers {
		if !safeName(l.Name) {
			return &Error{File: dir, Layer: l.Name, Err: errors.New("layer name cannot be a file name")}
		}
		names[i] = l.Name
	}
	slices.Sort(names)
	if len(slices.Compact(slices.Clone(names))) != len(names) {
		return &Error{File: dir, Err: errors.New("duplicate layer names")}
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return &Error{File: dir, Err: err}
	}
	for k, l := range layers {
		if err := ctxErr(ctx); err != nil {
			return err
		}
		path := filepath.Join(dir, l.Name+PackExt)
		skip := validPacked(path, l.Name, labels, packVersion2)
		if !skip {
			if err := writeColumns(ctx, path, l, labels, &o); err != nil {
				var fe *Error
				if errors.As(err, &fe) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
					return err
				}
				return &Error{File: path, Layer: l.Name, Err: err}
			}
		}
		if o.Progress != nil {
			o.Progress(l.Name, k+1, len(layers), skip)
		}
	}
	return writeManifest(dir, packVersion2, names, labels)
}

// writeColumns writes one layer: a placeholder header (its size is known
// in advance), the tiles of each unit block as Fill produces it, then the
// header with the tiles' offsets and checksums.
func writeColumns(ctx context.Context, path string, l ColumnLayer, labels []string, o *PackOptions) error {
	rows, units := len(labels), prod(l.Shape)
	if units <= 0 || len(l.Shape) == 0 {
		return fmt.Errorf("layer %s has shape %v", l.Name, l.Shape)
	}
	u := o.BlockUnits
	if u <= 0 {
		u = defaultBlockUnits
	}
	u = min(u, units)
	bb := o.BlockBytes
	if bb <= 0 {
		bb = defaultBlockBytes
	}
	tl := tiling{rows: min(rows, max(1, bb/(4*u))), units: u}
	m := layerMeta{name: l.Name, shape: l.Shape, sourceShape: l.Shape, labels: labels, order: Fortran}
	if len(l.Shape) < 2 {
		m.order = C
	}
	ng := (rows + tl.rows - 1) / tl.rows
	nb := (units + tl.units - 1) / tl.units
	h := encodeMeta(m)
	h = binary.LittleEndian.AppendUint32(append(h, byte(m.order)), uint32(tl.rows))
	h = binary.LittleEndian.AppendUint32(h, uint32(tl.units))
	h = binary.LittleEndian.AppendUint64(h, uint64(ng*nb))
	fixed := len(h)
	h = append(h, make([]byte, ng*nb*blockEntry)...)
	out, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	defer out.Abort()
	if _, err := out.Write(make([]byte, prefixLen+len(h))); err != nil {
		return err
	}
	off := int64(prefixLen + len(h))
	block := make([]float32, tl.units*rows)
	tile := make([]float32, tl.rows*tl.units)
	var comp lz4.Compressor
	var dst []byte
	e := h[fixed:]
	for b := range nb {
		if err := ctxErr(ctx); err != nil {
			return err
		}
		u0, u1 := b*tl.units, min((b+1)*tl.units, units)
		w := u1 - u0
		if err := l.Fill(ctx, u0, u1, block[:w*rows]); err != nil {
			return err
		}
		for g := range ng {
			r0, r1 := g*tl.rows, min((g+1)*tl.rows, rows)
			t := tile[:(r1-r0)*w]
			for r := r0; r < r1; r++ {
				for j := range w {
					t[(r-r0)*w+j] = block[j*rows+r]
				}
			}
			var stored []byte
			var codec byte
			stored, codec, dst = compressBlock(&comp, float32Bytes(t), dst)
			if _, err := out.Write(stored); err != nil {
				return err
			}
			k := (b*ng + g) * blockEntry
			appendEntry(e[k:k], off, stored, codec)
			off += int64(len(stored))
		}
	}
	if _, err := out.WriteAt(append(prefixBytes(packVersion2, h), h...), 0); err != nil {
		return err
	}
	return out.Commit()
}

// Select reads the units at the given 0-based C-order positions of one
// packed layer, for every image, as Layer followed by Layer.Select would,
// but reading the file one unit block at a time: memory holds the result
// and one unit block, not the layer (decoding from 1,000 random units of a
// layer of millions).
func (p *Packed) Select(ctx context.Context, name string, units []int) (*Layer, error) {
	c, err := p.Columns(name)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	n, rows := c.Units(), c.Rows()
	idx := make([]int, len(units))
	for k, u := range units {
		if u < 0 {
			u += n
		}
		if u < 0 || u >= n {
			return nil, &Error{File: c.path, Layer: name, Err: fmt.Errorf("unit index %d out of range [0, %d)", units[k], n)}
		}
		idx[k] = u
	}
	// file position of each C-order position
	filePos := idx
	if pos := c.ph.positions(); pos != nil {
		inv := make([]int, n)
		for f, cpos := range pos {
			inv[cpos] = f
		}
		filePos = make([]int, len(idx))
		for k, u := range idx {
			filePos[k] = inv[u]
		}
	}
	shape := c.Shape()
	src := append([]int(nil), shape...)
	out := &Layer{Name: name, Labels: c.Labels(), Shape: []int{len(idx)}, SourceShape: src, Index: idx,
		Data: make([]float32, rows*len(idx))}
	if ix, ss := c.Index(); ix != nil {
		// Compose with the file's own selection.
		out.SourceShape = ss
		out.Index = make([]int, len(idx))
		for k, u := range idx {
			out.Index[k] = ix[u]
		}
	}
	bu := c.BlockUnits()
	want := map[int][]int{} // unit block -> positions k in the result
	for k, f := range filePos {
		want[f/bu] = append(want[f/bu], k)
	}
	blocks := make([]int, 0, len(want))
	for b := range want {
		blocks = append(blocks, b)
	}
	slices.Sort(blocks)
	buf := make([]float32, bu*rows)
	for _, b := range blocks {
		u0, u1 := b*bu, min((b+1)*bu, n)
		blk := buf[:(u1-u0)*rows]
		if err := c.Read(ctx, u0, u1, blk); err != nil {
			return nil, err
		}
		for _, k := range want[b] {
			col := blk[(filePos[k]-u0)*rows : (filePos[k]-u0+1)*rows]
			for r, v := range col {
				out.Data[r*len(idx)+k] = v
			}
		}
	}
	return out, nil
}
