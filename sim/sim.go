package sim

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// Size selects the scale of a simulated study.
type Size int

const (
	// Tiny is for tests: 60 training images × 2 repetitions, 50 test
	// images × 2, 20–40 voxels per ROI, 20–40 units per layer, 4–6 layers.
	Tiny Size = iota
	// Default is the main job: 240 training images × 2 repetitions, 50 test
	// images × 3, 100–200 voxels per ROI, 100–300 units per layer, 5–6
	// layers.
	Default
	// Paper is the published scale, for benchmarks: 1,200 training images
	// (150 synsets × 8) × 5 repetitions, 50 test images × 5, ~1,000 voxels
	// per ROI, 1,000 units per layer, 8 layers.
	Paper
	// AlexNet is Paper's images, trials and voxels with one AlexNet-shaped
	// network at full unit counts (conv1 96×55×55 = 290,400 units, conv2
	// 256×27×27, conv3 and conv4 384×13×13, conv5 256×13×13, fc6 and fc7
	// 4,096, fc8 1,000: 659,272 units), its features written to packed
	// stores (features.PackColumns, 3.2 GB for the training images) and
	// decoded from 1,000 random units per layer, as the paper does: the
	// full-size analysis on one machine (all-unit encoding is streamed).
	AlexNet
	// VGGConv1 is AlexNet's study with one network shaped like VGG-16's
	// first convolution and its head (conv1_1 64×224×224 = 3,211,264
	// units, fc6 and fc7 4,096, fc8 1,000): the largest layer of the
	// paper's networks, 15.4 GB of packed float32 for the training images.
	VGGConv1
)

// Sizes lists the sizes in increasing order.
var Sizes = []Size{Tiny, Default, Paper, AlexNet, VGGConv1}

func (s Size) String() string {
	switch s {
	case Tiny:
		return "tiny"
	case Default:
		return "default"
	case Paper:
		return "paper"
	case AlexNet:
		return "alexnet"
	case VGGConv1:
		return "vgg-conv1"
	}
	return "Size(" + strconv.Itoa(int(s)) + ")"
}

// ParseSize parses "tiny", "default", "paper", "alexnet" or "vgg-conv1".
func ParseSize(s string) (Size, error) {
	for _, z := range Sizes {
		if strings.EqualFold(s, z.String()) {
			return z, nil
		}
	}
	return 0, fmt.Errorf("sim: unknown size %q (want tiny, default, paper, alexnet or vgg-conv1)", s)
}

// Names of the study's fixed parts, as the original data use them.
const (
	TrainSet = "ImageNetTraining"
	TestSet  = "ImageNetTest"
)

// ROINames are the simulated ROIs in hierarchical order (depths 1..5).
var ROINames = []string{"V1", "V2", "V3", "V4", "HVC"}

// Format is the MAT-file version a network's features are written in.
type Format int

const (
	// V5 is MATLAB v5 (scipy.io.savemat; the PyTorch extractor).
	V5 Format = iota
	// V73 is MATLAB v7.3 / HDF5 (hdf5storage; the Caffe extractor).
	V73
	// Packed is a packed feature store per split (features.PackColumns),
	// not one file per image.
	Packed
)

func (f Format) String() string {
	switch f {
	case V73:
		return "v7.3"
	case Packed:
		return "packed"
	}
	return "v5"
}

// MarshalText writes "v5" or "v7.3".
func (f Format) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText parses "v5" or "v7.3".
func (f *Format) UnmarshalText(b []byte) error {
	switch string(b) {
	case "v5":
		*f = V5
	case "v7.3":
		*f = V73
	case "packed":
		*f = Packed
	default:
		return fmt.Errorf("sim: unknown MAT format %q", b)
	}
	return nil
}

// Layer is one simulated DNN layer.
type Layer struct {
	Name string `json:"name"`
	// Shape is the shape of the variable feat in each file: 1×units or
	// 1×C×H×W.
	Shape []int `json:"shape"`
	// Centre is the latent depth the layer reads out (1..5).
	Centre float64 `json:"centre"`
}

// Units returns the number of units of l.
func (l Layer) Units() int {
	n := 1
	for _, d := range l.Shape {
		n *= d
	}
	return n
}

// Net is one simulated DNN.
type Net struct {
	Name      string  `json:"name"`
	Framework string  `json:"framework"`
	Format    Format  `json:"format"`
	Layers    []Layer `json:"layers"`
	// Ideal is the BH score of the noiseless limit: Spearman's rho between
	// the layer position of every unit and the position of the ROI whose
	// depth is nearest the unit's centre (0 when undefined, e.g. one ROI
	// for all units).
	Ideal float64 `json:"ideal_score"`
}

// Dir returns the network's feature sub-directory, "<framework>/<name>".
func (n *Net) Dir() string { return n.Framework + "/" + n.Name }

// LayerNames returns the names of n's layers in order.
func (n *Net) LayerNames() []string {
	out := make([]string, len(n.Layers))
	for i, l := range n.Layers {
		out[i] = l.Name
	}
	return out
}

// Subject is one simulated subject.
type Subject struct {
	Name string `json:"name"`
	// Voxels holds the number of voxels of each ROI, in ROINames order.
	Voxels []int `json:"voxels"`
}

// Split is a set of images and their presentations.
type Split struct {
	// Stems are the image file stems, sorted as strings: the 1-based
	// position of a stem is its image_index.
	Stems []string `json:"stems"`
	// Reps is the number of presentations of every image.
	Reps int `json:"repetitions"`
	// RunLength is the number of trials per run.
	RunLength int `json:"run_length"`
}

// Trials returns the number of trials of the split.
func (s *Split) Trials() int { return len(s.Stems) * s.Reps }

// Params are the generative model's parameters (see the package
// documentation).
type Params struct {
	Depths          int        `json:"depths"`
	FactorsPerDepth int        `json:"factors_per_depth"`
	ROIDepths       []float64  `json:"roi_depths"`
	ROIWidth        float64    `json:"roi_width"`
	LayerWidth      float64    `json:"layer_width"`
	VoxelJitter     float64    `json:"voxel_depth_jitter_sd"`
	UnitJitter      float64    `json:"unit_depth_jitter_sd"`
	VoxelNoise      [2]float64 `json:"voxel_noise_sd_range"`
	VoxelBaseline   [2]float64 `json:"voxel_baseline_mean_sd"`
	VoxelScale      [2]float64 `json:"voxel_scale_range"`
	UnitNoise       [2]float64 `json:"unit_noise_sd_range"`
	UnitOffset      [2]float64 `json:"unit_offset_range"`
	UnitScale       [2]float64 `json:"unit_scale_range"`
}

// Study is a simulated study: its design, ground truth and parameters.
// The data themselves are generated on demand (FMRI, Features) or written
// by Write. A Study is safe for concurrent use.
type Study struct {
	Seed     uint64
	Size     Size
	Params   Params
	ROIs     []string
	Subjects []Subject
	Nets     []Net
	Train    Split
	Test     Split

	trainZ, testZ []float64 // images × Depths·FactorsPerDepth, sorted stem order
}

type sizeSpec struct {
	trainSynsets, perSynset, trainReps int
	testImages, testReps               int
	runLength                          int
	voxels, units                      [2]int // ranges per ROI / 1-d layer
	factors                            int
	hier, flat, rev                    int        // layers per network
	nd                                 [][]int    // N-d layer shapes (first layers)
	net                                func() Net // one full-size packed network instead
}

var specs = map[Size]sizeSpec{
	Tiny: {trainSynsets: 10, perSynset: 6, trainReps: 2, testImages: 50, testReps: 2, runLength: 30,
		voxels: [2]int{20, 40}, units: [2]int{20, 40}, factors: 3, hier: 5, flat: 4, rev: 6,
		nd: [][]int{{1, 2, 3, 4}, {1, 3, 3, 3}}},
	Default: {trainSynsets: 20, perSynset: 12, trainReps: 2, testImages: 50, testReps: 3, runLength: 60,
		voxels: [2]int{100, 200}, units: [2]int{100, 300}, factors: 4, hier: 6, flat: 5, rev: 6,
		nd: [][]int{{1, 8, 4, 4}, {1, 16, 3, 3}}},
	Paper: {trainSynsets: 150, perSynset: 8, trainReps: 5, testImages: 50, testReps: 5, runLength: 55,
		voxels: [2]int{900, 1100}, units: [2]int{1000, 1000}, factors: 6, hier: 8, flat: 8, rev: 8,
		nd: [][]int{{1, 10, 10, 10}, {1, 40, 5, 5}}},
	AlexNet: {trainSynsets: 150, perSynset: 8, trainReps: 5, testImages: 50, testReps: 5, runLength: 55,
		voxels: [2]int{900, 1100}, factors: 6, net: alexNet},
	VGGConv1: {trainSynsets: 150, perSynset: 8, trainReps: 5, testImages: 50, testReps: 5, runLength: 55,
		voxels: [2]int{900, 1100}, factors: 6, net: vggConv1},
}

// alexNet is the AlexNet-shaped network of size AlexNet: torchvision's
// layer shapes, centres rising from 1 to 5.
func alexNet() Net {
	shapes := [][]int{{1, 96, 55, 55}, {1, 256, 27, 27}, {1, 384, 13, 13}, {1, 384, 13, 13}, {1, 256, 13, 13},
		{1, 4096}, {1, 4096}, {1, 1000}}
	names := []string{"conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8"}
	return packedNet("AlexNet", names, shapes, linspace(1, 5, len(names)))
}

// vggConv1 is the network of size VGGConv1: VGG-16's conv1_1 and its
// fully connected head.
func vggConv1() Net {
	shapes := [][]int{{1, 64, 224, 224}, {1, 4096}, {1, 4096}, {1, 1000}}
	return packedNet("VGG16", []string{"conv1_1", "fc6", "fc7", "fc8"}, shapes, []float64{1, 4, 4.5, 5})
}

func packedNet(name string, layers []string, shapes [][]int, centres []float64) Net {
	n := Net{Name: name, Framework: "pytorch", Format: Packed}
	for i, c := range centres {
		n.Layers = append(n.Layers, Layer{Name: layers[i], Shape: shapes[i], Centre: c})
	}
	return n
}

// fullSize reports whether the study has one full-size packed network
// (sizes AlexNet and VGGConv1).
func (s *Study) fullSize() bool { return specs[s.Size].net != nil }

// DefaultParams returns the generative parameters used for every size.
func DefaultParams(factors int) Params {
	return Params{
		Depths:          5,
		FactorsPerDepth: factors,
		ROIDepths:       []float64{1, 2, 3, 4, 5},
		ROIWidth:        0.9,
		LayerWidth:      0.9,
		VoxelJitter:     0.3,
		UnitJitter:      0.3,
		VoxelNoise:      [2]float64{0.8, 3},
		VoxelBaseline:   [2]float64{600, 60},
		VoxelScale:      [2]float64{3, 12},
		UnitNoise:       [2]float64{0.4, 2},
		UnitOffset:      [2]float64{-1, 1},
		UnitScale:       [2]float64{0.8, 2.5},
	}
}

// New designs a study of the given size from seed: stems, subjects,
// networks and latent factors. It generates no voxel or unit data.
func New(size Size, seed uint64) (*Study, error) {
	sp, ok := specs[size]
	if !ok {
		return nil, fmt.Errorf("sim: unknown size %d", int(size))
	}
	s := &Study{Seed: seed, Size: size, Params: DefaultParams(sp.factors), ROIs: slices.Clone(ROINames)}

	// Stems: distinct synsets for training and test.
	r := s.rng("stems")
	synsets := map[int]bool{}
	newSynset := func() int {
		for {
			n := 1_000_000 + r.IntN(14_000_000)
			if !synsets[n] {
				synsets[n] = true
				return n
			}
		}
	}
	var train []string
	for k := range sp.trainSynsets {
		syn := newSynset()
		used := map[int]bool{}
		for j := range sp.perSynset {
			var num int
			switch {
			case k == 0 && j == 0:
				num = 1000 + r.IntN(1000) // "_1xxx" sorts before "_9x"
			case k == 0 && j == 1:
				num = 90 + r.IntN(10)
			default:
				for num == 0 || used[num] {
					num = randNumber(r)
				}
			}
			used[num] = true
			train = append(train, stem(syn, num))
		}
	}
	var test []string
	for range sp.testImages {
		test = append(test, stem(newSynset(), randNumber(r)))
	}
	slices.Sort(train)
	slices.Sort(test)
	s.Train = Split{Stems: train, Reps: sp.trainReps, RunLength: sp.runLength}
	s.Test = Split{Stems: test, Reps: sp.testReps, RunLength: sp.testImages}

	// Subjects.
	r = s.rng("subjects")
	for i := range 3 {
		sub := Subject{Name: fmt.Sprintf("sub-%02d", i+1)}
		for range s.ROIs {
			sub.Voxels = append(sub.Voxels, sp.voxels[0]+r.IntN(sp.voxels[1]-sp.voxels[0]+1))
		}
		s.Subjects = append(s.Subjects, sub)
	}

	// Networks.
	r = s.rng("nets")
	units := func() []int { return []int{1, sp.units[0] + r.IntN(sp.units[1]-sp.units[0]+1)} }
	mk := func(name, fw string, f Format, centres []float64, a, b string, nd int) Net {
		n := Net{Name: name, Framework: fw, Format: f}
		na := max(1, (2*len(centres)+2)/3) // two thirds "a" layers (conv), the rest "b" (fc)
		for i, c := range centres {
			l := Layer{Centre: c, Name: fmt.Sprintf("%s%d", a, i+1)}
			if i >= na {
				l.Name = fmt.Sprintf("%s%d", b, i+1)
			}
			if i < nd {
				l.Shape = slices.Clone(sp.nd[i%len(sp.nd)])
			} else {
				l.Shape = units()
			}
			n.Layers = append(n.Layers, l)
		}
		return n
	}
	hier := mk("HierNet", "pytorch", V5, linspace(1, 5, sp.hier), "conv", "fc", 2)
	flatC := make([]float64, sp.flat)
	for i := range flatC {
		flatC[i] = 3 + 0.15*math.Sin(float64(2*i+1)) // ~3, no trend
	}
	flat := mk("FlatNet", "caffe", V73, flatC, "block", "fc", 1)
	rev := mk("RevNet", "caffe", V73, linspace(5, 1, sp.rev), "stage", "head", 1)
	s.Nets = []Net{hier, flat, rev}
	if sp.net != nil {
		s.Nets = []Net{sp.net()}
	}
	for i := range s.Nets {
		s.Nets[i].Ideal = s.idealScore(&s.Nets[i])
	}

	// Latent factors, images in sorted stem order.
	f := s.Params.Depths * s.Params.FactorsPerDepth
	s.trainZ = normals(s.rng("latent", TrainSet), len(train)*f)
	s.testZ = normals(s.rng("latent", TestSet), len(test)*f)
	return s, nil
}

func randNumber(r *rand.Rand) int {
	digits := 2 + r.IntN(4) // 2..5 digits
	lo := int(math.Pow10(digits - 1))
	return lo + r.IntN(9*lo)
}

func stem(synset, num int) string { return fmt.Sprintf("n%08d_%d", synset, num) }

func linspace(a, b float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		if n == 1 {
			out[i] = a
			continue
		}
		out[i] = a + (b-a)*float64(i)/float64(n-1)
	}
	return out
}

func normals(r *rand.Rand, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = r.NormFloat64()
	}
	return out
}

// rng returns the random stream named by parts: every component of the
// study draws from its own stream, so the data do not depend on the order
// or parallelism of generation.
func (s *Study) rng(parts ...string) *rand.Rand {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return rand.New(rand.NewPCG(s.Seed, h.Sum64()))
}

// Net returns the network called name, or nil.
func (s *Study) Net(name string) *Net {
	for i := range s.Nets {
		if s.Nets[i].Name == name {
			return &s.Nets[i]
		}
	}
	return nil
}

// SubjectNames returns the subjects' names.
func (s *Study) SubjectNames() []string {
	out := make([]string, len(s.Subjects))
	for i, sub := range s.Subjects {
		out[i] = sub.Name
	}
	return out
}

// split returns the split called name (TrainSet or TestSet) and its latents.
func (s *Study) split(name string) (*Split, []float64, error) {
	switch name {
	case TrainSet:
		return &s.Train, s.trainZ, nil
	case TestSet:
		return &s.Test, s.testZ, nil
	}
	return nil, nil, fmt.Errorf("sim: unknown split %q (want %s or %s)", name, TrainSet, TestSet)
}
