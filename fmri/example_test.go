package fmri_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"gonum.org/v1/gonum/mat"

	"github.com/brainhierarchy/bhscore/fmri"
)

func Example() {
	ctx := context.Background()
	f, err := fmri.Open("testdata/sub-01_tiny_VC.h5")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()

	x, err := f.Select(ctx, "ROI_V1 = 1") // trials x V1 voxels
	if err != nil {
		log.Fatal(err)
	}
	idx, err := f.Values(ctx, "image_index") // one value per trial
	if err != nil {
		log.Fatal(err)
	}
	names, err := f.Labels(ctx, "stimulus_name") // through the vmap
	if err != nil {
		log.Fatal(err)
	}
	r, c := x.Dims()
	fmt.Println(r, "trials x", c, "V1 voxels")
	fmt.Println("trial 0:", idx[0], names[0])

	avg, labels, counts, err := fmri.MeanByLabel(x, idx, fmri.Float64)
	if err != nil {
		log.Fatal(err)
	}
	ar, _ := avg.Dims()
	fmt.Println(ar, "images; first", labels[0], "averaged over", counts[0], "trials")
	// Output:
	// 30 trials x 7 V1 voxels
	// trial 0: 4 n08843408_99426
	// 10 images; first 1 averaged over 3 trials
}

func ExampleFile_Columns() {
	f, err := fmri.Open("testdata/sub-01_tiny_VC.h5")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	for _, expr := range []string{
		"ROI_V1",
		"ROI_V3 = 1 & 'hemi-left' = 1",
		"(ROI_VC)(6)(top) @ (ROI_V3 = 1)",
		"roi_code = 2", // a key becomes (value == 1) before '=' compares
	} {
		cols, err := f.Columns(expr)
		fmt.Println(expr, "->", cols, err)
	}
	_, err = f.Columns("ROI_V9 = 1")
	fmt.Println(err)
	// Output:
	// ROI_V1 -> [6 7 15 18 21 29 32] <nil>
	// ROI_V3 = 1 & 'hemi-left' = 1 -> [2 3 14] <nil>
	// (ROI_VC)(6)(top) @ (ROI_V3 = 1) -> [2 3 11 12 14 31] <nil>
	// roi_code = 2 -> [] <nil>
	// fmri: testdata/sub-01_tiny_VC.h5: selector "ROI_V9 = 1": key "ROI_V9": no such metadata key
}

func ExampleParseSelector() {
	s, err := fmri.ParseSelector("ROI_VC - (ROI_V1) = 0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%q\n%q\n", s.Tokens(), s.RPN())
	// Output:
	// ["ROI_VC" "-" "(" "ROI_V1" ")" "=" "0"]
	// ["ROI_VC" "ROI_V1" "-" "0" "="]
}

func ExampleBData_Save() {
	dir, err := os.MkdirTemp("", "fmri-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	b := fmri.New()
	voxels := mat.NewDense(3, 2, []float64{1, 2, 3, 4, 5, 6})
	if err := b.Add(voxels, "VoxelData"); err != nil {
		log.Fatal(err)
	}
	if err := b.AddMetadata("ROI_V1", []float64{1, 0}, "Region of interest: V1", "VoxelData"); err != nil {
		log.Fatal(err)
	}
	stim := mat.NewDense(3, 1, []float64{1518878.010042, 1518878.010042, 2535895.008083})
	if err := b.Add(stim, "stimulus_name"); err != nil {
		log.Fatal(err)
	}
	if err := b.AddVmap("stimulus_name", map[float64]string{
		1518878.010042: "n01518878_10042",
		2535895.008083: "n02535895_8083",
	}); err != nil {
		log.Fatal(err)
	}
	name := filepath.Join(dir, "sub-99_example.h5")
	if err := b.Save(name); err != nil { // bdpy's BData(name) loads it
		log.Fatal(err)
	}

	f, err := fmri.Open(name)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	labels, err := f.Labels(context.Background(), "stimulus_name")
	fmt.Println(f.Metadata().Keys(), labels, err)
	fmt.Println(fmri.PyRepr(2535895.008083), fmri.PyRepr(1e-05), fmri.PyRepr(1e16))
	// Output:
	// [VoxelData ROI_V1 stimulus_name] [n01518878_10042 n01518878_10042 n02535895_8083] <nil>
	// 2535895.008083 1e-05 1e+16
}
