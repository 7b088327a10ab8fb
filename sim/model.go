package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strconv"

	"golang.org/x/sync/errgroup"
	"gonum.org/v1/gonum/mat"

	"github.com/brainhierarchy/bhscore/hierarchy"
)

// profile writes into dst[d] the unit-norm Gaussian depth profile
// a_d(x) ∝ exp(−(d − x)²/(2w²)), d = 1..len(dst).
func profile(dst []float64, x, w float64) {
	var ss float64
	for d := range dst {
		v := math.Exp(-sq(float64(d+1)-x) / (2 * w * w))
		dst[d] = v
		ss += v * v
	}
	ss = math.Sqrt(ss)
	for d := range dst {
		dst[d] /= ss
	}
}

func sq(x float64) float64 { return x * x }

func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// loadings fills column j of l (F × n, F = depths·K) with the readout of a
// unit or voxel at depth x: l[d·K+k, j] = a_d(x)·g, g ~ N(0, 1/K).
func (s *Study) loadings(r *rand.Rand, l *mat.Dense, j int, x, w float64) {
	p := s.Params
	a := make([]float64, p.Depths)
	profile(a, x, w)
	sd := 1 / math.Sqrt(float64(p.FactorsPerDepth))
	for d := range p.Depths {
		for k := range p.FactorsPerDepth {
			l.Set(d*p.FactorsPerDepth+k, j, a[d]*sd*r.NormFloat64())
		}
	}
}

// Features returns the activations of layer li of network ni on the images
// of split (TrainSet or TestSet): a row-major images × units matrix in
// float32, images in sorted stem order, units in C order of the layer's
// shape.
func (s *Study) Features(ni, li int, split string) ([]float32, error) {
	if ni < 0 || ni >= len(s.Nets) || li < 0 || li >= len(s.Nets[ni].Layers) {
		return nil, fmt.Errorf("sim: no layer %d of network %d", li, ni)
	}
	sp, z, err := s.split(split)
	if err != nil {
		return nil, err
	}
	net, layer := &s.Nets[ni], s.Nets[ni].Layers[li]
	p := s.Params
	F := p.Depths * p.FactorsPerDepth
	n, m := layer.Units(), len(sp.Stems)

	// Unit parameters: shared by both splits.
	r := s.rng("units", net.Name, layer.Name)
	L := mat.NewDense(F, n, nil)
	off, sc, tau := make([]float64, n), make([]float64, n), make([]float64, n)
	for u := range n {
		s.loadings(r, L, u, layer.Centre+p.UnitJitter*r.NormFloat64(), p.LayerWidth)
		off[u] = uniform(r, p.UnitOffset[0], p.UnitOffset[1])
		sc[u] = uniform(r, p.UnitScale[0], p.UnitScale[1])
		tau[u] = uniform(r, p.UnitNoise[0], p.UnitNoise[1])
	}
	var sig mat.Dense
	sig.Mul(mat.NewDense(m, F, z), L)
	r = s.rng("unit noise", net.Name, layer.Name, split)
	out := make([]float32, m*n)
	for i := range m {
		for u := range n {
			out[i*n+u] = float32(off[u] + sc[u]*(sig.At(i, u)+tau[u]*r.NormFloat64()))
		}
	}
	return out, nil
}

// FMRI is one subject's simulated fMRI data set for one split, in the
// column layout of the BData files: voxel columns first (ROIs interleaved),
// then Session, Run, Block, image_index and stimulus_name.
type FMRI struct {
	Subject, Split string
	// Trials and Voxels are the numbers of rows and voxel columns.
	Trials, Voxels int
	// Data holds the voxel responses, row-major Trials × Voxels.
	Data []float64
	// ROI[v] is the index into ROINames of voxel column v; X, Y and Z
	// are its coordinates.
	ROI     []int
	X, Y, Z []float64
	// Per trial: session, run, block (trial number within the run), the
	// 1-based image_index (position in the sorted stems) and the
	// stimulus_name value (synset + number·1e-6).
	Session, Run, Block, ImageIndex []int
	StimulusName                    []float64
}

// StimulusValue returns the stimulus_name value of a stem
// "n<synset>_<number>": synset + number·1e-6.
func StimulusValue(stem string) (float64, error) {
	var syn, num int
	if _, err := fmt.Sscanf(stem, "n%d_%d", &syn, &num); err != nil {
		return 0, fmt.Errorf("sim: stem %q is not n<synset>_<number>", stem)
	}
	return float64(syn) + float64(num)*1e-6, nil
}

// FMRI generates subject si's data for split (TrainSet or TestSet).
func (s *Study) FMRI(si int, split string) (*FMRI, error) {
	if si < 0 || si >= len(s.Subjects) {
		return nil, fmt.Errorf("sim: no subject %d", si)
	}
	sp, z, err := s.split(split)
	if err != nil {
		return nil, err
	}
	sub := s.Subjects[si]
	p := s.Params
	F := p.Depths * p.FactorsPerDepth
	V := 0
	for _, n := range sub.Voxels {
		V += n
	}

	// Voxel parameters: shared by both splits. Generated ROI by ROI, then
	// the columns are permuted so that ROIs interleave.
	r := s.rng("voxels", sub.Name)
	L := mat.NewDense(F, V, nil)
	roi := make([]int, 0, V)
	base, scale, sigma := make([]float64, V), make([]float64, V), make([]float64, V)
	v := 0
	for ri, n := range sub.Voxels {
		for range n {
			s.loadings(r, L, v, p.ROIDepths[ri]+p.VoxelJitter*r.NormFloat64(), p.ROIWidth)
			base[v] = p.VoxelBaseline[0] + p.VoxelBaseline[1]*r.NormFloat64()
			scale[v] = uniform(r, p.VoxelScale[0], p.VoxelScale[1])
			sigma[v] = uniform(r, p.VoxelNoise[0], p.VoxelNoise[1])
			roi = append(roi, ri)
			v++
		}
	}
	perm := r.Perm(V)
	coords := map[[3]int]bool{}
	x, y, zc := make([]float64, V), make([]float64, V), make([]float64, V)
	for c := range V {
		for {
			k := [3]int{r.IntN(141) - 70, r.IntN(141) - 70, r.IntN(141) - 70}
			if !coords[k] {
				coords[k] = true
				x[c], y[c], zc[c] = float64(k[0]), float64(k[1]), float64(k[2])
				break
			}
		}
	}
	var sig mat.Dense
	sig.Mul(mat.NewDense(len(sp.Stems), F, z), L)

	// Trials: every repetition shows all images in a fresh random order;
	// runs of RunLength trials; 8 runs per session.
	out := &FMRI{Subject: sub.Name, Split: split, Trials: sp.Trials(), Voxels: V, ROI: make([]int, V), X: x, Y: y, Z: zc}
	for c := range V {
		out.ROI[c] = roi[perm[c]]
	}
	values := make([]float64, len(sp.Stems))
	for i, st := range sp.Stems {
		if values[i], err = StimulusValue(st); err != nil {
			return nil, err
		}
	}
	r = s.rng("trials", sub.Name, split)
	out.Data = make([]float64, out.Trials*V)
	t := 0
	for range sp.Reps {
		for _, img := range r.Perm(len(sp.Stems)) {
			run := t/sp.RunLength + 1
			out.Session = append(out.Session, (run-1)/8+1)
			out.Run = append(out.Run, run)
			out.Block = append(out.Block, t%sp.RunLength+1)
			out.ImageIndex = append(out.ImageIndex, img+1)
			out.StimulusName = append(out.StimulusName, values[img])
			row := out.Data[t*V : (t+1)*V]
			srow := sig.RawRowView(img)
			for c := range V {
				o := perm[c]
				row[c] = base[o] + scale[o]*(srow[o]+sigma[o]*r.NormFloat64())
			}
			t++
		}
	}
	return out, nil
}

// idealScore is Net.Ideal: the BH score when every unit's best ROI is the
// ROI whose depth is nearest its layer's centre.
func (s *Study) idealScore(n *Net) float64 {
	var lx, rx []float64
	for li, l := range n.Layers {
		best, bd := 0, math.Inf(1)
		for ri, d := range s.Params.ROIDepths {
			if dd := math.Abs(d - l.Centre); dd < bd {
				best, bd = ri, dd
			}
		}
		for range l.Units() {
			lx = append(lx, float64(li+1))
			rx = append(rx, float64(best+1))
		}
	}
	rho := hierarchy.Spearman(lx, rx)
	if math.IsNaN(rho) {
		return 0
	}
	return rho
}

// FeatureColumns writes units [u0, u1) of layer li of network ni on the
// images of split into dst, unit-major (dst[(u-u0)*images+i]), units
// numbered in Fortran order of the layer's unit shape: the generator of
// packed networks (Format Packed), which never holds a whole layer. Each
// unit's parameters and noise come from generators seeded by the unit, so
// the values do not depend on the blocks asked for. It follows the same
// model as Features, from different random streams.
func (s *Study) FeatureColumns(ni, li int, split string, u0, u1 int, dst []float32) error {
	if ni < 0 || ni >= len(s.Nets) || li < 0 || li >= len(s.Nets[ni].Layers) {
		return fmt.Errorf("sim: no layer %d of network %d", li, ni)
	}
	sp, z, err := s.split(split)
	if err != nil {
		return err
	}
	net, layer := &s.Nets[ni], s.Nets[ni].Layers[li]
	if u0 < 0 || u1 > layer.Units() || u0 > u1 || len(dst) != (u1-u0)*len(sp.Stems) {
		return fmt.Errorf("sim: layer %s: units [%d, %d) of %d into %d values", layer.Name, u0, u1, layer.Units(), len(dst))
	}
	p := s.Params
	F := p.Depths * p.FactorsPerDepth
	m := len(sp.Stems)
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	const chunk = 256
	for c0 := u0; c0 < u1; c0 += chunk {
		g.Go(func() error {
			L := mat.NewDense(F, 1, nil)
			for u := c0; u < min(c0+chunk, u1); u++ {
				id := strconv.Itoa(u)
				r := s.rng("unit", net.Name, layer.Name, id)
				s.loadings(r, L, 0, layer.Centre+p.UnitJitter*r.NormFloat64(), p.LayerWidth)
				off := uniform(r, p.UnitOffset[0], p.UnitOffset[1])
				sc := uniform(r, p.UnitScale[0], p.UnitScale[1])
				tau := uniform(r, p.UnitNoise[0], p.UnitNoise[1])
				l := L.RawMatrix().Data
				rn := s.rng("unit noise", net.Name, layer.Name, split, id)
				out := dst[(u-u0)*m : (u-u0+1)*m]
				for i := range m {
					var sig float64
					for f, v := range z[i*F : (i+1)*F] {
						sig += v * l[f]
					}
					out[i] = float32(off + sc*(sig+tau*rn.NormFloat64()))
				}
			}
			return nil
		})
	}
	return g.Wait()
}
