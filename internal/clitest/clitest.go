// Package clitest runs the example binaries' shared golden-output test:
// a whole direction of the tiny simulated study, run twice.
package clitest

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/brainhierarchy/bhscore/sim"
)

// RunTinyStudy simulates the tiny study (seed 1), calls run on its
// study.yaml twice (the second run must skip every job) and compares
// stdout, with the study directory written as DIR, to the golden file. It
// also checks the usage (exit 2) and missing-config (exit 1) errors.
func RunTinyStudy(t *testing.T, run func(stdout, stderr io.Writer, args []string) int, golden string) {
	t.Helper()
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
	want, err := os.ReadFile(golden)
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
