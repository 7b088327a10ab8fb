package reliability

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/brainhierarchy/bhscore/features"
	"github.com/brainhierarchy/bhscore/fmri"
	"github.com/brainhierarchy/bhscore/internal/mat"
	"github.com/brainhierarchy/bhscore/sim"
)

// allocSlack bounds what a failing read may allocate beyond a small
// multiple of the file's size: buffers of libhdf5 glue, error values.
const allocSlack = 8 << 20

// netOf returns the first simulated network stored in format f.
func netOf(t *testing.T, s *sim.Study, f sim.Format) *sim.Net {
	for i := range s.Nets {
		if s.Nets[i].Format == f {
			return &s.Nets[i]
		}
	}
	t.Fatalf("no %v network in the simulated study", f)
	return nil
}

// v5AbsurdDims is a MAT v5 file of 200 bytes whose variable feat declares
// 2^30 x 2^30 doubles (8 EiB).
func v5AbsurdDims() []byte {
	var b bytes.Buffer
	hdr := make([]byte, 128)
	copy(hdr, "MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: hostile")
	for i := 60; i < 116; i++ {
		hdr[i] = ' '
	}
	binary.LittleEndian.PutUint16(hdr[124:], 0x0100)
	copy(hdr[126:], "IM")
	b.Write(hdr)
	le := func(v ...uint32) {
		for _, x := range v {
			var w [4]byte
			binary.LittleEndian.PutUint32(w[:], x)
			b.Write(w[:])
		}
	}
	le(14, 0xFFFFFFF0)                      // miMATRIX, absurd length
	le(6, 8, 6, 0)                          // array flags: mxDOUBLE
	le(5, 8, 1<<30, 1<<30)                  // dims
	le(4<<16|1, 'f'|'e'<<8|'e'<<16|'t'<<24) // name "feat" (small element)
	le(9, 0xFFFFFFF0)                       // miDOUBLE real part, absurd length
	b.Write(make([]byte, 32))
	return b.Bytes()
}

// hostileMAT lists the bad .mat inputs: name and content.
func hostileMAT(t *testing.T) []struct {
	name string
	b    []byte
} {
	dir, s := tinyStudy(t)
	n5, n73 := netOf(t, s, sim.V5), netOf(t, s, sim.V73)
	stem := s.Train.Stems[0]
	v5 := readFile(t, sim.FeaturePath(dir, sim.TrainSet, n5, n5.Layers[0].Name, stem))
	v73 := readFile(t, sim.FeaturePath(dir, sim.TrainSet, n73, n73.Layers[0].Name, stem))
	h5 := readFile(t, sim.FMRIPath(dir, s.Subjects[0].Name, sim.TestSet))
	return []struct {
		name string
		b    []byte
	}{
		{"zero-length", nil},
		{"v5 header only", v5[:128]},
		{"v5 truncated", truncated(v5)},
		{"v5 corrupt", corrupted(v5)},
		{"v5 absurd dims", v5AbsurdDims()},
		{"v7.3 user block only", v73[:512]},
		{"v7.3 truncated", truncated(v73)},
		{"v7.3 corrupt", corrupted(v73)},
		{"v7.3 absurd dims", readFile(t, "testdata/v73_absurd_dims.mat")},
		{"v7.3 overflowing dims", readFile(t, "testdata/v73_overflow_dims.mat")},
		{"v7.3 large dims, no data", readFile(t, "testdata/v73_large_dims.mat")},
		{"foreign bytes", foreign},
		{"HDF5 without user block (BData)", h5},
	}
}

// TestBadMATFiles reads every hostile .mat input with mat.Read and through
// a feature directory (features.OpenDir + Layer) in which one image's file
// is replaced by it: each gives an error naming the file (and the layer
// and stimulus for the store), allocates no more than the file could
// hold, and nothing panics.
func TestBadMATFiles(t *testing.T) {
	dir, s := tinyStudy(t)
	for _, f := range []sim.Format{sim.V5, sim.V73} {
		n := netOf(t, s, f)
		layer := n.Layers[len(n.Layers)-1].Name
		for _, c := range hostileMAT(t) {
			t.Run(fmt.Sprintf("%v/%s", f, c.name), func(t *testing.T) {
				tmp := t.TempDir()
				p := writeFile(t, tmp, "x.mat", c.b)
				var err error
				alloc := allocDuring(func() { noPanic(t, func() { _, err = mat.Read(p, "feat") }) })
				wantErr(t, err, p)
				if limit := uint64(allocSlack + 16*len(c.b)); alloc > limit {
					t.Errorf("mat.Read allocated %d bytes for a %d-byte file (limit %d)", alloc, len(c.b), limit)
				}
				// The same bytes as one image of a layer of a feature directory.
				root := filepath.Join(tmp, "feat")
				src := filepath.Join(dir, "features", sim.TrainSet, n.Dir(), layer)
				bad := s.Train.Stems[len(s.Train.Stems)/2]
				for _, stem := range s.Train.Stems {
					b := c.b
					if stem != bad {
						b = readFile(t, filepath.Join(src, stem+".mat"))
					}
					writeFile(t, root, filepath.Join(layer, stem+".mat"), b)
				}
				d, err := features.OpenDir(root, nil)
				if err != nil {
					t.Fatal(err)
				}
				noPanic(t, func() { _, err = d.Layer(context.Background(), layer) })
				wantErr(t, err, filepath.Join(root, layer, bad+".mat"), "layer "+layer, bad)
			})
		}
	}
}

// TestBadBDataFiles opens hostile .h5 inputs with fmri.Open: an error
// naming the file, or (for a file whose dataset declares 2^40 samples) an
// error at the latest when columns are read, never an allocation beyond
// the file's size.
func TestBadBDataFiles(t *testing.T) {
	dir, s := tinyStudy(t)
	h5 := readFile(t, sim.FMRIPath(dir, s.Subjects[0].Name, sim.TestSet))
	n73 := netOf(t, s, sim.V73)
	v73 := readFile(t, sim.FeaturePath(dir, sim.TrainSet, n73, n73.Layers[0].Name, s.Train.Stems[0]))
	n5 := netOf(t, s, sim.V5)
	v5 := readFile(t, sim.FeaturePath(dir, sim.TrainSet, n5, n5.Layers[0].Name, s.Train.Stems[0]))
	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"zero-length", nil},
		{"truncated", truncated(h5)},
		{"header only", h5[:1024]},
		{"corrupt metadata", metaCorrupted(h5)},
		{"foreign bytes", foreign},
		{"MAT v5 file", v5},
		{"MAT v7.3 file (HDF5, no dataset)", v73},
		{"absurd dims", readFile(t, "testdata/bdata_absurd_dims.h5")},
		{"large dims, no data", readFile(t, "testdata/bdata_large_dims.h5")},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, t.TempDir(), "sub-01.h5", c.b)
			var err error
			alloc := allocDuring(func() {
				noPanic(t, func() {
					var f *fmri.File
					if f, err = fmri.Open(p); err != nil {
						return
					}
					defer f.Close()
					_, err = f.Select(context.Background(), "ROI_V1 = 1")
					if err == nil {
						_, err = f.Values(context.Background(), "image_index")
					}
				})
			})
			wantErr(t, err, p)
			if limit := uint64(allocSlack + 16*len(c.b)); alloc > limit {
				t.Errorf("allocated %d bytes for a %d-byte file (limit %d)", alloc, len(c.b), limit)
			}
		})
	}
}

// metaCorrupted overwrites bytes 512 to 4096 of an HDF5 file, where h5py
// and libhdf5 put the object headers and heaps.
func metaCorrupted(b []byte) []byte {
	c := bytes.Clone(b)
	for i := 512; i < min(4096, len(c)); i++ {
		c[i] = byte(0x5A ^ i)
	}
	return c
}

// TestBDataRawCorruption documents the one undetectable damage: BData
// files (h5py defaults) carry no checksum over raw data, so bytes changed
// inside /dataset read back as other numbers, as they do with h5py. The
// read must still not fail or panic.
func TestBDataRawCorruption(t *testing.T) {
	dir, s := tinyStudy(t)
	h5 := readFile(t, sim.FMRIPath(dir, s.Subjects[0].Name, sim.TestSet))
	p := writeFile(t, t.TempDir(), "sub-01.h5", corrupted(h5))
	noPanic(t, func() {
		f, err := fmri.Open(p)
		if err != nil {
			t.Logf("open: %v", err)
			return
		}
		defer f.Close()
		_, err = f.Select(context.Background(), "ROI_V1 = 1")
		t.Logf("select after raw corruption: err = %v", err)
	})
}

// TestBadPackedStore damages the layer file of a packed store (features.Pack
// of a simulated layer): every damage gives an error naming the file when
// the store is opened or the layer read, never a panic or a wrong matrix.
func TestBadPackedStore(t *testing.T) {
	dir, s := tinyStudy(t)
	n := netOf(t, s, sim.V5)
	d, err := features.OpenDir(filepath.Join(dir, "features", sim.TrainSet, n.Dir()), nil)
	if err != nil {
		t.Fatal(err)
	}
	packed := t.TempDir()
	if err := features.Pack(context.Background(), d, packed, nil); err != nil {
		t.Fatal(err)
	}
	layer := d.Layers()[0]
	want, err := d.Layer(context.Background(), layer)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(packed, "*"))
	var lf string
	for _, f := range files {
		if bytes.Contains([]byte(filepath.Base(f)), []byte(layer)) {
			lf = f
		}
	}
	if lf == "" {
		t.Fatalf("no file of layer %s among %v", layer, files)
	}
	orig := readFile(t, lf)
	flip := func(i int) []byte { c := bytes.Clone(orig); c[i] ^= 0x40; return c }
	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"zero-length", nil},
		{"prefix only", orig[:32]},
		{"truncated", truncated(orig)},
		{"last byte missing", orig[:len(orig)-1]},
		{"corrupt data", corrupted(orig)},
		{"header bit flip", flip(40)},
		{"data bit flip", flip(len(orig) - 5)},
		{"foreign bytes", foreign},
		{"extra bytes", append(bytes.Clone(orig), "trailing"...)},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			for _, f := range files {
				b := readFile(t, f)
				if f == lf {
					b = c.b
				}
				writeFile(t, root, filepath.Base(f), b)
			}
			bad := filepath.Join(root, filepath.Base(lf))
			var err error
			var got *features.Layer
			alloc := allocDuring(func() {
				noPanic(t, func() {
					var p *features.Packed
					if p, err = features.OpenPacked(root, nil); err != nil {
						return
					}
					got, err = p.Layer(context.Background(), layer)
				})
			})
			if err == nil && slices.Equal(got.Data, want.Data) {
				t.Fatalf("damage not detected, and the layer reads back unchanged")
			}
			wantErr(t, err, bad)
			if limit := uint64(allocSlack + 300*len(orig)); alloc > limit {
				t.Errorf("allocated %d bytes (limit %d)", alloc, limit)
			}
		})
	}
}

// TestFeatureDirStems: a layer missing an image, an extra image, and a
// stem that is not a safe file name.
func TestFeatureDirStems(t *testing.T) {
	dir, s := tinyStudy(t)
	n := netOf(t, s, sim.V5)
	src := filepath.Join(dir, "features", sim.TestSet, n.Dir())
	l0, l1 := n.Layers[0].Name, n.Layers[1].Name
	build := func(t *testing.T, edit func(root string)) string {
		root := t.TempDir()
		for _, l := range []string{l0, l1} {
			for _, stem := range s.Test.Stems {
				writeFile(t, root, filepath.Join(l, stem+".mat"), readFile(t, filepath.Join(src, l, stem+".mat")))
			}
		}
		edit(root)
		return root
	}
	gone := s.Test.Stems[3]
	t.Run("missing stem", func(t *testing.T) {
		root := build(t, func(root string) { os.Remove(filepath.Join(root, l1, gone+".mat")) })
		_, err := features.OpenDir(root, nil)
		wantErr(t, err, l1, gone)
		if !errors.Is(err, features.ErrMismatch) {
			t.Errorf("%v does not wrap ErrMismatch", err)
		}
	})
	t.Run("extra stem", func(t *testing.T) {
		root := build(t, func(root string) {
			writeFile(t, root, filepath.Join(l0, "n99999999_1.mat"), readFile(t, filepath.Join(root, l0, gone+".mat")))
		})
		_, err := features.OpenDir(root, nil)
		wantErr(t, err, "n99999999_1")
	})
	t.Run("duplicate labels in memory", func(t *testing.T) {
		_, err := features.NewMem(&features.Layer{Name: "fc", Labels: []string{"a", "a"}, Shape: []int{1}, Data: []float32{1, 2}})
		wantErr(t, err, "fc", "unique")
	})
	t.Run("stem with dots", func(t *testing.T) {
		// "...mat" would have the stem "..". Like bdpy's glob("*.mat"),
		// OpenDir skips dot files, so the image is simply absent.
		root := build(t, func(root string) {
			for _, l := range []string{l0, l1} {
				os.Rename(filepath.Join(root, l, gone+".mat"), filepath.Join(root, l, "...mat"))
			}
		})
		d, err := features.OpenDir(root, nil)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(d.Labels(), "..") || len(d.Labels()) != len(s.Test.Stems)-1 {
			t.Fatalf("%d labels, want %d without \"..\"", len(d.Labels()), len(s.Test.Stems)-1)
		}
		if _, err := d.Layer(context.Background(), l0); err != nil {
			t.Fatal(err)
		}
	})
}
