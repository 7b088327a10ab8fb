package layout

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
)

func TestTreeIn(t *testing.T) {
	j := Job{Root: "/out", TrainSet: "ImageNetTraining", TestSet: "ImageNetTest", Network: "caffe/AlexNet", Layer: "conv1", Subject: "sub-01", ROI: "V1"}
	tree, err := j.TreeOr(j.Accuracies, "decoding_accuracy", j.TestSet)
	if err != nil {
		t.Fatal(err)
	}
	got, err := j.In(tree, "accuracy.mat")
	want := filepath.FromSlash("/out/decoding_accuracy/ImageNetTest/caffe/AlexNet/conv1/sub-01/V1/accuracy.mat")
	if err != nil || got != want {
		t.Errorf("In = %q, %v; want %q", got, err, want)
	}
	if acc, _ := Accuracy(tree, j.Network, j.Layer, j.Subject, j.ROI); acc != want {
		t.Errorf("Accuracy = %q, want %q", acc, want)
	}
	// An override replaces Root/<top>/<set>.
	j.Accuracies = "/data/elsewhere/"
	if tree, _ := j.TreeOr(j.Accuracies, "decoding_accuracy", j.TestSet); tree != filepath.FromSlash("/data/elsewhere") {
		t.Errorf("override: tree %q", tree)
	}
	j.Layer = ".."
	if _, err := j.In(tree); !errors.Is(err, atomicfile.ErrUnsafeName) {
		t.Errorf("unsafe layer: %v", err)
	}
}
