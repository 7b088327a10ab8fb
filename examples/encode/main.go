// Command encode runs the encoding analyses of a study: for every network,
// layer, subject and ROI of the config it trains, saves and tests a
// feature encoder (DNN units -> fMRI voxels) exactly as BHscore's
// encoding/featenc_fastl2lir_{train,predict}.py do, writing bdpy's layout.
// Finished jobs are skipped; -shard i/n runs one part of the job list.
//
//	encode -config study.yaml [-shard i/n] [-jobs k] [-discard] [-q]
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/brainhierarchy/bhscore/analysis"
	"github.com/brainhierarchy/bhscore/cli"
)

func main() { os.Exit(run(os.Stdout, os.Stderr, os.Args[1:])) }

func run(stdout, stderr io.Writer, args []string) int {
	// An interrupt cancels the run; finished jobs stay done and the next
	// run resumes the others.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return cli.RunDirection(ctx, stdout, stderr, args, analysis.Encoding)
}
