package pipelinetest

import (
	"path/filepath"
	"testing"

	"github.com/brainhierarchy/bhscore/analysis"
)

// Config is the study of the miniature pipeline in dir (Dir from a
// top-level package, "testdata/pipeline" from the root): two subjects, five
// ROIs, two networks, alpha 100 and 15 selected inputs in both directions
// (the patched scripts' settings), results in out.
func Config(t testing.TB, dir, out string) *analysis.Config {
	t.Helper()
	p, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	alpha, nfeat := 100.0, 15
	c := &analysis.Config{
		TrainFeatures: filepath.Join(p, "features/ImageNetTraining"),
		TestFeatures:  filepath.Join(p, "features/ImageNetTest"),
		Networks: []analysis.NetworkConfig{
			{Name: "TinyHier", Dir: "pytorch/TinyHier", Layers: []string{"conv1", "conv2", "conv3", "fc1", "fc2"}},
			{Name: "TinyRev", Dir: "caffe/TinyRev", Layers: []string{"stage1", "stage2", "stage3", "stage4"}},
		},
		Decoding: analysis.DirectionConfig{Alpha: &alpha, NFeat: &nfeat},
		Encoding: analysis.DirectionConfig{Alpha: &alpha, NFeat: &nfeat},
		Output:   out,
		TrainSet: "ImageNetTraining",
		TestSet:  "ImageNetTest",
	}
	for _, s := range Subjects {
		c.Subjects = append(c.Subjects, analysis.SubjectConfig{Name: s,
			Train: filepath.Join(p, "fmri", s+"_perceptionNaturalImageTraining_VC_v2.h5"),
			Test:  filepath.Join(p, "fmri", s+"_perceptionNaturalImageTest_VC_v2.h5")})
	}
	for _, r := range ROIs {
		c.ROIs = append(c.ROIs, analysis.ROIConfig{Name: r, Selector: "ROI_" + r + " = 1"})
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return c
}
