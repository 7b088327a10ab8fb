package features

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// expected.json and the trees beside it come from
// /work/shared/conformance/features (bdpy d86199fc, scipy 1.10.1,
// hdf5storage 0.1.19): what bdpy.dataform.Features returns. All values are
// compared bit for bit.

type confArray struct {
	Dtype string   `json:"dtype"`
	Shape []int    `json:"shape"`
	Bits  []string `json:"bits_hex_c_order"`
}

type confTree struct {
	Dir       string               `json:"dir"`
	Layers    []string             `json:"layers"`
	Labels    []string             `json:"labels"`
	Index     []int                `json:"index"`
	Features  map[string]confArray `json:"get_features"`
	Full      map[string]confArray `json:"full_features_without_index"`
	IndexFile *struct {
		File  string           `json:"file"`
		Index map[string][]int `json:"index"`
	} `json:"feature_index_file"`
}

func readConformance(t *testing.T) []confTree {
	t.Helper()
	b, err := os.ReadFile("testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		Trees []confTree `json:"trees"`
	}
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	if len(e.Trees) != 2 {
		t.Fatalf("%d trees in expected.json", len(e.Trees))
	}
	return e.Trees
}

// checkArray compares a layer (samples x Shape) with a reference array
// bitwise.
func checkArray(t *testing.T, l *Layer, want confArray) {
	t.Helper()
	if want.Dtype != "float32" {
		t.Fatalf("reference dtype %s", want.Dtype)
	}
	got := append([]int{l.Rows()}, l.Shape...)
	if !slices.Equal(got, want.Shape) {
		t.Fatalf("layer %s: shape %v, want %v", l.Name, got, want.Shape)
	}
	if len(l.Data) != len(want.Bits) {
		t.Fatalf("layer %s: %d values, want %d", l.Name, len(l.Data), len(want.Bits))
	}
	for i, h := range want.Bits {
		w, err := strconv.ParseUint(h, 16, 32)
		if err != nil {
			t.Fatal(err)
		}
		if g := math.Float32bits(l.Data[i]); g != uint32(w) {
			t.Fatalf("layer %s: value %d bits %08x, want %s", l.Name, i, g, h)
		}
	}
}

func TestConformanceIndexFile(t *testing.T) {
	for _, tr := range readConformance(t) {
		if tr.IndexFile == nil {
			continue
		}
		idx, err := ReadIndex(filepath.Join("testdata", tr.Dir, tr.IndexFile.File))
		if err != nil {
			t.Fatal(err)
		}
		if len(idx) != len(tr.IndexFile.Index) {
			t.Fatalf("index layers %v, want %v", idx.Layers(), tr.IndexFile.Index)
		}
		for layer, want := range tr.IndexFile.Index {
			if !slices.Equal(idx[layer], want) {
				t.Errorf("index[%s] = %v, want %v", layer, idx[layer], want)
			}
		}
	}
}

func TestConformance(t *testing.T) {
	ctx := context.Background()
	for _, tr := range readConformance(t) {
		for _, workers := range []int{1, 4} {
			t.Run(fmt.Sprintf("%s/workers=%d", tr.Dir, workers), func(t *testing.T) {
				root := filepath.Join("testdata", tr.Dir)
				opts := &DirOptions{Workers: workers}
				if tr.IndexFile != nil {
					opts.IndexFile = filepath.Join(root, tr.IndexFile.File)
				}
				d, err := OpenDir(root, opts)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(d.Layers(), tr.Layers) || !slices.Equal(d.Labels(), tr.Labels) {
					t.Fatalf("layers %v labels %v, want %v %v", d.Layers(), d.Labels(), tr.Layers, tr.Labels)
				}
				for i, stem := range tr.Labels {
					if got := d.Index(stem); got != tr.Index[i] {
						t.Errorf("Index(%s) = %d, want %d", stem, got, tr.Index[i])
					}
				}
				for _, layer := range tr.Layers {
					l, err := d.Layer(ctx, layer)
					if err != nil {
						t.Fatal(err)
					}
					checkArray(t, l, tr.Features[layer])
					if tr.IndexFile != nil && !slices.Equal(l.Index, tr.IndexFile.Index[layer]) {
						t.Errorf("layer %s: Index %v", layer, l.Index)
					}
				}
				if tr.Full == nil {
					return
				}
				// The same tree without the index gives the full arrays.
				full, err := OpenDir(root, &DirOptions{Workers: workers})
				if err != nil {
					t.Fatal(err)
				}
				for layer, want := range tr.Full {
					l, err := full.Layer(ctx, layer)
					if err != nil {
						t.Fatal(err)
					}
					checkArray(t, l, want)
				}
			})
		}
	}
}
