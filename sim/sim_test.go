package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/brainhierarchy/bhscore/fmri"
	"github.com/brainhierarchy/bhscore/internal/mat"
)

func TestDesign(t *testing.T) {
	for _, size := range Sizes {
		s, err := New(size, 7)
		if err != nil {
			t.Fatal(err)
		}
		sp := specs[size]
		for _, sp := range []*Split{&s.Train, &s.Test} {
			if !slices.IsSorted(sp.Stems) || len(slices.Compact(slices.Clone(sp.Stems))) != len(sp.Stems) {
				t.Errorf("%v: stems not sorted and unique", size)
			}
			for _, st := range sp.Stems {
				if _, err := StimulusValue(st); err != nil || !strings.HasPrefix(st, "n") {
					t.Errorf("%v: bad stem %q", size, st)
				}
			}
		}
		// String order must differ from numeric order within a synset.
		numeric := slices.Clone(s.Train.Stems)
		slices.SortFunc(numeric, func(a, b string) int {
			va, _ := StimulusValue(a)
			vb, _ := StimulusValue(b)
			return int(math.Copysign(1, va-vb))
		})
		if slices.Equal(numeric, s.Train.Stems) {
			t.Errorf("%v: string order of stems equals numeric order", size)
		}
		if size == AlexNet || size == VGGConv1 {
			continue // one packed network: TestFullSizes
		}
		if len(s.Subjects) != 3 || len(s.Nets) != 3 {
			t.Fatalf("%v: %d subjects, %d nets", size, len(s.Subjects), len(s.Nets))
		}
		for _, sub := range s.Subjects {
			for _, v := range sub.Voxels {
				if v < sp.voxels[0] || v > sp.voxels[1] {
					t.Errorf("%v: %s has %d voxels in an ROI", size, sub.Name, v)
				}
			}
		}
		formats, nd := map[Format]bool{}, false
		for _, n := range s.Nets {
			formats[n.Format] = true
			for _, l := range n.Layers {
				nd = nd || len(l.Shape) == 4
			}
		}
		if !formats[V5] || !formats[V73] || !nd {
			t.Errorf("%v: formats %v, N-d layer %v", size, formats, nd)
		}
		if r := s.Truth().Ranking; !slices.Equal(r, []string{"HierNet", "FlatNet", "RevNet"}) {
			t.Errorf("%v: expected ranking %v", size, r)
		}
	}
	if _, err := ParseSize("huge"); err == nil {
		t.Error("ParseSize accepted huge")
	}
}

// readFeat reads the variable feat of a feature file written by writeFeat
// (MATLAB v5 or v7.3, detected from the header).
func readFeat(t *testing.T, path string) ([]int, []float32) {
	t.Helper()
	a, err := mat.Read(path, "feat")
	if err != nil {
		t.Fatal(err)
	}
	if a.Class != mat.Single {
		t.Fatalf("%s: class %v, want single", path, a.Class)
	}
	out := make([]float32, len(a.Data))
	for i, v := range a.Data {
		out[i] = float32(v)
	}
	return a.Dims, out
}

func TestWriteReadBack(t *testing.T) {
	dir := t.TempDir()
	var calls, last int
	s, err := Generate(context.Background(), dir, Tiny, 3, &WriteOptions{Progress: func(done, total int) {
		calls++
		if done < last || total != 0 && done > total {
			t.Errorf("progress %d/%d after %d", done, total, last)
		}
		last = done
	}})
	if err != nil {
		t.Fatal(err)
	}
	if last != s.Files() || calls == 0 {
		t.Errorf("progress ended at %d, want %d", last, s.Files())
	}
	n := 0
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, _ error) error {
		if !d.IsDir() && d.Name() != ManifestName {
			n++
		}
		return nil
	})
	if n != s.Files() || len(s.paths()) != n {
		t.Errorf("%d files on disk, Files() = %d, %d in the manifest", n, s.Files(), len(s.paths()))
	}

	ctx := context.Background()
	for si, sub := range s.Subjects {
		for _, split := range []string{TrainSet, TestSet} {
			sp, _, _ := s.split(split)
			f, err := fmri.Open(FMRIPath(dir, sub.Name, split))
			if err != nil {
				t.Fatal(err)
			}
			want, _ := s.FMRI(si, split)
			trials, cols := f.Dims()
			if trials != sp.Trials() || cols != want.Voxels+5 {
				t.Errorf("%s %s: dims %d×%d", sub.Name, split, trials, cols)
			}
			keys := f.Metadata().Keys()
			wantKeys := []string{"VoxelData", "Session", "Run", "Block", "image_index", "stimulus_name",
				"voxel_x", "voxel_y", "voxel_z", "ROI_V1", "ROI_V2", "ROI_V3", "ROI_V4", "ROI_HVC", "ROI_VC"}
			if !slices.Equal(keys, wantKeys) {
				t.Errorf("keys %v", keys)
			}
			for ri, roi := range s.ROIs {
				x, err := f.Select(ctx, "ROI_"+roi+" = 1")
				if err != nil {
					t.Fatal(err)
				}
				if _, c := x.Dims(); c != sub.Voxels[ri] {
					t.Errorf("%s %s: %d columns, want %d", sub.Name, roi, c, sub.Voxels[ri])
				}
			}
			vox, err := f.Select(ctx, "VoxelData = 1")
			if err != nil {
				t.Fatal(err)
			}
			for tr := range trials {
				for c := range want.Voxels {
					if vox.At(tr, c) != want.Data[tr*want.Voxels+c] {
						t.Fatalf("%s %s: voxel (%d, %d) differs", sub.Name, split, tr, c)
					}
				}
			}
			idx, err := f.Values(ctx, "image_index")
			if err != nil {
				t.Fatal(err)
			}
			names, err := f.Labels(ctx, "stimulus_name")
			if err != nil {
				t.Fatal(err)
			}
			count := map[string]int{}
			for tr, ix := range idx {
				if sp.Stems[int(ix)-1] != names[tr] {
					t.Fatalf("%s %s trial %d: image_index %v is %s, stimulus_name %s", sub.Name, split, tr, ix, sp.Stems[int(ix)-1], names[tr])
				}
				count[names[tr]]++
			}
			for _, st := range sp.Stems {
				if count[st] != sp.Reps {
					t.Errorf("%s %s: %s shown %d times", sub.Name, split, st, count[st])
				}
			}
			f.Close()
		}
	}

	for ni := range s.Nets {
		net := &s.Nets[ni]
		for li, l := range net.Layers {
			for _, split := range []string{TrainSet, TestSet} {
				sp, _, _ := s.split(split)
				want, _ := s.Features(ni, li, split)
				u := l.Units()
				for _, i := range []int{0, len(sp.Stems) - 1} {
					dims, got := readFeat(t, FeaturePath(dir, split, net, l.Name, sp.Stems[i]))
					if !slices.Equal(dims, l.Shape) || !slices.Equal(got, want[i*u:(i+1)*u]) {
						t.Errorf("%s/%s %s %s: shape %v, values differ: %v", net.Name, l.Name, split, sp.Stems[i], dims, !slices.Equal(got, want[i*u:(i+1)*u]))
					}
				}
				ents, _ := os.ReadDir(filepath.Dir(FeaturePath(dir, split, net, l.Name, "x")))
				if len(ents) != len(sp.Stems) {
					t.Errorf("%s/%s: %d files", net.Name, l.Name, len(ents))
				}
			}
		}
	}

	var settings struct {
		Subjects []string
		ROIs     []string `json:"rois"`
		DNNs     map[string]struct {
			Dir    string
			Layers []string
		}
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "settings.json"))
	if err := json.Unmarshal(raw, &settings); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(settings.Subjects, s.SubjectNames()) || !slices.Equal(settings.ROIs, ROINames) || len(settings.DNNs) != 3 ||
		settings.DNNs["RevNet"].Dir != "caffe/RevNet" || !slices.Equal(settings.DNNs["RevNet"].Layers, s.Net("RevNet").LayerNames()) {
		t.Errorf("settings.json: %+v", settings)
	}
	var truth Truth
	raw, _ = os.ReadFile(filepath.Join(dir, "truth.json"))
	if err := json.Unmarshal(raw, &truth); err != nil {
		t.Fatal(err)
	}
	if truth.Nets[0].Layers[0].Centre != 1 || truth.Seed != 3 {
		t.Errorf("truth.json: %+v", truth)
	}
}

// TestDeterminism writes the same study twice and a third with another
// seed. MAT v5, JSON and YAML files must be byte-identical; HDF5 files
// (BData, MAT v7.3) carry creation times, so their contents are compared.
func TestDeterminism(t *testing.T) {
	ctx := context.Background()
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	s, err := Generate(ctx, a, Tiny, 11, &WriteOptions{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(ctx, b, Tiny, 11, &WriteOptions{Workers: 4}); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(ctx, c, Tiny, 12, nil); err != nil {
		t.Fatal(err)
	}
	same, differ := 0, 0
	err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		x, _ := os.ReadFile(p)
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil {
			return err
		}
		isH5 := strings.HasSuffix(p, ".h5") || bytes.HasPrefix(x, []byte("MATLAB 7.3"))
		switch {
		case !isH5:
			if !bytes.Equal(x, y) {
				t.Errorf("%s differs between runs", rel)
			}
		case strings.HasSuffix(p, ".mat"):
			_, fx := readFeat(t, p)
			_, fy := readFeat(t, filepath.Join(b, rel))
			if !slices.Equal(fx, fy) {
				t.Errorf("%s differs between runs", rel)
			}
		}
		if z, err := os.ReadFile(filepath.Join(c, rel)); err == nil && !bytes.Equal(x, z) {
			differ++
		} else {
			same++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if differ == 0 {
		t.Error("another seed gave the same files")
	}
	for si := range s.Subjects {
		for _, split := range []string{TrainSet, TestSet} {
			fa, _ := fmri.Open(FMRIPath(a, s.Subjects[si].Name, split))
			fb, _ := fmri.Open(FMRIPath(b, s.Subjects[si].Name, split))
			da, _ := fa.Load(ctx)
			db, _ := fb.Load(ctx)
			if !slices.Equal(da.Dataset().RawMatrix().Data, db.Dataset().RawMatrix().Data) {
				t.Errorf("%s %s dataset differs between runs", s.Subjects[si].Name, split)
			}
			fa.Close()
			fb.Close()
		}
	}
}

func TestStimulusValue(t *testing.T) {
	v, err := StimulusValue("n03575903_10")
	if err != nil || fmri.PyRepr(v) != "3575903.00001" {
		t.Errorf("got %v (%s), %v", v, strconv.FormatFloat(v, 'f', -1, 64), err)
	}
	if _, err := StimulusValue("cat.jpg"); err == nil {
		t.Error("bad stem accepted")
	}
}

func TestFullSizes(t *testing.T) {
	for _, c := range []struct {
		size         Size
		first, total int
	}{{AlexNet, 290400, 659272}, {VGGConv1, 3211264, 3220456}} {
		s, err := New(c.size, 1)
		if err != nil {
			t.Fatal(err)
		}
		checkFullSize(t, s, c.first, c.total)
	}
}

func checkFullSize(t *testing.T, s *Study, first, total int) {
	t.Helper()
	if len(s.Nets) != 1 || s.Nets[0].Format != Packed || len(s.Train.Stems) != 1200 || s.Train.Reps != 5 {
		t.Fatalf("%v design: %d nets, %d×%d training trials", s.Size, len(s.Nets), len(s.Train.Stems), s.Train.Reps)
	}
	n := 0
	for _, l := range s.Nets[0].Layers {
		n += l.Units()
	}
	if got := s.Nets[0].Layers[0].Units(); got != first || n != total {
		t.Errorf("%v: first layer %d units, network %d; want %d and %d", s.Size, got, n, first, total)
	}
	// Units do not depend on the blocks asked for.
	m := len(s.Test.Stems)
	all := make([]float32, 10*m)
	if err := s.FeatureColumns(0, 0, TestSet, 100, 110, all); err != nil {
		t.Fatal(err)
	}
	part := make([]float32, 3*m)
	if err := s.FeatureColumns(0, 0, TestSet, 107, 110, part); err != nil {
		t.Fatal(err)
	}
	for i, v := range part {
		if v != all[7*m+i] || math.IsNaN(float64(v)) {
			t.Fatalf("value %d: %v, want %v", i, v, all[7*m+i])
		}
	}
	if !strings.Contains(string(s.StudyYAML()), "random_units: 1000") || s.NFeat() != 500 {
		t.Errorf("%v: study.yaml does not decode 1,000 random units with n_feat 500", s.Size)
	}
}
