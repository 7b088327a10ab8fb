package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/brainhierarchy/bhscore/extract"
	"github.com/brainhierarchy/bhscore/features"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const (
	fixtures = "../../extract/testdata"
	model    = fixtures + "/tiny.onnx"
	images   = fixtures + "/images"
)

func requireRuntime(t *testing.T) {
	t.Helper()
	if _, err := extract.RuntimeVersion(""); err != nil {
		if os.Getenv("BHSCORE_REQUIRE_ONNXRUNTIME") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		os.WriteFile(path, []byte(got), 0o666)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("output:\n%s\nwant (%s):\n%s", got, path, want)
	}
}

func runOK(t *testing.T, out string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if rc := run(&stdout, &stderr, args); rc != 0 {
		t.Fatalf("extract %s: rc %d\n%s", strings.Join(args, " "), rc, stderr.String())
	}
	return strings.ReplaceAll(stdout.String(), out, "OUT")
}

// TestExtractTiny extracts two layers of the small test CNN from the six
// test images (PNG and JPEG, colour and grey) with the caffe preset into
// MAT v7.3 files plus a random-unit index, checks the output opens as a
// bdpy feature directory, then reruns: nothing is extracted again.
func TestExtractTiny(t *testing.T) {
	requireRuntime(t)
	out := filepath.Join(t.TempDir(), "features", "Tiny")
	args := []string{"-q", "-model", model, "-images", images, "-out", out, "-preset", "caffe", "-format", "v73",
		"-layers", "relu2=/Relu_1_output_0,fc=output", "-index", "100", "-seed", "0"}
	golden(t, "tiny.golden", runOK(t, out, args...))

	d, err := features.OpenDir(out, &features.DirOptions{IndexFile: filepath.Join(out, "index_random100.mat")})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Layers(), []string{"fc", "relu2"}) || len(d.Labels()) != 6 {
		t.Fatalf("layers %v labels %v", d.Layers(), d.Labels())
	}
	l, err := d.Layer(t.Context(), "relu2")
	if err != nil {
		t.Fatal(err)
	}
	if l.Units() != 100 || !slices.Equal(l.SourceShape, []int{16, 11, 9}) {
		t.Errorf("relu2 with index: %d units of %v, want 100 of [16 11 9]", l.Units(), l.SourceShape)
	}
	if fc, err := d.Layer(t.Context(), "fc"); err != nil || fc.Units() != 10 {
		t.Errorf("fc: %v (all 10 units kept when fewer than 100)", err)
	}

	golden(t, "tiny_rerun.golden", runOK(t, out, args...))
}

// TestExtractPacked writes a packed store straight from the extraction.
func TestExtractPacked(t *testing.T) {
	requireRuntime(t)
	out := filepath.Join(t.TempDir(), "packed")
	runOK(t, out, "-q", "-model", model, "-images", images, "-out", out, "-preset", "caffe", "-format", "packed", "-layers", "fc=output")
	p, err := features.OpenPacked(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	l, err := p.Layer(t.Context(), "fc")
	if err != nil || l.Rows() != 6 || l.Units() != 10 {
		t.Fatalf("packed fc: %v", err)
	}
}

func TestExtractErrors(t *testing.T) {
	requireRuntime(t)
	dir := t.TempDir()
	broken := filepath.Join(dir, "imgs")
	os.MkdirAll(broken, 0o777)
	os.WriteFile(filepath.Join(broken, "a.png"), []byte("\x89PNG\r\n\x1a\nshort"), 0o666)
	foreign := filepath.Join(dir, "foreign")
	os.MkdirAll(foreign, 0o777)
	os.WriteFile(filepath.Join(foreign, "notes.txt"), []byte("mine"), 0o666)
	notModel := filepath.Join(dir, "x.onnx")
	os.WriteFile(notModel, []byte("garbage"), 0o666)

	ok := filepath.Join(dir, "ok")
	runOK(t, ok, "-q", "-model", model, "-images", images, "-out", ok, "-preset", "caffe", "-layers", "fc=output")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-model", model, "-images", images, "-out", filepath.Join(dir, "o1"), "-preset", "caffe", "-layers", "/Relu_9"}, `no such tensor in the model: "/Relu_9"; similar: /Relu_output_0`},
		{[]string{"-model", notModel, "-images", images, "-out", filepath.Join(dir, "o2"), "-layers", "output"}, "not a usable ONNX model"},
		{[]string{"-model", model, "-images", broken, "-out", filepath.Join(dir, "o3"), "-preset", "caffe", "-layers", "output"}, "image " + filepath.Join(broken, "a.png")},
		{[]string{"-model", model, "-images", images, "-out", foreign, "-preset", "caffe", "-layers", "output"}, "was not written by bhscore extract"},
		{[]string{"-model", model, "-images", images, "-out", ok, "-preset", "caffe", "-layers", "other=output"}, "holds features of another extraction"},
		{[]string{"-model", model, "-images", images, "-out", filepath.Join(dir, "o4"), "-preset", "torch", "-layers", "output"}, `preset "torch"`},
		{[]string{"-model", model, "-images", images, "-out", filepath.Join(dir, "o5"), "-layers", "output"}, "input is 40 x 48 (W x H), preprocessing resizes to 224 x 224"},
	} {
		var stdout, stderr bytes.Buffer
		if rc := run(&stdout, &stderr, append([]string{"-q"}, c.args...)); rc != 1 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("extract %s: rc %d, stderr %q; want rc 1 and %q", strings.Join(c.args, " "), rc, stderr.String(), c.want)
		}
	}
	if ents, _ := os.ReadDir(foreign); len(ents) != 1 {
		t.Errorf("wrote into a foreign directory: %d entries", len(ents))
	}
	var stdout, stderr bytes.Buffer
	if rc := run(&stdout, &stderr, []string{"-model", model}); rc != 2 {
		t.Errorf("missing flags: rc %d", rc)
	}
}

func TestList(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if rc := run(&stdout, &stderr, []string{"-model", model, "-list"}); rc != 0 {
		t.Fatalf("rc %d: %s", rc, stderr.String())
	}
	golden(t, "list.golden", stdout.String())
}
