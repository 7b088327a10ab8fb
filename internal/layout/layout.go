package layout

import (
	"path"
	"strings"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
)

// Job names one job's outputs under Root. Network is the network's
// directory (e.g. "caffe/AlexNet"); every other name is one path element.
type Job struct {
	Root                         string
	TrainSet, TestSet            string
	Network, Layer, Subject, ROI string
}

// Join returns Root/<top>/<set>/<Network>/<Layer>/<Subject>/<ROI>/<tail...>,
// joined with atomicfile.SafeJoin so that no name can escape Root.
func (j Job) Join(top, set string, tail ...string) (string, error) {
	el := append([]string{top, set}, jobElems(j.Network, j.Layer, j.Subject, j.ROI)...)
	return atomicfile.SafeJoin(j.Root, append(el, tail...)...)
}

// Tree returns Root/<top>/<TestSet>, the root of an accuracy tree such as
// decoding_accuracy/ImageNetTest (the Root of a bhscore.AccuracyTree).
func (j Job) Tree(top string) (string, error) {
	return atomicfile.SafeJoin(j.Root, top, j.TestSet)
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
