package encode

import "github.com/brainhierarchy/bhscore/internal/layout"

// Paths locates one encoding job's outputs, by default under Root:
//
//	feature_encoders/<TrainSet>/<Network>/<Layer>/<Subject>/<ROI>/model/
//	encoded_fmri/<TestSet>/encoded_brain/<Network>/<Layer>/<Subject>/<ROI>/<stem>.mat
//	encoding_accuracy/<TestSet>/<Network>/<Layer>/<Subject>/<ROI>/accuracy.mat
//
// Its fields are those of layout.Job, named as in decode.Paths. With an
// original config the trees are the config's: Models is
// <feature encoder dir>, Predictions <encoded brain dir>/encoded_brain
// (where featenc_fastl2lir_predict.py writes them), Accuracies the
// notebook's encoding_accuracy/<test set> next to it, and Copies
// <encoded brain dir>/profile_correlation, where the predict script writes
// the same accuracies (ProfileCorrelation).
type Paths layout.Job

// Model returns the encoder directory (.../<roi>/model).
func (p Paths) Model() (string, error) {
	tree, err := layout.Job(p).TreeOr(p.Models, "feature_encoders", p.TrainSet)
	if err != nil {
		return "", err
	}
	return layout.Job(p).In(tree, "model")
}

// Encoded returns the directory of the encoded (predicted) fMRI.
func (p Paths) Encoded() (string, error) {
	tree, err := layout.Job(p).TreeOr(p.Predictions, "encoded_fmri", p.TestSet, "encoded_brain")
	if err != nil {
		return "", err
	}
	return layout.Job(p).In(tree)
}

// AccuracyTree returns the root of the accuracy tree,
// encoding_accuracy/<TestSet> under Root unless Accuracies is set.
func (p Paths) AccuracyTree() (string, error) {
	return layout.Job(p).TreeOr(p.Accuracies, "encoding_accuracy", p.TestSet)
}

// Accuracy returns the accuracy file (layout.Accuracy below AccuracyTree).
func (p Paths) Accuracy() (string, error) {
	tree, err := p.AccuracyTree()
	if err != nil {
		return "", err
	}
	return layout.Accuracy(tree, p.Network, p.Layer, p.Subject, p.ROI)
}

// ProfileCorrelation returns the second accuracy file below Copies
// (<encoded brain dir>/profile_correlation/...), or "" when Copies is not
// set.
func (p Paths) ProfileCorrelation() (string, error) {
	if p.Copies == "" {
		return "", nil
	}
	return layout.Accuracy(p.Copies, p.Network, p.Layer, p.Subject, p.ROI)
}

// ID returns a computation id in the original's form:
// featenc_fastl2lir_train-<config>-<sub>-<roi>-<layer>, with the network
// directory standing for the config name.
func (p Paths) ID() string {
	return "featenc_fastl2lir_train-" + p.Network + "-" + p.Subject + "-" + p.ROI + "-" + p.Layer
}
