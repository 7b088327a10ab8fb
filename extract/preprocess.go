package extract

import (
	"fmt"
	"strconv"
	"strings"
)

// Preprocess turns an image into a network input, as the original
// extraction scripts did: resize the whole image (Pillow bicubic, no
// crop), grey to RGB, optionally reorder RGB -> BGR, then per channel
//
//	x = float32(pixel / Divisor)   (float64 division, as numpy's image / 255.0)
//	x = (x - Mean[c]) / Std[c]     (float32, as torchvision's Normalize)
//
// The zero value resizes to the model's input size and feeds 0-255
// values unchanged.
type Preprocess struct {
	// Width and Height are the resize target; 0 means the model's input
	// size (an error if the model's input size is dynamic).
	Width, Height int
	// Divisor scales pixel values, 0 means 1.
	Divisor float64
	// Mean and Std are per input channel, in the model's channel order
	// (B, G, R when BGR is set). A zero Std means 1.
	Mean, Std [3]float32
	// BGR feeds channels in blue, green, red order (Caffe models).
	BGR bool
}

// PyTorch is the preprocessing of the original extract_features_pytorch.py:
// bicubic resize to 224 x 224, values / 255, ImageNet mean and standard
// deviation.
func PyTorch() Preprocess {
	return Preprocess{Width: 224, Height: 224, Divisor: 255,
		Mean: [3]float32{0.485, 0.456, 0.406}, Std: [3]float32{0.229, 0.224, 0.225}}
}

// Caffe is the preprocessing of the original extract_features_caffe.py:
// bicubic resize to the model's input size, RGB -> BGR, 0-255 values
// minus the mean [104, 117, 123] (B, G, R).
func Caffe() Preprocess {
	return Preprocess{Mean: [3]float32{104, 117, 123}, BGR: true}
}

// ParsePreset returns the preprocessing named by s: "pytorch", "caffe",
// or a custom one as comma-separated key=value pairs,
//
//	size=WxH,divisor=D,mean=m1:m2:m3,std=s1:s2:s3,order=rgb|bgr
//
// e.g. "size=227x227,mean=104:117:123,order=bgr". Omitted keys keep the
// zero value's meaning.
func ParsePreset(s string) (Preprocess, error) {
	switch s {
	case "pytorch":
		return PyTorch(), nil
	case "caffe":
		return Caffe(), nil
	}
	var p Preprocess
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return p, fmt.Errorf("extract: preset %q: want pytorch, caffe or key=value pairs (size, divisor, mean, std, order)", s)
		}
		var err error
		switch k {
		case "size":
			w, h, ok := strings.Cut(v, "x")
			if !ok {
				return p, fmt.Errorf("extract: preset size %q: want WxH", v)
			}
			if p.Width, err = strconv.Atoi(w); err == nil {
				p.Height, err = strconv.Atoi(h)
			}
			if err == nil && (p.Width <= 0 || p.Height <= 0) {
				err = fmt.Errorf("size must be positive")
			}
		case "divisor":
			p.Divisor, err = strconv.ParseFloat(v, 64)
			if err == nil && p.Divisor <= 0 {
				err = fmt.Errorf("divisor must be positive")
			}
		case "mean":
			p.Mean, err = parse3(v)
		case "std":
			p.Std, err = parse3(v)
		case "order":
			switch v {
			case "rgb":
				p.BGR = false
			case "bgr":
				p.BGR = true
			default:
				err = fmt.Errorf("want rgb or bgr")
			}
		default:
			err = fmt.Errorf("unknown key")
		}
		if err != nil {
			return p, fmt.Errorf("extract: preset %s: %v", kv, err)
		}
	}
	return p, nil
}

func parse3(s string) ([3]float32, error) {
	var out [3]float32
	f := strings.Split(s, ":")
	if len(f) != 3 {
		return out, fmt.Errorf("want three values separated by ':'")
	}
	for i, x := range f {
		v, err := strconv.ParseFloat(x, 32)
		if err != nil {
			return out, err
		}
		out[i] = float32(v)
	}
	return out, nil
}

// apply resizes m to w x h and writes the network input, channels first
// (3 x h x w), into dst.
func (p *Preprocess) apply(dst []float32, m *Image, w, h int) {
	r := m.Resize(w, h)
	div := p.Divisor
	if div == 0 {
		div = 1
	}
	var lut [3][256]float32
	for c := range 3 {
		std := p.Std[c]
		if std == 0 {
			std = 1
		}
		for v := range 256 {
			x := float32(float64(v) / div)
			lut[c][v] = (x - p.Mean[c]) / std
		}
	}
	plane := w * h
	for c := range 3 {
		src := c // source channel of input channel c
		if p.BGR {
			src = 2 - c
		}
		if r.C == 1 {
			src = 0
		}
		out := dst[c*plane : (c+1)*plane]
		for i := range plane {
			out[i] = lut[c][r.Pix[i*r.C+src]]
		}
	}
}
