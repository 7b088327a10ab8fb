package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPackConformanceTree packs the bdpy feature tree of
// conformance/features/basic (mixed MAT v5 and v7.3 layers) and compares
// stdout with the golden file; a second run resumes and repacks nothing.
func TestPackConformanceTree(t *testing.T) {
	out := filepath.Join(t.TempDir(), "packed")
	var stdout, stderr bytes.Buffer
	if rc := run(&stdout, &stderr, []string{"-q", "-in", "../../features/testdata/basic", "-out", out}); rc != 0 {
		t.Fatalf("rc %d: %s", rc, stderr.String())
	}
	got := strings.ReplaceAll(stdout.String(), out, "OUT")
	want, err := os.ReadFile("testdata/pack.golden")
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
	}
	stdout.Reset()
	if rc := run(&stdout, &stderr, []string{"-q", "-in", "../../features/testdata/basic", "-out", out}); rc != 0 {
		t.Fatalf("resume rc %d: %s", rc, stderr.String())
	}
	if !strings.Contains(stdout.String(), "(3 already packed)") {
		t.Errorf("resume: %s", stdout.String())
	}
	if rc := run(&stdout, &stderr, []string{"-in", "nope"}); rc != 2 {
		t.Errorf("missing -out: rc %d", rc)
	}
	stderr.Reset()
	if rc := run(&stdout, &stderr, []string{"-in", "does-not-exist", "-out", out}); rc != 1 || !strings.Contains(stderr.String(), "does-not-exist") {
		t.Errorf("bad input: rc %d, %s", rc, stderr.String())
	}
}
