package jobs

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
)

func TestMarker(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "decode", "AlexNet", "conv1")
	os.MkdirAll(filepath.Join(out, "decoded"), 0o777)
	os.WriteFile(filepath.Join(out, "W.mat"), []byte("weights"), 0o644)
	os.WriteFile(filepath.Join(out, "decoded", "img1.mat"), []byte("f1"), 0o644)
	os.WriteFile(atomicfile.TempName(filepath.Join(out, "b.mat")), []byte("leftover"), 0o644)
	marker := filepath.Join(dir, "decode", "AlexNet", "conv1.done")
	extra := filepath.Join(dir, "accuracy.mat")
	os.WriteFile(extra, []byte("acc"), 0o644)

	if Done(marker) {
		t.Fatal("Done before MarkDone")
	}
	if err := MarkDone(marker, []string{out, extra}, nil); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(marker)
	m, err := ReadMarker(marker)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, o := range m.Outputs {
		paths = append(paths, o.Path)
	}
	want := []string{"../../accuracy.mat", "conv1/W.mat", "conv1/decoded/img1.mat"}
	if len(paths) != len(want) {
		t.Fatalf("marker lists %q, want %q", paths, want)
	}
	for i := range want {
		if paths[i] != want[i] {
			t.Fatalf("marker lists %q, want %q", paths, want)
		}
	}
	if !Done(marker) || Verify(marker) != nil {
		t.Fatalf("Done = %v, Verify = %v", Done(marker), Verify(marker))
	}
	// Same outputs, same marker bytes (no time stamps).
	if err := MarkDone(marker, []string{extra, out}, nil); err != nil {
		t.Fatal(err)
	}
	if second, _ := os.ReadFile(marker); !bytes.Equal(first, second) {
		t.Errorf("marker not deterministic:\n%s\n%s", first, second)
	}

	// Same size, other content: Done (sizes only) but not Verify.
	os.WriteFile(filepath.Join(out, "W.mat"), []byte("WEIGHTS"), 0o644)
	if !Done(marker) {
		t.Error("Done false after same-size change")
	}
	if err := Verify(marker); !errors.Is(err, ErrIncomplete) {
		t.Errorf("Verify = %v, want ErrIncomplete", err)
	}
	// Truncated output: not done.
	os.WriteFile(filepath.Join(out, "W.mat"), []byte("wei"), 0o644)
	if err := CheckDone(marker); !errors.Is(err, ErrIncomplete) {
		t.Errorf("CheckDone truncated = %v, want ErrIncomplete", err)
	}
	// Missing output: not done.
	os.Remove(filepath.Join(out, "W.mat"))
	if Done(marker) {
		t.Error("Done with an output missing")
	}
	// Garbage marker: not done.
	os.WriteFile(marker, []byte("{"), 0o644)
	if Done(marker) {
		t.Error("Done with a corrupt marker")
	}
	if err := MarkDone(marker, []string{filepath.Join(dir, "missing")}, nil); err == nil {
		t.Error("MarkDone of a missing output: no error")
	}
}

// TestOutputDirs: the directories markDone syncs are those whose entries
// name an output: each file's directory, up to the parent of its output.
func TestOutputDirs(t *testing.T) {
	r := filepath.FromSlash("/study")
	j := func(p string) string { return filepath.Join(r, filepath.FromSlash(p)) }
	outputs := []string{j("model"), j("acc/V1/accuracy.mat")}
	files := []string{j("model/W.mat"), j("model/sub/b.mat"), j("acc/V1/accuracy.mat")}
	got := outputDirs(outputs, files)
	want := []string{j(""), j("acc/V1"), j("model"), j("model/sub")}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("outputDirs = %q, want %q", got, want)
	}
}
