package extract

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/brainhierarchy/bhscore/features"
)

// Collector is a Sink that keeps features in memory, to be packed
// (features.Pack) or analysed without per-image files. It is safe for
// concurrent use.
type Collector struct {
	mu     sync.Mutex
	shapes map[string][]int
	rows   map[string]map[string][]float32 // layer -> stem -> values
}

// Write stores one image's values of one layer.
func (c *Collector) Write(layer, stem string, shape []int, data []float32) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rows == nil {
		c.shapes = make(map[string][]int)
		c.rows = make(map[string]map[string][]float32)
	}
	if s, ok := c.shapes[layer]; ok && !slices.Equal(s, shape) {
		return fmt.Errorf("extract: layer %s: image %s has unit shape %v, others %v", layer, stem, shape, s)
	}
	c.shapes[layer] = slices.Clone(shape)
	if c.rows[layer] == nil {
		c.rows[layer] = make(map[string][]float32)
	}
	c.rows[layer][stem] = slices.Clone(data)
	return nil
}

// Store returns the collected features as an in-memory store, rows sorted
// by stem.
func (c *Collector) Store() (*features.Mem, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var layers []*features.Layer
	for name, rows := range c.rows {
		l := &features.Layer{Name: name, Shape: c.shapes[name]}
		for stem := range rows {
			l.Labels = append(l.Labels, stem)
		}
		slices.Sort(l.Labels)
		for _, s := range l.Labels {
			l.Data = append(l.Data, rows[s]...)
		}
		layers = append(layers, l)
	}
	return features.NewMem(layers...)
}

// Shapes runs the model once on a blank image and returns the unit shape
// (without the sample axis) of each requested layer, in New's order.
func (e *Extractor) Shapes(ctx context.Context) ([][]int, error) {
	in, n := e.inputBuffer(1)
	f, err := e.infer(ctx, in, n, 1)
	if err != nil {
		return nil, err
	}
	return f.Shapes, nil
}
