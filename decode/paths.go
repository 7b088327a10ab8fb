package decode

import "github.com/brainhierarchy/bhscore/internal/layout"

// Paths locates one decoding job's outputs in bdpy's layout under Root:
//
//	feature_decoders/<TrainSet>/<Network>/<Layer>/<Subject>/<ROI>/model/
//	decoded_features/<TestSet>/<Network>/<Layer>/<Subject>/<ROI>/<stem>.mat
//	decoding_accuracy/<TestSet>/<Network>/<Layer>/<Subject>/<ROI>/accuracy.mat
//
// Its fields are Root, TrainSet, TestSet, Network, Layer, Subject and ROI.
// Network is the network's directory (e.g. "caffe/AlexNet"); every other
// name is one path element. Names are joined with atomicfile.SafeJoin, so
// none can escape Root.
type Paths layout.Job

// Model returns the decoder directory (.../<roi>/model).
func (p Paths) Model() (string, error) {
	return layout.Job(p).Join("feature_decoders", p.TrainSet, "model")
}

// Decoded returns the directory of the decoded features.
func (p Paths) Decoded() (string, error) {
	return layout.Job(p).Join("decoded_features", p.TestSet)
}

// AccuracyTree returns the root of the accuracy tree,
// decoding_accuracy/<TestSet> under Root.
func (p Paths) AccuracyTree() (string, error) {
	return layout.Job(p).Tree("decoding_accuracy")
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
