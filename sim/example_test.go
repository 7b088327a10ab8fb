package sim_test

import (
	"fmt"

	"github.com/brainhierarchy/bhscore/sim"
)

func ExampleNew() {
	s, err := sim.New(sim.Tiny, 1)
	if err != nil {
		panic(err)
	}
	for _, n := range s.Nets {
		fmt.Printf("%s %s %s layers=%d ideal=%+.2f\n", n.Dir(), n.Format, n.LayerNames()[0], len(n.Layers), n.Ideal)
	}
	fmt.Println(len(s.Train.Stems), s.Train.Reps, len(s.Test.Stems), s.Truth().Ranking)
	// Output:
	// pytorch/HierNet v5 conv1 layers=5 ideal=+1.00
	// caffe/FlatNet v7.3 block1 layers=4 ideal=+0.00
	// caffe/RevNet v7.3 stage1 layers=6 ideal=-0.98
	// 60 2 50 [HierNet FlatNet RevNet]
}
