package analysis

import (
	"fmt"

	"github.com/brainhierarchy/bhscore/internal/jobs"
)

// Shard selects the Index-th (0-based) of Count contiguous blocks of a
// study's sorted job list. The zero value selects every job.
type Shard struct{ Index, Count int }

// ParseShard parses "i/n" (0 <= i < n).
func ParseShard(s string) (Shard, error) {
	sh, err := jobs.ParseShard(s)
	return Shard(sh), err
}

// ShardFromEnv derives the shard of this worker from a scheduler's
// environment: a Slurm job array (SLURM_ARRAY_TASK_ID, _MIN, _STEP,
// _COUNT) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, with count or
// BHSCORE_SHARDS as the number of shards). ok is false when neither is set.
func ShardFromEnv(getenv func(string) string, count int) (sh Shard, ok bool, err error) {
	s, ok, err := jobs.ShardFromEnv(getenv, count)
	return Shard(s), ok, err
}

// Direction names an analysis direction.
type Direction string

// The two analyses of a study.
const (
	Decoding Direction = "decode"
	Encoding Direction = "encode"
)

// Job is one analysis of a study: a decoder or an encoder for one network,
// layer, subject and ROI. Its key, network/layer/direction/subject/ROI,
// orders the study's job list so that a layer's jobs are contiguous (its
// features are then loaded once per worker).
type Job struct {
	Direction           Direction
	Network             string // the network's name in the config
	Layer, Subject, ROI string
	net                 *NetworkConfig
	outputs             []string
	fps                 fingerprints
}

// Key returns the job's stable key.
func (j *Job) Key() string {
	return j.Network + "/" + j.Layer + "/" + string(j.Direction) + "/" + j.Subject + "/" + j.ROI
}

// String describes the job in words: "decode network AlexNet layer conv1
// subject sub-01 ROI V1".
func (j *Job) String() string {
	return fmt.Sprintf("%s network %s layer %s subject %s ROI %s", j.Direction, j.Network, j.Layer, j.Subject, j.ROI)
}

// Outputs lists the files and directories the job wrote (for its done
// marker).
func (j *Job) Outputs() []string { return j.outputs }

// Jobs returns the study's job list in its deterministic order (sorted by
// key). A skipped direction contributes no jobs.
func (c *Config) Jobs() []*Job {
	var out []*Job
	for i := range c.Networks {
		n := &c.Networks[i]
		for _, l := range n.Layers {
			for _, d := range []Direction{Decoding, Encoding} {
				if (d == Decoding && c.Decoding.Skip) || (d == Encoding && c.Encoding.Skip) {
					continue
				}
				for _, s := range c.Subjects {
					for _, r := range c.ROIs {
						out = append(out, &Job{Direction: d, Network: n.Name, Layer: l, Subject: s.Name, ROI: r.Name, net: n})
					}
				}
			}
		}
	}
	sortJobs(out)
	return out
}

func sortJobs(js []*Job) {
	list := make([]jobs.Job, len(js))
	for i, j := range js {
		list[i] = j
	}
	sorted, err := jobs.Sort(list)
	if err != nil {
		return // duplicate keys are rejected by Validate; keep the order given
	}
	for i, j := range sorted {
		js[i] = j.(*Job)
	}
}
