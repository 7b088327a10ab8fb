package jobs_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
	"github.com/brainhierarchy/bhscore/internal/jobs"
)

// fit is a job: one decoder for a layer, subject and ROI.
type fit struct{ root, layer, subject, roi string }

func (f fit) Key() string { return "decode/AlexNet/" + f.layer + "/" + f.subject + "/" + f.roi }

func (f fit) dir() string { return filepath.Join(f.root, filepath.FromSlash(f.Key())) }

// Outputs makes the done marker record (and later check) the job's files.
func (f fit) Outputs() []string { return []string{f.dir()} }

func Example() {
	root, _ := os.MkdirTemp("", "jobs-example")
	defer os.RemoveAll(root)

	var list []jobs.Job
	for _, layer := range []string{"conv1", "fc8"} {
		for _, roi := range []string{"V1", "HVC"} {
			list = append(list, fit{root, layer, "sub-01", roi})
		}
	}
	// In a program: shard from -shard or the scheduler's environment.
	shard, ok, err := jobs.ShardFromEnv(func(string) string { return "" }, 0)
	if err != nil || !ok {
		shard = jobs.All
	}
	opts := jobs.Options{
		Shard: shard,
		Dir:   filepath.Join(root, ".jobs"), // locks and done markers
		Progress: func(e jobs.Event) {
			if e.Kind != jobs.Started {
				fmt.Printf("[%d/%d] %s %s\n", e.Done, e.Total, e.Kind, e.Job.Key())
			}
		},
	}
	work := func(ctx context.Context, j jobs.Job) error {
		return atomicfile.WriteBytes(filepath.Join(j.(fit).dir(), "W.txt"), []byte(j.Key()))
	}
	sum, err := jobs.Run(context.Background(), list, opts, work)
	fmt.Println(sum.Finished, "finished", err)

	// Run again (after a crash, or on another machine): nothing left to do.
	opts.Progress = nil
	sum, err = jobs.Run(context.Background(), list, opts, work)
	fmt.Println(sum.Skipped, "skipped", err)
	// Output:
	// [1/4] finished decode/AlexNet/conv1/sub-01/HVC
	// [2/4] finished decode/AlexNet/conv1/sub-01/V1
	// [3/4] finished decode/AlexNet/fc8/sub-01/HVC
	// [4/4] finished decode/AlexNet/fc8/sub-01/V1
	// 4 finished <nil>
	// 4 skipped <nil>
}

func ExampleShard() {
	var list []jobs.Job
	for _, k := range []string{"e", "a", "d", "b", "c"} {
		list = append(list, jobs.String(k))
	}
	sorted, _ := jobs.Sort(list)
	for i := range 2 {
		sh := jobs.Shard{Index: i, Count: 2}
		fmt.Println(sh, sh.Select(sorted))
	}
	sh, _ := jobs.ParseShard("2/3")
	fmt.Println(sh.Range(10))
	// Output:
	// 0/2 [a b]
	// 1/2 [c d e]
	// 6 10
}
