package provenance

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/brainhierarchy/bhscore/internal/fsx"
)

func TestSumIsCanonical(t *testing.T) {
	var a, b Fingerprint
	a.Set("alpha", Float(100))
	a.Set("n_feat", Int(500))
	a.Add(Input{Role: "training fMRI", Path: "/x"})
	a.Add(Input{Role: "test fMRI", Path: "/y"})
	b.Add(Input{Role: "test fMRI", Path: "/y"})
	b.Set("n_feat", Int(500))
	b.Add(Input{Role: "training fMRI", Path: "/x"})
	b.Set("alpha", "1")
	b.Set("alpha", Float(100)) // replaced, not added
	if !a.Equal(&b) || a.Sum() != b.Sum() {
		t.Errorf("same content, different order: sums %s and %s", a.Sum(), b.Sum())
	}
	if (&Fingerprint{}).Sum() != (&Fingerprint{Params: []Param{}, Inputs: []Input{}}).Sum() {
		t.Error("nil and empty lists differ")
	}
	c := a.Clone()
	c.Set("alpha", Float(1e6))
	if a.Equal(c) {
		t.Error("changed alpha, equal fingerprints")
	}
	if v, _ := a.Param("alpha"); v != "100" {
		t.Errorf("alpha = %q after Clone changed", v)
	}
	got, err := Unmarshal(a.Marshal())
	if err != nil || !got.Equal(&a) {
		t.Errorf("round trip: %v, %v", got, err)
	}
}

func TestDiff(t *testing.T) {
	var old Fingerprint
	old.Set("alpha", Float(100))
	old.Set("n_feat", Int(500))
	old.Set("gone", "x")
	old.Add(Input{Role: "training fMRI", Path: "/d/sub-01.h5", Kind: "file", Size: 10, SHA256: "aa"})
	old.Add(Input{Role: "test fMRI", Path: "/d/test.h5", Kind: "file", Size: 10, ModTime: "t1"})
	old.Add(Input{Role: "training features", Path: "/f/AlexNet/conv1", Kind: "dir", Files: 3})
	cur := old.Clone()
	cur.Set("alpha", Float(1e6))
	cur.Set("precision", "float32")
	cur.Params = slices.DeleteFunc(cur.Params, func(p Param) bool { return p.Name == "gone" })
	cur.Add(Input{Role: "training fMRI", Path: "/d/sub-01.h5", Kind: "file", Size: 10, SHA256: "bb"})
	cur.Add(Input{Role: "test fMRI", Path: "/d/test.h5", Kind: "file", Size: 10, ModTime: "t2"})
	cur.Add(Input{Role: "training features", Path: "/f/VGG/conv1", Kind: "dir", Files: 3})
	want := []string{
		"alpha 100 -> 1e+06",
		"precision set to float32 (not recorded before)",
		"gone x no longer set",
		"test fMRI /d/test.h5: modified (t2, was t1)",
		"training fMRI /d/sub-01.h5: content changed",
		"training features moved from /f/AlexNet/conv1 to /f/VGG/conv1",
	}
	if got := Diff(&old, cur); !slices.Equal(got, want) {
		t.Errorf("Diff:\n got %q\nwant %q", got, want)
	}
	if got := Diff(&old, old.Clone()); got != nil {
		t.Errorf("Diff of equal fingerprints = %q", got)
	}
	if got := Diff(nil, cur); len(got) != 1 || !strings.Contains(got[0], "no fingerprint") {
		t.Errorf("Diff(nil) = %q", got)
	}
}

func TestIdentify(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "settings.json")
	write := func(p, s string) {
		t.Helper()
		if err := os.WriteFile(p, []byte(s), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	write(small, "abc")
	big := filepath.Join(dir, "train.h5")
	if err := os.WriteFile(big, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, ContentLimit+1); err != nil {
		t.Fatal(err)
	}
	layer := filepath.Join(dir, "feat", "conv1")
	if err := os.MkdirAll(layer, 0o777); err != nil {
		t.Fatal(err)
	}
	write(filepath.Join(layer, "a.mat"), "1")
	write(filepath.Join(layer, "b.mat"), "22")
	write(filepath.Join(layer, ".b.mat.tmp-12-ab"), "temp") // ignored

	var id Identifier
	s1, err := id.Identify("settings", small)
	if err != nil || s1.Kind != "file" || s1.Size != 3 || s1.SHA256 == "" || s1.ModTime != "" || s1.Role != "settings" {
		t.Fatalf("small file: %+v, %v", s1, err)
	}
	b1, err := id.Identify("training fMRI", big)
	if err != nil || b1.SHA256 != "" || b1.ModTime == "" || b1.Size != ContentLimit+1 {
		t.Fatalf("big file: %+v, %v", b1, err)
	}
	l1, err := id.Identify("features", layer)
	if err != nil || l1.Kind != "dir" || l1.Files != 2 || l1.Size != 3 {
		t.Fatalf("dir: %+v, %v", l1, err)
	}

	// Changes, seen by a new Identifier (a new run); the old one caches.
	old := time.Now().Add(-time.Hour)
	write(small, "abd")
	os.Chtimes(small, old, old)
	if err := os.Chtimes(big, old, old); err != nil {
		t.Fatal(err)
	}
	write(filepath.Join(layer, "c.mat"), "3")
	if again, _ := id.Identify("settings", small); again != s1 {
		t.Error("Identifier did not cache")
	}
	var id2 Identifier
	if s2, _ := id2.Identify("settings", small); s2.SHA256 == s1.SHA256 {
		t.Error("small file: content change with an old mtime not seen")
	}
	if b2, _ := id2.Identify("training fMRI", big); b2.ModTime == b1.ModTime {
		t.Error("big file: mtime change not seen")
	}
	if l2, _ := id2.Identify("features", layer); l2.Files != 3 || l2.SHA256 == l1.SHA256 {
		t.Error("dir: added file not seen")
	}

	if _, err := id2.Identify("training fMRI", filepath.Join(dir, "missing.h5")); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "training fMRI") {
		t.Errorf("missing: %v", err)
	}
	fifo := filepath.Join(dir, "fifo.h5")
	if err := syscall.Mkfifo(fifo, 0o666); err == nil {
		if _, err := id2.Identify("test fMRI", fifo); !errors.Is(err, fsx.ErrNotRegular) {
			t.Errorf("FIFO: %v, want fsx.ErrNotRegular", err)
		}
	}
}

func TestFiles(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bhscore_fingerprint.json")
	var f Fingerprint
	f.Set("alpha", "100")
	if err := WriteFile(p, &f); err != nil {
		t.Fatal(err)
	}
	g, err := ReadFile(p)
	if err != nil || !g.Equal(&f) {
		t.Fatalf("ReadFile = %v, %v", g, err)
	}
	if _, err := ReadFile(p + ".missing"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
}

// BenchmarkIdentifyDir measures the identity of a layer directory of 1,200
// feature files (the paper's training set), what a run pays once per layer
// and split: a stat per file, no content read.
func BenchmarkIdentifyDir(b *testing.B) {
	dir := b.TempDir()
	for i := range 1200 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("n%08d_%d.mat", i, i)), []byte("x"), 0o666); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		var id Identifier // a fresh run: nothing cached
		if _, err := id.Identify("training features", dir); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIdentifySmallFile measures the content hash of a 1 MiB file
// (the largest identified by content).
func BenchmarkIdentifySmallFile(b *testing.B) {
	p := filepath.Join(b.TempDir(), "settings.json")
	if err := os.WriteFile(p, make([]byte, ContentLimit), 0o666); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(ContentLimit)
	for b.Loop() {
		var id Identifier
		if _, err := id.Identify("settings", p); err != nil {
			b.Fatal(err)
		}
	}
}
