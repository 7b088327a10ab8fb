package bhscore_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/brainhierarchy/bhscore"
	"github.com/brainhierarchy/bhscore/analysis"
)

// Scoring accuracy trees written by the original scripts: the miniature
// pipeline study (testdata/pipeline, two networks, two subjects, five ROIs).
func ExampleScoreTrees() {
	d, err := bhscore.LoadDesign("testdata/pipeline/settings.json")
	if err != nil {
		log.Fatal(err)
	}
	rep, err := bhscore.ScoreTrees(context.Background(), d,
		"testdata/pipeline/decoding_accuracy/ImageNetTest",
		"testdata/pipeline/encoding_accuracy/ImageNetTest", nil)
	if err != nil {
		log.Fatal(err)
	}
	if err := rep.WriteTable(os.Stdout); err != nil {
		log.Fatal(err)
	}
	// Output:
	// rank       DNN  decoding  encoding  BH score  among published (of 30)
	//      1  TinyHier   +0.9211   +0.8587   +0.8899                        1
	//      2   TinyRev   -0.8594   -0.8397   -0.8495                       30
}

// The design scoring reads (settings.json) follows from a study config.
func ExampleDesignOf() {
	cfg, err := analysis.ParseConfig([]byte(`
subjects: [{name: sub-01, train: a.h5, test: b.h5}]
rois: [{name: V1, selector: ROI_V1 = 1}, {name: HVC, selector: ROI_HVC = 1}]
train_features: features/ImageNetTraining
test_features: features/ImageNetTest
networks: [{name: AlexNet, dir: pytorch/AlexNet, layers: [conv1, fc8]}]
`))
	if err != nil {
		log.Fatal(err)
	}
	raw, err := bhscore.DesignOf(cfg).MarshalJSON()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(raw))
	// Output:
	// {
	//     "subjects": [
	//         "sub-01"
	//     ],
	//     "rois": [
	//         "V1",
	//         "HVC"
	//     ],
	//     "dnns": {
	//         "AlexNet": {
	//             "dir": "pytorch/AlexNet",
	//             "layers": [
	//                 "conv1",
	//                 "fc8"
	//             ]
	//         }
	//     }
	// }
}

// A whole study: the analyses (resumable, shardable), settings.json and the
// scores. (Not run here: a study takes minutes.)
func ExampleRun() {
	cfg, err := analysis.LoadConfig("", "study.yaml")
	if err != nil {
		log.Fatal(err)
	}
	rep, err := bhscore.Run(context.Background(), cfg, &analysis.Options{Jobs: 2}, nil)
	if err != nil {
		log.Fatal(err)
	}
	rep.WriteTable(os.Stdout)
}
