package analysis_test

import (
	"fmt"
	"log"

	"github.com/brainhierarchy/bhscore/analysis"
)

// A study config in the native format, its job list and one shard of it.
// Absent solver settings stay nil: bdmodel.Solver applies the paper's.
func ExampleParseConfig() {
	cfg, err := analysis.ParseConfig([]byte(`
subjects:
  - {name: sub-01, train: fmri/sub-01_train.h5, test: fmri/sub-01_test.h5}
  - {name: sub-02, train: fmri/sub-02_train.h5, test: fmri/sub-02_test.h5}
rois: [{name: V1, selector: ROI_V1 = 1}, {name: HVC, selector: ROI_HVC = 1}]
train_features: features/ImageNetTraining
test_features: features/ImageNetTest
networks: [{name: AlexNet, dir: pytorch/AlexNet, layers: [conv1, fc8]}]
encoding: {alpha: 10}
`))
	if err != nil {
		log.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		log.Fatal(err)
	}
	fmt.Println("decoding alpha set:", cfg.Decoding.Alpha != nil, "encoding alpha:", *cfg.Encoding.Alpha)
	jobs := cfg.Jobs()
	fmt.Println(len(jobs), "jobs; first:", jobs[0].Key())
	sh, err := analysis.ParseShard("1/4")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("shard %d of %d\n", sh.Index, sh.Count)
	// Output:
	// decoding alpha set: false encoding alpha: 10
	// 16 jobs; first: AlexNet/conv1/decode/sub-01/HVC
	// shard 1 of 4
}
