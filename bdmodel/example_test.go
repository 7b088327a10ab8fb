package bdmodel_test

import (
	"fmt"

	"github.com/brainhierarchy/bhscore/bdmodel"
)

// The paper's solver settings apply where a setting is absent (nil); an
// explicit zero keeps fastl2lir's meaning (no penalty, no selection).
func ExampleSolver() {
	paper := bdmodel.Solver(nil, nil, 0, nil, 0)
	fmt.Println("absent:", paper.Alpha, paper.NFeat)
	zero, all := 0.0, 0
	explicit := bdmodel.Solver(&zero, &all, 0, nil, 0)
	fmt.Println("explicit zero:", explicit.Alpha, explicit.NFeat)
	// Output:
	// absent: 100 500
	// explicit zero: 0 0
}
