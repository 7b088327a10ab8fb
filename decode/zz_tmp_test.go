package decode

import (
	"testing"
	"time"
	"os"
	"bytes"
	"github.com/brainhierarchy/bhscore/internal/h5"
)

func TestZZTimes(t *testing.T) {
	w := func(p string) []byte {
		f, err := h5.Create(p, 512)
		if err != nil { t.Fatal(err) }
		f.Write("/a", []int{2}, []float32{1, 2})
		f.SetAttrString("/a", "MATLAB_class", "single", false)
		f.Close()
		b, _ := os.ReadFile(p)
		return b
	}
	d := t.TempDir()
	a := w(d + "/x.mat")
	time.Sleep(1100 * time.Millisecond)
	b := w(d + "/y.mat")
	t.Log(len(a), bytes.Equal(a, b))
}
