package fastl2lir_test

import (
	"context"
	"fmt"
	"log"

	"gonum.org/v1/gonum/mat"

	"github.com/brainhierarchy/bhscore/fastl2lir"
)

func ExampleFit() {
	// Six samples, three inputs, one target that depends on input 0 only.
	x := mat.NewDense(6, 3, []float64{
		1, 0.5, -1,
		2, -0.5, 0,
		3, 0.25, 1,
		4, 0, -1,
		5, -0.25, 0,
		6, 0.5, 1,
	})
	y := mat.NewDense(6, 1, []float64{2, 4, 6, 8, 10, 12})
	m, err := fastl2lir.Fit(context.Background(), x, y, &fastl2lir.Options{Alpha: 0.01, NFeat: 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("W = %.3f, b = %.3f\n", mat.Col(nil, 0, m.W), m.B)
	pred, _ := m.Predict(mat.NewDense(1, 3, []float64{7, 0, 0}))
	fmt.Printf("prediction at x0 = 7: %.2f\n", pred.At(0, 0))
	// Output:
	// W = [1.999 0.000 0.000], b = [0.004]
	// prediction at x0 = 7: 14.00
}
