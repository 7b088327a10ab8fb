package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// TestImages renders the tiny study's stimuli: one 64 x 64 PNG per
// training and test image, named by stem, and not all alike.
func TestImages(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "images")
	var stdout, stderr bytes.Buffer
	if rc := run(&stdout, &stderr, []string{"-out", filepath.Join(dir, "study"), "-size", "tiny", "-q", "-images", img}); rc != 0 {
		t.Fatalf("exit %d: %s", rc, stderr.String())
	}
	seen := map[string]bool{}
	for set, n := range map[string]int{"ImageNetTraining": 60, "ImageNetTest": 50} {
		files, _ := filepath.Glob(filepath.Join(img, set, "*.png"))
		if len(files) != n {
			t.Fatalf("%s: %d images, want %d", set, len(files), n)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			m, err := png.Decode(bytes.NewReader(b))
			if err != nil || m.Bounds().Dx() != 64 || m.Bounds().Dy() != 64 {
				t.Fatalf("%s: %v", f, err)
			}
			seen[string(b)] = true
		}
	}
	if len(seen) != 110 {
		t.Errorf("%d distinct images of 110", len(seen))
	}
	// The stems are the fMRI files' stimulus names: the study's feature
	// directories hold the same stems.
	feats, _ := filepath.Glob(filepath.Join(dir, "study", "features", "ImageNetTest", "pytorch", "HierNet", "conv1", "*.mat"))
	for _, f := range feats {
		stem := filepath.Base(f)
		stem = stem[:len(stem)-len(".mat")]
		if _, err := os.Stat(filepath.Join(img, "ImageNetTest", stem+".png")); err != nil {
			t.Errorf("no image for test stimulus %s", stem)
		}
	}
}
