package extract

import "image"

// fromYCbCr converts a decoded colour JPEG to RGB the way libjpeg-turbo
// (Pillow's decoder) does by default: 4:2:0 and 4:2:2 chroma are
// upsampled with libjpeg's "fancy" triangle filter (jdsample.c,
// h2v2_fancy_upsample and h2v1_fancy_upsample, edges replicated), other
// ratios by replication, and YCbCr becomes RGB through libjpeg's
// fixed-point tables (jdcolor.c). Only the inverse DCT differs from
// libjpeg-turbo's (Go's image/jpeg uses another integer IDCT).
func fromYCbCr(m *image.YCbCr) *Image {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	cb := upsample(m, m.Cb, w, h)
	cr := upsample(m, m.Cr, w, h)
	out := &Image{W: w, H: h, C: 3, Pix: make([]uint8, w*h*3)}
	for y := range h {
		yrow := m.Y[m.YOffset(b.Min.X, b.Min.Y+y):]
		for x := range w {
			r, g, bb := ycc(yrow[x], cb[y*w+x], cr[y*w+x])
			i := (y*w + x) * 3
			out.Pix[i], out.Pix[i+1], out.Pix[i+2] = r, g, bb
		}
	}
	return out
}

// libjpeg's colour conversion constants: FIX(x) = x * 2^16 + 0.5.
const (
	scaleBits = 16
	oneHalf   = 1 << (scaleBits - 1)
	fixCrR    = 91881  // FIX(1.40200)
	fixCbB    = 116130 // FIX(1.77200)
	fixCrG    = 46802  // FIX(0.71414)
	fixCbG    = 22554  // FIX(0.34414)
)

// ycc is libjpeg's ycc_rgb_convert for one pixel.
func ycc(y, cb, cr uint8) (r, g, b uint8) {
	x, z := int32(cb)-128, int32(cr)-128
	yy := int32(y)
	r = limit(yy + (fixCrR*z+oneHalf)>>scaleBits)
	g = limit(yy + (-fixCbG*x+oneHalf-fixCrG*z)>>scaleBits)
	b = limit(yy + (fixCbB*x+oneHalf)>>scaleBits)
	return r, g, b
}

func limit(v int32) uint8 {
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	}
	return uint8(v)
}

// upsample returns the chroma plane p of m at full resolution, w x h.
func upsample(m *image.YCbCr, p []uint8, w, h int) []uint8 {
	b := m.Bounds()
	out := make([]uint8, w*h)
	// Downsampled plane size as libjpeg computes it.
	var cw, ch int
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio420:
		cw, ch = (w+1)/2, (h+1)/2
	case image.YCbCrSubsampleRatio422:
		cw, ch = (w+1)/2, h
	default:
		for y := range h {
			for x := range w {
				out[y*w+x] = p[m.COffset(b.Min.X+x, b.Min.Y+y)]
			}
		}
		return out
	}
	row := func(y int) []uint8 { // a downsampled row, edges replicated
		y = max(0, min(y, ch-1))
		return p[m.COffset(b.Min.X, b.Min.Y)+y*m.CStride:]
	}
	line := make([]uint8, 2*cw)
	if m.SubsampleRatio == image.YCbCrSubsampleRatio422 {
		for y := range h {
			h2v1(line, row(y)[:cw])
			copy(out[y*w:(y+1)*w], line)
		}
		return out
	}
	sums := make([]int32, cw)
	for cy := range ch {
		in0 := row(cy)[:cw]
		for v := range 2 { // upper output row uses the row above, lower the row below
			oy := 2*cy + v
			if oy >= h {
				break
			}
			in1 := row(cy - 1 + 2*v)[:cw]
			for x := range cw {
				sums[x] = int32(in0[x])*3 + int32(in1[x])
			}
			h2v2(line, sums)
			copy(out[oy*w:(oy+1)*w], line)
		}
	}
	return out
}

// h2v2 is the horizontal half of libjpeg's h2v2_fancy_upsample: colsum
// holds 3*nearer + farther row sample per column.
func h2v2(out []uint8, colsum []int32) {
	n := len(colsum)
	if n == 1 {
		out[0] = uint8((colsum[0]*4 + 8) >> 4)
		out[1] = uint8((colsum[0]*4 + 7) >> 4)
		return
	}
	out[0] = uint8((colsum[0]*4 + 8) >> 4)
	out[1] = uint8((colsum[0]*3 + colsum[1] + 7) >> 4)
	for x := 1; x < n-1; x++ {
		out[2*x] = uint8((colsum[x]*3 + colsum[x-1] + 8) >> 4)
		out[2*x+1] = uint8((colsum[x]*3 + colsum[x+1] + 7) >> 4)
	}
	out[2*n-2] = uint8((colsum[n-1]*3 + colsum[n-2] + 8) >> 4)
	out[2*n-1] = uint8((colsum[n-1]*4 + 7) >> 4)
}

// h2v1 is libjpeg's h2v1_fancy_upsample of one row.
func h2v1(out, in []uint8) {
	n := len(in)
	if n == 1 {
		out[0], out[1] = in[0], in[0]
		return
	}
	out[0] = in[0]
	out[1] = uint8((int32(in[0])*3 + int32(in[1]) + 2) >> 2)
	for x := 1; x < n-1; x++ {
		v := int32(in[x]) * 3
		out[2*x] = uint8((v + int32(in[x-1]) + 1) >> 2)
		out[2*x+1] = uint8((v + int32(in[x+1]) + 2) >> 2)
	}
	v := int32(in[n-1]) * 3
	out[2*n-2] = uint8((v + int32(in[n-2]) + 1) >> 2)
	out[2*n-1] = in[n-1]
}
