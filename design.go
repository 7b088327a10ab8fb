package bhscore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/brainhierarchy/bhscore/analysis"
	"github.com/brainhierarchy/bhscore/internal/atomicfile"
	"github.com/brainhierarchy/bhscore/internal/fsx"
)

// Design is a study's design as scoring sees it, the notebook's
// settings.json: the subjects, the ROIs in hierarchical order and, per DNN,
// its directory below the accuracy roots and its ordered layers.
type Design struct {
	Subjects []string            `json:"subjects"`
	ROIs     []string            `json:"rois"`
	DNNs     map[string]DNNEntry `json:"dnns"`
	// Order lists the DNN names in file order (JSON objects are ordered
	// in the file but not in a Go map).
	Order []string `json:"-"`
}

// DNNEntry is one network of a Design.
type DNNEntry struct {
	Dir    string   `json:"dir"`
	Layers []string `json:"layers"`
}

// LoadDesign reads a settings.json file in the format of BHscore's
// calc_bhscore.ipynb.
func LoadDesign(path string) (*Design, error) {
	raw, err := fsx.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("bhscore: settings: %w", err)
	}
	s, err := ParseDesign(raw)
	if err != nil {
		return nil, fmt.Errorf("bhscore: settings %s: %w", path, err)
	}
	return s, nil
}

// ParseDesign parses settings.json content. DNNs keep their file order.
func ParseDesign(raw []byte) (*Design, error) {
	var s Design
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
	// A name given twice would be scored twice, or a layer counted twice
	// in the hierarchy, silently.
	if err := unique("subject", s.Subjects); err != nil {
		return nil, err
	}
	if err := unique("roi", s.ROIs); err != nil {
		return nil, err
	}
	if err := unique("dnn", s.Order); err != nil {
		return nil, err
	}
	for _, name := range s.Order {
		d := s.DNNs[name]
		if len(d.Layers) == 0 {
			return nil, fmt.Errorf("dnn %q has no layers", name)
		}
		if err := unique(fmt.Sprintf("dnn %q: layer", name), d.Layers); err != nil {
			return nil, err
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

// unique returns an error naming the first element of names given twice.
func unique(what string, names []string) error {
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if seen[n] {
			return fmt.Errorf("%s %q given twice", what, n)
		}
		seen[n] = true
	}
	return nil
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

// MarshalJSON writes settings.json with the DNNs in Order.
func (s *Design) MarshalJSON() ([]byte, error) {
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

// Save writes the design to path (settings.json) atomically.
func (s *Design) Save(path string) error {
	raw, err := s.MarshalJSON()
	if err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(path, raw); err != nil {
		return fmt.Errorf("bhscore: %w", err)
	}
	return nil
}

// DesignOf returns the design of a study config: its subjects, ROIs and
// networks, in config order.
func DesignOf(c *analysis.Config) *Design {
	s := &Design{DNNs: map[string]DNNEntry{}}
	for _, sub := range c.Subjects {
		s.Subjects = append(s.Subjects, sub.Name)
	}
	for _, r := range c.ROIs {
		s.ROIs = append(s.ROIs, r.Name)
	}
	for _, n := range c.Networks {
		s.DNNs[n.Name] = DNNEntry{Dir: n.Dir, Layers: n.Layers}
		s.Order = append(s.Order, n.Name)
	}
	return s
}
