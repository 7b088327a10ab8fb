package extract

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"

	"github.com/brainhierarchy/bhscore/internal/fsx"
)

// Image is an 8-bit image: W x H pixels of C channels (1 for grey, 3 for
// RGB), interleaved, rows top to bottom, as np.asarray of a Pillow "L" or
// "RGB" image holds it.
type Image struct {
	W, H, C int
	Pix     []uint8 // H x W x C values
}

// ErrImage is wrapped by errors for image files that cannot be decoded.
var ErrImage = errors.New("not a readable JPEG or PNG image")

// maxPixels bounds the size of an image we decode (Pillow's default
// decompression-bomb limit is 89.5 Mpx; twice that is an error there).
const maxPixels = 1 << 28

// DecodeFile reads a JPEG or PNG image (detected by its first bytes, not
// its name). Grey images (JPEG, PNG grey) stay one channel, everything
// else becomes RGB: palette images are expanded, alpha is dropped (as
// Pillow's convert("RGB") does, without compositing) and 16-bit samples
// keep their high byte.
//
// JPEG decoding uses Go's image/jpeg, which is not bit-identical to
// Pillow's libjpeg-turbo; see the package documentation for the measured
// difference.
func DecodeFile(path string) (*Image, error) {
	f, err := fsx.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Decode reads a JPEG or PNG image from r; see DecodeFile.
func Decode(r io.Reader) (*Image, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(8)
	var decode func(io.Reader) (image.Image, error)
	var config func(io.Reader) (image.Config, error)
	switch {
	case bytes.HasPrefix(head, []byte("\xff\xd8\xff")):
		decode, config = jpeg.Decode, jpeg.DecodeConfig
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		decode, config = png.Decode, png.DecodeConfig
	default:
		return nil, fmt.Errorf("%w: unknown file signature", ErrImage)
	}
	// Read the header first so a huge declared size is refused before
	// any pixel memory is allocated.
	buf, err := io.ReadAll(br)
	if err != nil {
		return nil, err
	}
	cfg, err := config(bytes.NewReader(buf))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrImage, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxPixels {
		return nil, fmt.Errorf("%w: image size %d x %d out of range", ErrImage, cfg.Width, cfg.Height)
	}
	im, err := decode(bytes.NewReader(buf))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrImage, err)
	}
	return fromImage(im), nil
}

// fromImage converts a decoded image to grey or RGB bytes.
func fromImage(im image.Image) *Image {
	b := im.Bounds()
	w, h := b.Dx(), b.Dy()
	switch m := im.(type) {
	case *image.Gray:
		out := &Image{W: w, H: h, C: 1, Pix: make([]uint8, w*h)}
		for y := range h {
			copy(out.Pix[y*w:(y+1)*w], m.Pix[y*m.Stride:])
		}
		return out
	case *image.Gray16:
		out := &Image{W: w, H: h, C: 1, Pix: make([]uint8, w*h)}
		for y := range h {
			for x := range w {
				out.Pix[y*w+x] = m.Pix[y*m.Stride+2*x]
			}
		}
		return out
	case *image.YCbCr:
		return fromYCbCr(m)
	case *image.NRGBA: // alpha dropped without un-premultiplying
		return fromRGBX(w, h, func(x, y int) []uint8 { return m.Pix[y*m.Stride+4*x:] }, 1)
	case *image.NRGBA64:
		return fromRGBX(w, h, func(x, y int) []uint8 { return m.Pix[y*m.Stride+8*x:] }, 2)
	case *image.Paletted:
		pal := make([][]uint8, len(m.Palette))
		for i, c := range m.Palette {
			pal[i] = rgbOf(c)
		}
		return fromRGBX(w, h, func(x, y int) []uint8 {
			if i := int(m.Pix[y*m.Stride+x]); i < len(pal) {
				return pal[i]
			}
			return []uint8{0, 0, 0}
		}, 1)
	}
	return fromRGBX(w, h, func(x, y int) []uint8 { return rgbOf(im.At(b.Min.X+x, b.Min.Y+y)) }, 1)
}

// fromRGBX builds an RGB image from per-pixel samples: at(x, y) returns
// the pixel's R, G, B samples of step bytes each, high byte first.
func fromRGBX(w, h int, at func(x, y int) []uint8, step int) *Image {
	out := &Image{W: w, H: h, C: 3, Pix: make([]uint8, w*h*3)}
	for y := range h {
		for x := range w {
			p := at(x, y)
			i := (y*w + x) * 3
			out.Pix[i], out.Pix[i+1], out.Pix[i+2] = p[0], p[step], p[2*step]
		}
	}
	return out
}

// rgbOf returns the R, G, B bytes of c, not premultiplied by alpha.
func rgbOf(c color.Color) []uint8 {
	if n, ok := c.(color.NRGBA); ok {
		return []uint8{n.R, n.G, n.B}
	}
	n := color.NRGBA64Model.Convert(c).(color.NRGBA64)
	return []uint8{uint8(n.R >> 8), uint8(n.G >> 8), uint8(n.B >> 8)}
}
