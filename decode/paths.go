package decode

import "github.com/brainhierarchy/bhscore/internal/layout"

// Paths locates one decoding job's outputs in bdpy's layout, by default
// under Root:
//
//	feature_decoders/<TrainSet>/<Network>/<Layer>/<Subject>/<ROI>/model/
//	decoded_features/<TestSet>/<Network>/<Layer>/<Subject>/<ROI>/<stem>.mat
//	decoding_accuracy/<TestSet>/<Network>/<Layer>/<Subject>/<ROI>/accuracy.mat
//
// as BHscore's decoding scripts write them below ../data. Its fields are
// those of layout.Job: Root, TrainSet, TestSet, Network, Layer, Subject,
// ROI, and the tree roots Models (the original config's "feature decoder
// dir"), Predictions ("decoded feature dir") and Accuracies, which replace
// the three defaults above when set. Network is the network's directory
// (e.g. "caffe/AlexNet"); every other name is one path element. Names are
// joined with atomicfile.SafeJoin, so none can escape its tree.
type Paths layout.Job

// Model returns the decoder directory (.../<roi>/model).
func (p Paths) Model() (string, error) {
	tree, err := layout.Job(p).TreeOr(p.Models, "feature_decoders", p.TrainSet)
	if err != nil {
		return "", err
	}
	return layout.Job(p).In(tree, "model")
}

// Decoded returns the directory of the decoded features.
func (p Paths) Decoded() (string, error) {
	tree, err := layout.Job(p).TreeOr(p.Predictions, "decoded_features", p.TestSet)
	if err != nil {
		return "", err
	}
	return layout.Job(p).In(tree)
}

// AccuracyTree returns the root of the accuracy tree,
// decoding_accuracy/<TestSet> under Root unless Accuracies is set.
func (p Paths) AccuracyTree() (string, error) {
	return layout.Job(p).TreeOr(p.Accuracies, "decoding_accuracy", p.TestSet)
}

// Accuracy returns the accuracy file (layout.Accuracy below AccuracyTree).
func (p Paths) Accuracy() (string, error) {
	tree, err := p.AccuracyTree()
	if err != nil {
		return "", err
	}
	return layout.Accuracy(tree, p.Network, p.Layer, p.Subject, p.ROI)
}

// ID returns the computation id the original training script records in
// info.yaml: feature_decoding_train-<sub>-<roi>-<network>-<layer>.
func (p Paths) ID() string {
	return "feature_decoding_train-" + p.Subject + "-" + p.ROI + "-" + p.Network + "-" + p.Layer
}
