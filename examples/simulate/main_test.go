package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestRunGolden simulates the tiny study and compares the summary printed
// on stdout (with the temporary directory replaced by DIR) with
// testdata/tiny.golden.
func TestRunGolden(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if rc := run(&stdout, &stderr, []string{"-out", dir, "-size", "tiny", "-seed", "1", "-q"}); rc != 0 {
		t.Fatalf("exit %d: %s", rc, stderr.String())
	}
	got := strings.ReplaceAll(stdout.String(), filepath.Clean(dir), "DIR")
	golden := filepath.Join("testdata", "tiny.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("stdout differs from %s:\n%s", golden, got)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr: %s", stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "fmri", "sub-03_perceptionNaturalImageTest_VC_v2.h5")); err != nil {
		t.Error(err)
	}
}

func TestRunUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		rc   int
		msg  string
	}{
		{nil, 2, "usage: simulate"},
		{[]string{"-out", t.TempDir(), "-size", "huge"}, 2, "unknown size"},
		{[]string{"-bogus"}, 2, "flag provided but not defined"},
		{[]string{"-h"}, 0, "usage: simulate"},
	} {
		var stdout, stderr bytes.Buffer
		if rc := run(&stdout, &stderr, tc.args); rc != tc.rc || !strings.Contains(stderr.String(), tc.msg) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, rc, stderr.String())
		}
	}
}

func TestRunProgress(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if rc := run(&stdout, &stderr, []string{"-out", t.TempDir(), "-size", "tiny"}); rc != 0 {
		t.Fatalf("exit %d", rc)
	}
	if !strings.Contains(stderr.String(), "100%") {
		t.Errorf("no progress bar: %q", stderr.String())
	}
}
