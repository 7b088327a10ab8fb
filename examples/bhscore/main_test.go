package main

import (
	"bytes"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got (with dir replaced by DIR) with testdata/name.
func golden(t *testing.T, name, got, dir string) {
	t.Helper()
	got = strings.ReplaceAll(got, dir, "DIR")
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("stdout:\n%s\nwant (%s):\n%s", got, p, want)
	}
}

// TestMainJobTiny runs the main job on the tiny simulated study: the
// hierarchical net must rank first with a clearly positive score and the
// reversed net last with a negative one (the simulator's ground truth,
// sim truth.json: ideal scores +1, 0, -0.98), and the printed
// ranking must equal the golden output.
func TestMainJobTiny(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a whole tiny study")
	}
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	rc := run(&stdout, &stderr, []string{"-q", "-size", "tiny", "-workdir", dir})
	if rc != 0 {
		t.Fatalf("rc %d: %s", rc, stderr.String())
	}
	golden(t, "tiny.golden", stdout.String(), dir)
	lines := strings.Split(stdout.String(), "\n")
	var rows [][]string
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) < 6 {
			continue
		}
		if _, err := strconv.Atoi(f[0]); err != nil {
			continue
		}
		if _, err := strconv.ParseFloat(f[4], 64); err == nil {
			rows = append(rows, f)
		}
	}
	if len(rows) != 3 || rows[0][1] != "HierNet" || rows[2][1] != "RevNet" || !strings.HasPrefix(rows[2][4], "-") {
		t.Errorf("ranking rows %v", rows)
	}
	for _, f := range []string{"figure3.png", "figure3.svg", "figureS1_HierNet.png", "figureS1_RevNet.svg"} {
		raw, err := os.ReadFile(filepath.Join(dir, "results", "figures", f))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, ".png") {
			img, err := png.Decode(bytes.NewReader(raw))
			if err != nil || img.Bounds().Dx() < 300 {
				t.Errorf("%s: %v", f, err)
			}
		}
	}
	// A second run resumes: every job is already done.
	stdout.Reset()
	if rc := run(&stdout, &stderr, []string{"-q", "-size", "tiny", "-workdir", dir, "-nofigures"}); rc != 0 {
		t.Fatalf("rerun rc %d: %s", rc, stderr.String())
	}
	golden(t, "tiny_rerun.golden", stdout.String(), dir)
}

// TestScorePublishedLayout scores the accuracy trees of
// conformance/pipeline (written by the original scripts) as the paper's
// Figure 3 is reproduced from the published archives; -select numpy
// reproduces the notebook's seeded cells with n_layers = min(5, L)
// (conformance/pipeline/expected.json: TinyHier 0.9211/0.8587/0.8899,
// TinyRev -0.8594/-0.8397/-0.8495).
func TestScorePublishedLayout(t *testing.T) {
	dir := t.TempDir()
	pipe := "../../testdata/pipeline"
	var stdout, stderr bytes.Buffer
	rc := run(&stdout, &stderr, []string{"-q", "-select", "numpy",
		"-settings", pipe + "/settings.json",
		"-decoding", pipe + "/decoding_accuracy/ImageNetTest",
		"-encoding", pipe + "/encoding_accuracy/ImageNetTest",
		"-json", filepath.Join(dir, "out.json"), "-csv", filepath.Join(dir, "out.csv"), "-figures", filepath.Join(dir, "figs")})
	if rc != 0 {
		t.Fatalf("rc %d: %s", rc, stderr.String())
	}
	golden(t, "pipeline.golden", stdout.String(), dir)
	raw, err := os.ReadFile(filepath.Join(dir, "out.json"))
	if err != nil || !bytes.Contains(raw, []byte(`"TinyHier"`)) {
		t.Errorf("json report: %v %s", err, raw)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-nope"},
		{"extra"},
		{"-settings", "x.json"},
		{"-q", "-size", "huge"},
		{"-q", "-t", "wrong", "-settings", "../../testdata/pipeline/settings.json", "-decoding", "x"},
		// Checked before the simulated study is even written.
		{"-q", "-size", "tiny", "-p", "2", "-workdir", filepath.Join(t.TempDir(), "w")},
		{"-q", "-size", "tiny", "-nlayers", "-3", "-workdir", filepath.Join(t.TempDir(), "w")},
	} {
		var stdout, stderr bytes.Buffer
		if rc := run(&stdout, &stderr, args); rc != 2 {
			t.Errorf("%v: rc %d, stderr %s", args, rc, stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if rc := run(&stdout, &stderr, []string{"-q", "-config", "does-not-exist.yaml"}); rc != 1 || !strings.Contains(stderr.String(), "does-not-exist.yaml") {
		t.Errorf("missing config: rc %d, %s", rc, stderr.String())
	}
	// A -workdir holding a user's files is refused and left alone.
	w := t.TempDir()
	if err := os.WriteFile(filepath.Join(w, "study.yaml"), []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	if rc := run(&stdout, &stderr, []string{"-q", "-size", "tiny", "-workdir", w}); rc != 1 || !strings.Contains(stderr.String(), "not made by bhscore") {
		t.Errorf("foreign workdir: rc %d, %s", rc, stderr.String())
	}
	if b, _ := os.ReadFile(filepath.Join(w, "study.yaml")); string(b) != "mine\n" {
		t.Errorf("user's study.yaml now %q", b)
	}
}

// TestScoreOutputDir checks that score mode with no output flag writes
// everything into ./bhscore-out (and nothing else into the working
// directory), with CIs and p-values printed, the HTML report holding the
// figures, and -select notebook accepted.
func TestScoreOutputDir(t *testing.T) {
	pipe, err := filepath.Abs("../../testdata/pipeline")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	var stdout, stderr bytes.Buffer
	rc := run(&stdout, &stderr, []string{"-q", "-select", "notebook", "-bootstrap", "200", "-permutations", "100", "-ci", "0.9",
		"-settings", pipe + "/settings.json",
		"-decoding", pipe + "/decoding_accuracy/ImageNetTest",
		"-encoding", pipe + "/encoding_accuracy/ImageNetTest"})
	if rc != 0 {
		t.Fatalf("rc %d: %s", rc, stderr.String())
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || ents[0].Name() != "bhscore-out" {
		t.Errorf("working directory holds %v, want only bhscore-out", ents)
	}
	for _, f := range []string{"bhscore.json", "bhscore.csv", "report.html", "figures/figure3.png", "figures/figureS1_TinyRev.svg"} {
		if _, err := os.Stat(filepath.Join(dir, "bhscore-out", f)); err != nil {
			t.Error(err)
		}
	}
	out := stdout.String()
	for _, want := range []string{"90% CI", "200 replicates", "100 permutations", "+0.8899"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	html, _ := os.ReadFile(filepath.Join(dir, "bhscore-out", "report.html"))
	if n := bytes.Count(html, []byte("data:image/png;base64,")); n != 3 {
		t.Errorf("HTML report embeds %d figures, want 3 (Figure 3 and two Figure S1)", n)
	}
	csv, _ := os.ReadFile(filepath.Join(dir, "bhscore-out", "bhscore.csv"))
	if !bytes.Contains(csv, []byte("bhscore_ci_lo")) || bytes.Contains(csv, []byte(",,,,,,,,,,,,")) {
		t.Errorf("CSV lacks the uncertainty columns or their values:\n%s", csv)
	}
	// Asking for one output writes only that one.
	only := t.TempDir()
	t.Chdir(only)
	rc = run(&stdout, &stderr, []string{"-q", "-bootstrap", "0", "-permutations", "0",
		"-settings", pipe + "/settings.json", "-decoding", pipe + "/decoding_accuracy/ImageNetTest",
		"-json", filepath.Join(only, "x.json")})
	if rc != 0 {
		t.Fatalf("rc %d: %s", rc, stderr.String())
	}
	if ents, _ := os.ReadDir(only); len(ents) != 1 || ents[0].Name() != "x.json" {
		t.Errorf("-json only: wrote %v", ents)
	}
}
