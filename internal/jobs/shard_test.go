package jobs

import (
	"fmt"
	"testing"
)

func keys(n int) []Job {
	var list []Job
	for i := range n {
		list = append(list, String(fmt.Sprintf("decode/net/layer%02d/sub-01/V1", i)))
	}
	return list
}

func TestShardPartition(t *testing.T) {
	for N := 0; N <= 30; N++ {
		sorted, err := Sort(keys(N))
		if err != nil {
			t.Fatal(err)
		}
		for n := 1; n <= 7; n++ {
			seen := map[string]int{}
			for i := range n {
				sel := Shard{i, n}.Select(sorted)
				if len(sel) < N/n || len(sel) > N/n+1 {
					t.Errorf("N=%d shard %d/%d has %d jobs", N, i, n, len(sel))
				}
				for _, j := range sel {
					seen[j.Key()]++
				}
			}
			if len(seen) != N {
				t.Errorf("N=%d n=%d: %d jobs covered", N, n, len(seen))
			}
			for k, c := range seen {
				if c != 1 {
					t.Errorf("N=%d n=%d: %s in %d shards", N, n, k, c)
				}
			}
		}
	}
}

func TestSortStable(t *testing.T) {
	a, _ := Sort([]Job{String("b/2"), String("a/1"), String("b/10")})
	b, _ := Sort([]Job{String("b/10"), String("b/2"), String("a/1")})
	if fmt.Sprint(a) != fmt.Sprint(b) || fmt.Sprint(a) != "[a/1 b/10 b/2]" {
		t.Errorf("Sort gave %v and %v", a, b)
	}
	for _, bad := range [][]Job{
		{String("a"), String("a")},
		{String("")},
		{String("a//b")},
		{String("a/../b")},
		{String("/abs")},
		{String("a/b\x00")},
	} {
		if _, err := Sort(bad); err == nil {
			t.Errorf("Sort(%q): no error", bad)
		}
	}
}

func TestParseShard(t *testing.T) {
	for s, want := range map[string]Shard{"0/1": {0, 1}, "3/4": {3, 4}, " 2/7 ": {2, 7}} {
		got, err := ParseShard(s)
		if err != nil || got != want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "1", "4/4", "-1/4", "0/0", "a/b", "1/4/5", "1-4"} {
		if got, err := ParseShard(s); err == nil {
			t.Errorf("ParseShard(%q) = %v; want error", s, got)
		}
	}
}

func TestShardFromEnv(t *testing.T) {
	type env map[string]string
	tests := []struct {
		env   env
		count int
		want  Shard
		ok    bool
		err   bool
	}{
		{env: env{}, ok: false},
		{env: env{"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "10", "SLURM_ARRAY_TASK_MIN": "0"}, want: Shard{3, 10}, ok: true},
		{env: env{"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "10", "SLURM_ARRAY_TASK_MIN": "1"}, want: Shard{0, 10}, ok: true},
		{env: env{"SLURM_ARRAY_TASK_ID": "10", "SLURM_ARRAY_TASK_COUNT": "10", "SLURM_ARRAY_TASK_MIN": "1"}, want: Shard{9, 10}, ok: true},
		{env: env{"SLURM_ARRAY_TASK_ID": "6", "SLURM_ARRAY_TASK_COUNT": "5", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_STEP": "2"}, want: Shard{3, 5}, ok: true},
		{env: env{"SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_COUNT": "5", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_STEP": "2"}, err: true},
		{env: env{"SLURM_ARRAY_TASK_ID": "9", "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_MIN": "1"}, err: true}, // --array=1,5,9
		{env: env{"SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "4"}, count: 4, want: Shard{2, 4}, ok: true},
		{env: env{"SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "4"}, count: 5, err: true},
		{env: env{"SLURM_ARRAY_TASK_ID": "2", "BHSCORE_SHARDS": "8"}, want: Shard{2, 8}, ok: true},
		{env: env{"SLURM_ARRAY_TASK_ID": "x", "SLURM_ARRAY_TASK_COUNT": "4"}, err: true},
		{env: env{"JOB_COMPLETION_INDEX": "5", "BHSCORE_SHARDS": "6"}, want: Shard{5, 6}, ok: true},
		{env: env{"JOB_COMPLETION_INDEX": "5"}, count: 8, want: Shard{5, 8}, ok: true},
		{env: env{"JOB_COMPLETION_INDEX": "5", "BHSCORE_SHARDS": "6"}, count: 7, want: Shard{5, 7}, ok: true}, // the flag wins
		{env: env{"JOB_COMPLETION_INDEX": "5"}, err: true},
		{env: env{"JOB_COMPLETION_INDEX": "6", "BHSCORE_SHARDS": "6"}, err: true},
		{env: env{"JOB_COMPLETION_INDEX": "0", "BHSCORE_SHARDS": "zero"}, err: true},
	}
	for _, tt := range tests {
		got, ok, err := ShardFromEnv(func(k string) string { return tt.env[k] }, tt.count)
		if (err != nil) != tt.err || ok != tt.ok || got != tt.want {
			t.Errorf("ShardFromEnv(%v, %d) = %v, %v, %v; want %v, %v, error %v", tt.env, tt.count, got, ok, err, tt.want, tt.ok, tt.err)
		}
	}
}
