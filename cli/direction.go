package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/brainhierarchy/bhscore/analysis"
)

// RunDirection is the body of the decode and encode binaries: it runs one
// direction's jobs of a study config (the other direction skipped) and
// prints a summary; scoring is left to bhscore -config once both
// directions are done. Cancelling ctx stops the run between jobs' steps;
// the next run resumes it.
func RunDirection(ctx context.Context, stdout, stderr io.Writer, args []string, d analysis.Direction) int {
	name := string(d)
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "", "study config (Go-native YAML, or comma-separated original encoding configs) (required)")
	base := fs.String("base", "", "directory relative config paths start from (default: the config's directory)")
	discard := fs.Bool("discard", false, "keep only accuracies (no models, no predictions)")
	var sf StudyFlags
	sf.Register(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: %s -config study.yaml [-shard i/n] [-jobs k] [-discard] [-q]\n\nRuns the %sing analyses of a study (bdpy layout, resumable, shardable).\n\n", name, strings.TrimSuffix(name, "e"))
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *config == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	cfg, err := analysis.LoadConfig(*base, strings.Split(*config, ",")...)
	if err != nil {
		return Exit(stderr, name, err)
	}
	cfg.Decoding.Skip = d != analysis.Decoding
	cfg.Encoding.Skip = d != analysis.Encoding
	ro := &analysis.Options{DiscardModels: *discard, DiscardPredictions: *discard}
	if err := sf.Apply(ro, stderr); err != nil {
		return Exit(stderr, name, err)
	}
	sum, err := analysis.Run(ctx, cfg, ro)
	if r := sf.Redone(); r != "" {
		fmt.Fprintln(stdout, r)
	}
	if err != nil {
		return Exit(stderr, name, err)
	}
	fmt.Fprintf(stdout, "%s: %d jobs in this shard: %d run, %d already done, %d locked by other workers, %d failed; %d of the study's %s jobs not done\n",
		name, sum.Total, sum.Finished, sum.Skipped, sum.Locked, sum.Failed, sum.Remaining, name)
	fmt.Fprintf(stdout, "results under %s\n", cfg.Output)
	if sum.Held != nil {
		return Exit(stderr, name, fmt.Errorf("incomplete: %w", sum.Held))
	}
	return 0
}
