package mat

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCorrupt(t *testing.T) {
	b, err := os.ReadFile("testdata/conformance/v5_double_1xN.mat")
	if err != nil {
		t.Fatal(err)
	}
	absurd := append([]byte(nil), b...)
	// Dims element of the first matrix: 0x7fffffff x 0x7fffffff.
	for i := 128 + 8 + 16 + 8; i < 128+8+16+16; i++ {
		absurd[i] = 0xff
	}
	for i := 128 + 8 + 16 + 8 + 3; i < 128+8+16+16; i += 4 {
		absurd[i] = 0x7f
	}
	z, err := os.ReadFile("testdata/conformance/v5_single_4d.mat")
	if err != nil {
		t.Fatal(err)
	}
	zbomb := append([]byte(nil), z...)
	zbomb[len(zbomb)-5] ^= 0xff // corrupt the compressed stream
	for name, data := range map[string][]byte{
		"truncated":   b[:len(b)-10],
		"header only": b[:128],
		"absurd dims": absurd,
		"bad zlib":    zbomb,
		"short":       b[:100],
	} {
		_, err := DecodeV5(data, "feat")
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if name != "header only" && !errors.Is(err, ErrFormat) {
			t.Errorf("%s: err = %v, want ErrFormat", name, err)
		}
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "x.mat")
	os.WriteFile(p, b[:len(b)-10], 0o644)
	_, err = Read(p, "feat")
	var me *Error
	if !errors.As(err, &me) || me.File != p || me.Var != "feat" || !strings.HasPrefix(err.Error(), "mat: ") {
		t.Errorf("error %v does not name file and variable", err)
	}
	if _, err := Read("testdata/conformance/v5_double_1xN.mat", "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing variable: %v", err)
	}
	if _, err := Read("testdata/conformance/v73_double_1xN.mat", "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing v7.3 variable: %v", err)
	}
	os.WriteFile(p, []byte("not a mat file at all"), 0o644)
	if _, err := Read(p, "feat"); !errors.Is(err, ErrFormat) {
		t.Errorf("junk: %v", err)
	}
	// A v7.3 header in front of a truncated HDF5 file.
	v, _ := os.ReadFile("testdata/conformance/v73_double_1xN.mat")
	os.WriteFile(p, v[:600], 0o644)
	if _, err := Read(p, "feat"); err == nil {
		t.Error("truncated v7.3: no error")
	}
}

func TestWriteRejects(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.mat")
	for name, vars := range map[string]map[string]*Array{
		"short data":   {"a": {Dims: []int{2, 2}, Class: Double, Data: []float64{1}}},
		"fraction":     {"a": {Dims: []int{1}, Class: Int8, Data: []float64{1.5}}},
		"out of range": {"a": {Dims: []int{1}, Class: Uint8, Data: []float64{256}}},
		"bad name":     {"a/b": {Dims: []int{1}, Class: Double, Data: []float64{1}}},
	} {
		if err := WriteV5(p, vars, false); err == nil {
			t.Errorf("WriteV5 %s: no error", name)
		}
		if err := WriteV73(p, vars); err == nil {
			t.Errorf("WriteV73 %s: no error", name)
		}
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Error("failed write left a file")
	}
}
