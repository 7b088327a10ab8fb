package extract

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
)

// Layer is one tensor to extract and the name its features are stored
// under (the layer directory of the bdpy layout).
type Layer struct {
	Name   string // output layer name: one safe path element
	Tensor string // ONNX tensor name, e.g. "/features/features.5/MaxPool_output_0"
}

// ParseLayer parses "name=tensor" or a bare tensor name, whose output name
// is then LayerName(tensor).
func ParseLayer(s string) (Layer, error) {
	name, tensor, ok := strings.Cut(s, "=")
	if !ok {
		tensor, name = s, LayerName(s)
	}
	if tensor == "" {
		return Layer{}, fmt.Errorf("extract: layer %q: empty tensor name", s)
	}
	if err := atomicfile.CheckName(name); err != nil || strings.HasPrefix(name, ".") {
		return Layer{}, fmt.Errorf("extract: layer %q: output name %q is not a safe directory name", s, name)
	}
	return Layer{Name: name, Tensor: tensor}, nil
}

// LayerName returns the output name of a tensor given without one: the
// tensor name without leading slashes, with "/" and "\" replaced by ":"
// (as the original Caffe extractor named layer directories).
func LayerName(tensor string) string {
	s := strings.TrimLeft(tensor, "/")
	return strings.NewReplacer("/", ":", "\\", ":").Replace(s)
}

// Sink receives features, one image and one layer at a time. shape is the
// unit shape without the sample axis; data its values in C order. Write
// is called from one goroutine at a time for a given layer and stem, from
// several goroutines for different ones. features.DirWriter is a Sink.
type Sink interface {
	Write(layer, stem string, shape []int, data []float32) error
}

// Resumer is implemented by sinks that can tell which features they
// already hold; Run skips images whose every layer is present.
type Resumer interface {
	Has(layer, stem string) bool
}

// Options configures New. The zero value is valid.
type Options struct {
	// Preprocess is the image preprocessing; see PyTorch and Caffe.
	Preprocess Preprocess
	// BatchSize is the number of images per inference. Default 32 (the
	// original PyTorch script's); 1 for models with a fixed batch size
	// of 1.
	BatchSize int
	// Threads is ONNX Runtime's number of intra-op threads; default
	// GOMAXPROCS.
	Threads int
	// Workers bounds the images decoded and resized, and the files
	// written, at once; default GOMAXPROCS.
	Workers int
	// Library is the ONNX Runtime shared library; default: the
	// BHSCORE_ONNXRUNTIME environment variable, else libonnxruntime.so.1
	// from the loader's path or /usr/local/lib.
	Library string
	// Progress, if not nil, is called after each batch with the number
	// of images done (skipped ones included) and the total.
	Progress func(done, total int)
}

// Extractor runs a model on images and returns the requested layers. It
// holds an ONNX Runtime session; Close releases it. An Extractor is not
// safe for concurrent use.
type Extractor struct {
	model  *Model
	layers []Layer
	pre    Preprocess
	opts   Options
	w, h   int
	batch  int
	fixed  bool // the model's batch size is fixed at batch
	sess   *session
}

// New loads ONNX Runtime (see Options.Library) and prepares a session
// that returns the given layers of m.
func New(m *Model, layers []Layer, opts *Options) (*Extractor, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if len(layers) == 0 {
		return nil, errors.New("extract: no layers requested")
	}
	seen := make(map[string]bool)
	tensors := make([]string, len(layers))
	for i, l := range layers {
		if err := atomicfile.CheckName(l.Name); err != nil {
			return nil, fmt.Errorf("extract: layer %q: %w", l.Name, err)
		}
		if seen[l.Name] {
			return nil, fmt.Errorf("extract: layer name %q given twice", l.Name)
		}
		seen[l.Name] = true
		tensors[i] = l.Tensor
	}
	in := m.Inputs()
	if len(in) != 1 {
		return nil, fmt.Errorf("extract: %s: %w: %d inputs, want one image input", m.path, ErrModel, len(in))
	}
	shape := in[0].Shape
	if len(shape) != 4 || (shape[1] != 3 && shape[1] != -1) {
		return nil, fmt.Errorf("extract: %s: %w: input %q has shape %v, want N x 3 x H x W", m.path, ErrModel, in[0].Name, shape)
	}
	e := &Extractor{model: m, layers: slices.Clone(layers), pre: o.Preprocess, opts: o}
	e.w, e.h = o.Preprocess.Width, o.Preprocess.Height
	if e.w == 0 || e.h == 0 {
		if shape[2] < 0 || shape[3] < 0 {
			return nil, fmt.Errorf("extract: %s: input size is dynamic (%v): give the preprocessing a size", m.path, shape)
		}
		e.w, e.h = shape[3], shape[2]
	} else if (shape[2] > 0 && shape[2] != e.h) || (shape[3] > 0 && shape[3] != e.w) {
		return nil, fmt.Errorf("extract: %s: input is %d x %d (W x H), preprocessing resizes to %d x %d", m.path, shape[3], shape[2], e.w, e.h)
	}
	e.batch = o.BatchSize
	if e.batch <= 0 {
		e.batch = 32
	}
	if shape[0] > 0 {
		e.batch, e.fixed = shape[0], true
	}
	if e.opts.Threads <= 0 {
		e.opts.Threads = runtime.GOMAXPROCS(0)
	}
	if e.opts.Workers <= 0 {
		e.opts.Workers = runtime.GOMAXPROCS(0)
	}
	data, err := m.withOutputs(tensors)
	if err != nil {
		return nil, err
	}
	if err := initRuntime(o.Library); err != nil {
		return nil, err
	}
	e.sess, err = newSession(data, in[0].Name, tensors, e.opts.Threads)
	if err != nil {
		return nil, fmt.Errorf("extract: %s: %w: ONNX Runtime cannot load it: %v", m.path, ErrModel, err)
	}
	return e, nil
}

// Close releases the ONNX Runtime session.
func (e *Extractor) Close() error {
	if e.sess == nil {
		return nil
	}
	err := e.sess.close()
	e.sess = nil
	return err
}

// BatchSize returns the number of images per inference.
func (e *Extractor) BatchSize() int { return e.batch }

// Size returns the network input width and height.
func (e *Extractor) Size() (w, h int) { return e.w, e.h }

// Features holds one batch's activations: for each requested layer (in
// New's order) the unit shape of one image and the values of all images,
// image after image, each in C order.
type Features struct {
	Shapes [][]int
	Data   [][]float32
}

// Image returns layer k's values of image i.
func (f *Features) Image(k, i int) []float32 {
	n := prod(f.Shapes[k])
	return f.Data[k][i*n : (i+1)*n]
}

func prod(d []int) int {
	n := 1
	for _, x := range d {
		n *= x
	}
	return n
}

// Batch preprocesses images (at most BatchSize, run in parallel) and runs
// the model on them.
func (e *Extractor) Batch(ctx context.Context, images []*Image) (*Features, error) {
	if len(images) == 0 || len(images) > e.batch {
		return nil, fmt.Errorf("extract: Batch of %d images, want 1 to %d", len(images), e.batch)
	}
	in, n := e.inputBuffer(len(images))
	var g errgroup.Group
	g.SetLimit(e.opts.Workers)
	for i, m := range images {
		g.Go(func() error {
			e.pre.apply(in[i*3*e.w*e.h:(i+1)*3*e.w*e.h], m, e.w, e.h)
			return nil
		})
	}
	g.Wait()
	return e.infer(ctx, in, n, len(images))
}

// inputBuffer returns a zeroed input buffer for n images and the batch
// size the model is fed (the fixed batch size, padded with zeros).
func (e *Extractor) inputBuffer(n int) ([]float32, int) {
	if e.fixed {
		n = e.batch
	}
	return make([]float32, n*3*e.w*e.h), n
}

// infer runs the model on n input images and keeps the first used ones.
func (e *Extractor) infer(ctx context.Context, in []float32, n, used int) (*Features, error) {
	vals, shapes, err := e.sess.run(ctx, []int64{int64(n), 3, int64(e.h), int64(e.w)}, in)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("extract: %s: running the model: %w", e.model.path, err)
	}
	f := &Features{}
	for k, s := range shapes {
		if len(s) == 0 || s[0] != int64(n) {
			return nil, fmt.Errorf("extract: layer %s (tensor %q): shape %v has no batch axis of %d images", e.layers[k].Name, e.layers[k].Tensor, s, n)
		}
		unit := make([]int, len(s)-1)
		for i, d := range s[1:] {
			unit[i] = int(d)
		}
		if len(unit) == 0 {
			unit = []int{1}
		}
		f.Shapes = append(f.Shapes, unit)
		f.Data = append(f.Data, vals[k][:used*prod(unit)])
	}
	return f, nil
}

// Stem returns the stimulus name of an image file: its base name without
// the extension.
func Stem(path string) string {
	b := filepath.Base(path)
	return strings.TrimSuffix(b, filepath.Ext(b))
}

// ImageError says which image could not be read.
type ImageError struct {
	File string
	Err  error
}

func (e *ImageError) Error() string { return "extract: image " + e.File + ": " + e.Err.Error() }
func (e *ImageError) Unwrap() error { return e.Err }

// Run extracts the layers of every image file (JPEG or PNG) and hands
// them to sink, batch by batch: images are decoded and resized in
// parallel (Workers) while the previous batch runs through the model on
// all cores (Threads). Each image's features go to sink under its Stem;
// two images with the same stem are an error. If sink is a Resumer,
// images whose every layer it already holds are skipped, so a killed run
// continues where it stopped. An image that cannot be read stops the run
// with an *ImageError naming it. It returns the number of images
// extracted (not skipped).
func (e *Extractor) Run(ctx context.Context, images []string, sink Sink) (int, error) {
	stems := make(map[string]string, len(images))
	for _, p := range images {
		s := Stem(p)
		if q, dup := stems[s]; dup {
			return 0, fmt.Errorf("extract: images %s and %s have the same name %q", q, p, s)
		}
		stems[s] = p
	}
	todo := images
	if r, ok := sink.(Resumer); ok {
		todo = nil
		for _, p := range images {
			for _, l := range e.layers {
				if !r.Has(l.Name, Stem(p)) {
					todo = append(todo, p)
					break
				}
			}
		}
	}
	total, done := len(images), len(images)-len(todo)
	if e.opts.Progress != nil {
		e.opts.Progress(done, total)
	}
	type batch struct {
		files []string
		in    []float32
		n     int
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan batch, 1)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { // preprocessing, one batch ahead of inference
		defer close(batches)
		for start := 0; start < len(todo); start += e.batch {
			files := todo[start:min(start+e.batch, len(todo))]
			in, n := e.inputBuffer(len(files))
			pg, pctx := errgroup.WithContext(gctx)
			pg.SetLimit(e.opts.Workers)
			for i, p := range files {
				pg.Go(func() error {
					if err := pctx.Err(); err != nil {
						return err
					}
					m, err := DecodeFile(p)
					if err != nil {
						return &ImageError{File: p, Err: err}
					}
					e.pre.apply(in[i*3*e.w*e.h:(i+1)*3*e.w*e.h], m, e.w, e.h)
					return nil
				})
			}
			if err := pg.Wait(); err != nil {
				return err
			}
			select {
			case batches <- batch{files, in, n}:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	extracted := 0
	g.Go(func() error {
		for b := range batches {
			f, err := e.infer(gctx, b.in, b.n, len(b.files))
			if err != nil {
				return err
			}
			wg, _ := errgroup.WithContext(gctx)
			wg.SetLimit(e.opts.Workers)
			for i, p := range b.files {
				wg.Go(func() error {
					for k, l := range e.layers {
						if err := sink.Write(l.Name, Stem(p), slices.Clone(f.Shapes[k]), f.Image(k, i)); err != nil {
							return err
						}
					}
					return nil
				})
			}
			if err := wg.Wait(); err != nil {
				return err
			}
			extracted += len(b.files)
			done += len(b.files)
			if e.opts.Progress != nil {
				e.opts.Progress(done, total)
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return extracted, err
	}
	return extracted, ctx.Err()
}
