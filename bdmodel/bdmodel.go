package bdmodel

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/brainhierarchy/bhscore/fastl2lir"
	"github.com/brainhierarchy/bhscore/internal/atomicfile"
	"github.com/brainhierarchy/bhscore/internal/fsx"
	imat "github.com/brainhierarchy/bhscore/internal/mat"
)

// Round rounds m's W and B to float32 in place, as bdpy's
// save_array(dtype=float32) stores them.
func Round(m *fastl2lir.Model) {
	raw := m.W.RawMatrix()
	for i := range raw.Rows {
		row := raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols]
		for j, w := range row {
			row[j] = float64(float32(w))
		}
	}
	for j, b := range m.B {
		m.B[j] = float64(float32(b))
	}
}

// Denormalize sets every y[i, j] to y[i, j]*std[j] + mean[j], computed in
// float64 from the saved float32 statistics.
func Denormalize(y *mat.Dense, mean, std []float32) {
	raw := y.RawMatrix()
	for i := range raw.Rows {
		row := raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols]
		for j := range row {
			row[j] = row[j]*float64(std[j]) + float64(mean[j])
		}
	}
}

// To32 returns x rounded to float32.
func To32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

// SaveArray writes data (C order over dims) as the float32 variable key of
// a MATLAB v7.3 file, as bdpy's save_array(..., dtype=np.float32) does,
// atomically (temporary name, then rename).
func SaveArray(path, key string, dims []int, data []float32) error {
	return imat.WriteSingle(path, key, dims, data)
}

// Stats are the normalisation statistics saved beside a model: the input
// (X) and target (Y) column means and ddof-1 standard deviations.
type Stats struct {
	XMean, XStd, YMean, YStd []float32
}

// statFile is one statistics file: its name (also the variable's), whether
// it describes X, and where its values are.
type statFile struct {
	name string
	x    bool
	dst  *[]float32
}

// files lists the statistics files in the order the originals write them.
func (s *Stats) files() []statFile {
	return []statFile{
		{"x_mean", true, &s.XMean}, {"x_norm", true, &s.XStd},
		{"y_mean", false, &s.YMean}, {"y_norm", false, &s.YStd},
	}
}

// Save writes x_mean.mat and x_norm.mat with dims xdims, y_mean.mat and
// y_norm.mat with dims ydims into dir, each float32 and atomically.
func (s *Stats) Save(dir string, xdims, ydims []int) error {
	for _, f := range s.files() {
		dims := ydims
		if f.x {
			dims = xdims
		}
		if err := SaveArray(filepath.Join(dir, f.name+".mat"), f.name, dims, *f.dst); err != nil {
			return err
		}
	}
	return nil
}

// LoadStats reads the four statistics files of dir, checking that the X
// files hold nx values and the Y files ny (any leading singleton
// dimensions).
func LoadStats(dir string, nx, ny int) (Stats, error) {
	var s Stats
	for _, f := range s.files() {
		n := ny
		if f.x {
			n = nx
		}
		v, err := loadVector(filepath.Join(dir, f.name+".mat"), f.name, n)
		if err != nil {
			return Stats{}, err
		}
		*f.dst = v
	}
	return s, nil
}

// loadVector reads variable key of a MAT file and checks that it holds n
// values.
func loadVector(path, key string, n int) ([]float32, error) {
	a, err := imat.Read(path, key)
	if err != nil {
		return nil, err
	}
	if len(a.Data) != n {
		return nil, fmt.Errorf("%s: %s has %d values, want %d", path, key, len(a.Data), n)
	}
	return To32(a.Data), nil
}

// IsDone reports whether dir holds an info.yaml marking the computation
// done, the test the original training scripts use to skip a job.
func IsDone(dir string) bool {
	b, err := fsx.ReadFile(filepath.Join(dir, "info.yaml"))
	if err != nil {
		return false
	}
	return slices.Contains(strings.Split(string(b), "\n"), "  computation_status: done")
}

// WriteInfo writes dir/info.yaml with bdpy's computation status "done"
// under id, atomically.
func WriteInfo(dir, id string) error {
	s := fmt.Sprintf("_status:\n  computation_id: %s\n  computation_status: done\n", id)
	return atomicfile.WriteBytes(filepath.Join(dir, "info.yaml"), []byte(s))
}

// FingerprintFile is the file, beside bdpy's, that records what bhscore
// trained the model in a directory from. Its content is written and read by
// package analysis.
const FingerprintFile = "bhscore_fingerprint.json"

// Unmark removes dir's info.yaml and FingerprintFile (if present), so that
// the model in dir is not taken as finished while it is rewritten; Save
// writes info.yaml again last.
func Unmark(dir string) error {
	for _, name := range []string{"info.yaml", FingerprintFile} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// The paper's solver settings, declared here and nowhere else: the ridge
// penalty and the number of inputs selected per target. They apply where a
// setting is absent (nil); an explicit value, zero included, means what it
// means to fastl2lir (alpha 0: no penalty; n_feat 0: no selection).
const (
	DefaultAlpha = 100
	DefaultNFeat = 500
)

// Solver returns the fastl2lir options for ridge penalty alpha and nfeat
// inputs per target, DefaultAlpha and DefaultNFeat where nil: the one place
// the defaults are applied. workers bounds the goroutines (0: GOMAXPROCS),
// progress receives the solver's progress and prec is its arithmetic.
func Solver(alpha *float64, nfeat *int, workers int, progress func(done, total int), prec fastl2lir.Precision) *fastl2lir.Options {
	so := &fastl2lir.Options{Alpha: DefaultAlpha, NFeat: DefaultNFeat, Workers: workers, Progress: progress, Precision: prec}
	if alpha != nil {
		so.Alpha = *alpha
	}
	if nfeat != nil {
		so.NFeat = *nfeat
	}
	return so
}

// Save writes a trained model into dir in bdpy's bdmodel layout: the
// statistics files (Stats.Save with xdims and ydims), W.mat and b.mat
// (SaveWeights) and last info.yaml marking id done (WriteInfo). Errors
// other than SaveWeights' start with pkg, the caller's package name.
func Save(pkg, dir, id string, m *fastl2lir.Model, s Stats, xdims, ydims []int) error {
	return save(pkg, dir, id, func() error { return SaveWeights(dir, m) }, s, xdims, ydims)
}

// SaveSparse is Save for a model stored per target (SaveSparseWeights).
func SaveSparse(pkg, dir, id string, m *fastl2lir.Sparse, s Stats, xdims, ydims []int) error {
	return save(pkg, dir, id, func() error { return SaveSparseWeights(dir, m) }, s, xdims, ydims)
}

func save(pkg, dir, id string, weights func() error, s Stats, xdims, ydims []int) error {
	if err := s.Save(dir, xdims, ydims); err != nil {
		return fmt.Errorf("%s: %w", pkg, err)
	}
	if err := weights(); err != nil {
		return err
	}
	if err := WriteInfo(dir, id); err != nil {
		return fmt.Errorf("%s: %w", pkg, err)
	}
	return nil
}

// SaveRows writes one file <dir>/<stem>.mat per stem holding row i of pred
// as variable "feat", float32, with dims (their product the row length).
// Stems are joined with atomicfile.SafeJoin. Errors other than ctx's start
// with pkg, the caller's package name; what names the outputs in a refused
// join.
func SaveRows(ctx context.Context, pkg, what, dir string, stems []string, dims []int, pred *mat.Dense) error {
	for i, stem := range stems {
		if err := ctx.Err(); err != nil {
			return err
		}
		p, err := atomicfile.SafeJoin(dir, stem+".mat")
		if err != nil {
			return fmt.Errorf("%s: %s: %w", pkg, what, err)
		}
		if err := SaveArray(p, "feat", dims, To32(pred.RawRowView(i))); err != nil {
			return fmt.Errorf("%s: %w", pkg, err)
		}
	}
	return nil
}
