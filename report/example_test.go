package report_test

import (
	"fmt"
	"math"
	"os"

	"github.com/brainhierarchy/bhscore/report"
)

// A report ranks networks as the notebook does (a NaN score first) and
// places each among the 29 published networks.
func ExampleReport_WriteCSV() {
	rep := report.New([]report.DNNScore{
		{Name: "MyNet", Decoding: 0.5, Encoding: 0.3, BHScore: 0.4},
		{Name: "Broken", Decoding: math.NaN(), Encoding: 0.2, BHScore: math.NaN()},
		{Name: "Flat", Decoding: 0.1, Encoding: 0.1, BHScore: 0.1},
	})
	rep.WriteCSV(os.Stdout)
	fmt.Println(report.PublishedRank(0.4))
	// Output:
	// rank,name,decoding,encoding,bhscore,rank_among_published
	// 1,Broken,NaN,0.2,NaN,n/a
	// 2,MyNet,0.5,0.3,0.4,7
	// 3,Flat,0.1,0.1,0.1,30
	// 7
}
