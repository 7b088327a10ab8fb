package analysis

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestLoadOriginalConfigs reads the original encoding configs of
// conformance/pipeline laid out as in the BHscore repository (configs in
// encoding/, data in data/).
func TestLoadOriginalConfigs(t *testing.T) {
	root := t.TempDir()
	pipe, err := filepath.Abs("../testdata/pipeline")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(pipe, filepath.Join(root, "data")); err != nil {
		t.Fatal(err)
	}
	enc := filepath.Join(root, "encoding")
	os.Mkdir(enc, 0o755)
	var paths []string
	for _, n := range []string{"bhscore_pytorch_TinyHier_conformance.yaml", "bhscore_caffe_TinyRev_conformance.yaml"} {
		raw, err := os.ReadFile(filepath.Join("../testdata/pipeline/configs", n))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(enc, n)
		os.WriteFile(p, raw, 0o644)
		paths = append(paths, p)
	}
	c, err := LoadConfig("", paths...)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Subjects) != 2 || c.Subjects[1].Name != "sub-02" {
		t.Fatalf("subjects = %+v", c.Subjects)
	}
	if _, err := os.Stat(c.Subjects[0].Train); err != nil {
		t.Errorf("training file not resolved: %v", err)
	}
	var rois []string
	for _, r := range c.ROIs {
		rois = append(rois, r.Name)
	}
	if !slices.Equal(rois, []string{"V1", "V2", "V3", "V4", "HVC"}) || c.ROIs[0].Selector != "ROI_V1 = 1" {
		t.Errorf("rois = %+v", c.ROIs)
	}
	if len(c.Networks) != 2 || c.Networks[0].Dir != "pytorch/TinyHier" || c.Networks[1].Name != "TinyRev" {
		t.Errorf("networks = %+v", c.Networks)
	}
	if *c.Encoding.NFeatFor("conv1") != 15 || *c.Encoding.Alpha != 100 || c.Decoding.NFeat != nil || *c.Decoding.Alpha != 100 {
		t.Errorf("encoding = %+v decoding = %+v", c.Encoding, c.Decoding)
	}
	if _, err := os.Stat(filepath.Join(c.TrainFeatures, "pytorch/TinyHier/conv1")); err != nil {
		t.Errorf("features not resolved: %v", err)
	}
	if c.Networks[0].Name != "TinyHier" {
		t.Errorf("network order = %+v", c.Networks)
	}
}

func TestNativeConfig(t *testing.T) {
	src := `
subjects:
  - {name: sub-01, train: fmri/a.h5, test: fmri/b.h5}
rois:
  - {name: V1, selector: ROI_V1 = 1}
  - {name: HVC, selector: ROI_HVC = 1}
train_features: features/ImageNetTraining
test_features: features/ImageNetTest
networks:
  - {name: Net, dir: pytorch/Net, layers: [l1, l2]}
decoding: {n_feat: 50}
encoding: {alpha: 10, n_feat: 60}
output: out
`
	c, err := ParseConfig([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if c.Decoding.Alpha != nil || *c.Decoding.NFeat != 50 || *c.Encoding.Alpha != 10 || c.TestSet != "ImageNetTest" {
		t.Errorf("parsed %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{
		"",
		"subjects: 3",
		"unknown_field: 1\n" + src,
		`subjects: [{name: "../x", train: a, test: b}]
rois: [{name: V1, selector: x}]
train_features: a
test_features: b
networks: [{name: n, dir: d, layers: [l]}]`,
		`subjects: [{name: s, train: a, test: b}]
rois: [{name: V1, selector: x}]
train_features: a
test_features: b
networks: [{name: n, dir: /abs, layers: [l]}]`,
	} {
		c, err := ParseConfig([]byte(bad))
		if err == nil {
			err = c.Validate()
		}
		if err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}
