package h5

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The legacy BData file was written by plain h5py with fixed-length keys
// (see /work/shared/conformance/bdata/README.md); values checked with h5py.
func TestReadLegacyFixedStrings(t *testing.T) {
	f, err := Open("testdata/legacy_dataSet_metaData.h5")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	keys, dims, err := f.ReadStrings("/metaData/key")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(dims, []int{12}) || !slices.Equal(keys[:3], []string{"VoxelData", "Run", "image_index"}) {
		t.Errorf("keys = %v %v", dims, keys[:3])
	}
	x, dims, err := f.ReadFloat64("/dataSet")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(dims, []int{21, 28}) || x[0] != 104.3201 || x[2] != 105.1888 {
		t.Errorf("dataSet = %v %v", dims, x[:3])
	}
	row := make([]float64, 2*28)
	if err := f.ReadRows("/dataSet", 0, row); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(row, x[:56]) {
		t.Error("ReadRows differs from ReadFloat64")
	}
	names, err := f.Members("/")
	if err != nil || !slices.Equal(names, []string{"dataSet", "metaData"}) {
		t.Errorf("members = %v, %v", names, err)
	}
}

// bdpy_sparse_2d.mat was written by hdf5storage (conformance/mat).
func TestReadRefsAndAttrs(t *testing.T) {
	f, err := Open("testdata/bdpy_sparse_2d.mat")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cls, err := f.ReadAttrString("/W", "MATLAB_class")
	if err != nil || cls != "struct" {
		t.Errorf("MATLAB_class = %q, %v", cls, err)
	}
	refs, _, err := f.ReadRefs("/W/index")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range refs {
		if filepath.Dir(r) != "/#refs#" {
			t.Errorf("reference %q not under /#refs#", r)
		}
	}
	names, err := f.AttrNames("/W")
	if err != nil || !slices.Contains(names, "MATLAB_fields") {
		t.Errorf("attrs = %v, %v", names, err)
	}
}

func TestRoundTrip(t *testing.T) {
	name := filepath.Join(t.TempDir(), "x.mat")
	f, err := Create(name, 512)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Write("/a/b/x", []int{2, 3}, []float32{1, 2, 3, 4, 5, 6}, Deflate(4)); err != nil {
		t.Fatal(err)
	}
	if err := f.WriteStrings("/s", []int{2}, []string{"ab", "c"}, true); err != nil {
		t.Fatal(err)
	}
	if err := f.WriteStrings("/fs", nil, []string{"fixed"}, false); err != nil {
		t.Fatal(err)
	}
	if err := f.WriteRefs("/r", []int{1}, []string{"/a/b/x"}); err != nil {
		t.Fatal(err)
	}
	if err := f.SetAttrString("/a/b/x", "MATLAB_class", "single", false); err != nil {
		t.Fatal(err)
	}
	if err := f.SetAttr("/a", "n", nil, []uint64{7}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := WriteUserBlock(name, []byte("MATLAB 7.3 MAT-file")); err != nil {
		t.Fatal(err)
	}
	g, err := Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	x, dims, err := g.ReadFloat64("/a/b/x")
	if err != nil || !slices.Equal(dims, []int{2, 3}) || !slices.Equal(x, []float64{1, 2, 3, 4, 5, 6}) {
		t.Errorf("x = %v %v %v", x, dims, err)
	}
	s, _, err := g.ReadStrings("/s")
	if err != nil || !slices.Equal(s, []string{"ab", "c"}) {
		t.Errorf("s = %v %v", s, err)
	}
	fs, dims, err := g.ReadStrings("/fs")
	if err != nil || len(dims) != 0 || fs[0] != "fixed" {
		t.Errorf("fs = %v %v %v", fs, dims, err)
	}
	r, _, err := g.ReadRefs("/r")
	if err != nil || r[0] != "/a/b/x" {
		t.Errorf("r = %v %v", r, err)
	}
	cls, err := g.ReadAttrString("/a/b/x", "MATLAB_class")
	if err != nil || cls != "single" {
		t.Errorf("class = %q %v", cls, err)
	}
	n, err := g.ReadAttrFloat64("/a", "n")
	if err != nil || n[0] != 7 {
		t.Errorf("n = %v %v", n, err)
	}
	raw, _ := os.ReadFile(name)
	if string(raw[:19]) != "MATLAB 7.3 MAT-file" {
		t.Errorf("user block = %q", raw[:19])
	}
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(filepath.Join(dir, "missing.h5")); err == nil {
		t.Error("missing file opened")
	}
	junk := filepath.Join(dir, "junk.h5")
	os.WriteFile(junk, []byte("this is not hdf5 at all"), 0o644)
	if _, err := Open(junk); !errors.Is(err, ErrNotHDF5) {
		t.Errorf("junk: %v", err)
	}
	raw, _ := os.ReadFile("testdata/legacy_dataSet_metaData.h5")
	trunc := filepath.Join(dir, "trunc.h5")
	os.WriteFile(trunc, raw[:len(raw)/3], 0o644)
	if f, err := Open(trunc); err == nil {
		if _, _, err := f.ReadFloat64("/dataSet"); err == nil {
			t.Error("truncated dataset read without error")
		}
		f.Close()
	}
	f, err := Open("testdata/legacy_dataSet_metaData.h5")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, _, err := f.ReadFloat64("/nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing dataset: %v", err)
	}
	if _, _, err := f.ReadStrings("/dataSet"); err == nil {
		t.Error("numbers read as strings")
	}
}

// Files with the same content must have the same bytes (kill-and-resume
// tests compare outputs byte for byte), so no object timestamps are kept.
func TestDeterministicBytes(t *testing.T) {
	var files [][]byte
	for i := range 2 {
		name := filepath.Join(t.TempDir(), "d.h5")
		f, err := Create(name, 512)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Write("/g/x", []int{3}, []float64{1, 2, 3}); err != nil {
			t.Fatal(err)
		}
		if err := f.WriteStrings("/g/s", nil, []string{"a"}, true); err != nil {
			t.Fatal(err)
		}
		f.Close()
		raw, _ := os.ReadFile(name)
		files = append(files, raw)
		if i == 0 {
			time.Sleep(1100 * time.Millisecond)
		}
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Error("same content, different bytes")
	}
}

// TestCreateKeepsOSError checks that a failed Create says why in the
// operating system's words: /dev/full accepts open(2) and fails every
// write(2) with ENOSPC, as a full disk does.
func TestCreateKeepsOSError(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	for _, ub := range []int{0, 512} {
		f, err := Create("/dev/full", ub)
		if err == nil {
			f.Close()
			t.Fatalf("user block %d: Create(/dev/full) succeeded", ub)
		}
		if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "no space left on device") {
			t.Errorf("user block %d: %v, want ENOSPC (no space left on device)", ub, err)
		}
	}
	_, err := Create(filepath.Join(t.TempDir(), "missing", "a.h5"), 512)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing directory: %v, want ErrNotExist", err)
	}
}

// TestOpenFIFO checks that a named pipe given as an HDF5 file is refused at
// once (libhdf5 would block in open(2) until a writer appears).
func TestOpenFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sub-01_train.h5")
	if err := syscall.Mkfifo(p, 0o666); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := Open(p)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "named pipe (FIFO)") || !strings.Contains(err.Error(), p) {
			t.Errorf("Open(FIFO) = %v, want an error naming the path and the FIFO", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Open(FIFO) blocked")
	}
}
