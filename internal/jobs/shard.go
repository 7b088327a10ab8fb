package jobs

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard selects a stable subset of a sorted job list: the Index-th of Count
// contiguous blocks. Indices are 0-based. The zero value, like {0, 1},
// selects every job.
type Shard struct {
	Index, Count int
}

// All is the shard that selects every job.
var All = Shard{0, 1}

func (s Shard) norm() Shard {
	if s.Count == 0 && s.Index == 0 {
		return All
	}
	return s
}

// Validate reports whether 0 <= Index < Count.
func (s Shard) Validate() error {
	s = s.norm()
	if s.Count < 1 || s.Index < 0 || s.Index >= s.Count {
		return fmt.Errorf("jobs: invalid shard %d/%d: want 0 <= index < count", s.Index, s.Count)
	}
	return nil
}

// String returns "index/count".
func (s Shard) String() string {
	s = s.norm()
	return strconv.Itoa(s.Index) + "/" + strconv.Itoa(s.Count)
}

// Range returns the half-open range [lo, hi) of positions in a sorted list
// of n jobs that belong to the shard: lo = Index*n/Count, hi =
// (Index+1)*n/Count. The ranges of the Count shards partition [0, n).
func (s Shard) Range(n int) (lo, hi int) {
	s = s.norm()
	if s.Validate() != nil {
		panic("jobs: " + s.String() + " is not a valid shard")
	}
	return s.Index * n / s.Count, (s.Index + 1) * n / s.Count
}

// Select returns the shard's jobs from sorted (a list in Sort order).
func (s Shard) Select(sorted []Job) []Job {
	lo, hi := s.Range(len(sorted))
	return sorted[lo:hi]
}

// ParseShard parses "i/n" with 0 <= i < n (0-based, like Kubernetes'
// JOB_COMPLETION_INDEX): "0/4", "1/4", "2/4" and "3/4" together cover a list.
func ParseShard(s string) (Shard, error) {
	is, ns, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Shard{}, fmt.Errorf("jobs: shard %q: want index/count, e.g. 0/4", s)
	}
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	if err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("jobs: shard %q: want index/count with integers, e.g. 0/4", s)
	}
	sh := Shard{i, n}
	if n < 1 || sh.Validate() != nil {
		return Shard{}, fmt.Errorf("jobs: shard %q: want 0 <= index < count (0-based)", s)
	}
	return sh, nil
}

// Environment variables read by ShardFromEnv.
const (
	EnvShards         = "BHSCORE_SHARDS" // shard count for JOB_COMPLETION_INDEX
	EnvK8sIndex       = "JOB_COMPLETION_INDEX"
	EnvSlurmTaskID    = "SLURM_ARRAY_TASK_ID"
	EnvSlurmTaskCount = "SLURM_ARRAY_TASK_COUNT"
	EnvSlurmTaskMin   = "SLURM_ARRAY_TASK_MIN"
	EnvSlurmTaskStep  = "SLURM_ARRAY_TASK_STEP"
)

// ShardFromEnv derives the shard from a scheduler's environment, read
// through getenv (os.Getenv in programs). count is the shard count given on
// the command line, or 0; where it is 0, BHSCORE_SHARDS is used.
//
//   - Slurm job arrays (SLURM_ARRAY_TASK_ID set): index =
//     (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP
//     (MIN defaults to 0, STEP to 1), count = SLURM_ARRAY_TASK_COUNT. So
//     --array=0-9, --array=1-10 and --array=0-18:2 all give shards 0/10 to
//     9/10. Arrays must be ranges: a list such as --array=1,5,9 is rejected
//     unless it happens to be one. A given count must equal the array size.
//   - Kubernetes Indexed Jobs (JOB_COMPLETION_INDEX set): index =
//     JOB_COMPLETION_INDEX, count = the given count or BHSCORE_SHARDS, which
//     should equal the Job's spec.completions.
//
// ok is false, with no error, when neither is set; callers then run All.
func ShardFromEnv(getenv func(string) string, count int) (sh Shard, ok bool, err error) {
	if count == 0 {
		if v := getenv(EnvShards); v != "" {
			c, err := strconv.Atoi(v)
			if err != nil || c < 1 {
				return Shard{}, false, fmt.Errorf("jobs: %s=%q: want a positive integer", EnvShards, v)
			}
			count = c
		}
	}
	num := func(name string, def int) (int, error) {
		v := getenv(name)
		if v == "" {
			return def, nil
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return 0, fmt.Errorf("jobs: %s=%q: want an integer", name, v)
		}
		return n, nil
	}
	if getenv(EnvSlurmTaskID) != "" {
		id, err := num(EnvSlurmTaskID, 0)
		if err != nil {
			return Shard{}, false, err
		}
		lo, err := num(EnvSlurmTaskMin, 0)
		if err != nil {
			return Shard{}, false, err
		}
		step, err := num(EnvSlurmTaskStep, 1)
		if err != nil {
			return Shard{}, false, err
		}
		n, err := num(EnvSlurmTaskCount, 0)
		if err != nil {
			return Shard{}, false, err
		}
		if n == 0 {
			n = count
		}
		if count != 0 && n != count {
			return Shard{}, false, fmt.Errorf("jobs: %d shards requested but the Slurm array has %s=%d tasks", count, EnvSlurmTaskCount, n)
		}
		if step < 1 || (id-lo)%step != 0 {
			return Shard{}, false, fmt.Errorf("jobs: Slurm array task %d is not on the range min %d step %d", id, lo, step)
		}
		sh := Shard{(id - lo) / step, n}
		if n < 1 || sh.Validate() != nil {
			return Shard{}, false, fmt.Errorf("jobs: Slurm array task %d (min %d, step %d, count %d) gives no shard in 0..%d; use a contiguous --array range", id, lo, step, n, n-1)
		}
		return sh, true, nil
	}
	if getenv(EnvK8sIndex) != "" {
		i, err := num(EnvK8sIndex, 0)
		if err != nil {
			return Shard{}, false, err
		}
		if count == 0 {
			return Shard{}, false, fmt.Errorf("jobs: %s=%d is set but the shard count is not: set %s to the Job's completions", EnvK8sIndex, i, EnvShards)
		}
		sh := Shard{i, count}
		if err := sh.Validate(); err != nil {
			return Shard{}, false, fmt.Errorf("jobs: %s=%d with %d shards: want 0 <= index < count", EnvK8sIndex, i, count)
		}
		return sh, true, nil
	}
	return Shard{}, false, nil
}
