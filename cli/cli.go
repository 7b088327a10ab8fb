package cli

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/brainhierarchy/bhscore/analysis"
	"github.com/brainhierarchy/bhscore/internal/memplan"
)

// ErrUsage marks errors that are the user's command line (exit code 2).
var ErrUsage = errors.New("usage")

// Exit codes beyond 0 (success), 1 (error) and 2 (usage), documented in
// the README.
const (
	// ExitHeld: the run is incomplete because other live workers hold
	// locks of its jobs (analysis.ErrHeld); rerun once they are done.
	ExitHeld = 3
	// ExitConflict: another live run with a different configuration writes
	// the same output directory (analysis.ErrConflict).
	ExitConflict = 4
)

// StudyFlags are the flags every study-running binary takes.
type StudyFlags struct {
	Shard       string
	Shards      int
	Jobs        int
	Quiet       bool
	Memory      string
	ReuseModels bool

	mu     sync.Mutex
	redone map[string]int // reason -> jobs
	nredo  int
}

// Register adds -shard, -shards, -jobs, -memory, -reuse-models and -q to fs.
func (f *StudyFlags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.Shard, "shard", "", "run only shard i of n of the job list (0-based, \"i/n\")")
	fs.IntVar(&f.Shards, "shards", 0, "number of shards when the index comes from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX")
	fs.IntVar(&f.Jobs, "jobs", 0, "jobs run at once (0: 1, the solver uses every core)")
	fs.BoolVar(&f.ReuseModels, "reuse-models", false, "reuse finished models that have no bhscore fingerprint (trained by the original scripts or an older bhscore) instead of refusing them")
	fs.BoolVar(&f.Quiet, "q", false, "no progress bars")
	fs.StringVar(&f.Memory, "memory", "", "memory budget of this worker: a size (8G, 512MiB) or a share of the machine (60%); default: the config's memory key, else 75% of the machine (cgroup limits respected)")
}

// maxReasons bounds the distinct reasons Redone lists.
const maxReasons = 8

// Redone describes the jobs the run redid because they were done but stale,
// grouped by reason ("12 jobs redone: alpha 100 -> 1e+06 (12)"), or "" if
// none. Apply's progress callback collects them.
func (f *StudyFlags) Redone() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.nredo == 0 {
		return ""
	}
	reasons := make([]string, 0, len(f.redone))
	for r := range f.redone {
		reasons = append(reasons, r)
	}
	slices.SortFunc(reasons, func(a, b string) int {
		if c := cmp.Compare(f.redone[b], f.redone[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	var b strings.Builder
	fmt.Fprintf(&b, "%d jobs redone because what they were computed from changed:", f.nredo)
	for i, r := range reasons {
		if i == maxReasons {
			fmt.Fprintf(&b, "\n  and %d other reasons", len(reasons)-maxReasons)
			break
		}
		fmt.Fprintf(&b, "\n  %s (%d)", r, f.redone[r])
	}
	return b.String()
}

func (f *StudyFlags) tally(reasons []string) {
	if len(reasons) == 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.redone == nil {
		f.redone = map[string]int{}
	}
	f.nredo++
	for _, r := range reasons {
		f.redone[r]++
	}
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
	ro.ReuseModels = f.ReuseModels
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
	var bar, units *Bar
	if !f.Quiet {
		bar = NewBar(stderr, "analyses")
	}
	ro.Progress = func(e analysis.Event) {
		if e.Kind == analysis.JobStarted {
			f.tally(e.Reasons)
		}
		if bar == nil {
			return
		}
		switch e.Kind {
		case analysis.JobUnits:
			// A streamed layer's pass over its units: minutes to hours.
			if units == nil {
				bar.Done()
				units = NewBar(stderr, "  units")
			}
			units.Set(e.UnitsDone, e.UnitsTotal, e.Job.Network+"/"+e.Job.Layer+" correlations")
			if e.UnitsDone == e.UnitsTotal {
				units.Done()
				units = nil
			}
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
// exit code: 0; 2 for usage errors (ErrUsage, an invalid config); ExitHeld (3) for a run left
// incomplete by jobs other workers hold; ExitConflict (4) for an output
// directory in use by another configuration; 1 otherwise.
func Exit(stderr io.Writer, cmd string, err error) int {
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
	switch {
	case errors.Is(err, ErrUsage), errors.Is(err, analysis.ErrInvalid):
		return 2
	case errors.Is(err, analysis.ErrConflict):
		return ExitConflict
	case errors.Is(err, analysis.ErrHeld):
		return ExitHeld
	}
	return 1
}
