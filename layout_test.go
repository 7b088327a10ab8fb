package bhscore

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/brainhierarchy/bhscore/analysis"
)

// originalRepo lays out a BHscore checkout around the miniature study:
// <root>/data/{fmri,features} link to testdata/pipeline and
// <root>/encoding holds the named original encoding configs of the study
// with extra appended (e.g. the decoder directory keys of the published
// configs).
func originalRepo(t *testing.T, extra string, names ...string) (root string, configs []string) {
	t.Helper()
	root = t.TempDir()
	pipe, err := filepath.Abs("testdata/pipeline")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"fmri", "features"} {
		if err := os.MkdirAll(filepath.Join(root, "data"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(pipe, d), filepath.Join(root, "data", d)); err != nil {
			t.Fatal(err)
		}
	}
	enc := filepath.Join(root, "encoding")
	if err := os.Mkdir(enc, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		raw, err := os.ReadFile(filepath.Join(pipe, "configs", n))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(enc, n)
		if err := os.WriteFile(p, append(raw, extra...), 0o644); err != nil {
			t.Fatal(err)
		}
		configs = append(configs, p)
	}
	return root, configs
}

// TestOriginalConfigLayout runs the miniature study from its original
// encoding configs (with the published configs' decoder keys) laid out as
// in the BHscore repository, keeping models and predictions, and checks
// every output path against the original scripts' layout:
//
//	feature_encoders/<train>/<net>/<layer>/<sub>/<roi>/model/   featenc_fastl2lir_train.py
//	encoded_fmri/<test>/encoded_brain/<net>/.../<stem>.mat     featenc_fastl2lir_predict.py
//	encoded_fmri/<test>/profile_correlation/<net>/.../accuracy.mat  (same script)
//	encoding_accuracy/<test>/<net>/.../accuracy.mat            calc_bhscore.ipynb reads
//	feature_decoders/<train>/<net>/.../model/                  feature_decoding_train.py
//	decoded_features/<test>/<net>/.../<stem>.mat               feature_decoding_predict.py
//	decoding_accuracy/<test>/<net>/.../accuracy.mat            (same script; the notebook reads)
//
// all below ../data as the configs and scripts say. Nothing else may be
// written there but settings.json, the reports and the job state.
func TestOriginalConfigLayout(t *testing.T) {
	// One network (80 jobs) keeps the test short; merging several original
	// configs is TestLoadOriginalConfigs' (package analysis).
	root, configs := originalRepo(t, "feature decoder dir:\n  ../data/feature_decoders/ImageNetTraining\ndecoded feature dir:\n  ../data/decoded_features/ImageNetTest\n",
		"bhscore_caffe_TinyRev_conformance.yaml")
	cfg, err := analysis.LoadConfig("", configs...)
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(root, "data")
	if cfg.Output != data {
		t.Errorf("results root %s, want %s", cfg.Output, data)
	}
	if _, err := Run(context.Background(), cfg, &analysis.Options{}, nil); err != nil {
		t.Fatal(err)
	}
	net := `caffe/TinyRev/stage[1-4]/sub-0[12]/(V1|V2|V3|V4|HVC)/`
	model := `model/(W|b|x_mean|x_norm|y_mean|y_norm)\.mat|model/info\.yaml|model/bhscore_fingerprint\.json`
	stem := `n\d+_\d+\.mat`
	trees := []struct {
		pattern string
		files   int // 40 jobs per direction
	}{
		{`feature_encoders/ImageNetTraining/` + net + `(` + model + `)`, 40 * 8},
		{`encoded_fmri/ImageNetTest/encoded_brain/` + net + stem, 40 * 50},
		{`encoded_fmri/ImageNetTest/profile_correlation/` + net + `accuracy\.mat`, 40},
		{`encoding_accuracy/ImageNetTest/` + net + `accuracy\.mat`, 40},
		{`feature_decoders/ImageNetTraining/` + net + `(` + model + `)`, 40 * 8},
		{`decoded_features/ImageNetTest/` + net + stem, 40 * 50},
		{`decoding_accuracy/ImageNetTest/` + net + `accuracy\.mat`, 40},
		{`settings\.json`, 1},
	}
	res := make([]*regexp.Regexp, len(trees))
	for i, tr := range trees {
		res[i] = regexp.MustCompile(`^(` + tr.pattern + `)$`)
	}
	counts := make([]int, len(trees))
	err = filepath.WalkDir(data, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, data+string(filepath.Separator)))
		if d.Type()&fs.ModeSymlink != 0 {
			return nil // the inputs
		}
		if rel == ".bhscore" {
			return filepath.SkipDir // job state
		}
		if d.IsDir() {
			return nil
		}
		for i, re := range res {
			if re.MatchString(rel) {
				counts[i]++
				return nil
			}
		}
		t.Errorf("unexpected output %s", rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, tr := range trees {
		if counts[i] != tr.files {
			t.Errorf("%d files match %s, want %d", counts[i], tr.pattern, tr.files)
		}
	}
	// The profile_correlation copy is the notebook's file, byte for byte.
	a := filepath.Join(data, "encoding_accuracy/ImageNetTest/caffe/TinyRev/stage2/sub-02/V4/accuracy.mat")
	b := filepath.Join(data, "encoded_fmri/ImageNetTest/profile_correlation/caffe/TinyRev/stage2/sub-02/V4/accuracy.mat")
	ra, err1 := os.ReadFile(a)
	rb, err2 := os.ReadFile(b)
	if err1 != nil || err2 != nil || !bytes.Equal(ra, rb) {
		t.Errorf("profile_correlation copy differs: %v %v", err1, err2)
	}
	// The notebook's settings.json for these trees, next to them.
	d, err := LoadDesign(filepath.Join(data, "settings.json"))
	if err != nil || fmt.Sprint(d.Order) != "[TinyRev]" {
		t.Errorf("settings.json: %v %v", d, err)
	}
}
