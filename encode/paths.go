package encode

import "github.com/brainhierarchy/bhscore/internal/layout"

// Paths locates one encoding job's outputs under Root:
//
//	feature_encoders/<TrainSet>/<Network>/<Layer>/<Subject>/<ROI>/model/
//	encoded_fmri/<TestSet>/<Network>/<Layer>/<Subject>/<ROI>/<stem>.mat
//	encoding_accuracy/<TestSet>/<Network>/<Layer>/<Subject>/<ROI>/accuracy.mat
//
// Its fields are Root, TrainSet, TestSet, Network, Layer, Subject and ROI,
// named as in decode.Paths.
//
// The original predict script writes its accuracies to
// <encoded brain dir>/profile_correlation/<net>/<layer>/<sub>/<roi>/; the
// BH-score notebook reads them from encoding_accuracy/<test set>/..., where
// they are written here (the decoding side's layout mirrored).
type Paths layout.Job

// Model returns the encoder directory (.../<roi>/model).
func (p Paths) Model() (string, error) {
	return layout.Job(p).Join("feature_encoders", p.TrainSet, "model")
}

// Encoded returns the directory of the encoded (predicted) fMRI.
func (p Paths) Encoded() (string, error) {
	return layout.Job(p).Join("encoded_fmri", p.TestSet)
}

// AccuracyTree returns the root of the accuracy tree,
// encoding_accuracy/<TestSet> under Root.
func (p Paths) AccuracyTree() (string, error) {
	return layout.Job(p).Tree("encoding_accuracy")
}

// Accuracy returns the accuracy file (layout.Accuracy below AccuracyTree).
func (p Paths) Accuracy() (string, error) {
	tree, err := p.AccuracyTree()
	if err != nil {
		return "", err
	}
	return layout.Accuracy(tree, p.Network, p.Layer, p.Subject, p.ROI)
}

// ID returns a computation id in the original's form:
// featenc_fastl2lir_train-<config>-<sub>-<roi>-<layer>, with the network
// directory standing for the config name.
func (p Paths) ID() string {
	return "featenc_fastl2lir_train-" + p.Network + "-" + p.Subject + "-" + p.ROI + "-" + p.Layer
}
