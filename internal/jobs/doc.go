// Package jobs runs a deterministic list of coarse jobs (one decoder or
// encoder fit each) on one machine or on many, resumably and without running
// a job twice.
//
// # Job list
//
// A Job is anything with a stable Key, a slash-separated string such as
// "decode/pytorch/AlexNet/conv1/sub-01/V1". Run sorts the list by key, so
// every worker of a study, on any machine, sees the same list in the same
// order. Key elements become file names (for locks and markers), so each
// element must pass atomicfile.CheckName; duplicate keys are an error.
//
// # Sharding
//
// A Shard{Index, Count} selects a contiguous block of the sorted list:
// shard i of n gets positions [i*N/n, (i+1)*N/n). Indices are 0-based, like
// Kubernetes' JOB_COMPLETION_INDEX. Blocks (rather than round-robin) keep the
// jobs of one network layer together, so a worker loads a layer's features
// once for all its subjects and ROIs; block sizes differ by at most one job.
// The n shards partition the list: every job belongs to exactly one shard.
// ParseShard reads "i/n"; ShardFromEnv reads Slurm array variables
// (index = (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP,
// count = SLURM_ARRAY_TASK_COUNT) or JOB_COMPLETION_INDEX with the count
// from BHSCORE_SHARDS.
//
// Sharding is an optimisation, not a correctness device: workers with any
// shards (or none) may share one output directory; locks and done markers
// make the union of their work the whole list, each job run once.
//
// # Completion markers
//
// A job is finished when its done marker exists and the outputs it lists are
// present with the recorded sizes (Done); Verify also re-checks their
// SHA-256. MarkDone writes the marker atomically after all outputs, so a run
// killed at any point leaves either a complete job with a marker, or a job
// without a marker that the next run redoes. Before it writes the marker,
// MarkDone fsyncs every output and the directories that name them, side by
// side, so that a marker never names data a power failure could still lose;
// the job's own writers may therefore skip their per-file syncs
// (atomicfile.DeferSync), as bhscore's analyses do. The marker holds no
// time stamp or host name: an interrupted-and-resumed study and an
// uninterrupted one produce byte-identical files, markers included.
//
// # Fingerprints
//
// With Options.Fingerprint, a job is done only if its marker also records
// the fingerprint of what it would be computed from now (package
// provenance: parameters and input identities). A finished job whose
// fingerprint differs, or whose marker has none (written before markers
// had one), is stale: Run removes the marker and the outputs it lists
// (RemoveOutputs), runs the job again and reports why (Event.Reasons on
// Started, Summary.Redone), e.g. "alpha 100 -> 1e+06".
//
// # One configuration per output
//
// ClaimConfig claims an output directory for one configuration (a
// fingerprint of the study's parameters). Workers of the same
// configuration share the claim; a worker of another configuration is
// refused with a *ConflictError naming the live worker and what differs, so
// two configurations never write one output tree at once. Claims are lock
// files (heartbeat, staleness) in a claims directory, checked and created
// under a short-lived mutex lock, so the second of two starting workers
// refuses.
//
// # Failures
//
// GroupFailures and FormatFailures report failed jobs grouped by their root
// cause ("412 jobs failed: no space left on device"), instead of one line
// per job.
//
// # Locks
//
// Workers that share an output directory (threads, processes, machines on a
// shared file system) claim a job with TryLock. A lock is a small JSON file
// {host, pid, token, started, heartbeat} published atomically with link(2)
// (O_EXCL creation where hard links are unsupported); a goroutine rewrites it
// every Heartbeat. A lock is stale, and may be reclaimed, when its heartbeat
// (the later of the file's mtime and the recorded time) is older than
// StaleAfter, or when its owner ran on this host, in this PID namespace and
// boot, and that process no longer exists. Reclaiming is a compare-and-swap
// on the stale lock's token: the reclaimer must first create
// "<lock>.reclaim-<token>" with O_EXCL, so of any number of workers that find
// the same stale lock exactly one replaces it; the others get ErrLocked.
//
// The scheme relies only on O_EXCL creation, link and rename being atomic,
// which holds on local file systems and on NFSv3/v4 (a lost link reply is
// detected by the link count). Across machines, clocks must agree to well
// within StaleAfter (run NTP); a heartbeat more than MaxSkew (default
// StaleAfter) in the future is invalid, and the lock stale, so a host
// with a clock far ahead cannot hold a job for ever. A worker that stalls (SIGSTOP, swap
// storm) for longer than StaleAfter may lose its lock: its heartbeat then
// notices and Run cancels that job's context, and outputs written with
// package atomicfile stay whole either way.
//
// # Runner
//
// Run filters the list to its shard, skips finished jobs, locks each
// remaining job, re-checks it (another worker may have finished it), calls
// the job function, writes the done marker and unlocks. Options.Workers
// bounds how many jobs run at once; it defaults to one, because each job's
// solver is itself parallel over all cores. A failed job does not stop the
// others: Run returns a joined error naming every failed job. Jobs left
// undone because other live workers hold their locks are listed in
// Summary.Held, and Summary.HeldError names each (job, lock file, host,
// pid, heartbeat age); it matches ErrHeld. Progress is
// reported through Options.Progress. Run returns only after every goroutine
// it started has ended.
//
// On one machine, CoresPerJob splits the cores between concurrent jobs and
// their solvers, and a Cache shares one loaded layer between the jobs
// (subjects, ROIs) that need it, loading it once.
package jobs
