package analysis

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// published is the head of BHscore's encoding/bhscore_caffe_AlexNet_allunits.yaml
// up to the line PyYAML and go-yaml reject (line 44: the value of
// "network:" unindented), as 29 of the 30 published configs have it.
const publishedHead = `# fMRI data ##################################################################
training fmri:
  sub-01:
    - ../data/fmri/sub-01_perceptionNaturalImageTraining_VC_v2.h5
  sub-02:
    - ../data/fmri/sub-02_perceptionNaturalImageTraining_VC_v2.h5
  sub-03:
    - ../data/fmri/sub-03_perceptionNaturalImageTraining_VC_v2.h5

test fmri:
  sub-01:
    - ../data/fmri/sub-01_perceptionNaturalImageTest_VC_v2.h5
  sub-02:
    - ../data/fmri/sub-02_perceptionNaturalImageTest_VC_v2.h5
  sub-03:
    - ../data/fmri/sub-03_perceptionNaturalImageTest_VC_v2.h5

rois:
  HVC: ROI_HVC = 1
  V1:  ROI_V1 = 1
  V2:  ROI_V2 = 1
  V3:  ROI_V3 = 1
  V4:  ROI_V4 = 1

# The number of voxels used in feature decoding
rois voxel num:
  HVC: 500
  V1:  500
  V2:  500
  V3:  500
  V4:  500

label key:
  stimulus_name

# DNN features ###############################################################
training feature dir:
  - ../data/features_all/ImageNetTraining

test feature dir:
  - ../data/features_all/ImageNetTest

network:
caffe/AlexNet

layers:
  - conv1_abs
`

func TestPublishedConfigYAMLError(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bhscore_caffe_AlexNet_allunits.yaml")
	if err := os.WriteFile(p, []byte(publishedHead), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadConfig("", p)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{p + ":44:", `"caffe/AlexNet"`, `"network:" (line 43)`, `"  caffe/AlexNet"`, `"network: caffe/AlexNet"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	// Fixed as the message says, the file parses.
	fixed := strings.Replace(publishedHead, "network:\ncaffe/AlexNet", "network:\n  caffe/AlexNet", 1)
	if _, err := ParseConfig([]byte(fixed)); err != nil && strings.Contains(err.Error(), "line") {
		t.Errorf("fixed config: %v", err)
	}
	// Other syntax errors still name file and line.
	os.WriteFile(p, []byte("rois:\n  V1: [\n"), 0o644)
	if _, err := LoadConfig("", p); err == nil || !strings.Contains(err.Error(), p+":") {
		t.Errorf("syntax error: %v", err)
	}
}

// TestOriginalTrees checks where an original config's directory keys put
// each output tree, including the scripts' "analysis name" quirk.
func TestOriginalTrees(t *testing.T) {
	base := `training fmri: {sub-01: [f.h5]}
test fmri: {sub-01: [g.h5]}
rois: {V1: ROI_V1 = 1}
training feature dir: [../data/features/ImageNetTraining]
test feature dir: [../data/features/ImageNetTest]
network: caffe/AlexNet
layers: [conv1, fc8]
feature encoder dir: ../data/feature_encoders/ImageNetTraining
encoded brain dir: ../data/encoded_fmri/ImageNetTest
feature decoder dir: ../data/feature_decoders/ImageNetTraining
decoded feature dir: ../data/decoded_features/ImageNetTest
`
	check := func(extra string, want Trees) {
		t.Helper()
		c, err := ParseConfig([]byte(base + extra))
		if err != nil {
			t.Fatal(err)
		}
		if c.Trees != want {
			t.Errorf("%q:\ngot  %+v\nwant %+v", extra, c.Trees, want)
		}
		if c.Output != "../data" || c.TrainSet != "ImageNetTraining" || c.TestSet != "ImageNetTest" {
			t.Errorf("output %s, sets %s %s", c.Output, c.TrainSet, c.TestSet)
		}
	}
	plain := Trees{
		FeatureDecoders:    "../data/feature_decoders/ImageNetTraining",
		DecodedFeatures:    "../data/decoded_features/ImageNetTest",
		DecodingAccuracy:   "../data/decoding_accuracy/ImageNetTest",
		FeatureEncoders:    "../data/feature_encoders/ImageNetTraining",
		EncodedFMRI:        "../data/encoded_fmri/ImageNetTest/encoded_brain",
		EncodingAccuracy:   "../data/encoding_accuracy/ImageNetTest",
		ProfileCorrelation: "../data/encoded_fmri/ImageNetTest/profile_correlation",
	}
	check("", plain)
	// "analysis name" alone is ignored by the scripts (they test for
	// "analysis_name").
	check("analysis name: run1\n", plain)
	named := plain
	named.FeatureEncoders = "../data/feature_encoders/ImageNetTraining/run1"
	named.EncodedFMRI = "../data/encoded_fmri/ImageNetTest/run1/encoded_brain"
	named.ProfileCorrelation = "../data/encoded_fmri/ImageNetTest/run1/profile_correlation"
	check("analysis name: run1\nanalysis_name: x\n", named)
	if _, err := ParseConfig([]byte(base + "analysis_name: x\n")); err == nil {
		t.Error(`"analysis_name" without "analysis name": no error (the scripts raise KeyError)`)
	}
}
