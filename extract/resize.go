package extract

import "math"

// This file ports Pillow's convolution resampling (src/libImaging/Resample.c,
// Pillow 9.4; Image.resize with Image.BICUBIC) so that resized images are
// byte-identical to Pillow's: the same filter support, the same double
// coefficients, the same 22-bit fixed-point rounding and the same
// horizontal-then-vertical order. Pillow is HPND-licensed; this is a port
// of the algorithm, not a copy of its code.

// precisionBits is Pillow's fixed-point precision for 8-bit images.
const precisionBits = 32 - 8 - 2

// bicubic is Pillow's bicubic filter (a = -0.5), support 2. The explicit
// float64 conversions keep Go from fusing multiply-adds, which would round
// differently from Pillow's C.
func bicubic(x float64) float64 {
	const a = -0.5
	if x < 0 {
		x = -x
	}
	if x < 1 {
		return float64(float64(float64((a+2)*x)-(a+3))*x)*x + 1
	}
	if x < 2 {
		return float64(float64(float64(float64(x-5)*x)+8)*x-4) * a
	}
	return 0
}

// coeffs are one axis's resampling weights: for output position i, the
// input positions bounds[2i] .. bounds[2i]+bounds[2i+1]-1 with weights
// k[i*ksize:].
type coeffs struct {
	ksize  int
	bounds []int
	k      []int32
}

// precompute returns Pillow's precompute_coeffs for resampling inSize
// input pixels (the box in0..in1) onto outSize pixels, normalised to
// fixed point as normalize_coeffs_8bpc does.
func precompute(inSize int, in0, in1 float32, outSize int) coeffs {
	scale := float64(in1-in0) / float64(outSize)
	filterscale := scale
	if filterscale < 1 {
		filterscale = 1
	}
	support := 2 * filterscale
	ksize := int(math.Ceil(support))*2 + 1
	c := coeffs{ksize: ksize, bounds: make([]int, 2*outSize), k: make([]int32, outSize*ksize)}
	w := make([]float64, ksize)
	for xx := range outSize {
		center := float64(in0) + float64(float64(float64(xx)+0.5)*scale)
		ss := 1 / filterscale
		xmin := int(center - support + 0.5)
		if xmin < 0 {
			xmin = 0
		}
		xmax := int(center + support + 0.5)
		if xmax > inSize {
			xmax = inSize
		}
		xmax -= xmin
		ww := 0.0
		for x := range xmax {
			v := bicubic(float64(float64(float64(x+xmin)-center)+0.5) * ss)
			w[x] = v
			ww += v
		}
		for x := range xmax {
			v := w[x]
			if ww != 0 {
				v /= ww
			}
			// normalize_coeffs_8bpc: round half away from zero.
			f := float64(v * (1 << precisionBits))
			if v < 0 {
				c.k[xx*ksize+x] = int32(-0.5 + f)
			} else {
				c.k[xx*ksize+x] = int32(0.5 + f)
			}
		}
		c.bounds[2*xx], c.bounds[2*xx+1] = xmin, xmax
	}
	return c
}

// clip8 is Pillow's clip8: the fixed-point sum shifted down and clamped to
// 0..255.
func clip8(v int32) uint8 {
	v >>= precisionBits
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	}
	return uint8(v)
}

// Resize returns the image resized to w x h pixels as Pillow's
// Image.resize((w, h), Image.BICUBIC) resizes an "L" or "RGB" image (and
// so as scipy.misc.imresize(..., interp='bicubic') did): byte-identical
// output. Resizing to the same size returns a copy, as Pillow does.
// It panics if w or h is not positive.
func (m *Image) Resize(w, h int) *Image {
	if w <= 0 || h <= 0 {
		panic("extract: Resize to a non-positive size")
	}
	if w == m.W && h == m.H {
		return &Image{W: w, H: h, C: m.C, Pix: append([]uint8(nil), m.Pix...)}
	}
	horiz := precompute(m.W, 0, float32(m.W), w)
	vert := precompute(m.H, 0, float32(m.H), h)
	cur := m
	if w != m.W {
		// Only the rows the vertical pass reads are resampled.
		first := vert.bounds[0]
		last := vert.bounds[2*h-2] + vert.bounds[2*h-1]
		for i := range h {
			vert.bounds[2*i] -= first
		}
		cur = resampleH(cur, horiz, w, first, last)
	}
	if h != m.H {
		cur = resampleV(cur, vert, h)
	}
	return cur
}

// resampleH resamples rows first..last-1 of src horizontally to w pixels.
func resampleH(src *Image, c coeffs, w, first, last int) *Image {
	ch := src.C
	out := &Image{W: w, H: last - first, C: ch, Pix: make([]uint8, w*(last-first)*ch)}
	for y := range out.H {
		row := src.Pix[(y+first)*src.W*ch:]
		orow := out.Pix[y*w*ch:]
		for xx := range w {
			xmin, n := c.bounds[2*xx], c.bounds[2*xx+1]
			k := c.k[xx*c.ksize:]
			for b := range ch {
				ss := int32(1 << (precisionBits - 1))
				for x := range n {
					ss += int32(row[(x+xmin)*ch+b]) * k[x]
				}
				orow[xx*ch+b] = clip8(ss)
			}
		}
	}
	return out
}

// resampleV resamples src vertically to h rows.
func resampleV(src *Image, c coeffs, h int) *Image {
	ch := src.C
	stride := src.W * ch
	out := &Image{W: src.W, H: h, C: ch, Pix: make([]uint8, stride*h)}
	for yy := range h {
		ymin, n := c.bounds[2*yy], c.bounds[2*yy+1]
		k := c.k[yy*c.ksize:]
		orow := out.Pix[yy*stride:]
		for i := range stride {
			ss := int32(1 << (precisionBits - 1))
			for y := range n {
				ss += int32(src.Pix[(y+ymin)*stride+i]) * k[y]
			}
			orow[i] = clip8(ss)
		}
	}
	return out
}
