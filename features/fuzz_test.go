package features

import (
	"context"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"
)

// withPrefix prepends a valid prefix (magic, version, checksums) to h.
func withPrefix(h []byte) []byte {
	out := make([]byte, prefixLen, prefixLen+len(h))
	copy(out, packMagic)
	binary.LittleEndian.PutUint32(out[8:], packVersion)
	binary.LittleEndian.PutUint64(out[16:], uint64(len(h)))
	binary.LittleEndian.PutUint32(out[24:], crc32.Checksum(h, castagnoli))
	binary.LittleEndian.PutUint32(out[28:], crc32.Checksum(out[:28], castagnoli))
	return append(out, h...)
}

// FuzzReadPacked feeds arbitrary bytes to the packed-layer reader. The seed
// corpus in testdata/fuzz/FuzzReadPacked holds valid files (raw and LZ4
// blocks, with and without an index) and damaged ones. The reader must
// never panic or allocate more than the file can expand to, and whatever
// it accepts must encode back to a file it reads identically.
func FuzzReadPacked(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := decodeLayer(b, 2)
		if err != nil {
			// Also hand the bytes to the header parser behind a valid
			// prefix, so that mutations get past the checksums.
			b = withPrefix(b)
			if l, err = decodeLayer(b, 2); err != nil {
				return
			}
		}
		if len(l.Data) > 255*len(b)+64 {
			t.Fatalf("%d values from %d bytes", len(l.Data), len(b))
		}
		if l.Rows() != len(l.Labels) || len(l.Data) != l.Rows()*l.Units() {
			t.Fatalf("inconsistent layer")
		}
		b2, err := encodeLayer(l, 0)
		if err != nil {
			t.Fatal(err)
		}
		l2, err := decodeLayer(b2, 1)
		if err != nil {
			t.Fatal(err)
		}
		for i := range l.Data {
			if l.Data[i] != l2.Data[i] && l.Data[i] == l.Data[i] {
				t.Fatalf("value %d differs after re-encoding", i)
			}
		}
	})
}

// TestWriteFuzzSeeds regenerates the seed corpus when
// BHSCORE_WRITE_FUZZ_SEEDS=1.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("BHSCORE_WRITE_FUZZ_SEEDS") != "1" {
		t.Skip("set BHSCORE_WRITE_FUZZ_SEEDS=1 to regenerate testdata/fuzz/FuzzReadPacked")
	}
	dir := "testdata/fuzz/FuzzReadPacked"
	if err := os.MkdirAll(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	labels := synthLabels(6)
	zeros := &Layer{Name: "zeros", Labels: labels, Shape: []int{2, 3}, SourceShape: []int{2, 3}, Data: make([]float32, 36)}
	seeds := map[string]*Layer{
		"lz4":    zeros,
		"raw":    synthLayer("raw", labels, []int{3}, 9),
		"conv":   synthLayer("conv", labels, []int{2, 2, 2}, 10),
		"single": synthLayer("single", labels[:1], []int{1}, 11),
	}
	idx, _ := seeds["conv"].Select([]int{7, 0, 3})
	seeds["index"] = idx
	write := func(name string, b []byte) {
		s := "go test fuzz v1\n[]byte(" + quoteBytes(b) + ")\n"
		if err := os.WriteFile(dir+"/"+name, []byte(s), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	for name, l := range seeds {
		bb := 0
		if name == "conv" {
			bb = 40 // several blocks
		}
		b, err := encodeLayer(l, bb)
		if err != nil {
			t.Fatal(err)
		}
		write(name, b)
		if name == "conv" {
			write("conv-truncated", b[:len(b)-3])
			c := append([]byte(nil), b...)
			c[len(c)-2] ^= 0xff
			write("conv-badblock", c)
		}
	}
	// Version 2: Fortran order, 3 x 2 tiles.
	conv := seeds["conv"]
	v2 := filepath.Join(t.TempDir(), "v2"+PackExt)
	read := func(_ context.Context, r0, r1 int) (*Layer, error) { return conv.slice(r0, r1) }
	if err := writeLayer2(context.Background(), read, metaOf(conv, conv.Labels, Fortran), tiling{rows: 3, units: 3}, v2); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(v2)
	if err != nil {
		t.Fatal(err)
	}
	write("v2", b)
	c := append([]byte(nil), b...)
	c[len(c)-2] ^= 0xff
	write("v2-badtile", c)
	write("hostile", hostile([]int{1 << 40}, 1))
	write("empty", nil)
}

func quoteBytes(b []byte) string {
	const hex = "0123456789abcdef"
	s := []byte{'"'}
	for _, c := range b {
		s = append(s, '\\', 'x', hex[c>>4], hex[c&15])
	}
	return string(append(s, '"'))
}
