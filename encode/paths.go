package encode

import (
	"strings"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
)

// Paths locates one encoding job's outputs under Root:
//
//	feature_encoders/<TrainSet>/<Network>/<Layer>/<Subject>/<ROI>/model/
//	encoded_fmri/<TestSet>/<Network>/<Layer>/<Subject>/<ROI>/<stem>.mat
//	encoding_accuracy/<TestSet>/<Network>/<Layer>/<Subject>/<ROI>/accuracy.mat
//
// The original predict script writes its accuracies to
// <encoded brain dir>/profile_correlation/<net>/<layer>/<sub>/<roi>/; the
// BH-score notebook reads them from encoding_accuracy/<test set>/..., where
// they are written here (the decoding side's layout mirrored).
type Paths struct {
	Root                         string
	TrainSet, TestSet            string
	Network, Layer, Subject, ROI string
}

func (p Paths) join(top, set string, tail ...string) (string, error) {
	el := []string{top, set}
	el = append(el, strings.Split(p.Network, "/")...)
	el = append(el, p.Layer, p.Subject, p.ROI)
	el = append(el, tail...)
	return atomicfile.SafeJoin(p.Root, el...)
}

// Model returns the encoder directory (.../<roi>/model).
func (p Paths) Model() (string, error) { return p.join("feature_encoders", p.TrainSet, "model") }

// Encoded returns the directory of the encoded (predicted) fMRI.
func (p Paths) Encoded() (string, error) { return p.join("encoded_fmri", p.TestSet) }

// Accuracy returns the accuracy file.
func (p Paths) Accuracy() (string, error) {
	return p.join("encoding_accuracy", p.TestSet, "accuracy.mat")
}

// ID returns a computation id in the original's form:
// featenc_fastl2lir_train-<config>-<sub>-<roi>-<layer>, with the network
// directory standing for the config name.
func (p Paths) ID() string {
	return "featenc_fastl2lir_train-" + p.Network + "-" + p.Subject + "-" + p.ROI + "-" + p.Layer
}
