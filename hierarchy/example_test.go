package hierarchy_test

import (
	"context"
	"fmt"
	"math"

	"github.com/brainhierarchy/bhscore/hierarchy"
)

func Example() {
	// Three layers × two ROIs × four units: early layers best in ROI 0.
	acc := [][][]float64{
		{{0.6, 0.5, 0.4, 0.7}, {0.2, 0.1, 0.3, 0.2}},
		{{0.5, 0.3, 0.2, math.NaN()}, {0.4, 0.6, 0.5, 0.6}},
		{{0.1, 0.2, 0.3, 0.1}, {0.6, 0.7, 0.5, 0.99}},
	}
	res, err := hierarchy.Compute(acc, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("score %.4f\n", res.Score)
	for i, l := range res.Entries {
		fmt.Println("layer", i, "units", l.Selected, "top ROIs", l.Top)
	}
	sel, err := hierarchy.SelectLayers(context.Background(), res.Table, &hierarchy.Selection{NLayers: 3})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("exact 3-layer expectation %.4f over %d subset(s)\n", sel.Score, sel.Subsets)
	// Output:
	// score 0.8258
	// layer 0 units [0 1 2 3] top ROIs [0 0 0 0]
	// layer 1 units [0 1 2 3] top ROIs [0 1 1 1]
	// layer 2 units [0 1 2] top ROIs [1 1 1]
	// exact 3-layer expectation 0.8258 over 1 subset(s)
}
