package extract

import (
	"bufio"
	"context"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/brainhierarchy/bhscore/features"
)

// requireRuntime skips the test when ONNX Runtime cannot be loaded, unless
// BHSCORE_REQUIRE_ONNXRUNTIME is set (CI sets it: scripts/setup.sh
// installs the library, so there a missing library is a failure).
func requireRuntime(t testing.TB) {
	t.Helper()
	if _, err := RuntimeVersion(""); err != nil {
		if os.Getenv("BHSCORE_REQUIRE_ONNXRUNTIME") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
}

// fixtureLayers reads testdata/layers.txt (written by generate.py): the
// output name and ONNX tensor of each reference layer of a model.
func fixtureLayers(t testing.TB, model string) []Layer {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "layers.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ls []Layer
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) == 3 && fs[2] == model {
			ls = append(ls, Layer{Name: fs[0], Tensor: fs[1]})
		}
	}
	return ls
}

func images(t testing.TB, ext string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join("testdata", "images", "*"+ext))
	if err != nil || len(m) == 0 {
		t.Fatalf("no %s images: %v", ext, err)
	}
	return m
}

func newExtractor(t testing.TB, model string, layers []Layer, o *Options) *Extractor {
	t.Helper()
	m, err := LoadModel(filepath.Join("testdata", model))
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(m, layers, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// relErr returns max |got - want| / max |want| over a layer.
func relErr(got, want []float32) float64 {
	var d, s float64
	for i := range want {
		d = math.Max(d, math.Abs(float64(got[i])-float64(want[i])))
		s = math.Max(s, math.Abs(float64(want[i])))
	}
	return d / s
}

// compareDirs loads every layer of both feature directories and checks
// shapes, labels and values (relative error per layer at most tol).
func compareDirs(t *testing.T, gotDir, wantDir string, tol float64) {
	t.Helper()
	got, err := features.OpenDir(gotDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := features.OpenDir(wantDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Layers(), want.Layers()) || !slices.Equal(got.Labels(), want.Labels()) {
		t.Fatalf("layers %v labels %v, want %v %v", got.Layers(), got.Labels(), want.Layers(), want.Labels())
	}
	for _, name := range want.Layers() {
		g, err := got.Layer(t.Context(), name)
		if err != nil {
			t.Fatal(err)
		}
		w, err := want.Layer(t.Context(), name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(g.Shape, w.Shape) {
			t.Errorf("layer %s: unit shape %v, want %v", name, g.Shape, w.Shape)
			continue
		}
		r := relErr(g.Data, w.Data)
		t.Logf("layer %s %v: max relative error %.2g", name, w.Shape, r)
		if r > tol {
			t.Errorf("layer %s: relative error %.3g > %g", name, r, tol)
		}
	}
}

// parityTol is the bound on the relative difference from PyTorch
// per layer (float32 kernels of two engines; measured ~1e-6).
const parityTol = 1e-4

// TestPyTorchParity runs SqueezeNet 1.1 (random weights) on PNG images
// with the pytorch preset and compares with PyTorch 1.13's activations of
// the same images preprocessed as extract_features_pytorch.py does
// (testdata/ref/pytorch, scipy.io.savemat files made by generate.py).
func TestPyTorchParity(t *testing.T) {
	requireRuntime(t)
	e := newExtractor(t, "squeezenet1_1.onnx", fixtureLayers(t, "squeezenet1_1.onnx"), &Options{Preprocess: PyTorch(), BatchSize: 2})
	out := t.TempDir()
	n, err := e.Run(t.Context(), images(t, ".png"), &features.DirWriter{Root: out})
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("extracted %d images, want 3", n)
	}
	compareDirs(t, out, filepath.Join("testdata", "ref", "pytorch"), parityTol)
}

// TestCaffeParity runs a small CNN with a fixed 40 x 48 input using the
// caffe preset (resize to the model's input size, BGR, minus the mean)
// and writes v7.3 files as the Caffe script did; the reference is PyTorch
// on the same preprocessing, saved with hdf5storage (testdata/ref/caffe).
func TestCaffeParity(t *testing.T) {
	requireRuntime(t)
	e := newExtractor(t, "tiny.onnx", fixtureLayers(t, "tiny.onnx"), &Options{Preprocess: Caffe()})
	if w, h := e.Size(); w != 40 || h != 48 {
		t.Fatalf("input size %dx%d, want the model's 40x48", w, h)
	}
	if e.BatchSize() != 1 {
		t.Errorf("batch size %d for a model with a fixed batch of 1", e.BatchSize())
	}
	out := t.TempDir()
	if _, err := e.Run(t.Context(), images(t, ".png"), &features.DirWriter{Root: out, Version: features.MatV73}); err != nil {
		t.Fatal(err)
	}
	compareDirs(t, out, filepath.Join("testdata", "ref", "caffe"), parityTol)
}

// jpegTol bounds the relative difference from PyTorch for JPEG input:
// Go's inverse DCT differs from libjpeg-turbo's by up to 3 levels on a few
// pixels (TestJPEGvsPillow), which moved SqueezeNet's fire8 by 7.8e-3 and
// its output by 5.8e-4 (relative, random weights).
const jpegTol = 2e-2

// TestJPEGParity compares with PyTorch on JPEG images decoded by Pillow
// (testdata/ref/jpeg): the remaining difference is the JPEG decoder's.
func TestJPEGParity(t *testing.T) {
	requireRuntime(t)
	var ls []Layer
	for _, l := range fixtureLayers(t, "squeezenet1_1.onnx") {
		if l.Name != "pool2" {
			ls = append(ls, l)
		}
	}
	e := newExtractor(t, "squeezenet1_1.onnx", ls, &Options{Preprocess: PyTorch()})
	out := t.TempDir()
	if _, err := e.Run(t.Context(), images(t, ".jpg"), &features.DirWriter{Root: out}); err != nil {
		t.Fatal(err)
	}
	compareDirs(t, out, filepath.Join("testdata", "ref", "jpeg"), jpegTol)
}

// TestBatchSizeIndependent checks that results do not depend on the batch
// size or the number of workers.
func TestBatchSizeIndependent(t *testing.T) {
	requireRuntime(t)
	ls := fixtureLayers(t, "squeezenet1_1.onnx")[2:] // output
	var ref []float32
	for _, o := range []Options{{BatchSize: 1, Workers: 1}, {BatchSize: 4}, {BatchSize: 32, Workers: 3}} {
		o.Preprocess = PyTorch()
		e := newExtractor(t, "squeezenet1_1.onnx", ls, &o)
		mem := &memSink{m: map[string][]float32{}}
		if _, err := e.Run(t.Context(), images(t, ""), mem); err != nil {
			t.Fatal(err)
		}
		var all []float32
		for _, p := range images(t, "") {
			all = append(all, mem.m["output/"+Stem(p)]...)
		}
		if ref == nil {
			ref = all
			continue
		}
		if r := relErr(all, ref); r > 1e-6 {
			t.Errorf("batch %d workers %d: relative difference %.2g from batch 1", o.BatchSize, o.Workers, r)
		}
	}
}

type memSink struct {
	mu sync.Mutex
	m  map[string][]float32
}

func (s *memSink) Write(layer, stem string, shape []int, data []float32) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[layer+"/"+stem] = slices.Clone(data)
	return nil
}

func TestResume(t *testing.T) {
	requireRuntime(t)
	e := newExtractor(t, "tiny.onnx", fixtureLayers(t, "tiny.onnx"), &Options{Preprocess: Caffe()})
	out := t.TempDir()
	w := &features.DirWriter{Root: out}
	imgs := images(t, "")
	if n, err := e.Run(t.Context(), imgs, w); err != nil || n != len(imgs) {
		t.Fatalf("first run: %d images, %v", n, err)
	}
	// A run killed after writing one layer of one image.
	victim := filepath.Join(out, "relu2", "n02_grey.mat")
	keep, err := os.ReadFile(victim)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(victim); err != nil {
		t.Fatal(err)
	}
	var last [2]int
	e.opts.Progress = func(done, total int) { last = [2]int{done, total} }
	n, err := e.Run(t.Context(), imgs, w)
	if err != nil || n != 1 {
		t.Fatalf("rerun extracted %d images (%v), want 1", n, err)
	}
	if last != [2]int{len(imgs), len(imgs)} {
		t.Errorf("last progress %v, want %d of %d", last, len(imgs), len(imgs))
	}
	again, err := os.ReadFile(victim)
	if err != nil || string(again) != string(keep) {
		t.Errorf("re-extracted file differs (%v)", err)
	}
}

func TestCancel(t *testing.T) {
	requireRuntime(t)
	e := newExtractor(t, "squeezenet1_1.onnx", fixtureLayers(t, "squeezenet1_1.onnx"), &Options{Preprocess: PyTorch(), BatchSize: 1})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := e.Run(ctx, images(t, ""), &memSink{m: map[string][]float32{}}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run: %v, want context.Canceled", err)
	}
}

func TestErrors(t *testing.T) {
	requireRuntime(t)
	m, err := LoadModel(filepath.Join("testdata", "squeezenet1_1.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(m, []Layer{{Name: "x", Tensor: "/features/features.5/MaxPool"}}, &Options{Preprocess: PyTorch()})
	if !errors.Is(err, ErrUnknownLayer) || !strings.Contains(err.Error(), "/features/features.5/MaxPool_output_0") {
		t.Errorf("unknown layer: %v, want ErrUnknownLayer suggesting the tensor", err)
	}
	if _, err := New(m, []Layer{{Name: "x", Tensor: "output"}}, &Options{Preprocess: Preprocess{Width: 100, Height: 100}}); err == nil || !strings.Contains(err.Error(), "224 x 224") {
		t.Errorf("preprocessing size differing from the model's input: %v", err)
	}

	bad := filepath.Join(t.TempDir(), "bad.onnx")
	os.WriteFile(bad, []byte("not a model"), 0o666)
	if _, err := LoadModel(bad); !errors.Is(err, ErrModel) {
		t.Errorf("garbage model: %v, want ErrModel", err)
	}
	// A well-formed protobuf that ONNX Runtime refuses: a node with an
	// unknown operator.
	trunc, _ := os.ReadFile(filepath.Join("testdata", "tiny.onnx"))
	tm, err := LoadModel(filepath.Join("testdata", "tiny.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	tm.proto.Graph.Node[0].OpType = ptr("NoSuchOp")
	if _, err := New(tm, []Layer{{Name: "out", Tensor: "output"}}, nil); !errors.Is(err, ErrModel) {
		t.Errorf("model ONNX Runtime refuses: %v, want ErrModel", err)
	}
	os.WriteFile(bad, trunc[:len(trunc)/2], 0o666)
	if _, err := LoadModel(bad); !errors.Is(err, ErrModel) {
		t.Errorf("truncated model: %v, want ErrModel", err)
	}

	e := newExtractor(t, "tiny.onnx", []Layer{{Name: "out", Tensor: "output"}}, &Options{Preprocess: Caffe()})
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.jpg")
	jpg, _ := os.ReadFile(images(t, ".jpg")[0])
	os.WriteFile(broken, jpg[:200], 0o666)
	_, err = e.Run(t.Context(), append(images(t, ".png"), broken), &memSink{m: map[string][]float32{}})
	var ie *ImageError
	if !errors.As(err, &ie) || ie.File != broken {
		t.Errorf("truncated image: %v, want an ImageError naming %s", err, broken)
	}
	_, err = e.Run(t.Context(), []string{"a/x.png", "b/x.jpg"}, &memSink{m: map[string][]float32{}})
	if err == nil || !strings.Contains(err.Error(), "same name") {
		t.Errorf("duplicate stems: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// TestMissingLibrary runs a child test process whose library variable
// points nowhere: New must fail with ErrLibrary (the runtime environment
// is per process, so this needs a fresh one).
func TestMissingLibrary(t *testing.T) {
	if os.Getenv("BHSCORE_EXTRACT_CHILD") == "1" {
		m, err := LoadModel(filepath.Join("testdata", "tiny.onnx"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = New(m, []Layer{{Name: "out", Tensor: "output"}}, nil)
		if !errors.Is(err, ErrLibrary) || !strings.Contains(err.Error(), LibraryEnv) {
			t.Fatalf("missing library: %v", err)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestMissingLibrary$")
	cmd.Env = append(os.Environ(), "BHSCORE_EXTRACT_CHILD=1", LibraryEnv+"=/nonexistent/libonnxruntime.so.1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

func TestParseLayerAndPreset(t *testing.T) {
	for in, want := range map[string]Layer{
		"/features/features.5/MaxPool_output_0":       {Name: "features:features.5:MaxPool_output_0", Tensor: "/features/features.5/MaxPool_output_0"},
		"pool2=/features/features.5/MaxPool_output_0": {Name: "pool2", Tensor: "/features/features.5/MaxPool_output_0"},
		"output": {Name: "output", Tensor: "output"},
	} {
		got, err := ParseLayer(in)
		if err != nil || got != want {
			t.Errorf("ParseLayer(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"../x=output", "=", "x="} {
		if _, err := ParseLayer(bad); err == nil {
			t.Errorf("ParseLayer(%q): no error", bad)
		}
	}
	p, err := ParsePreset("size=227x227,mean=104:117:123,order=bgr")
	if err != nil || p != (Preprocess{Width: 227, Height: 227, Mean: [3]float32{104, 117, 123}, BGR: true}) {
		t.Errorf("ParsePreset custom = %+v, %v", p, err)
	}
	for _, bad := range []string{"torch", "size=0x3", "mean=1:2", "order=grb", "divisor=-1"} {
		if _, err := ParsePreset(bad); err == nil {
			t.Errorf("ParsePreset(%q): no error", bad)
		}
	}
}
