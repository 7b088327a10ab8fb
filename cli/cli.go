package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/brainhierarchy/bhscore/analysis"
	"github.com/brainhierarchy/bhscore/internal/memplan"
)

// ErrUsage marks errors that are the user's command line (exit code 2).
var ErrUsage = errors.New("usage")

// StudyFlags are the flags every study-running binary takes.
type StudyFlags struct {
	Shard  string
	Shards int
	Jobs   int
	Quiet  bool
	Memory string
}

// Register adds -shard, -shards, -jobs, -memory and -q to fs.
func (f *StudyFlags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.Shard, "shard", "", "run only shard i of n of the job list (0-based, \"i/n\")")
	fs.IntVar(&f.Shards, "shards", 0, "number of shards when the index comes from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX")
	fs.IntVar(&f.Jobs, "jobs", 0, "jobs run at once (0: 1, the solver uses every core)")
	fs.BoolVar(&f.Quiet, "q", false, "no progress bars")
	fs.StringVar(&f.Memory, "memory", "", "memory budget of this worker: a size (8G, 512MiB) or a share of the machine (60%); default: the config's memory key, else 75% of the machine (cgroup limits respected)")
}

// Apply sets ro's shard (from -shard, else from the scheduler's
// environment), concurrency, memory budget and, unless quiet, a progress
// bar on stderr.
func (f *StudyFlags) Apply(ro *analysis.Options, stderr io.Writer) error {
	ro.Jobs = f.Jobs
	if f.Memory != "" {
		b, err := memplan.Budget(f.Memory)
		if err != nil {
			return fmt.Errorf("%w: -memory: %v", ErrUsage, err)
		}
		ro.Memory = int64(b)
	}
	if f.Shard != "" {
		sh, err := analysis.ParseShard(f.Shard)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrUsage, err)
		}
		ro.Shard = sh
	} else {
		sh, ok, err := analysis.ShardFromEnv(os.Getenv, f.Shards)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrUsage, err)
		}
		if ok {
			ro.Shard = sh
		}
	}
	if f.Quiet {
		return nil
	}
	bar := NewBar(stderr, "analyses")
	ro.Progress = func(e analysis.Event) {
		switch e.Kind {
		case analysis.JobFinished, analysis.JobSkipped, analysis.JobFailed, analysis.JobLocked:
			bar.Set(e.Done, e.Total, e.Job.Key())
			if e.Done == e.Total {
				bar.Done()
			}
		}
	}
	return nil
}

// Exit prints err (if any) prefixed by the command name and returns the
// exit code: 0, 2 for usage errors, 1 otherwise.
func Exit(stderr io.Writer, cmd string, err error) int {
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
	if errors.Is(err, ErrUsage) {
		return 2
	}
	return 1
}
