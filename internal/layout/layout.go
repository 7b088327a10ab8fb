package layout

import (
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
	el := []string{top, set}
	el = append(el, strings.Split(j.Network, "/")...)
	el = append(el, j.Layer, j.Subject, j.ROI)
	el = append(el, tail...)
	return atomicfile.SafeJoin(j.Root, el...)
}
