package bhscore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/brainhierarchy/bhscore/hierarchy"
	"github.com/brainhierarchy/bhscore/internal/fsx"
	"github.com/brainhierarchy/bhscore/internal/mat"
)

// Settings is the notebook's settings.json: the subjects, the ROIs in
// hierarchical order and, per DNN, its directory below the accuracy roots
// and its ordered layers.
type Settings struct {
	Subjects []string            `json:"subjects"`
	ROIs     []string            `json:"rois"`
	DNNs     map[string]DNNEntry `json:"dnns"`
	// Order lists the DNN names in file order (JSON objects are ordered
	// in the file but not in a Go map).
	Order []string `json:"-"`
}

// DNNEntry is one network of a settings.json file.
type DNNEntry struct {
	Dir    string   `json:"dir"`
	Layers []string `json:"layers"`
}

// LoadSettings reads a settings.json file in the format of BHscore's
// calc_bhscore.ipynb.
func LoadSettings(path string) (*Settings, error) {
	raw, err := fsx.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("bhscore: settings: %w", err)
	}
	s, err := ParseSettings(raw)
	if err != nil {
		return nil, fmt.Errorf("bhscore: settings %s: %w", path, err)
	}
	return s, nil
}

// ParseSettings parses settings.json content. DNNs keep their file order.
func ParseSettings(raw []byte) (*Settings, error) {
	var s Settings
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	var keys struct {
		DNNs orderedKeys `json:"dnns"`
	}
	if err := json.Unmarshal(raw, &keys); err != nil {
		return nil, err
	}
	s.Order = keys.DNNs
	if len(s.Subjects) == 0 {
		return nil, errors.New("no subjects")
	}
	if len(s.ROIs) == 0 {
		return nil, errors.New("no rois")
	}
	if len(s.Order) == 0 {
		return nil, errors.New("no dnns")
	}
	for _, name := range s.Order {
		d := s.DNNs[name]
		if len(d.Layers) == 0 {
			return nil, fmt.Errorf("dnn %q has no layers", name)
		}
		if d.Dir == "" {
			return nil, fmt.Errorf("dnn %q has no dir", name)
		}
		if !filepath.IsLocal(d.Dir) {
			return nil, fmt.Errorf("dnn %q: dir %q must be a relative path inside the accuracy root", name, d.Dir)
		}
	}
	return &s, nil
}

// orderedKeys decodes the keys of a JSON object in file order.
type orderedKeys []string

func (k *orderedKeys) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return errors.New("dnns is not an object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		*k = append(*k, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	return nil
}

// AccuracyTree is a hierarchy.Source over an accuracy directory in the
// published layout: <Root>/<Dir>/<layer>/<subject>/<roi>/accuracy.mat with
// variable "accuracy" (e.g. Root = decoding_accuracy/ImageNetTest).
type AccuracyTree struct {
	Root string
	Dir  string // the DNN's directory, e.g. "pytorch/AlexNet"
}

// Path returns the accuracy file of one job.
func (t AccuracyTree) Path(layer, subject, roi string) string {
	return filepath.Join(t.Root, t.Dir, layer, subject, roi, "accuracy.mat")
}

// Accuracy reads one job's accuracies, flattened in C order.
func (t AccuracyTree) Accuracy(ctx context.Context, layer, subject, roi string) ([]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := t.Path(layer, subject, roi)
	a, err := mat.Read(p, "accuracy")
	if err != nil {
		return nil, fmt.Errorf("bhscore: accuracy of %s layer %s subject %s ROI %s: %w", t.Dir, layer, subject, roi, err)
	}
	out := make([]float32, len(a.Data))
	for i, v := range a.Data {
		out[i] = float32(v)
	}
	return out, nil
}

// ScoreOptions control ScoreTrees. The zero value is the published analysis
// with the exact layer-selection expectation.
type ScoreOptions struct {
	// Settings control unit selection (nil: published).
	Settings *hierarchy.Settings
	// Selection controls decoding layer selection (nil: exact 5-layer
	// expectation). With Method Numpy and no RNG, every network starts
	// from np.random.seed(Seed), as the notebook's seeded cells do.
	Selection *hierarchy.Selection
	// PerSubject adds per-subject scores.
	PerSubject bool
	// Progress, if not nil, is called after each network is scored.
	Progress func(done, total int, dnn string)
}

// ScoreTrees scores every network of s from decoding and encoding accuracy
// trees (either root may be "" to skip that direction) and ranks them.
func ScoreTrees(ctx context.Context, s *Settings, decodingRoot, encodingRoot string, o *ScoreOptions) (*Report, error) {
	if o == nil {
		o = &ScoreOptions{}
	}
	var dnns []DNNScore
	for i, name := range s.Order {
		d := s.DNNs[name]
		st := &hierarchy.Study{
			Layers:    d.Layers,
			Subjects:  s.Subjects,
			ROIs:      s.ROIs,
			Settings:  o.Settings,
			Selection: o.Selection,
		}
		if decodingRoot != "" {
			st.Decoding = AccuracyTree{Root: decodingRoot, Dir: d.Dir}
		}
		if encodingRoot != "" {
			st.Encoding = AccuracyTree{Root: encodingRoot, Dir: d.Dir}
		}
		sc, err := st.Score(ctx)
		if err != nil {
			return nil, fmt.Errorf("bhscore: %s: %w", name, err)
		}
		ds := DNNScore{
			Name: name, Decoding: sc.Decoding, Encoding: sc.Encoding, BHScore: sc.BHScore,
			Layers: d.Layers, ROIs: s.ROIs,
		}
		if sc.DecodingResult != nil {
			ds.TopROICounts = topCounts(sc.DecodingResult, len(s.ROIs))
		}
		if o.PerSubject {
			per, err := st.PerSubject(ctx)
			if err != nil {
				return nil, fmt.Errorf("bhscore: %s: %w", name, err)
			}
			for j, p := range per {
				ds.Subjects = append(ds.Subjects, SubjectScore{Subject: s.Subjects[j], Decoding: p.Decoding, Encoding: p.Encoding, BHScore: p.BHScore})
			}
		}
		dnns = append(dnns, ds)
		if o.Progress != nil {
			o.Progress(i+1, len(s.Order), name)
		}
	}
	return NewReport(dnns), nil
}

// topCounts returns, per layer, how many selected units have each ROI as
// their best.
func topCounts(r *hierarchy.Result, nroi int) [][]int {
	out := make([][]int, r.Table.Entries)
	for i := range out {
		out[i] = make([]int, nroi)
		for j := range out[i] {
			out[i][j] = r.Table.Count(i, j)
		}
	}
	return out
}

// MarshalJSON writes settings.json with the DNNs in Order.
func (s *Settings) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	sub, err := json.Marshal(s.Subjects)
	if err != nil {
		return nil, err
	}
	rois, err := json.Marshal(s.ROIs)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(&b, `{"subjects":%s,"rois":%s,"dnns":{`, sub, rois)
	for i, name := range s.Order {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(name)
		v, err := json.Marshal(s.DNNs[name])
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "%s:%s", k, v)
	}
	b.WriteString("}}")
	var out bytes.Buffer
	if err := json.Indent(&out, b.Bytes(), "", "    "); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
