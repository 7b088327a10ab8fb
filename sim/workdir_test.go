package sim

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// small designs a tiny study cut to one subject, network and layer, so that
// writing it takes little time.
func small(t *testing.T, seed uint64) *Study {
	t.Helper()
	s, err := New(Tiny, seed)
	if err != nil {
		t.Fatal(err)
	}
	s.Subjects = s.Subjects[:1]
	s.Nets = s.Nets[:1]
	s.Nets[0].Layers = s.Nets[0].Layers[:1]
	return s
}

// TestGenerateOwnsItsDirectory: Generate writes into an empty directory,
// leaves its own study of the same seed as it is (edits kept), replaces
// only its own files for another seed, and refuses a directory holding
// files it did not write.
func TestGenerateOwnsItsDirectory(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s1 := small(t, 1)
	if err := s1.generate(ctx, dir, nil); err != nil {
		t.Fatal(err)
	}
	yaml := filepath.Join(dir, "study.yaml")
	fmriPath := FMRIPath(dir, s1.Subjects[0].Name, TrainSet)
	seed1, _ := os.ReadFile(fmriPath)
	if err := os.WriteFile(yaml, []byte("edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "results"), 0o755); err != nil {
		t.Fatal(err)
	}
	results := filepath.Join(dir, "results", "bhscore.json")
	os.WriteFile(results, []byte("{}\n"), 0o644)
	if err := s1.generate(ctx, dir, nil); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(yaml); string(b) != "edited\n" {
		t.Errorf("same seed: study.yaml rewritten (%q)", b)
	}
	if err := small(t, 2).generate(ctx, dir, nil); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(yaml); string(b) == "edited\n" {
		t.Error("other seed: study.yaml kept")
	}
	if b, _ := os.ReadFile(fmriPath); bytes.Equal(b, seed1) {
		t.Error("other seed: fMRI file not regenerated")
	}
	if _, err := os.Stat(results); err != nil {
		t.Errorf("other seed: a file the simulation did not write was removed: %v", err)
	}
	m, err := readManifest(filepath.Join(dir, ManifestName))
	if err != nil || m.Seed != 2 || !m.Complete {
		t.Errorf("manifest %+v, %v", m, err)
	}

	// An interrupted Generate leaves an incomplete manifest: the next one
	// takes the directory back.
	m.Complete = false
	writeManifest(filepath.Join(dir, ManifestName), *m)
	if err := small(t, 2).generate(ctx, dir, nil); err != nil {
		t.Fatalf("after an interrupted Generate: %v", err)
	}

	foreign := t.TempDir()
	os.WriteFile(filepath.Join(foreign, "study.yaml"), []byte("mine\n"), 0o644)
	if err := s1.generate(ctx, foreign, nil); !errors.Is(err, ErrNotOwned) {
		t.Errorf("foreign directory: %v, want ErrNotOwned", err)
	}
	if b, _ := os.ReadFile(filepath.Join(foreign, "study.yaml")); string(b) != "mine\n" {
		t.Errorf("foreign study.yaml now %q", b)
	}
}
