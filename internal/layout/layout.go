package layout

import (
	"path"
	"path/filepath"
	"strings"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
)

// Job names one job's outputs. Network is the network's directory (e.g.
// "caffe/AlexNet"); every other name is one path element.
//
// Each of a job's trees (models, predictions, accuracies) holds
// <network>/<layer>/<subject>/<roi>/...; its root is the override field
// when set (the directory keys of an original config), else a default
// below Root such as Root/feature_decoders/<TrainSet>.
type Job struct {
	Root                         string
	TrainSet, TestSet            string
	Network, Layer, Subject, ROI string
	// Models, Predictions and Accuracies override the roots of the
	// model, prediction and accuracy trees.
	Models, Predictions, Accuracies string
	// Copies, when set, is the root of a second accuracy tree written
	// alongside the first (the original encoding predict script's
	// profile_correlation/).
	Copies string
}

// TreeOr returns override (cleaned) when it is set, else Root/<elems...>
// joined with atomicfile.SafeJoin so that no name can escape Root.
func (j Job) TreeOr(override string, elems ...string) (string, error) {
	if override != "" {
		return filepath.Clean(override), nil
	}
	return atomicfile.SafeJoin(j.Root, elems...)
}

// In returns tree/<Network>/<Layer>/<Subject>/<ROI>/<tail...>, joined with
// atomicfile.SafeJoin so that no name can escape tree.
func (j Job) In(tree string, tail ...string) (string, error) {
	return atomicfile.SafeJoin(tree, append(jobElems(j.Network, j.Layer, j.Subject, j.ROI), tail...)...)
}

// Accuracy returns the accuracy file of one job below an accuracy tree:
// <tree>/<network>/<layer>/<subject>/<roi>/accuracy.mat. It is the one
// function that builds that path, for the analyses that write the file and
// for the scoring that reads it.
func Accuracy(tree, network, layer, subject, roi string) (string, error) {
	return atomicfile.SafeJoin(tree, append(jobElems(network, layer, subject, roi), "accuracy.mat")...)
}

// jobElems returns the path elements of a job below a tree's set: the
// network directory's elements, then layer, subject and ROI.
func jobElems(network, layer, subject, roi string) []string {
	return append(strings.Split(path.Clean(network), "/"), layer, subject, roi)
}
