package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"golang.org/x/sync/errgroup"
	"gonum.org/v1/gonum/mat"

	"github.com/brainhierarchy/bhscore/features"
	"github.com/brainhierarchy/bhscore/fmri"
)

// WriteOptions control Write. The zero value is valid.
type WriteOptions struct {
	// Workers bounds the number of goroutines; 0 means GOMAXPROCS. The
	// files do not depend on it.
	Workers int
	// Progress, if not nil, is called with the number of files written so
	// far and the total. Calls are sequential and done increases.
	Progress func(done, total int)
}

// FMRIPath returns the path of a subject's BData file below a study
// directory, e.g. fmri/sub-01_perceptionNaturalImageTraining_VC_v2.h5.
func FMRIPath(dir, subject, split string) string {
	kind := "Training"
	if split == TestSet {
		kind = "Test"
	}
	return filepath.Join(dir, "fmri", subject+"_perceptionNaturalImage"+kind+"_VC_v2.h5")
}

// FeaturePath returns the path of one feature file below a study directory.
func FeaturePath(dir, split string, n *Net, layer, stem string) string {
	return filepath.Join(dir, "features", split, n.Framework, n.Name, layer, stem+".mat")
}

// Files returns the number of files Write writes.
func (s *Study) Files() int {
	n := 3 + len(s.Nets) + 2*len(s.Subjects) // settings, truth, study.yaml, configs, fMRI
	for _, net := range s.Nets {
		if net.Format == Packed {
			n += 2 * (len(net.Layers) + 1) // layer files and manifest per split
			continue
		}
		n += len(net.Layers) * (len(s.Train.Stems) + len(s.Test.Stems))
	}
	return n
}

// PackedDir returns the packed feature store of a Packed network for split
// below a study directory.
func PackedDir(dir, split string, n *Net) string {
	return filepath.Join(dir, "features", split, n.Framework, n.Name)
}

// writePacked writes a Packed network's features of one split as a packed
// store, one unit block at a time.
func (s *Study) writePacked(ctx context.Context, dir string, ni int, split string, tick func(int)) error {
	net := &s.Nets[ni]
	sp, _, err := s.split(split)
	if err != nil {
		return err
	}
	var layers []features.ColumnLayer
	for li, l := range net.Layers {
		layers = append(layers, features.ColumnLayer{Name: l.Name, Shape: l.Shape[1:],
			Fill: func(_ context.Context, u0, u1 int, dst []float32) error {
				return s.FeatureColumns(ni, li, split, u0, u1, dst)
			}})
	}
	err = features.PackColumns(ctx, PackedDir(dir, split, net), sp.Stems, layers, &features.PackOptions{
		Progress: func(string, int, int, bool) { tick(1) }})
	if err != nil {
		return fmt.Errorf("sim: network %s: %w", net.Name, err)
	}
	tick(1)
	return nil
}

// Write writes the whole study below dir (created if needed): settings,
// ground truth, configs, fMRI and features. Every file is written to a
// temporary name and renamed into place. Generation and MAT v5 encoding
// run in parallel; HDF5 writes are serialised by libhdf5's lock.
func (s *Study) Write(ctx context.Context, dir string, o *WriteOptions) error {
	if o == nil {
		o = &WriteOptions{}
	}
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	total := s.Files()
	var mu sync.Mutex
	done := 0
	tick := func(n int) {
		if o.Progress == nil {
			return
		}
		mu.Lock()
		done += n
		o.Progress(done, total)
		mu.Unlock()
	}

	if err := s.writeText(dir); err != nil {
		return err
	}
	tick(3 + len(s.Nets))

	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for si := range s.Subjects {
		for _, split := range []string{TrainSet, TestSet} {
			g.Go(func() error {
				if err := ctx.Err(); err != nil {
					return err
				}
				if err := s.writeFMRI(si, split, FMRIPath(dir, s.Subjects[si].Name, split)); err != nil {
					return err
				}
				tick(1)
				return nil
			})
		}
	}
	for ni := range s.Nets {
		if s.Nets[ni].Format == Packed {
			for _, split := range []string{TrainSet, TestSet} {
				g.Go(func() error { return s.writePacked(ctx, dir, ni, split, tick) })
			}
			continue
		}
		for li := range s.Nets[ni].Layers {
			for _, split := range []string{TrainSet, TestSet} {
				g.Go(func() error {
					return s.writeLayer(ctx, dir, ni, li, split, tick)
				})
			}
		}
	}
	return g.Wait()
}

func (s *Study) writeLayer(ctx context.Context, dir string, ni, li int, split string, tick func(int)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	feat, err := s.Features(ni, li, split)
	if err != nil {
		return err
	}
	net, layer := &s.Nets[ni], s.Nets[ni].Layers[li]
	sp, _, _ := s.split(split)
	u := layer.Units()
	if err := os.MkdirAll(filepath.Dir(FeaturePath(dir, split, net, layer.Name, "x")), 0o777); err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	for i, stem := range sp.Stems {
		if i%16 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		p := FeaturePath(dir, split, net, layer.Name, stem)
		if err := writeFeat(p, net.Format, layer.Shape, feat[i*u:(i+1)*u]); err != nil {
			return fmt.Errorf("sim: network %s layer %s: %s: %w", net.Name, layer.Name, p, err)
		}
		tick(1)
	}
	return nil
}

// BData builds subject si's BData for split as the original files hold
// it: VoxelData columns (ROIs interleaved) then Session, Run, Block,
// image_index and stimulus_name; metadata voxel_x/y/z, ROI_V1..ROI_HVC,
// ROI_VC; a vmap from stimulus_name to stems.
func (s *Study) BData(si int, split string) (*fmri.BData, error) {
	d, err := s.FMRI(si, split)
	if err != nil {
		return nil, err
	}
	sp, _, _ := s.split(split)
	T, V := d.Trials, d.Voxels
	C := V + 5
	all := make([]float64, T*C)
	for t := range T {
		row := all[t*C : (t+1)*C]
		copy(row, d.Data[t*V:(t+1)*V])
		row[V] = float64(d.Session[t])
		row[V+1] = float64(d.Run[t])
		row[V+2] = float64(d.Block[t])
		row[V+3] = float64(d.ImageIndex[t])
		row[V+4] = d.StimulusName[t]
	}
	b := fmri.New()
	if err := b.Add(mat.NewDense(T, C, all), "VoxelData"); err != nil {
		return nil, err
	}
	nan := math.NaN()
	only := func(lo, hi int, f func(c int) float64) []float64 {
		v := make([]float64, C)
		for c := range v {
			v[c] = nan
			if c >= lo && c < hi {
				v[c] = f(c)
			}
		}
		return v
	}
	one := func(int) float64 { return 1 }
	meta := []struct {
		key, desc string
		val       []float64
	}{
		{"VoxelData", "1 = VoxelData", only(0, V, one)},
		{"Session", "1 = Session", only(V, V+1, one)},
		{"Run", "1 = Run", only(V+1, V+2, one)},
		{"Block", "1 = Block", only(V+2, V+3, one)},
		{"image_index", "Image index (1-based position in the sorted stimulus list)", only(V+3, V+4, one)},
		{"stimulus_name", "Stimulus ID (synset + image number * 1e-6); see vmap", only(V+4, V+5, one)},
		{"voxel_x", "Voxel x coordinate", only(0, V, func(c int) float64 { return d.X[c] })},
		{"voxel_y", "Voxel y coordinate", only(0, V, func(c int) float64 { return d.Y[c] })},
		{"voxel_z", "Voxel z coordinate", only(0, V, func(c int) float64 { return d.Z[c] })},
	}
	for ri, roi := range s.ROIs {
		meta = append(meta, struct {
			key, desc string
			val       []float64
		}{"ROI_" + roi, "Region of interest: " + roi, only(0, V, func(c int) float64 {
			if d.ROI[c] == ri {
				return 1
			}
			return 0
		})})
	}
	meta = append(meta, struct {
		key, desc string
		val       []float64
	}{"ROI_VC", "Region of interest: VC (all)", only(0, V, one)})
	for _, m := range meta {
		if err := b.AddMetadata(m.key, m.val, m.desc, ""); err != nil {
			return nil, err
		}
	}
	vm := make(map[float64]string, len(sp.Stems))
	for _, st := range sp.Stems {
		v, err := StimulusValue(st)
		if err != nil {
			return nil, err
		}
		vm[v] = st
	}
	if err := b.AddVmap("stimulus_name", vm); err != nil {
		return nil, err
	}
	return b, nil
}

func (s *Study) writeFMRI(si int, split, path string) error {
	b, err := s.BData(si, split)
	if err != nil {
		return fmt.Errorf("sim: subject %s: %w", s.Subjects[si].Name, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	if err := b.Save(path); err != nil {
		return fmt.Errorf("sim: subject %s: %w", s.Subjects[si].Name, err)
	}
	return nil
}

// writeText writes settings.json, truth.json, study.yaml and the original
// encoding configs.
func (s *Study) writeText(dir string) error {
	files := map[string][]byte{
		"settings.json": s.SettingsJSON(),
		"truth.json":    s.TruthJSON(),
		"study.yaml":    s.StudyYAML(),
	}
	for i := range s.Nets {
		n := &s.Nets[i]
		files[filepath.Join("configs", configName(n))] = s.EncodingConfig(n)
	}
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
			return fmt.Errorf("sim: %w", err)
		}
		if err := replace(p, func(tmp string) error { return os.WriteFile(tmp, b, 0o666) }); err != nil {
			return fmt.Errorf("sim: %w", err)
		}
	}
	return nil
}

// configName is the file name of a network's original encoding config.
func configName(n *Net) string { return "bhscore_" + n.Framework + "_" + n.Name + "_sim.yaml" }

// SettingsJSON returns settings.json as the notebook reads it (json.dump
// with indent 4): subjects, rois and, per DNN in order, its dir and
// ordered layers.
func (s *Study) SettingsJSON() []byte {
	var b bytes.Buffer
	q := func(v any) string { j, _ := json.Marshal(v); return string(j) }
	list := func(ind string, xs []string) string {
		var l bytes.Buffer
		l.WriteString("[\n")
		for i, x := range xs {
			l.WriteString(ind + "    " + q(x))
			if i < len(xs)-1 {
				l.WriteString(",")
			}
			l.WriteString("\n")
		}
		l.WriteString(ind + "]")
		return l.String()
	}
	fmt.Fprintf(&b, "{\n    \"subjects\": %s,\n    \"rois\": %s,\n    \"dnns\": {\n", list("    ", s.SubjectNames()), list("    ", s.ROIs))
	for i := range s.Nets {
		n := &s.Nets[i]
		fmt.Fprintf(&b, "        %s: {\n            \"dir\": %s,\n            \"layers\": %s\n        }", q(n.Name), q(n.Dir()), list("            ", n.LayerNames()))
		if i < len(s.Nets)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("    }\n}")
	return b.Bytes()
}

// NFeat returns the n_feat the study's configs use: 50 for the small
// sizes, the paper's 500 for Paper and the full-size networks.
func (s *Study) NFeat() int {
	if s.Size == Paper || s.fullSize() {
		return 500
	}
	return 50
}

// EncodingConfig returns the original BHscore encoding config
// (bhscore_<fw>_<net>_allunits.yaml format) of network n, with paths
// relative to the study directory.
func (s *Study) EncodingConfig(n *Net) []byte {
	var b bytes.Buffer
	files := func(split string) {
		for _, sub := range s.Subjects {
			fmt.Fprintf(&b, "  %s:\n  - %s\n", sub.Name, filepath.ToSlash(FMRIPath("", sub.Name, split)))
		}
	}
	b.WriteString("training fmri:\n")
	files(TrainSet)
	b.WriteString("test fmri:\n")
	files(TestSet)
	b.WriteString("rois:\n")
	for _, r := range sortedCopy(s.ROIs) {
		fmt.Fprintf(&b, "  %s: ROI_%s = 1\n", r, r)
	}
	b.WriteString("label key: stimulus_name\n")
	fmt.Fprintf(&b, "training feature dir:\n- features/%s\ntest feature dir:\n- features/%s\n", TrainSet, TestSet)
	fmt.Fprintf(&b, "network: %s\nlayers:\n", n.Dir())
	for _, l := range n.Layers {
		fmt.Fprintf(&b, "- %s\n", l.Name)
	}
	b.WriteString("layers unit num:\n")
	for _, l := range n.Layers {
		fmt.Fprintf(&b, "  %s: %d\n", l.Name, s.NFeat())
	}
	fmt.Fprintf(&b, "feature encoder dir: results/feature_encoders/%s\n", TrainSet)
	fmt.Fprintf(&b, "encoded brain dir: results/encoded_fmri/%s\n", TestSet)
	b.WriteString("encoding alpha: 100\n")
	return b.Bytes()
}

// StudyYAML returns the study config in the library's native format
// (bhscore.Config), paths relative to the study directory.
func (s *Study) StudyYAML() []byte {
	var b bytes.Buffer
	b.WriteString("# Simulated study (package sim); paths are relative to this file.\nsubjects:\n")
	for _, sub := range s.Subjects {
		fmt.Fprintf(&b, "  - name: %s\n    train: %s\n    test: %s\n", sub.Name,
			filepath.ToSlash(FMRIPath("", sub.Name, TrainSet)), filepath.ToSlash(FMRIPath("", sub.Name, TestSet)))
	}
	b.WriteString("rois:\n")
	for _, r := range s.ROIs {
		fmt.Fprintf(&b, "  - name: %s\n    selector: ROI_%s = 1\n", r, r)
	}
	fmt.Fprintf(&b, "train_features: features/%s\ntest_features: features/%s\nnetworks:\n", TrainSet, TestSet)
	for i := range s.Nets {
		n := &s.Nets[i]
		fmt.Fprintf(&b, "  - name: %s\n    dir: %s\n    layers: [%s]\n", n.Name, n.Dir(), joinNames(n.LayerNames()))
	}
	fmt.Fprintf(&b, "decoding:\n  alpha: 100\n  n_feat: %d\n", s.NFeat())
	if s.fullSize() {
		// The paper decodes 1,000 random units per layer.
		b.WriteString("  random_units: 1000\n")
	}
	fmt.Fprintf(&b, "encoding:\n  alpha: 100\n  n_feat: %d\n", s.NFeat())
	fmt.Fprintf(&b, "output: results\ntrain_set: %s\ntest_set: %s\n", TrainSet, TestSet)
	return b.Bytes()
}

func joinNames(xs []string) string {
	var b bytes.Buffer
	for i, x := range xs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(x)
	}
	return b.String()
}

func sortedCopy(xs []string) []string {
	out := append([]string(nil), xs...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
