package features

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// Mem is a feature store held in memory, for tests and for programs that
// compute activations themselves. It is safe for concurrent use once
// built; Layer returns the stored *Layer itself, which callers must not
// modify.
type Mem struct {
	layers map[string]*Layer
	names  []string
	labels []string
}

// NewMem returns a store holding the given layers. All layers must have
// the same sorted, unique labels and Data of length rows x units.
func NewMem(layers ...*Layer) (*Mem, error) {
	if len(layers) == 0 {
		return nil, errors.New("features: NewMem: no layers")
	}
	m := &Mem{layers: make(map[string]*Layer, len(layers)), labels: layers[0].Labels}
	if !slices.IsSorted(m.labels) || len(slices.Compact(slices.Clone(m.labels))) != len(m.labels) {
		return nil, &Error{Layer: layers[0].Name, Err: errors.New("labels not sorted and unique")}
	}
	for _, l := range layers {
		if _, dup := m.layers[l.Name]; dup {
			return nil, &Error{Layer: l.Name, Err: errors.New("duplicate layer")}
		}
		if !slices.Equal(l.Labels, m.labels) {
			return nil, &Error{Layer: l.Name, Err: fmt.Errorf("%w: labels differ from layer %s", ErrMismatch, layers[0].Name)}
		}
		if len(l.Shape) == 0 || len(l.Data) != l.Rows()*l.Units() {
			return nil, &Error{Layer: l.Name, Err: fmt.Errorf("%d values for %d rows of shape %s", len(l.Data), l.Rows(), dimStr(l.Shape))}
		}
		c := *l
		if c.SourceShape == nil {
			c.SourceShape = c.Shape
		}
		m.layers[l.Name] = &c
		m.names = append(m.names, l.Name)
	}
	slices.Sort(m.names)
	return m, nil
}

// Layers returns the sorted layer names.
func (m *Mem) Layers() []string { return slices.Clone(m.names) }

// Labels returns the sorted stimulus stems.
func (m *Mem) Labels() []string { return slices.Clone(m.labels) }

// Layer returns the named layer.
func (m *Mem) Layer(ctx context.Context, name string) (*Layer, error) {
	l, ok := m.layers[name]
	if !ok {
		return nil, &Error{Layer: name, Err: ErrNoLayer}
	}
	return l, ctxErr(ctx)
}

// Rows returns images [r0, r1) of the named layer, sharing the stored
// values.
func (m *Mem) Rows(ctx context.Context, name string, r0, r1 int) (*Layer, error) {
	l, err := m.Layer(ctx, name)
	if err != nil {
		return nil, err
	}
	return l.slice(r0, r1)
}
