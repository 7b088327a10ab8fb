// Package cli holds what the example binaries share and what a program of
// one's own can reuse: the flags that select a study's shard and
// concurrency (StudyFlags), the body of the decode and encode binaries
// (RunDirection), one-line progress bars fed by the library's progress
// callbacks (Bar) and the exit-code convention (Exit, ErrUsage). Libraries
// never print; binaries use this.
//
//	what                 for
//	StudyFlags           -shard, -shards, -jobs, -q; Apply fills analysis.Options
//	RunDirection         the whole decode and encode binaries
//	Bar, NewBar          progress bars (in place on a terminal, lines in logs)
//	Exit, ErrUsage       exit codes: 0, 1, 2 for usage errors
//
// A Bar is safe for concurrent use.
package cli
