package nprand_test

import (
	"fmt"

	"github.com/brainhierarchy/bhscore/internal/nprand"
)

func Example() {
	// np.random.seed(0); np.random.choice(10, 3, replace=False)
	r := nprand.New(0)
	fmt.Println(r.Choice(10, 3, false))
	// Output: [2 8 4]
}
