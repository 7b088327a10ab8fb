package reliability

import (
	"testing"

	"github.com/brainhierarchy/bhscore/fmri"
	"github.com/brainhierarchy/bhscore/internal/mat"
)

func TestProbe(t *testing.T) {
	for _, p := range []string{"testdata/v73_absurd_dims.mat", "testdata/v73_overflow_dims.mat"} {
		_, err := mat.Read(p, "feat")
		t.Log(err)
	}
	f, err := fmri.Open("testdata/bdata_absurd_dims.h5")
	t.Log(err)
	if f != nil {
		_, err = f.Select(t.Context(), "ROI_V1 = 1")
		t.Log(err)
	}
}
