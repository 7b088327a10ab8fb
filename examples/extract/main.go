// Command extract records DNN unit activations to images with ONNX
// Runtime, in bdpy's feature layout (<out>/<layer>/<stem>.mat), ready for
// the decoding and encoding analyses.
//
//	extract -model resnet18.onnx -images stimuli/ -out features/ResNet-18 \
//	        -layers conv1=/conv1/Conv_output_0,fc=output [-preset pytorch] \
//	        [-format v5|v73|packed] [-batch 32] [-index 1000 -seed 0]
//	extract -model resnet18.onnx -list
//
// Images are the JPEG and PNG files of -images (sorted; other files are
// ignored); each image's stem names its feature files. A killed run
// continues where it stopped when started again with the same arguments;
// bhscore refuses to write into an output directory it did not create or
// that holds another extraction's features.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/brainhierarchy/bhscore/cli"
	"github.com/brainhierarchy/bhscore/extract"
	"github.com/brainhierarchy/bhscore/features"
)

func main() { os.Exit(run(os.Stdout, os.Stderr, os.Args[1:])) }

type flags struct {
	model, images, out, layers, preset, format, lib string
	batch, index                                    int
	seed                                            uint
	list, quiet                                     bool
}

func run(stdout, stderr io.Writer, args []string) int {
	var f flags
	fs := flag.NewFlagSet("extract", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.model, "model", "", "ONNX model file (required)")
	fs.StringVar(&f.images, "images", "", "directory of JPEG/PNG images")
	fs.StringVar(&f.out, "out", "", "output directory (bdpy layout <out>/<layer>/<stem>.mat, or a packed store with -format packed)")
	fs.StringVar(&f.layers, "layers", "", "comma-separated layers: name=tensor or a tensor name (see -list)")
	fs.StringVar(&f.preset, "preset", "pytorch", "preprocessing: pytorch, caffe, or size=WxH,divisor=D,mean=a:b:c,std=a:b:c,order=rgb|bgr")
	fs.StringVar(&f.format, "format", "v5", "output: v5 (MAT v5, as the PyTorch script), v73 (MAT v7.3, as the Caffe script) or packed (a packed store, no per-image files)")
	fs.IntVar(&f.batch, "batch", 32, "images per inference")
	fs.IntVar(&f.index, "index", 0, "also write index_random<N>.mat selecting N random units per layer (the paper decodes 1000)")
	fs.UintVar(&f.seed, "seed", 0, "seed of the random unit selection (numpy's np.random.seed)")
	fs.StringVar(&f.lib, "lib", "", "ONNX Runtime library (default: $"+extract.LibraryEnv+", else libonnxruntime.so.1)")
	fs.BoolVar(&f.list, "list", false, "list the model's inputs, outputs and nodes (tensor names), then exit")
	fs.BoolVar(&f.quiet, "q", false, "no progress bar")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if f.model == "" || fs.NArg() > 0 || (!f.list && (f.images == "" || f.out == "" || f.layers == "")) {
		fmt.Fprintln(stderr, "usage: extract -model M.onnx -images DIR -out DIR -layers name=tensor,... [-preset pytorch|caffe|custom] [-format v5|v73|packed] [-batch N] [-index N -seed S]\n       extract -model M.onnx -list")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := extractRun(ctx, stdout, stderr, &f); err != nil {
		fmt.Fprintln(stderr, "extract:", strings.TrimPrefix(err.Error(), "extract: "))
		return 1
	}
	return 0
}

func extractRun(ctx context.Context, stdout, stderr io.Writer, f *flags) error {
	m, err := extract.LoadModel(f.model)
	if err != nil {
		return err
	}
	if f.list {
		return list(stdout, m)
	}
	pre, err := extract.ParsePreset(f.preset)
	if err != nil {
		return err
	}
	var layers []extract.Layer
	for _, s := range strings.Split(f.layers, ",") {
		l, err := extract.ParseLayer(strings.TrimSpace(s))
		if err != nil {
			return err
		}
		layers = append(layers, l)
	}
	imgs, err := imageFiles(f.images)
	if err != nil {
		return err
	}
	var bar *cli.Bar
	if !f.quiet {
		bar = cli.NewBar(stderr, "extracting")
	}
	start := time.Now()
	e, err := extract.New(m, layers, &extract.Options{Preprocess: pre, BatchSize: f.batch, Library: f.lib,
		Progress: func(done, total int) { bar.Set(done, total, "images") }})
	if err != nil {
		return err
	}
	defer e.Close()
	if err := claim(f, layers); err != nil {
		return err
	}

	var sink extract.Sink
	var coll *extract.Collector
	switch f.format {
	case "v5":
		sink = &features.DirWriter{Root: f.out}
	case "v73":
		sink = &features.DirWriter{Root: f.out, Version: features.MatV73}
	case "packed":
		coll = &extract.Collector{}
		sink = coll
	}
	n, err := e.Run(ctx, imgs, sink)
	bar.Done()
	if err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	if coll != nil {
		st, err := coll.Store()
		if err != nil {
			return err
		}
		if err := features.Pack(ctx, st, f.out, nil); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "extracted %d layers of %d images into %s (%d already done)\n", len(layers), len(imgs), f.out, len(imgs)-n)
	if n > 0 && !f.quiet {
		fmt.Fprintf(stderr, "%.1f images/s\n", float64(n)/secs)
	}
	if f.index > 0 {
		shapes, err := e.Shapes(ctx)
		if err != nil {
			return err
		}
		units := make(map[string]int)
		for k, l := range layers {
			n := 1
			for _, d := range shapes[k] {
				n *= d
			}
			units[l.Name] = n
		}
		idx, err := features.RandomIndex(units, f.index, uint32(f.seed))
		if err != nil {
			return err
		}
		p := filepath.Join(f.out, fmt.Sprintf("index_random%d.mat", f.index))
		if err := features.WriteIndex(p, idx); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s (%d random units per layer, seed %d)\n", p, f.index, f.seed)
	}
	return nil
}

// imageFiles lists the JPEG and PNG files of dir, sorted.
func imageFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".jpg", ".jpeg", ".png":
			if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
				out = append(out, filepath.Join(dir, e.Name()))
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no .jpg, .jpeg or .png images", dir)
	}
	slices.Sort(out)
	return out, nil
}

// marker is the file that records which extraction an output directory
// holds, so a rerun resumes only the same extraction.
const markerName = ".bhscore-extract.json"

type marker struct {
	Model  string            `json:"model_sha256"`
	Preset string            `json:"preset"`
	Format string            `json:"format"`
	Layers map[string]string `json:"layers"`
}

// claim checks that out is empty, missing or holds this extraction's
// marker, and writes the marker.
func claim(f *flags, layers []extract.Layer) error {
	switch f.format {
	case "v5", "v73", "packed":
	default:
		return fmt.Errorf("-format %q: want v5, v73 or packed", f.format)
	}
	b, err := os.ReadFile(f.model)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	want := marker{Model: hex.EncodeToString(sum[:]), Preset: f.preset, Format: f.format, Layers: map[string]string{}}
	for _, l := range layers {
		want.Layers[l.Name] = l.Tensor
	}
	path := filepath.Join(f.out, markerName)
	if old, err := os.ReadFile(path); err == nil {
		var have marker
		if json.Unmarshal(old, &have) != nil || !equal(have, want) {
			return fmt.Errorf("%s holds features of another extraction (model, preset, format or layers differ; see %s): use a new output directory", f.out, path)
		}
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if ents, err := os.ReadDir(f.out); err == nil && len(ents) > 0 {
		return fmt.Errorf("%s is not empty and was not written by bhscore extract: refusing to write into it", f.out)
	}
	if err := os.MkdirAll(f.out, 0o777); err != nil {
		return err
	}
	js, _ := json.MarshalIndent(want, "", "  ")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(js, '\n'), 0o666); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func equal(a, b marker) bool {
	if a.Model != b.Model || a.Preset != b.Preset || a.Format != b.Format || len(a.Layers) != len(b.Layers) {
		return false
	}
	for k, v := range a.Layers {
		if b.Layers[k] != v {
			return false
		}
	}
	return true
}

func list(w io.Writer, m *extract.Model) error {
	for _, t := range m.Inputs() {
		fmt.Fprintf(w, "input  %s %v\n", t.Name, t.Shape)
	}
	for _, t := range m.Outputs() {
		fmt.Fprintf(w, "output %s %v\n", t.Name, t.Shape)
	}
	for _, n := range m.Nodes() {
		fmt.Fprintf(w, "node   %-12s %s\n", n.Op, strings.Join(n.Outputs, " "))
	}
	return nil
}
