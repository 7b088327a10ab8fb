package analysis

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/brainhierarchy/bhscore/bdmodel"
	"github.com/brainhierarchy/bhscore/internal/fsx"
)

// Config describes a whole study: the fMRI of each subject, the ROIs in
// hierarchical order, the DNN feature trees, the networks and layers, the
// solver settings of both directions and where results go. It is the
// Go-native study file (YAML or JSON); LoadConfig also accepts the original
// BHscore encoding configs (bhscore_<fw>_<net>_allunits.yaml).
//
// Relative paths are resolved against the directory of the config file.
type Config struct {
	// Subjects in analysis order, each with its training and test BData.
	Subjects []SubjectConfig `yaml:"subjects" json:"subjects"`
	// ROIs in hierarchical order (V1 first), each with a bdpy selector.
	ROIs []ROIConfig `yaml:"rois" json:"rois"`
	// TrainFeatures and TestFeatures are the feature roots holding
	// <network dir>/<layer>/<stem>.mat (bdpy Features layout), or packed
	// stores made by features.Pack.
	TrainFeatures string `yaml:"train_features" json:"train_features"`
	TestFeatures  string `yaml:"test_features" json:"test_features"`
	// Networks in report order.
	Networks []NetworkConfig `yaml:"networks" json:"networks"`
	// Decoding and Encoding configure the two analyses.
	Decoding DirectionConfig `yaml:"decoding" json:"decoding"`
	Encoding DirectionConfig `yaml:"encoding" json:"encoding"`
	// Output is the results root; it receives feature_decoders/,
	// decoded_features/, decoding_accuracy/, feature_encoders/,
	// encoding_accuracy/, settings.json and the report.
	Output string `yaml:"output" json:"output"`
	// TrainSet and TestSet name the image sets in output paths
	// (default ImageNetTraining and ImageNetTest).
	TrainSet string `yaml:"train_set" json:"train_set"`
	TestSet  string `yaml:"test_set" json:"test_set"`
	// Trees place output trees individually; LoadConfig sets them from an
	// original config's directory keys. Empty fields take the defaults
	// below Output.
	Trees Trees `yaml:"trees,omitempty" json:"trees,omitempty"`
	// Memory is the memory budget of a worker process: a size ("8G",
	// "512MiB") or a share of the machine ("60%"); empty means 3/4 of the
	// machine's memory (cgroup limits respected). Options.Memory, the
	// -memory flag, overrides it. See Options.Memory.
	Memory string `yaml:"memory,omitempty" json:"memory,omitempty"`
	// NonFinite says what a job does with NaN or infinite values in the
	// fMRI trials or features it uses: "error" (the default: the job fails
	// naming the file, ROI, trial and voxel, or layer, image and unit) or
	// "propagate" (keep them, as the original scripts do, for bit-parity
	// on such files: they turn the ROI's models into NaN, and scoring
	// counts NaN accuracies as 0).
	NonFinite string `yaml:"non_finite,omitempty" json:"non_finite,omitempty"`
}

// Trees are the roots of the output trees, each holding
// <network dir>/<layer>/<subject>/<roi>/...; an empty field takes its
// default below Output (in brackets). An original encoding config sets
// them where BHscore's scripts and notebook write and read:
//
//	field               original config key              default
//	FeatureDecoders     feature decoder dir              [feature_decoders/<train set>]
//	DecodedFeatures     decoded feature dir              [decoded_features/<test set>]
//	DecodingAccuracy    <data>/decoding_accuracy/<set>,  [decoding_accuracy/<test set>]
//	                    next to decoded feature dir
//	FeatureEncoders     feature encoder dir[/<analysis>] [feature_encoders/<train set>]
//	EncodedFMRI         encoded brain dir[/<analysis>]/  [encoded_fmri/<test set>/encoded_brain]
//	                    encoded_brain
//	EncodingAccuracy    <data>/encoding_accuracy/<set>,  [encoding_accuracy/<test set>]
//	                    next to encoded brain dir
//	ProfileCorrelation  encoded brain dir[/<analysis>]/  [none]
//	                    profile_correlation
//
// ProfileCorrelation, when set, receives a second copy of every encoding
// accuracy file, where featenc_fastl2lir_predict.py writes them; the
// notebook and ScoreTrees read EncodingAccuracy.
type Trees struct {
	FeatureDecoders    string `yaml:"feature_decoders,omitempty" json:"feature_decoders,omitempty"`
	DecodedFeatures    string `yaml:"decoded_features,omitempty" json:"decoded_features,omitempty"`
	DecodingAccuracy   string `yaml:"decoding_accuracy,omitempty" json:"decoding_accuracy,omitempty"`
	FeatureEncoders    string `yaml:"feature_encoders,omitempty" json:"feature_encoders,omitempty"`
	EncodedFMRI        string `yaml:"encoded_fmri,omitempty" json:"encoded_fmri,omitempty"`
	EncodingAccuracy   string `yaml:"encoding_accuracy,omitempty" json:"encoding_accuracy,omitempty"`
	ProfileCorrelation string `yaml:"profile_correlation,omitempty" json:"profile_correlation,omitempty"`
}

// all returns pointers to every field, for resolving paths.
func (t *Trees) all() []*string {
	return []*string{&t.FeatureDecoders, &t.DecodedFeatures, &t.DecodingAccuracy, &t.FeatureEncoders, &t.EncodedFMRI, &t.EncodingAccuracy, &t.ProfileCorrelation}
}

// SubjectConfig names a subject's BData files.
type SubjectConfig struct {
	Name  string `yaml:"name" json:"name"`
	Train string `yaml:"train" json:"train"`
	Test  string `yaml:"test" json:"test"`
}

// ROIConfig names an ROI and its bdpy column selector.
type ROIConfig struct {
	Name     string `yaml:"name" json:"name"`
	Selector string `yaml:"selector" json:"selector"`
}

// NetworkConfig is one DNN: its name in reports, its directory below the
// feature roots (e.g. "pytorch/AlexNet") and its layers in order.
type NetworkConfig struct {
	Name   string   `yaml:"name" json:"name"`
	Dir    string   `yaml:"dir" json:"dir"`
	Layers []string `yaml:"layers" json:"layers"`
	// FeatureIndex optionally names a feature-index file (relative to the
	// training feature directory of the network) selecting units.
	FeatureIndex string `yaml:"feature_index,omitempty" json:"feature_index,omitempty"`
}

// DirectionConfig holds the solver settings of one analysis direction. An
// absent Alpha or NFeat (nil) takes the paper's value
// (bdmodel.DefaultAlpha, bdmodel.DefaultNFeat, applied by bdmodel.Solver);
// an explicit value, zero included, means what it means to fastl2lir.
type DirectionConfig struct {
	// Skip disables the direction.
	Skip bool `yaml:"skip,omitempty" json:"skip,omitempty"`
	// Alpha is the ridge parameter (nil: 100; 0: no penalty).
	Alpha *float64 `yaml:"alpha,omitempty" json:"alpha,omitempty"`
	// NFeat is the number of inputs selected per target (nil: 500; 0 or a
	// value >= the inputs: no selection).
	NFeat *int `yaml:"n_feat,omitempty" json:"n_feat,omitempty"`
	// NFeatLayer overrides NFeat per layer (the original encoding
	// configs' "layers unit num").
	NFeatLayer map[string]int `yaml:"n_feat_layer,omitempty" json:"n_feat_layer,omitempty"`
	// RandomUnits, if > 0, restricts the direction to that many units per
	// layer drawn at random (the original decodes 1,000: its
	// index_random1000.mat), for networks without a FeatureIndex. The
	// draw is numpy's np.random.seed(RandomSeed); np.random.choice per
	// layer (features.RandomIndex), written as a bdpy feature-index file
	// <output>/feature_index/<network dir>/index_random<N>_seed<S>.mat.
	RandomUnits int `yaml:"random_units,omitempty" json:"random_units,omitempty"`
	// RandomSeed seeds RandomUnits' draw (default 0).
	RandomSeed uint32 `yaml:"random_seed,omitempty" json:"random_seed,omitempty"`
}

// NFeatFor returns the selection size for a layer (nil: the default).
func (d DirectionConfig) NFeatFor(layer string) *int {
	if n, ok := d.NFeatLayer[layer]; ok {
		return &n
	}
	return d.NFeat
}

// LoadConfig reads a study config. It accepts the Go-native format and one
// or more original BHscore encoding configs (which it merges: each names
// one network); base resolves relative paths (empty: the directory of the
// first file).
func LoadConfig(base string, paths ...string) (*Config, error) {
	if len(paths) == 0 {
		return nil, errors.New("analysis: config: no file given")
	}
	if base == "" {
		base = filepath.Dir(paths[0])
	}
	var cfg *Config
	for _, p := range paths {
		raw, err := fsx.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("analysis: config: %w", err)
		}
		c, err := ParseConfig(raw)
		if err != nil {
			if ye := yamlError(p, raw, err); ye != nil {
				return nil, fmt.Errorf("analysis: config %w", ye)
			}
			return nil, fmt.Errorf("analysis: config %s: %w", p, err)
		}
		if cfg == nil {
			cfg = c
			continue
		}
		if err := cfg.merge(c); err != nil {
			return nil, fmt.Errorf("analysis: config %s: %w", p, err)
		}
	}
	cfg.resolve(base)
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("analysis: config %s: %w", strings.Join(paths, ", "), err)
	}
	return cfg, nil
}

// ParseConfig parses config content in either format and names the default
// image sets and output; paths are left as written.
func ParseConfig(raw []byte) (*Config, error) {
	var probe map[string]any
	if err := yaml.Unmarshal(raw, &probe); err != nil {
		return nil, err
	}
	if probe == nil {
		return nil, errors.New("empty config")
	}
	var c *Config
	if _, ok := probe["training fmri"]; ok {
		o, err := parseOriginal(raw)
		if err != nil {
			return nil, err
		}
		c = o
	} else {
		dec := yaml.NewDecoder(strings.NewReader(string(raw)))
		dec.KnownFields(true)
		c = &Config{}
		if err := dec.Decode(c); err != nil {
			return nil, err
		}
	}
	c.defaults()
	return c, nil
}

// defaults names the image sets and the output directory; the solver
// settings keep nil for absent (bdmodel.Solver applies their defaults).
func (c *Config) defaults() {
	if c.TrainSet == "" {
		c.TrainSet = "ImageNetTraining"
	}
	if c.TestSet == "" {
		c.TestSet = "ImageNetTest"
	}
	if c.Output == "" {
		c.Output = "results"
	}
}

// original is the layout of BHscore's encoding/bhscore_*_allunits.yaml.
type original struct {
	TrainingFMRI  yaml.Node      `yaml:"training fmri"`
	TestFMRI      yaml.Node      `yaml:"test fmri"`
	ROIs          yaml.Node      `yaml:"rois"`
	LabelKey      string         `yaml:"label key"`
	TrainFeatDir  []string       `yaml:"training feature dir"`
	TestFeatDir   []string       `yaml:"test feature dir"`
	Network       string         `yaml:"network"`
	Layers        []string       `yaml:"layers"`
	UnitNum       map[string]int `yaml:"layers unit num"`
	EncoderDir    string         `yaml:"feature encoder dir"`
	EncodedDir    string         `yaml:"encoded brain dir"`
	DecoderDir    string         `yaml:"feature decoder dir"`
	DecodedDir    string         `yaml:"decoded feature dir"`
	Alpha         *float64       `yaml:"encoding alpha"`
	FeatureIndex  string         `yaml:"feature index file"`
	AnalysisName  string         `yaml:"analysis name"`
	AnalysisName2 *string        `yaml:"analysis_name"`
}

// canonicalROIs is the hierarchical order of the paper's ROIs; the original
// configs list ROIs alphabetically (a YAML mapping), so known names are put
// in this order and unknown ones follow in file order.
var canonicalROIs = []string{"V1", "V2", "V3", "V4", "HVC"}

func parseOriginal(raw []byte) (*Config, error) {
	var o original
	if err := yaml.Unmarshal(raw, &o); err != nil {
		return nil, err
	}
	if o.Network == "" {
		return nil, errors.New("original config: no network")
	}
	if o.LabelKey != "" && o.LabelKey != "stimulus_name" {
		return nil, fmt.Errorf("original config: label key %q: only stimulus_name is supported", o.LabelKey)
	}
	if len(o.TrainFeatDir) == 0 || len(o.TestFeatDir) == 0 {
		return nil, errors.New("original config: missing training or test feature dir")
	}
	train, err := subjectFiles(&o.TrainingFMRI)
	if err != nil {
		return nil, fmt.Errorf("training fmri: %w", err)
	}
	test, err := subjectFiles(&o.TestFMRI)
	if err != nil {
		return nil, fmt.Errorf("test fmri: %w", err)
	}
	c := &Config{TrainFeatures: o.TrainFeatDir[0], TestFeatures: o.TestFeatDir[0]}
	for _, s := range train {
		t, ok := findPair(test, s[0])
		if !ok {
			return nil, fmt.Errorf("subject %s has training but no test fmri", s[0])
		}
		c.Subjects = append(c.Subjects, SubjectConfig{Name: s[0], Train: s[1], Test: t})
	}
	rois, err := pairs(&o.ROIs)
	if err != nil {
		return nil, fmt.Errorf("rois: %w", err)
	}
	for _, name := range canonicalROIs {
		if sel, ok := findPair(rois, name); ok {
			c.ROIs = append(c.ROIs, ROIConfig{Name: name, Selector: sel})
		}
	}
	for _, r := range rois {
		if !slices.Contains(canonicalROIs, r[0]) {
			c.ROIs = append(c.ROIs, ROIConfig{Name: r[0], Selector: r[1]})
		}
	}
	c.Networks = []NetworkConfig{{Name: filepath.Base(o.Network), Dir: o.Network, Layers: o.Layers, FeatureIndex: o.FeatureIndex}}
	c.Encoding.Alpha = o.Alpha
	c.Encoding.NFeatLayer = o.UnitNum
	if len(o.UnitNum) > 0 {
		// Every layer has its own size; NFeat is the fallback.
		for _, l := range o.Layers {
			if _, ok := o.UnitNum[l]; !ok {
				return nil, fmt.Errorf("layers unit num: no entry for layer %s", l)
			}
		}
	}
	c.Decoding.Alpha = o.Alpha
	// The decoding scripts hard-code 500 voxels; the original configs say
	// nothing about decoding, so it keeps the default.
	if err := o.trees(c); err != nil {
		return nil, err
	}
	return c, nil
}

// trees places the output trees where BHscore's scripts put them
// (Trees). The scripts test for the key "analysis_name" but read
// "analysis name": the analysis subdirectory is used only when both are
// present, and "analysis_name" alone fails there (KeyError) as here.
func (o *original) trees(c *Config) error {
	analysis := ""
	if o.AnalysisName2 != nil {
		if o.AnalysisName == "" {
			return errors.New(`original config: "analysis_name" is set but "analysis name" is not; the original scripts read "analysis name" (and use it only when "analysis_name" is present)`)
		}
		if err := pathElem("analysis name", o.AnalysisName); err != nil {
			return err
		}
		analysis = o.AnalysisName
	}
	// sibling returns <data>/<top>/<set> for dir = <data>/<kind>/<set>: the
	// tree the scripts and notebook keep next to dir.
	sibling := func(dir, top string) string {
		d := filepath.Clean(dir)
		return filepath.Join(filepath.Dir(filepath.Dir(d)), top, filepath.Base(d))
	}
	t := &c.Trees
	if o.EncoderDir != "" {
		t.FeatureEncoders = filepath.Join(o.EncoderDir, analysis)
		c.TrainSet = filepath.Base(filepath.Clean(o.EncoderDir))
		// The results root (settings.json, reports, job state) is the
		// data directory holding the trees.
		c.Output = filepath.Dir(filepath.Dir(filepath.Clean(o.EncoderDir)))
	}
	if o.EncodedDir != "" {
		t.EncodedFMRI = filepath.Join(o.EncodedDir, analysis, "encoded_brain")
		t.ProfileCorrelation = filepath.Join(o.EncodedDir, analysis, "profile_correlation")
		t.EncodingAccuracy = sibling(o.EncodedDir, "encoding_accuracy")
		c.TestSet = filepath.Base(filepath.Clean(o.EncodedDir))
	}
	if o.DecoderDir != "" {
		t.FeatureDecoders = o.DecoderDir
	}
	if o.DecodedDir != "" {
		t.DecodedFeatures = o.DecodedDir
		t.DecodingAccuracy = sibling(o.DecodedDir, "decoding_accuracy")
	}
	return nil
}

// subjectFiles reads "sub: [file]" mappings in file order.
func subjectFiles(n *yaml.Node) ([][2]string, error) {
	if n.Kind != yaml.MappingNode {
		return nil, errors.New("not a mapping of subject to files")
	}
	var out [][2]string
	for i := 0; i+1 < len(n.Content); i += 2 {
		var files []string
		if err := n.Content[i+1].Decode(&files); err != nil || len(files) == 0 {
			var one string
			if err2 := n.Content[i+1].Decode(&one); err2 != nil || one == "" {
				return nil, fmt.Errorf("subject %s: no file", n.Content[i].Value)
			}
			files = []string{one}
		}
		out = append(out, [2]string{n.Content[i].Value, files[0]})
	}
	return out, nil
}

// pairs reads a string-to-string mapping in file order.
func pairs(n *yaml.Node) ([][2]string, error) {
	if n.Kind != yaml.MappingNode {
		return nil, errors.New("not a mapping")
	}
	var out [][2]string
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, [2]string{n.Content[i].Value, n.Content[i+1].Value})
	}
	return out, nil
}

func findPair(p [][2]string, key string) (string, bool) {
	for _, kv := range p {
		if kv[0] == key {
			return kv[1], true
		}
	}
	return "", false
}

// merge adds the networks of another original config describing the same
// subjects and ROIs.
func (c *Config) merge(o *Config) error {
	if !slices.Equal(c.Subjects, o.Subjects) {
		return errors.New("subjects differ from the first config")
	}
	if !slices.Equal(c.ROIs, o.ROIs) {
		return errors.New("rois differ from the first config")
	}
	if c.Trees != o.Trees || c.Output != o.Output {
		return errors.New("output directories (feature encoder dir, encoded brain dir, feature decoder dir, decoded feature dir, analysis name) differ from the first config")
	}
	for _, n := range o.Networks {
		for _, m := range c.Networks {
			if m.Name == n.Name {
				return fmt.Errorf("network %s given twice", n.Name)
			}
		}
		c.Networks = append(c.Networks, n)
	}
	if c.Encoding.NFeatLayer == nil {
		c.Encoding.NFeatLayer = map[string]int{}
	}
	for k, v := range o.Encoding.NFeatLayer {
		c.Encoding.NFeatLayer[k] = v
	}
	return nil
}

func (c *Config) resolve(base string) {
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(base, p)
	}
	for i := range c.Subjects {
		c.Subjects[i].Train = abs(c.Subjects[i].Train)
		c.Subjects[i].Test = abs(c.Subjects[i].Test)
	}
	c.TrainFeatures = abs(c.TrainFeatures)
	c.TestFeatures = abs(c.TestFeatures)
	c.Output = abs(c.Output)
	for _, p := range c.Trees.all() {
		*p = abs(*p)
	}
}

// ErrInvalid is wrapped by the errors of Validate (and so of LoadConfig and
// Run for an invalid config): the config itself is wrong, a usage error.
var ErrInvalid = errors.New("invalid config")

// Validate checks that the config names everything a study needs, that
// names are safe to use as path elements and unique (subjects, ROIs,
// networks, the layers of a network), that alpha is finite and >= 0 and
// n_feat >= 0, and that non_finite is a known policy. Its errors wrap
// ErrInvalid.
func (c *Config) Validate() error {
	if err := c.validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return nil
}

func (c *Config) validate() error {
	if len(c.Subjects) == 0 {
		return errors.New("no subjects")
	}
	if len(c.ROIs) == 0 {
		return errors.New("no rois")
	}
	if len(c.Networks) == 0 {
		return errors.New("no networks")
	}
	if c.TrainFeatures == "" || c.TestFeatures == "" {
		return errors.New("train_features and test_features are required")
	}
	seen := map[string]bool{}
	for _, s := range c.Subjects {
		if err := pathElem("subject", s.Name); err != nil {
			return err
		}
		if s.Train == "" || s.Test == "" {
			return fmt.Errorf("subject %s: train and test BData files are required", s.Name)
		}
		if seen["s/"+s.Name] {
			return fmt.Errorf("subject %s given twice", s.Name)
		}
		seen["s/"+s.Name] = true
	}
	for _, r := range c.ROIs {
		if err := pathElem("roi", r.Name); err != nil {
			return err
		}
		if r.Selector == "" {
			return fmt.Errorf("roi %s: empty selector", r.Name)
		}
		if seen["r/"+r.Name] {
			return fmt.Errorf("roi %s given twice", r.Name)
		}
		seen["r/"+r.Name] = true
	}
	for _, n := range c.Networks {
		if n.Name == "" {
			return errors.New("a network has no name")
		}
		if err := pathElem("network", n.Name); err != nil {
			return err
		}
		if seen["n/"+n.Name] {
			return fmt.Errorf("network %s given twice", n.Name)
		}
		seen["n/"+n.Name] = true
		if !filepath.IsLocal(n.Dir) {
			return fmt.Errorf("network %s: dir %q must be a relative path", n.Name, n.Dir)
		}
		if len(n.Layers) == 0 {
			return fmt.Errorf("network %s: no layers", n.Name)
		}
		layers := map[string]bool{}
		for _, l := range n.Layers {
			if err := pathElem("layer", l); err != nil {
				return fmt.Errorf("network %s: %w", n.Name, err)
			}
			if layers[l] {
				return fmt.Errorf("network %s: layer %s given twice", n.Name, l)
			}
			layers[l] = true
		}
	}
	for name, d := range map[string]DirectionConfig{"decoding": c.Decoding, "encoding": c.Encoding} {
		if d.Alpha != nil && !(*d.Alpha >= 0 && !math.IsInf(*d.Alpha, 1)) {
			return fmt.Errorf("%s: alpha %v: want a finite number >= 0 (0: no penalty; absent: %v)", name, *d.Alpha, bdmodel.DefaultAlpha)
		}
		if d.NFeat != nil && *d.NFeat < 0 {
			return fmt.Errorf("%s: negative n_feat", name)
		}
		if d.RandomUnits < 0 {
			return fmt.Errorf("%s: negative random_units", name)
		}
		for l, n := range d.NFeatLayer {
			if n < 0 {
				return fmt.Errorf("%s: layer %s: negative n_feat %d", name, l, n)
			}
		}
	}
	switch c.NonFinite {
	case "", NonFiniteError, NonFinitePropagate:
	default:
		return fmt.Errorf("non_finite %q: want %q or %q", c.NonFinite, NonFiniteError, NonFinitePropagate)
	}
	return nil
}

// pathElem rejects names that would escape or break an output path.
func pathElem(what, s string) error {
	if s == "" || s == "." || s == ".." || strings.ContainsAny(s, "/\\\x00") {
		return fmt.Errorf("%s name %q is not a safe path element", what, s)
	}
	return nil
}

// yamlError returns an error naming file:line for a YAML syntax error in
// raw, nil when err is not one. For the defect of 29 of the 30 published
// BHscore encoding configs (a mapping value written unindented on the line
// below its key: "network:\ncaffe/AlexNet" at line 44) it says how to fix
// it.
func yamlError(file string, raw []byte, err error) error {
	m := yamlLine.FindStringSubmatch(err.Error())
	if m == nil {
		return nil
	}
	n, _ := strconv.Atoi(m[1])
	msg := strings.TrimSpace(strings.TrimPrefix(err.Error(), m[0]))
	lines := strings.Split(string(raw), "\n")
	// The scanner reports the line of the simple key it gave up on; look
	// there and just above for "key:" followed by an unindented bare value.
	for l := min(n, len(lines)); l >= max(2, n-2); l-- {
		v := strings.TrimRight(lines[l-1], "\r")
		if v == "" || v[0] == ' ' || v[0] == '\t' || v[0] == '#' || strings.Contains(v, ":") {
			continue
		}
		k := l - 1
		for k >= 1 && strings.TrimSpace(lines[k-1]) == "" {
			k--
		}
		if k < 1 {
			break
		}
		key := strings.TrimRight(lines[k-1], " \r")
		if key != "" && key[0] != ' ' && strings.HasSuffix(key, ":") {
			return fmt.Errorf("%s:%d: not valid YAML (%s): the value %q of %q (line %d) is not indented; indent it under its key (%q) or put it on the key's line (%q). PyYAML rejects this file too; 29 of the 30 published BHscore encoding configs have this defect",
				file, l, msg, v, key, k, "  "+v, key+" "+v)
		}
	}
	return fmt.Errorf("%s:%d: not valid YAML: %s", file, n, msg)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+):`)
