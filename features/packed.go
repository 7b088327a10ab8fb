package features

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"math/bits"
	"slices"
	"unsafe"

	"github.com/pierrec/lz4/v4"
	"golang.org/x/sync/errgroup"
)

// Packed layer file format, version 1 (rows in blocks; still read, written
// with PackOptions.Version 1). Version 2 (unit-blocked tiles) is described
// in packed2.go. All integers little-endian.
//
//	prefix (32 bytes)
//	  0  8  magic "BHSCFEAT"
//	  8  4  version (1)
//	 12  4  flags (0)
//	 16  8  header length H
//	 24  4  CRC-32C of the header
//	 28  4  CRC-32C of prefix bytes 0..27
//	header (H bytes, at 32)
//	  str     layer name                      (str = u32 length + bytes)
//	  u32     rank, rank x u64 unit shape
//	  u32     source rank, x u64 source shape (shape before a feature index)
//	  u64     index length n (0: none), n x u64 C-order positions
//	  u64     rows, rows x str labels (sorted, unique)
//	  u32     rows per block
//	  u64     blocks, blocks x {u64 offset, u32 stored length, u8 codec, u32 CRC-32C of stored bytes}
//	data: the blocks, contiguous from 32+H to the end of the file; block k
//	  holds rows [k*rpb, min((k+1)*rpb, rows)) as float32 little-endian,
//	  codec 0 stored raw, codec 1 one LZ4 block.

const (
	packMagic   = "BHSCFEAT"
	packVersion = 1
	// packVersion2 is the unit-blocked format (packed2.go).
	packVersion2 = 2
	prefixLen    = 32
	blockEntry   = 8 + 4 + 1 + 4
	codecRaw     = 0
	codecLZ4     = 1
	maxRank      = 32
	// lz4MaxRatio bounds how many bytes an LZ4 block can expand to per
	// stored byte (each extra length byte adds at most 255 bytes).
	lz4MaxRatio = 255
	// defaultBlockBytes is the raw size a block aims for.
	defaultBlockBytes = 1 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

type blockInfo struct {
	off    int64
	stored int
	codec  byte
	crc    uint32
}

// packHeader is the decoded header of a packed layer file.
type packHeader struct {
	version     int
	name        string
	shape       []int
	sourceShape []int
	index       []int
	labels      []string
	rowsPerBlk  int         // rows per block (v1) or per tile (v2)
	blocks      []blockInfo // v1: row blocks; v2: tiles, unit block major
	dataOff     int64

	// Version 2 only.
	order       Order // order of the units along a file row
	unitsPerBlk int   // units per unit block
}

func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
}

// parsePrefix checks the 32-byte prefix against the file size and returns
// the header length, its checksum and the format version.
func parsePrefix(p []byte, size int64) (int64, uint32, int, error) {
	if len(p) < prefixLen || size < prefixLen {
		return 0, 0, 0, formatErr("file too short (%d bytes) for a packed layer", size)
	}
	if string(p[:8]) != packMagic {
		return 0, 0, 0, formatErr("not a packed feature layer (bad magic)")
	}
	if crc32.Checksum(p[:28], castagnoli) != binary.LittleEndian.Uint32(p[28:]) {
		return 0, 0, 0, formatErr("prefix checksum mismatch")
	}
	v := binary.LittleEndian.Uint32(p[8:])
	if v != packVersion && v != packVersion2 {
		return 0, 0, 0, formatErr("unsupported version %d (this library reads %d and %d)", v, packVersion, packVersion2)
	}
	h := binary.LittleEndian.Uint64(p[16:])
	if h > uint64(size-prefixLen) {
		return 0, 0, 0, formatErr("header length %d exceeds file size %d", h, size)
	}
	return int64(h), binary.LittleEndian.Uint32(p[24:]), int(v), nil
}

type cursor struct {
	b   []byte
	err error
}

func (c *cursor) take(n uint64) []byte {
	if c.err != nil {
		return nil
	}
	if n > uint64(len(c.b)) {
		c.err = formatErr("header truncated")
		return nil
	}
	s := c.b[:n]
	c.b = c.b[n:]
	return s
}

func (c *cursor) u8() byte {
	if s := c.take(1); s != nil {
		return s[0]
	}
	return 0
}

func (c *cursor) u32() uint32 {
	if s := c.take(4); s != nil {
		return binary.LittleEndian.Uint32(s)
	}
	return 0
}

func (c *cursor) u64() uint64 {
	if s := c.take(8); s != nil {
		return binary.LittleEndian.Uint64(s)
	}
	return 0
}

func (c *cursor) str() string { return string(c.take(uint64(c.u32()))) }

// count reads a u64 element count and checks that at least min bytes per
// element remain, so that no allocation exceeds the header size.
func (c *cursor) count(min int) int {
	n := c.u64()
	if c.err == nil && n > uint64(len(c.b)/min) {
		c.err = formatErr("count %d exceeds header size", n)
	}
	return int(n)
}

// dims reads a u32 rank and that many positive u64 dimensions whose
// product stays below limit.
func (c *cursor) dims(limit uint64) []int {
	r := c.u32()
	if c.err != nil {
		return nil
	}
	if r == 0 || r > maxRank {
		c.err = formatErr("rank %d out of range [1, %d]", r, maxRank)
		return nil
	}
	d := make([]int, r)
	p := uint64(1)
	for i := range d {
		v := c.u64()
		if c.err != nil {
			return nil
		}
		hi, lo := bits.Mul64(p, v)
		if v == 0 || hi != 0 || lo > limit {
			c.err = formatErr("dimension %d too large or zero", v)
			return nil
		}
		p = lo
		d[i] = int(v)
	}
	return d
}

// parseHeader decodes and validates a header of the given format version
// against the file size.
func parseHeader(h []byte, crc uint32, version int, size int64) (*packHeader, error) {
	if crc32.Checksum(h, castagnoli) != crc {
		return nil, formatErr("header checksum mismatch")
	}
	dataOff := prefixLen + int64(len(h))
	// No layer can hold more raw bytes than its data section expands to.
	maxRaw := uint64(size-dataOff)*lz4MaxRatio + 64
	c := &cursor{b: h}
	ph := &packHeader{dataOff: dataOff, version: version}
	ph.name = c.str()
	ph.shape = c.dims(maxRaw / 4)
	ph.sourceShape = c.dims(math.MaxInt32)
	if n := c.count(8); c.err == nil && n > 0 {
		ph.index = make([]int, n)
		src := uint64(prod(ph.sourceShape))
		for i := range ph.index {
			v := c.u64()
			if c.err == nil && v >= src {
				c.err = formatErr("index position %d out of range [0, %d)", v, src)
			}
			ph.index[i] = int(v)
		}
	}
	rows := c.count(4)
	if c.err == nil {
		ph.labels = make([]string, rows)
		for i := range ph.labels {
			ph.labels[i] = c.str()
		}
	}
	if version == packVersion2 {
		ph.order = Order(c.u8())
	}
	ph.rowsPerBlk = int(c.u32())
	if version == packVersion2 {
		ph.unitsPerBlk = int(c.u32())
	}
	nb := c.count(blockEntry)
	if c.err != nil {
		return nil, c.err
	}
	if rows == 0 {
		return nil, formatErr("no rows")
	}
	if !slices.IsSorted(ph.labels) || len(slices.Compact(slices.Clone(ph.labels))) != rows {
		return nil, formatErr("labels not sorted and unique")
	}
	units := uint64(prod(ph.shape))
	if hi, lo := bits.Mul64(units*4, uint64(rows)); hi != 0 || lo > maxRaw {
		return nil, formatErr("%d rows x %d units exceed what the file can hold", rows, units)
	}
	if ph.index != nil {
		if len(ph.shape) != 1 || ph.shape[0] != len(ph.index) {
			return nil, formatErr("shape %s does not match %d indexed units", dimStr(ph.shape), len(ph.index))
		}
	} else if !slices.Equal(ph.shape, ph.sourceShape) {
		return nil, formatErr("shape %s differs from source shape %s without an index", dimStr(ph.shape), dimStr(ph.sourceShape))
	}
	if ph.rowsPerBlk <= 0 {
		return nil, formatErr("rows per block %d", ph.rowsPerBlk)
	}
	if version == packVersion2 {
		if err := ph.checkTiling(nb); err != nil {
			return nil, err
		}
	} else if want := (rows + ph.rowsPerBlk - 1) / ph.rowsPerBlk; nb != want {
		return nil, formatErr("%d blocks for %d rows of %d per block", nb, rows, ph.rowsPerBlk)
	}
	ph.blocks = make([]blockInfo, nb)
	off := dataOff
	for k := range ph.blocks {
		b := &ph.blocks[k]
		b.off = int64(c.u64())
		st := c.u32()
		b.codec = c.u8()
		b.crc = c.u32()
		if c.err != nil {
			return nil, c.err
		}
		if b.off != off || int64(st) > size-off {
			return nil, formatErr("block %d at %d (%d bytes) outside the data section", k, b.off, st)
		}
		b.stored = int(st)
		off += int64(st)
		raw := ph.blockRaw(k)
		switch b.codec {
		case codecRaw:
			if raw != uint64(st) {
				return nil, formatErr("raw block %d holds %d bytes, want %d", k, st, raw)
			}
		case codecLZ4:
			if raw > uint64(st)*lz4MaxRatio+64 {
				return nil, formatErr("lz4 block %d of %d bytes cannot expand to %d", k, st, raw)
			}
		default:
			return nil, formatErr("block %d has unknown codec %d", k, b.codec)
		}
	}
	if len(c.b) != 0 {
		return nil, formatErr("%d trailing header bytes", len(c.b))
	}
	if off != size {
		return nil, formatErr("blocks end at %d, file has %d bytes", off, size)
	}
	return ph, nil
}

func (ph *packHeader) rows() int  { return len(ph.labels) }
func (ph *packHeader) units() int { return prod(ph.shape) }

func (ph *packHeader) blockRows(k int) int {
	r0 := k * ph.rowsPerBlk
	return min(ph.rowsPerBlk, ph.rows()-r0)
}

// blockRaw returns the raw size in bytes of block (v1) or tile (v2) k.
func (ph *packHeader) blockRaw(k int) uint64 {
	if ph.version == packVersion2 {
		t := ph.tile(k)
		return uint64(t.r1-t.r0) * uint64(t.u1-t.u0) * 4
	}
	return uint64(ph.blockRows(k)) * uint64(ph.units()) * 4
}

// decodeBlock checks block k's checksum in file and expands it into dst
// (its raw bytes).
func (ph *packHeader) decodeBlock(file []byte, k int, dst []byte) error {
	b := ph.blocks[k]
	return ph.expand(k, file[b.off:b.off+int64(b.stored)], dst)
}

// expand checks the stored bytes src of block k and expands them into dst.
func (ph *packHeader) expand(k int, src, dst []byte) error {
	b := ph.blocks[k]
	if crc32.Checksum(src, castagnoli) != b.crc {
		return formatErr("block %d checksum mismatch", k)
	}
	switch b.codec {
	case codecRaw:
		copy(dst, src)
	case codecLZ4:
		n, err := lz4.UncompressBlock(src, dst)
		if err != nil || n != len(dst) {
			return formatErr("block %d: lz4 data corrupt", k)
		}
	}
	return nil
}

// float32Bytes returns the little-endian byte view of v: v's own memory on
// little-endian machines, a copy elsewhere.
func float32Bytes(v []float32) []byte {
	if len(v) == 0 {
		return nil
	}
	if littleEndian {
		return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 4*len(v))
	}
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// encodeLayer serialises l. blockBytes is the raw size blocks aim for.
func encodeLayer(l *Layer, blockBytes int) ([]byte, error) {
	units := l.Units()
	if units == 0 || l.Rows() == 0 {
		return nil, fmt.Errorf("layer %s is empty", l.Name)
	}
	if len(l.Data) != l.Rows()*units {
		return nil, fmt.Errorf("layer %s has %d values for %d x %d", l.Name, len(l.Data), l.Rows(), units)
	}
	if blockBytes <= 0 {
		blockBytes = defaultBlockBytes
	}
	rpb := max(1, blockBytes/(4*units))
	nb := (l.Rows() + rpb - 1) / rpb
	raw := float32Bytes(l.Data)
	type blk struct {
		b     []byte
		codec byte
	}
	blocks := make([]blk, nb)
	var comp lz4.Compressor
	for k := range blocks {
		r0, r1 := k*rpb, min((k+1)*rpb, l.Rows())
		b, codec, _ := compressBlock(&comp, raw[r0*units*4:r1*units*4], nil)
		blocks[k] = blk{slices.Clone(b), codec}
	}

	h := encodeMeta(metaOf(l, l.Labels, C))
	h = binary.LittleEndian.AppendUint32(h, uint32(rpb))
	h = binary.LittleEndian.AppendUint64(h, uint64(nb))
	off := int64(prefixLen + len(h) + nb*blockEntry)
	total := off
	for _, b := range blocks {
		total += int64(len(b.b))
	}
	for _, b := range blocks {
		h = appendEntry(h, off, b.b, b.codec)
		off += int64(len(b.b))
	}
	out := make([]byte, 0, total)
	out = append(append(out, prefixBytes(packVersion, h)...), h...)
	for _, b := range blocks {
		out = append(out, b.b...)
	}
	return out, nil
}

// compressBlock returns the stored form of raw: one LZ4 block in dst
// (grown as needed, returned for reuse) when that is smaller, else raw.
func compressBlock(comp *lz4.Compressor, raw, dst []byte) (stored []byte, codec byte, buf []byte) {
	bound := lz4.CompressBlockBound(len(raw))
	dst = slices.Grow(dst[:0], bound)[:bound]
	n, err := comp.CompressBlock(raw, dst)
	if err == nil && n > 0 && n < len(raw) {
		return dst[:n], codecLZ4, dst
	}
	return raw, codecRaw, dst
}

// appendEntry appends a block table entry for stored bytes at offset off.
func appendEntry(h []byte, off int64, stored []byte, codec byte) []byte {
	h = binary.LittleEndian.AppendUint64(h, uint64(off))
	h = binary.LittleEndian.AppendUint32(h, uint32(len(stored)))
	h = append(h, codec)
	return binary.LittleEndian.AppendUint32(h, crc32.Checksum(stored, castagnoli))
}

// decodeLayer parses and fully validates a packed layer file held in
// memory, expanding its blocks with up to workers goroutines.
func decodeLayer(file []byte, workers int) (*Layer, error) {
	ph, err := readHeaderBytes(file)
	if err != nil {
		return nil, err
	}
	return ph.decode(file, workers)
}

func readHeaderBytes(file []byte) (*packHeader, error) {
	size := int64(len(file))
	hl, crc, v, err := parsePrefix(file, size)
	if err != nil {
		return nil, err
	}
	return parseHeader(file[prefixLen:prefixLen+hl], crc, v, size)
}

func (ph *packHeader) decode(file []byte, workers int) (*Layer, error) {
	if ph.version == packVersion2 {
		return ph.readRows(bytesReaderAt(file), 0, ph.rows(), workers)
	}
	units := ph.units()
	l := &Layer{
		Name:        ph.name,
		Labels:      ph.labels,
		Shape:       ph.shape,
		SourceShape: ph.sourceShape,
		Index:       ph.index,
		Data:        make([]float32, ph.rows()*units),
	}
	var dst []byte
	if littleEndian {
		dst = float32Bytes(l.Data)
	} else {
		dst = make([]byte, 4*len(l.Data))
	}
	err := parallel(len(ph.blocks), workers, func(k int) error {
		r0 := k * ph.rowsPerBlk
		n := ph.blockRows(k)
		return ph.decodeBlock(file, k, dst[r0*units*4:(r0+n)*units*4])
	})
	if err != nil {
		return nil, err
	}
	if !littleEndian {
		for i := range l.Data {
			l.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(dst[4*i:]))
		}
	}
	return l, nil
}

// verify checks every block checksum without expanding the blocks.
func (ph *packHeader) verify(file []byte) error {
	for k, b := range ph.blocks {
		if crc32.Checksum(file[b.off:b.off+int64(b.stored)], castagnoli) != b.crc {
			return formatErr("block %d checksum mismatch", k)
		}
	}
	return nil
}

// parallel runs f(0..n-1) on up to workers goroutines and returns the
// error of the lowest index that failed, whatever the scheduling.
func parallel(n, workers int, f func(int) error) error {
	errs := make([]error, n)
	var g errgroup.Group
	g.SetLimit(max(1, workers))
	for i := range n {
		g.Go(func() error { errs[i] = f(i); return nil })
	}
	g.Wait()
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
