package features

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/bits"
	"os"
	"slices"
	"sync"

	"github.com/pierrec/lz4/v4"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
	"github.com/brainhierarchy/bhscore/internal/fsx"
)

// Packed layer file format, version 2: unit-blocked tiles. The prefix is
// version 1's (version field 2); the header is version 1's up to the
// labels, then:
//
//	u8      unit order along a file row: 0 C, 1 Fortran (of the unit shape)
//	u32     rows per tile R
//	u32     units per unit block U
//	u64     tiles T = ceil(units/U) x ceil(rows/R), T x {u64 offset,
//	        u32 stored length, u8 codec, u32 CRC-32C of stored bytes}
//
// Tile t = b*ceil(rows/R) + g holds rows [g*R, min((g+1)*R, rows)) x file
// units [b*U, min((b+1)*U, units)), row-major float32 little-endian, raw
// or one LZ4 block. Tiles are stored contiguously in that order, so the
// tiles of one unit block (that block's units for every image) are one
// contiguous byte range: one sequential read.

// tileSpan is the rows and file units a tile covers.
type tileSpan struct{ r0, r1, u0, u1 int }

func (ph *packHeader) rowGroups() int { return (ph.rows() + ph.rowsPerBlk - 1) / ph.rowsPerBlk }

func (ph *packHeader) unitBlocks() int { return (ph.units() + ph.unitsPerBlk - 1) / ph.unitsPerBlk }

func (ph *packHeader) tile(k int) tileSpan {
	ng := ph.rowGroups()
	b, g := k/ng, k%ng
	return tileSpan{
		r0: g * ph.rowsPerBlk, r1: min((g+1)*ph.rowsPerBlk, ph.rows()),
		u0: b * ph.unitsPerBlk, u1: min((b+1)*ph.unitsPerBlk, ph.units()),
	}
}

// checkTiling validates the version 2 fields against nb tile entries.
func (ph *packHeader) checkTiling(nb int) error {
	if ph.order != C && ph.order != Fortran {
		return formatErr("unknown unit order %d", int(ph.order))
	}
	if ph.unitsPerBlk <= 0 {
		return formatErr("units per block %d", ph.unitsPerBlk)
	}
	hi, lo := bits.Mul64(uint64(ph.rowGroups()), uint64(ph.unitBlocks()))
	if hi != 0 || lo != uint64(nb) {
		return formatErr("%d tiles for %d rows x %d units in tiles of %d x %d", nb, ph.rows(), ph.units(), ph.rowsPerBlk, ph.unitsPerBlk)
	}
	return nil
}

// positions returns, for a file with Fortran unit order and a shape of
// rank > 1, the C-order position of each file unit; nil when they are
// equal.
func (ph *packHeader) positions() []int {
	if ph.version != packVersion2 || ph.order == C || len(ph.shape) < 2 {
		return nil
	}
	return FortranPerm(ph.shape)
}

// bytesReaderAt reads from a file held in memory.
func bytesReaderAt(b []byte) io.ReaderAt { return bytes.NewReader(b) }

// readTile reads, checks and expands tile k into vals (its raw values).
// buf is scratch for the stored bytes; the grown buffer is returned.
func (ph *packHeader) readTile(ra io.ReaderAt, k int, buf []byte, vals []float32) ([]byte, error) {
	b := ph.blocks[k]
	buf = slices.Grow(buf[:0], b.stored)[:b.stored]
	if _, err := ra.ReadAt(buf, b.off); err != nil {
		return buf, fmt.Errorf("tile %d: %w", k, err)
	}
	if err := ph.expandTo(k, buf, vals); err != nil {
		return buf, err
	}
	return buf, nil
}

// expandTo expands the stored bytes of block or tile k into vals.
func (ph *packHeader) expandTo(k int, src []byte, vals []float32) error {
	if littleEndian {
		return ph.expand(k, src, float32Bytes(vals))
	}
	raw := make([]byte, 4*len(vals))
	if err := ph.expand(k, src, raw); err != nil {
		return err
	}
	for i := range vals {
		vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return nil
}

// readRows reads rows [r0, r1) of a version 2 file into a new Layer in C
// order, expanding tiles with up to workers goroutines.
func (ph *packHeader) readRows(ra io.ReaderAt, r0, r1, workers int) (*Layer, error) {
	units := ph.units()
	l := &Layer{
		Name:        ph.name,
		Labels:      ph.labels[r0:r1:r1],
		Shape:       ph.shape,
		SourceShape: ph.sourceShape,
		Index:       ph.index,
		Data:        make([]float32, (r1-r0)*units),
	}
	pos := ph.positions()
	ng := ph.rowGroups()
	g0, g1 := r0/ph.rowsPerBlk, (r1+ph.rowsPerBlk-1)/ph.rowsPerBlk
	var tiles []int
	for b := range ph.unitBlocks() {
		for g := g0; g < g1; g++ {
			tiles = append(tiles, b*ng+g)
		}
	}
	var sp scratchPool
	err := parallel(len(tiles), workers, func(i int) error {
		k := tiles[i]
		t := ph.tile(k)
		s := sp.get()
		defer sp.put(s)
		vals := s.grow((t.r1 - t.r0) * (t.u1 - t.u0))
		var err error
		if s.buf, err = ph.readTile(ra, k, s.buf, vals); err != nil {
			return err
		}
		w := t.u1 - t.u0
		for r := max(t.r0, r0); r < min(t.r1, r1); r++ {
			src := vals[(r-t.r0)*w : (r-t.r0+1)*w]
			dst := l.Data[(r-r0)*units : (r-r0+1)*units]
			if pos == nil {
				copy(dst[t.u0:t.u1], src)
				continue
			}
			for j, v := range src {
				dst[pos[t.u0+j]] = v
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// tileScratch is one goroutine's buffers for expanding tiles.
type tileScratch struct {
	buf  []byte
	vals []float32
}

// grow returns s.vals resized to n values.
func (s *tileScratch) grow(n int) []float32 {
	if cap(s.vals) < n {
		s.vals = make([]float32, n)
	}
	return s.vals[:n]
}

// scratchPool hands out tile buffers, one per running goroutine. The zero
// value is ready to use.
type scratchPool struct {
	mu   sync.Mutex
	free []*tileScratch
}

func (p *scratchPool) get() *tileScratch {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.free); n > 0 {
		s := p.free[n-1]
		p.free = p.free[:n-1]
		return s
	}
	return &tileScratch{}
}

func (p *scratchPool) put(s *tileScratch) {
	p.mu.Lock()
	p.free = append(p.free, s)
	p.mu.Unlock()
}

// tiling chooses a version 2 file's rows per tile and units per block.
type tiling struct {
	rows, units int // rows per tile, units per unit block
}

// Defaults of the version 2 tiling.
const (
	// defaultBlockUnits is the units per unit block: a multiple of 1024 so
	// that column blocks of the solver align with it.
	defaultBlockUnits = 4096
	// defaultPackMemory bounds the rows Pack holds at once (bytes).
	defaultPackMemory = 256 << 20
)

// chooseTiling sizes tiles of about blockBytes raw bytes (1 MiB by
// default) from unit blocks of blockUnits (4096 by default, fewer for a
// smaller layer), with at most memory bytes of rows (256 MiB by default)
// held by Pack at once; when memory limits the rows per tile, unit blocks
// grow (in multiples of 1024) to keep tiles near blockBytes.
func chooseTiling(rows, units, blockBytes, blockUnits int, memory int64) tiling {
	if blockBytes <= 0 {
		blockBytes = defaultBlockBytes
	}
	if blockUnits <= 0 {
		blockUnits = defaultBlockUnits
	}
	if memory <= 0 {
		memory = defaultPackMemory
	}
	u := min(units, blockUnits)
	r := max(1, blockBytes/(4*u))
	rmem := int(max(1, memory/(4*int64(units))))
	if r > rmem {
		r = rmem
		if want := blockBytes / (4 * r); want > u {
			u = min(units, (want+1023)/1024*1024)
		}
	}
	return tiling{rows: min(r, rows), units: u}
}

// layerMeta is what a version 2 header says besides the tiling.
type layerMeta struct {
	name               string
	shape, sourceShape []int
	index              []int
	labels             []string
	order              Order
}

func metaOf(l *Layer, labels []string, order Order) layerMeta {
	src := l.SourceShape
	if src == nil {
		src = l.Shape
	}
	if len(l.Shape) < 2 {
		order = C // one axis: both orders agree
	}
	return layerMeta{name: l.Name, shape: l.Shape, sourceShape: src, index: l.Index, labels: labels, order: order}
}

// rowsFunc reads rows [r0, r1) of one layer.
type rowsFunc func(ctx context.Context, r0, r1 int) (*Layer, error)

// writeLayer2 writes one layer as a version 2 file at path, reading its
// rows tl.rows at a time: tiles go to a temporary file in row-group order,
// then are copied in unit-block order behind the header into a temporary
// file renamed to path. Peak memory: one row group, one tile and its
// compressed form, the header.
func writeLayer2(ctx context.Context, read rowsFunc, m layerMeta, tl tiling, path string) error {
	rows, units := len(m.labels), prod(m.shape)
	if units == 0 || rows == 0 {
		return fmt.Errorf("layer %s is empty", m.name)
	}
	ng := (rows + tl.rows - 1) / tl.rows
	nb := (units + tl.units - 1) / tl.units
	var pos []int
	if m.order == Fortran {
		pos = FortranPerm(m.shape)
	}
	tmp, err := atomicfile.Create(path + ".tiles")
	if err != nil {
		return err
	}
	defer tmp.Abort() // never committed: the tiles are scratch
	type loc struct {
		off    int64
		stored int
		codec  byte
		crc    uint32
	}
	locs := make([]loc, ng*nb)
	var comp lz4.Compressor
	vals := make([]float32, tl.rows*tl.units)
	var dst []byte
	var off int64
	for g := range ng {
		if err := ctxErr(ctx); err != nil {
			return err
		}
		r0, r1 := g*tl.rows, min((g+1)*tl.rows, rows)
		l, err := read(ctx, r0, r1)
		if err != nil {
			return err
		}
		if l.Rows() != r1-r0 || !slices.Equal(l.Shape, m.shape) || !slices.Equal(l.Index, m.index) {
			return &Error{Layer: m.name, Err: fmt.Errorf("%w: rows %d-%d have shape %s, row 0 has %s", ErrMismatch, r0, r1, dimStr(l.Shape), dimStr(m.shape))}
		}
		for b := range nb {
			u0, u1 := b*tl.units, min((b+1)*tl.units, units)
			w := u1 - u0
			t := vals[:(r1-r0)*w]
			for r := range r1 - r0 {
				src, out := l.Row(r), t[r*w:(r+1)*w]
				if pos == nil {
					copy(out, src[u0:u1])
					continue
				}
				for j := range out {
					out[j] = src[pos[u0+j]]
				}
			}
			var stored []byte
			var codec byte
			stored, codec, dst = compressBlock(&comp, float32Bytes(t), dst)
			if _, err := tmp.Write(stored); err != nil {
				return err
			}
			locs[b*ng+g] = loc{off, len(stored), codec, crc32.Checksum(stored, castagnoli)}
			off += int64(len(stored))
		}
	}

	h := encodeMeta(m)
	h = binary.LittleEndian.AppendUint32(append(h, byte(m.order)), uint32(tl.rows))
	h = binary.LittleEndian.AppendUint32(h, uint32(tl.units))
	h = binary.LittleEndian.AppendUint64(h, uint64(len(locs)))
	dataOff := int64(prefixLen + len(h) + len(locs)*blockEntry)
	o := dataOff
	for _, lc := range locs {
		h = binary.LittleEndian.AppendUint64(h, uint64(o))
		h = binary.LittleEndian.AppendUint32(h, uint32(lc.stored))
		h = append(h, lc.codec)
		h = binary.LittleEndian.AppendUint32(h, lc.crc) // the stored bytes are in tmp
		o += int64(lc.stored)
	}
	out, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	defer out.Abort()
	if _, err := out.Write(append(prefixBytes(packVersion2, h), h...)); err != nil {
		return err
	}
	var buf []byte
	for _, lc := range locs {
		buf = slices.Grow(buf[:0], lc.stored)[:lc.stored]
		if _, err := tmp.ReadAt(buf, lc.off); err != nil {
			return fmt.Errorf("reading back tiles: %w", err)
		}
		if _, err := out.Write(buf); err != nil {
			return err
		}
	}
	return out.Commit()
}

// encodeMeta serialises the header fields versions 1 and 2 share.
func encodeMeta(m layerMeta) []byte {
	var h []byte
	putU32 := func(v uint32) { h = binary.LittleEndian.AppendUint32(h, v) }
	putU64 := func(v uint64) { h = binary.LittleEndian.AppendUint64(h, v) }
	putStr := func(s string) { putU32(uint32(len(s))); h = append(h, s...) }
	putDims := func(d []int) {
		putU32(uint32(len(d)))
		for _, v := range d {
			putU64(uint64(v))
		}
	}
	putStr(m.name)
	putDims(m.shape)
	putDims(m.sourceShape)
	putU64(uint64(len(m.index)))
	for _, v := range m.index {
		putU64(uint64(v))
	}
	putU64(uint64(len(m.labels)))
	for _, s := range m.labels {
		putStr(s)
	}
	return h
}

// prefixBytes returns the 32-byte prefix for a header h.
func prefixBytes(version int, h []byte) []byte {
	out := make([]byte, prefixLen)
	copy(out, packMagic)
	binary.LittleEndian.PutUint32(out[8:], uint32(version))
	binary.LittleEndian.PutUint64(out[16:], uint64(len(h)))
	binary.LittleEndian.PutUint32(out[24:], crc32.Checksum(h, castagnoli))
	binary.LittleEndian.PutUint32(out[28:], crc32.Checksum(out[:28], castagnoli))
	return out
}

// verifyFile checks every block or tile checksum of an open packed file,
// reading one block at a time.
func (ph *packHeader) verifyFile(ra io.ReaderAt) error {
	var buf []byte
	for k, b := range ph.blocks {
		buf = slices.Grow(buf[:0], b.stored)[:b.stored]
		if _, err := ra.ReadAt(buf, b.off); err != nil {
			return err
		}
		if crc32.Checksum(buf, castagnoli) != b.crc {
			return formatErr("block %d checksum mismatch", k)
		}
	}
	return nil
}

// openHeader opens a packed layer file and reads its header.
func openHeader(path string) (*os.File, *packHeader, error) {
	f, err := fsx.Open(path)
	if err != nil {
		return nil, nil, err
	}
	ph, err := readHeaderFrom(f)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, ph, nil
}
