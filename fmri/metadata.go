package fmri

import (
	"fmt"
	"math"
	"strings"
)

// Metadata is bdpy's MetaData: one row of per-column values for every key,
// with a free-text description. Values are NaN where a key does not apply
// to a column. Methods that only read are safe for concurrent use.
type Metadata struct {
	keys  []string
	descs []string
	vals  []float64 // len(keys) x cols, row-major
	cols  int
	first map[string]int // first row of each key, as list.index
}

// NewMetadata returns metadata with the given keys, descriptions and
// values (len(keys) rows of cols values, row-major; copied). It returns an
// error when the lengths disagree.
func NewMetadata(keys, descriptions []string, values []float64, cols int) (*Metadata, error) {
	if len(descriptions) != len(keys) {
		return nil, fmt.Errorf("fmri: metadata has %d keys but %d descriptions", len(keys), len(descriptions))
	}
	if cols < 0 || len(values) != len(keys)*cols {
		return nil, fmt.Errorf("fmri: metadata values hold %d numbers, want %d keys x %d columns", len(values), len(keys), cols)
	}
	m := &Metadata{
		keys:  append([]string(nil), keys...),
		descs: append([]string(nil), descriptions...),
		vals:  append([]float64(nil), values...),
		cols:  cols,
	}
	m.index()
	return m, nil
}

func (m *Metadata) index() {
	m.first = make(map[string]int, len(m.keys))
	for i, k := range m.keys {
		if _, ok := m.first[k]; !ok {
			m.first[k] = i
		}
	}
}

// Len returns the number of columns the metadata describes.
func (m *Metadata) Len() int { return m.cols }

// Keys returns the metadata keys in file order.
func (m *Metadata) Keys() []string { return append([]string(nil), m.keys...) }

// Descriptions returns the descriptions in key order.
func (m *Metadata) Descriptions() []string { return append([]string(nil), m.descs...) }

// Has reports whether key is a metadata key.
func (m *Metadata) Has(key string) bool { _, ok := m.first[key]; return ok }

// Description returns the description of key (the first row with that
// key, as bdpy).
func (m *Metadata) Description(key string) (string, error) {
	i, ok := m.first[key]
	if !ok {
		return "", fmt.Errorf("key %q: %w", key, ErrKeyNotFound)
	}
	return m.descs[i], nil
}

// Value returns a copy of the values of key over all columns (bdpy
// get_metadata(key)).
func (m *Metadata) Value(key string) ([]float64, error) {
	r, err := m.row(key)
	if err != nil {
		return nil, err
	}
	return append([]float64(nil), r...), nil
}

// ValueWhere returns the values of key on the columns where key where is
// 1 (bdpy get_metadata(key, where=where)).
func (m *Metadata) ValueWhere(key, where string) ([]float64, error) {
	r, err := m.row(key)
	if err != nil {
		return nil, err
	}
	w, err := m.row(where)
	if err != nil {
		return nil, err
	}
	var out []float64
	for i, x := range w {
		if x == 1 {
			out = append(out, r[i])
		}
	}
	return out, nil
}

func (m *Metadata) row(key string) ([]float64, error) {
	i, ok := m.first[key]
	if !ok {
		return nil, fmt.Errorf("key %q: %w", key, ErrKeyNotFound)
	}
	return m.vals[i*m.cols : (i+1)*m.cols], nil
}

// Count returns the number of columns whose value of key is 1, e.g. the
// voxel count of an ROI key such as "ROI_V1".
func (m *Metadata) Count(key string) (int, error) {
	r, err := m.row(key)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, x := range r {
		if x == 1 {
			n++
		}
	}
	return n, nil
}

// ROIPrefix is the key prefix of ROI masks in the Kamitani lab's files.
const ROIPrefix = "ROI_"

// ROICounts returns the voxel count of every key that starts with
// ROIPrefix, indexed by the name after the prefix ("V1" for "ROI_V1").
func (m *Metadata) ROICounts() map[string]int {
	out := map[string]int{}
	for k := range m.first {
		if name, ok := strings.CutPrefix(k, ROIPrefix); ok {
			out[name], _ = m.Count(k)
		}
	}
	return out
}

// keyMask is bdpy's __metadata_key_to_bool_vector: the OR over every key
// matching the (wildcard) pattern of "value == 1".
func (m *Metadata) keyMask(key string) (operand, error) {
	re, err := keyPattern(key)
	if err != nil {
		return operand{}, fmt.Errorf("key %q: %w", key, ErrSyntax)
	}
	res := boolVec(m.cols)
	found := false
	for k, i := range m.first {
		if !re.MatchString(k) {
			continue
		}
		found = true
		for j, x := range m.vals[i*m.cols : (i+1)*m.cols] {
			if x == 1 {
				res.vec[j] = 1
			}
		}
	}
	if !found {
		return operand{}, fmt.Errorf("key %q: %w", key, ErrKeyNotFound)
	}
	return res, nil
}

// Select returns the columns the selector expression selects (0-based,
// ascending), as bdpy's BData.select(expr, return_index=True).
func (m *Metadata) Select(expr string) ([]int, error) {
	c, err := m.selectColumns(expr)
	if err != nil {
		return nil, &Error{Err: err}
	}
	return c, nil
}

func (m *Metadata) selectColumns(expr string) ([]int, error) {
	s, err := ParseSelector(expr)
	if err != nil {
		return nil, err
	}
	return s.Columns(m)
}

// set adds or replaces a row (bdpy MetaData.set without updater).
func (m *Metadata) set(key, desc string, value []float64) {
	if i, ok := m.first[key]; ok {
		m.descs[i] = desc
		copy(m.vals[i*m.cols:(i+1)*m.cols], value)
		return
	}
	m.keys = append(m.keys, key)
	m.descs = append(m.descs, desc)
	m.vals = append(m.vals, value...)
	m.first[key] = len(m.keys) - 1
}

// widen appends n NaN columns to every row.
func (m *Metadata) widen(n int) {
	if n <= 0 {
		return
	}
	nc := m.cols + n
	vals := make([]float64, len(m.keys)*nc)
	for i := range m.keys {
		copy(vals[i*nc:], m.vals[i*m.cols:(i+1)*m.cols])
		for j := m.cols; j < nc; j++ {
			vals[i*nc+j] = math.NaN()
		}
	}
	m.vals, m.cols = vals, nc
}

// columnsOf returns the columns where key (exactly, first row) is 1.
func (m *Metadata) columnsOf(key string) []int {
	r, err := m.row(key)
	if err != nil {
		return nil
	}
	var out []int
	for i, x := range r {
		if x == 1 {
			out = append(out, i)
		}
	}
	return out
}
