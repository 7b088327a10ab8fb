package layout

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
)

func TestJoin(t *testing.T) {
	j := Job{Root: "/out", TrainSet: "ImageNetTraining", TestSet: "ImageNetTest", Network: "caffe/AlexNet", Layer: "conv1", Subject: "sub-01", ROI: "V1"}
	got, err := j.Join("decoding_accuracy", j.TestSet, "accuracy.mat")
	want := filepath.FromSlash("/out/decoding_accuracy/ImageNetTest/caffe/AlexNet/conv1/sub-01/V1/accuracy.mat")
	if err != nil || got != want {
		t.Errorf("Join = %q, %v; want %q", got, err, want)
	}
	j.Layer = ".."
	if _, err := j.Join("decoding_accuracy", j.TestSet); !errors.Is(err, atomicfile.ErrUnsafeName) {
		t.Errorf("unsafe layer: %v", err)
	}
}
