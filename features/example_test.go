package features_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/brainhierarchy/bhscore/features"
)

func ExampleOpenDir() {
	ctx := context.Background()
	// testdata/basic holds 6 images x 3 layers in bdpy's layout, conv1 as
	// MATLAB v5 files and fc6, fc8 as v7.3.
	d, err := features.OpenDir("testdata/basic", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("layers:", d.Layers())
	fmt.Println("image_index of n01621127_19020:", d.Index("n01621127_19020"))
	l, err := d.Layer(ctx, "conv1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("conv1:", l.Rows(), "images, unit shape", l.Shape, "=", l.Units(), "units")
	x := l.Dense(features.Fortran) // encoding order; features.C for decoding
	r, c := x.Dims()
	fmt.Println("matrix:", r, "x", c)
	// Output:
	// layers: [conv1 fc6 fc8]
	// image_index of n01621127_19020: 3
	// conv1: 6 images, unit shape [2 3 3] = 18 units
	// matrix: 6 x 18
}

func ExamplePack() {
	ctx := context.Background()
	d, err := features.OpenDir("testdata/with_index", &features.DirOptions{
		IndexFile: "testdata/with_index/index_random4.mat",
	})
	if err != nil {
		log.Fatal(err)
	}
	tmp, err := os.MkdirTemp("", "packed")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "with_index")
	if err := features.Pack(ctx, d, dir, nil); err != nil {
		log.Fatal(err)
	}
	p, err := features.OpenPacked(dir, nil)
	if err != nil {
		log.Fatal(err)
	}
	l, err := p.Layer(ctx, "conv2")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(l.Name, l.Rows(), "x", l.Units(), "units", l.Index, "of", l.SourceShape)
	// Output:
	// conv2 5 x 4 units [7 0 11 3] of [2 2 3]
}
