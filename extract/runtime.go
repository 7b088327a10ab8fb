package extract

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// LibraryEnv is the environment variable that names the ONNX Runtime
// shared library (a path to libonnxruntime.so.1) when Options.Library is
// empty.
const LibraryEnv = "BHSCORE_ONNXRUNTIME"

// defaultLibraries are tried in order when neither Options.Library nor
// LibraryEnv names a library: the dynamic loader's search path, then where
// scripts/setup.sh installs ONNX Runtime.
var defaultLibraries = []string{"libonnxruntime.so.1", "/usr/local/lib/libonnxruntime.so.1"}

// ErrLibrary is wrapped when the ONNX Runtime shared library cannot be
// loaded.
var ErrLibrary = errors.New("ONNX Runtime library not available")

// The ONNX Runtime environment is per process: initialised once, by the
// first extractor that finds the library, and kept.
var (
	ortMu      sync.Mutex
	ortLibrary string // the library loaded; "" before
)

// initRuntime loads ONNX Runtime from lib, LibraryEnv or the default
// places, once per process.
func initRuntime(lib string) error {
	ortMu.Lock()
	defer ortMu.Unlock()
	if ortLibrary != "" {
		return nil
	}
	candidates := defaultLibraries
	if lib == "" {
		lib = os.Getenv(LibraryEnv)
	}
	if lib != "" {
		candidates = []string{lib}
	}
	var errs []error
	for _, c := range candidates {
		ort.SetSharedLibraryPath(c)
		err := ort.InitializeEnvironment(ort.WithLogLevelError())
		if err == nil {
			ortLibrary = c
			return nil
		}
		errs = append(errs, err)
	}
	return fmt.Errorf("extract: %w: %v (run scripts/setup.sh, or set %s to the path of libonnxruntime.so.1, ONNX Runtime 1.30 CPU)", ErrLibrary, errors.Join(errs...), LibraryEnv)
}

// RuntimeVersion returns the version of the loaded ONNX Runtime, loading
// it (from lib, LibraryEnv or the default places) if needed.
func RuntimeVersion(lib string) (string, error) {
	if err := initRuntime(lib); err != nil {
		return "", err
	}
	return ort.GetVersion(), nil
}

// session is an ONNX Runtime session that feeds one float32 input and
// returns float32 outputs. Run is not safe for concurrent use.
type session struct {
	s       *ort.DynamicAdvancedSession
	input   string
	outputs []string
}

func newSession(model []byte, input string, outputs []string, threads int) (*session, error) {
	opts, err := ort.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	defer opts.Destroy()
	if err := opts.SetIntraOpNumThreads(threads); err != nil {
		return nil, err
	}
	if err := opts.SetInterOpNumThreads(1); err != nil {
		return nil, err
	}
	// Idle ONNX Runtime threads sleep instead of spinning: the cores are
	// shared with the goroutines decoding the next batch.
	if err := opts.AddSessionConfigEntry("session.intra_op.allow_spinning", "0"); err != nil {
		return nil, err
	}
	s, err := ort.NewDynamicAdvancedSessionWithONNXData(model, []string{input}, outputs, opts)
	if err != nil {
		return nil, err
	}
	return &session{s: s, input: input, outputs: outputs}, nil
}

func (s *session) close() error { return s.s.Destroy() }

// run feeds data of the given shape and returns each output's values and
// shape. Cancelling ctx terminates the run.
func (s *session) run(ctx context.Context, shape []int64, data []float32) ([][]float32, [][]int64, error) {
	in, err := ort.NewTensor(ort.NewShape(shape...), data)
	if err != nil {
		return nil, nil, err
	}
	defer in.Destroy()
	ro, err := ort.NewRunOptions()
	if err != nil {
		return nil, nil, err
	}
	defer ro.Destroy()
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		select {
		case <-ctx.Done():
			ro.Terminate()
		case <-done:
		}
	}()
	outs := make([]ort.Value, len(s.outputs))
	err = s.s.RunWithOptions([]ort.Value{in}, outs, ro)
	close(done)
	<-stopped
	defer func() {
		for _, o := range outs {
			if o != nil {
				o.Destroy()
			}
		}
	}()
	if ctx.Err() != nil {
		return nil, nil, ctx.Err()
	}
	if err != nil {
		return nil, nil, err
	}
	vals := make([][]float32, len(outs))
	shapes := make([][]int64, len(outs))
	for i, o := range outs {
		t, ok := o.(*ort.Tensor[float32])
		if !ok {
			return nil, nil, fmt.Errorf("tensor %q holds %v values; only float32 tensors can be extracted", s.outputs[i], ort.TensorElementDataType(o.DataType()))
		}
		vals[i] = append([]float32(nil), t.GetData()...)
		shapes[i] = t.GetShape().Clone()
	}
	return vals, shapes, nil
}
