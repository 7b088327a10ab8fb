package extract

import (
	"fmt"
	"path/filepath"
	"testing"
)

// TestResizePillow compares Resize with Pillow 9.4's Image.resize(size,
// Image.BICUBIC) on random images (testdata/resize, made by generate.py):
// downscaling, upscaling, mixed, one-pixel-wide, grey and RGB. Pillow's
// outputs are stored as PNG, so both sides are read losslessly; the
// resized bytes must be identical.
func TestResizePillow(t *testing.T) {
	cases := map[string][][2]int{
		"rgb":  {{224, 224}, {40, 48}, {13, 200}, {300, 17}, {97, 61}},
		"grey": {{224, 224}, {7, 7}, {50, 1000}},
		"dot":  {{5, 3}},
	}
	for name, sizes := range cases {
		src, err := DecodeFile(filepath.Join("testdata", "resize", name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sizes {
			t.Run(fmt.Sprintf("%s_%dx%d", name, s[0], s[1]), func(t *testing.T) {
				want, err := DecodeFile(filepath.Join("testdata", "resize", fmt.Sprintf("%s_%dx%d.png", name, s[0], s[1])))
				if err != nil {
					t.Fatal(err)
				}
				got := src.Resize(s[0], s[1])
				if got.W != want.W || got.H != want.H || got.C != want.C {
					t.Fatalf("size %dx%dx%d, want %dx%dx%d", got.W, got.H, got.C, want.W, want.H, want.C)
				}
				diff := 0
				for i := range got.Pix {
					if got.Pix[i] != want.Pix[i] {
						diff++
					}
				}
				if diff > 0 {
					t.Errorf("%d of %d bytes differ from Pillow", diff, len(got.Pix))
				}
			})
		}
	}
}
