// Command bhscore computes brain hierarchy scores (Nonaka et al. 2021).
//
// With no arguments it simulates a study with a known hierarchy in a
// temporary directory, decodes and encodes every (network, layer, subject,
// ROI) on all cores, scores and ranks the networks, prints the ranking and
// writes Figure 3, Figure S1 and a JSON/CSV report:
//
//	bhscore [-workdir DIR] [-size tiny|default|paper] [-seed N]
//
// Scoring published accuracy trees (the paper's Figure 3):
//
//	bhscore -settings settings.json -decoding decoding_accuracy/ImageNetTest \
//	        -encoding encoding_accuracy/ImageNetTest -json out.json -figures figs
//
// A real study from a config (Go-native study.yaml or original encoding
// configs), optionally one shard of it on a cluster:
//
//	bhscore -config study.yaml [-shard i/n | -shards n] [-jobs k]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/brainhierarchy/bhscore"
	"github.com/brainhierarchy/bhscore/analysis"
	"github.com/brainhierarchy/bhscore/cli"
	"github.com/brainhierarchy/bhscore/figures"
	"github.com/brainhierarchy/bhscore/hierarchy"
	"github.com/brainhierarchy/bhscore/report"
	"github.com/brainhierarchy/bhscore/sim"
)

func main() { os.Exit(run(os.Stdout, os.Stderr, os.Args[1:])) }

type flags struct {
	workdir, size, config, base  string
	settings, decoding, encoding string
	jsonOut, csvOut, figures     string
	study                        cli.StudyFlags
	nlayers                      int
	seed                         uint64
	selection, tstat             string
	pval                         float64
	perSubject, keep, noFigure   bool
}

func run(stdout, stderr io.Writer, args []string) int {
	var f flags
	fs := flag.NewFlagSet("bhscore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.workdir, "workdir", "", "directory for the simulated study and its results (default: a temporary directory, removed at exit)")
	fs.StringVar(&f.size, "size", "default", "simulated study size: tiny, default or paper")
	fs.Uint64Var(&f.seed, "seed", 1, "simulation seed")
	fs.StringVar(&f.config, "config", "", "study config (Go-native YAML, or comma-separated original encoding configs)")
	fs.StringVar(&f.base, "base", "", "directory relative config paths start from (default: the config's directory)")
	fs.StringVar(&f.settings, "settings", "", "settings.json of published accuracy trees (score only)")
	fs.StringVar(&f.decoding, "decoding", "", "decoding accuracy root, e.g. decoding_accuracy/ImageNetTest")
	fs.StringVar(&f.encoding, "encoding", "", "encoding accuracy root, e.g. encoding_accuracy/ImageNetTest")
	fs.StringVar(&f.jsonOut, "json", "", "write the report as JSON here (default: <results>/bhscore.json)")
	fs.StringVar(&f.csvOut, "csv", "", "write the report as CSV here (default: <results>/bhscore.csv)")
	fs.StringVar(&f.figures, "figures", "", "write Figure 3 and Figure S1 (PNG + SVG) here (default: <results>/figures)")
	f.study.Register(fs)
	fs.StringVar(&f.selection, "select", "exact", "decoding layer selection: exact, numpy (seed 0, as the notebook) or montecarlo")
	fs.IntVar(&f.nlayers, "nlayers", hierarchy.DefaultNLayers, "layers per selection (first and last always kept)")
	fs.StringVar(&f.tstat, "t", "reference", "t statistic of the significance test: reference (published code) or textbook")
	fs.Float64Var(&f.pval, "p", hierarchy.DefaultPValue, "significance threshold")
	fs.BoolVar(&f.perSubject, "per-subject", false, "also score each subject alone")
	fs.BoolVar(&f.keep, "keep", false, "keep decoders, encoders and predictions of the simulated study (the original scripts keep them)")
	fs.BoolVar(&f.noFigure, "nofigures", false, "do not draw figures")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "bhscore: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch {
	case f.settings != "":
		err = scoreTrees(ctx, stdout, stderr, &f)
	case f.config != "":
		err = study(ctx, stdout, stderr, &f)
	default:
		err = simulated(ctx, stdout, stderr, &f)
	}
	return cli.Exit(stderr, "bhscore", err)
}

// scoreOptions turns the scoring flags into library options.
func scoreOptions(f *flags, stderr io.Writer) (*bhscore.ScoreOptions, error) {
	o := &bhscore.ScoreOptions{
		Settings:   &hierarchy.Settings{PValue: f.pval},
		Selection:  &hierarchy.Selection{NLayers: f.nlayers},
		PerSubject: f.perSubject,
	}
	switch f.tstat {
	case "reference":
	case "textbook":
		o.Settings.T = hierarchy.TextbookT
	default:
		return nil, fmt.Errorf("%w: -t %q: want reference or textbook", cli.ErrUsage, f.tstat)
	}
	switch f.selection {
	case "exact":
	case "numpy":
		o.Selection.Method = hierarchy.Numpy
	case "montecarlo":
		o.Selection.Method = hierarchy.MonteCarlo
		o.Selection.Src = rand.NewPCG(f.seed, 0)
	default:
		return nil, fmt.Errorf("%w: -select %q: want exact, numpy or montecarlo", cli.ErrUsage, f.selection)
	}
	if !f.study.Quiet {
		bar := cli.NewBar(stderr, "scoring ")
		o.Progress = func(done, total int, dnn string) {
			bar.Set(done, total, dnn)
			if done == total {
				bar.Done()
			}
		}
	}
	return o, nil
}

func scoreTrees(ctx context.Context, stdout, stderr io.Writer, f *flags) error {
	if f.decoding == "" && f.encoding == "" {
		return fmt.Errorf("%w: -settings needs -decoding and/or -encoding", cli.ErrUsage)
	}
	s, err := bhscore.LoadDesign(f.settings)
	if err != nil {
		return err
	}
	so, err := scoreOptions(f, stderr)
	if err != nil {
		return err
	}
	rep, err := bhscore.ScoreTrees(ctx, s, f.decoding, f.encoding, so)
	if err != nil {
		return err
	}
	return writeReport(stdout, rep, f, ".")
}

func study(ctx context.Context, stdout, stderr io.Writer, f *flags) error {
	cfg, err := analysis.LoadConfig(f.base, strings.Split(f.config, ",")...)
	if err != nil {
		return err
	}
	rep, err := analyse(ctx, stderr, cfg, f, nil)
	if errors.Is(err, bhscore.ErrIncomplete) {
		fmt.Fprintln(stdout, "this shard is done;", err)
		return nil
	}
	if err != nil {
		return err
	}
	return writeReport(stdout, rep, f, cfg.Output)
}

// analyse runs the config's study with progress bars.
func analyse(ctx context.Context, stderr io.Writer, cfg *analysis.Config, f *flags, ro *analysis.Options) (*report.Report, error) {
	if ro == nil {
		ro = &analysis.Options{}
	}
	if err := f.study.Apply(ro, stderr); err != nil {
		return nil, err
	}
	so, err := scoreOptions(f, stderr)
	if err != nil {
		return nil, err
	}
	return bhscore.Run(ctx, cfg, ro, so)
}

func simulated(ctx context.Context, stdout, stderr io.Writer, f *flags) error {
	size, err := sim.ParseSize(f.size)
	if err != nil {
		return fmt.Errorf("%w: %v", cli.ErrUsage, err)
	}
	dir := f.workdir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "bhscore-sim-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
		// The study is removed at exit: reports and figures go to
		// ./bhscore-out unless placed elsewhere.
		for _, p := range []struct {
			flag *string
			name string
		}{{&f.jsonOut, "bhscore.json"}, {&f.csvOut, "bhscore.csv"}, {&f.figures, "figures"}} {
			if *p.flag == "" {
				*p.flag = filepath.Join("bhscore-out", p.name)
			}
		}
	}
	wo := &sim.WriteOptions{}
	if !f.study.Quiet {
		bar := cli.NewBar(stderr, "simulate")
		wo.Progress = func(done, total int) { bar.Set(done, total, "files") }
		defer bar.Done()
	}
	st, err := sim.Generate(ctx, dir, size, f.seed, wo)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "simulated study: %s size, seed %d: %d subjects, ROIs %s, %d networks; %d training images x %d, %d test images x %d\n",
		f.size, f.seed, len(st.Subjects), strings.Join(st.ROIs, " "), len(st.Nets), len(st.Train.Stems), st.Train.Reps, len(st.Test.Stems), st.Test.Reps)
	cfg, err := analysis.LoadConfig(dir, filepath.Join(dir, "study.yaml"))
	if err != nil {
		return err
	}
	ro := &analysis.Options{DiscardModels: !f.keep, DiscardPredictions: !f.keep}
	rep, err := analyse(ctx, stderr, cfg, f, ro)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d decoding + encoding jobs done\n", len(cfg.Jobs()))
	return writeReport(stdout, rep, f, cfg.Output)
}

// writeReport prints the ranking and writes the JSON/CSV reports and figures.
func writeReport(stdout io.Writer, rep *report.Report, f *flags, results string) error {
	if err := rep.WriteTable(stdout); err != nil {
		return err
	}
	jsonOut, csvOut, figs := f.jsonOut, f.csvOut, f.figures
	if jsonOut == "" {
		jsonOut = filepath.Join(results, "bhscore.json")
	}
	if csvOut == "" {
		csvOut = filepath.Join(results, "bhscore.csv")
	}
	if figs == "" {
		figs = filepath.Join(results, "figures")
	}
	if err := rep.SaveJSON(jsonOut); err != nil {
		return err
	}
	if err := rep.SaveCSV(csvOut); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "report: %s, %s\n", jsonOut, csvOut)
	if f.noFigure {
		return nil
	}
	if err := os.MkdirAll(figs, 0o755); err != nil {
		return err
	}
	files, err := figures.SaveFigure3(rep, figs, nil)
	if err != nil {
		return err
	}
	for _, d := range rep.DNNs {
		s1, err := figures.SaveFigureS1(d, figs)
		if err != nil {
			return err
		}
		files = append(files, s1...)
	}
	fmt.Fprintf(stdout, "figures: %d files in %s (figure3.png, figure3.svg, figureS1_<DNN>.png/.svg)\n", len(files), figs)
	return nil
}
