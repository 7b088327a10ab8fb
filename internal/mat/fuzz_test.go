package mat

import (
	"bytes"
	"testing"
)

// FuzzDecodeV5 feeds arbitrary bytes to the v5 decoder: it must never
// panic, and what it returns must be well formed. The seed corpus in
// testdata/fuzz/FuzzDecodeV5 holds the conformance v5 files, the
// big-endian file and truncated and corrupted variants of them.
func FuzzDecodeV5(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeV5All(b)
		if err == nil {
			for n, a := range m {
				if err := a.check(); err != nil {
					t.Fatalf("%s: %v", n, err)
				}
			}
		}
		if a, err := DecodeV5(b, "feat"); err == nil {
			if err := a.check(); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// FuzzDetect checks the header recognisers on arbitrary bytes: no panic,
// and a file detected as v7.3 carries the user block text and the HDF5
// signature at 512.
func FuzzDetect(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := Detect(bytes.NewReader(b))
		if err != nil {
			return
		}
		if got == V73 && !(len(b) >= 520 && bytes.HasPrefix(b, v73Text) && bytes.Equal(b[512:520], hdf5Sig)) {
			t.Fatal("detected v7.3 without user block text and HDF5 signature")
		}
		if got == V5 && len(b) < 128 {
			t.Fatal("detected v5 in fewer than 128 bytes")
		}
	})
}
