package main

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/brainhierarchy/bhscore/sim"
)

// writeImages renders one 64 x 64 PNG stimulus per image of both splits,
// <dir>/<split>/<stem>.png, for trying feature extraction on the simulated
// study: each picture is a sum of fixed coloured gratings weighted by the
// image's standardised activations of the first simulated network's first
// layer, so the pictures carry the study's low-level latent factors.
func writeImages(ctx context.Context, s *sim.Study, dir string) error {
	const size = 64
	units := s.Nets[0].Layers[0].Units()
	rng := rand.New(rand.NewPCG(s.Seed, 0x1ea9e5))
	type grating struct{ fx, fy, phase [3]float64 }
	gs := make([]grating, units)
	for u := range gs {
		for c := range 3 {
			gs[u].fx[c] = float64(rng.IntN(7)-3) * 2 * math.Pi / size
			gs[u].fy[c] = float64(rng.IntN(7)-3) * 2 * math.Pi / size
			gs[u].phase[c] = rng.Float64() * 2 * math.Pi
		}
	}
	for _, split := range []string{sim.TrainSet, sim.TestSet} {
		if err := ctx.Err(); err != nil {
			return err
		}
		stems := s.Train.Stems
		if split == sim.TestSet {
			stems = s.Test.Stems
		}
		feat, err := s.Features(0, 0, split)
		if err != nil {
			return err
		}
		z := standardise(feat, len(stems), units)
		if err := os.MkdirAll(filepath.Join(dir, split), 0o777); err != nil {
			return err
		}
		for i, stem := range stems {
			m := image.NewRGBA(image.Rect(0, 0, size, size))
			for y := range size {
				for x := range size {
					for c := range 3 {
						v := 0.0
						for u, g := range gs {
							v += z[i*units+u] * math.Sin(g.fx[c]*float64(x)+g.fy[c]*float64(y)+g.phase[c])
						}
						m.Pix[y*m.Stride+4*x+c] = uint8(max(0, min(255, math.Round(128+40*v/math.Sqrt(float64(units))))))
					}
					m.Pix[y*m.Stride+4*x+3] = 255
				}
			}
			if err := writePNG(filepath.Join(dir, split, stem+".png"), m); err != nil {
				return err
			}
		}
	}
	return nil
}

// standardise returns the rows x units values with every unit scaled to
// zero mean and unit variance across rows.
func standardise(v []float32, rows, units int) []float64 {
	z := make([]float64, len(v))
	for u := range units {
		var s, ss float64
		for i := range rows {
			s += float64(v[i*units+u])
		}
		mean := s / float64(rows)
		for i := range rows {
			d := float64(v[i*units+u]) - mean
			ss += d * d
		}
		sd := math.Sqrt(ss / float64(rows))
		if sd == 0 {
			sd = 1
		}
		for i := range rows {
			z[i*units+u] = (float64(v[i*units+u]) - mean) / sd
		}
	}
	return z
}

func writePNG(path string, m image.Image) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := png.Encode(f, m); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
