package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/brainhierarchy/bhscore/internal/sim"
)

// TestRunTinyStudy runs this direction's jobs of the tiny simulated study
// (internal/sim, seed 1) and compares stdout with the golden file; a second
// run skips every job.
func TestRunTinyStudy(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a whole direction of the tiny study")
	}
	dir := t.TempDir()
	if _, err := sim.Generate(context.Background(), dir, sim.Tiny, 1, nil); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	args := []string{"-q", "-discard", "-config", filepath.Join(dir, "study.yaml")}
	if rc := run(&stdout, &stderr, args); rc != 0 {
		t.Fatalf("rc %d: %s", rc, stderr.String())
	}
	stdout.WriteString("-- rerun --\n")
	if rc := run(&stdout, &stderr, args); rc != 0 {
		t.Fatalf("rerun rc %d: %s", rc, stderr.String())
	}
	got := strings.ReplaceAll(stdout.String(), dir, "DIR")
	want, err := os.ReadFile("testdata/tiny.golden")
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
	}
	if rc := run(&stdout, &stderr, []string{"-q"}); rc != 2 {
		t.Errorf("no -config: rc %d", rc)
	}
	if rc := run(&stdout, &stderr, []string{"-q", "-config", filepath.Join(dir, "nope.yaml")}); rc != 1 {
		t.Errorf("missing config: rc %d", rc)
	}
}
