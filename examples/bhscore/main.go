// Command bhscore computes brain hierarchy scores (Nonaka et al. 2021).
//
// With no arguments it simulates a study with a known hierarchy in a
// temporary directory, decodes and encodes every (network, layer, subject,
// ROI) on all cores, scores and ranks the networks, prints the ranking and
// writes Figure 3, Figure S1, a JSON/CSV report and a self-contained HTML
// report, every score with its bootstrap interval and permutation p-value
// (-bootstrap, -permutations, -ci, -resample-seed):
//
//	bhscore [-workdir DIR] [-size tiny|default|paper|alexnet|vgg-conv1] [-seed N]
//
// Scoring published accuracy trees (the paper's Figure 3):
//
//	bhscore -settings settings.json -decoding decoding_accuracy/ImageNetTest \
//	        -encoding encoding_accuracy/ImageNetTest [-json out.json] [-figures figs] [-html report.html]
//
// writes only the outputs named, or all of them into ./bhscore-out when none
// is; -select exact|numpy|notebook|montecarlo picks the layer selection.
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
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/brainhierarchy/bhscore"
	"github.com/brainhierarchy/bhscore/analysis"
	"github.com/brainhierarchy/bhscore/cli"
	"github.com/brainhierarchy/bhscore/figures"
	"github.com/brainhierarchy/bhscore/hierarchy"
	"github.com/brainhierarchy/bhscore/htmlreport"
	"github.com/brainhierarchy/bhscore/report"
	"github.com/brainhierarchy/bhscore/sim"
)

func main() { os.Exit(run(os.Stdout, os.Stderr, os.Args[1:])) }

type flags struct {
	workdir, size, config, base  string
	settings, decoding, encoding string
	jsonOut, csvOut, figures     string
	htmlOut                      string
	study                        cli.StudyFlags
	nlayers, ntest               int
	bootstrap, permutations      int
	ciLevel                      float64
	seed, resampleSeed           uint64
	selection, tstat             string
	pval                         float64
	perSubject, keep, noFigure   bool
	score                        *bhscore.ScoreOptions
}

func run(stdout, stderr io.Writer, args []string) int {
	var f flags
	fs := flag.NewFlagSet("bhscore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.workdir, "workdir", "", "directory for the simulated study and its results (default: a temporary directory, removed at exit)")
	fs.StringVar(&f.size, "size", "default", "simulated study size: tiny, default, paper, alexnet (full-size AlexNet, packed features, streamed all-unit encoding) or vgg-conv1 (VGG-16 conv1_1, 3.2 M units, and head)")
	fs.Uint64Var(&f.seed, "seed", 1, "simulation seed")
	fs.StringVar(&f.config, "config", "", "study config (Go-native YAML, or comma-separated original encoding configs)")
	fs.StringVar(&f.base, "base", "", "directory relative config paths start from (default: the config's directory)")
	fs.StringVar(&f.settings, "settings", "", "settings.json of published accuracy trees (score only)")
	fs.StringVar(&f.decoding, "decoding", "", "decoding accuracy root, e.g. decoding_accuracy/ImageNetTest")
	fs.StringVar(&f.encoding, "encoding", "", "encoding accuracy root, e.g. encoding_accuracy/ImageNetTest")
	fs.StringVar(&f.jsonOut, "json", "", "write the report as JSON here (default: <results>/bhscore.json)")
	fs.StringVar(&f.csvOut, "csv", "", "write the report as CSV here (default: <results>/bhscore.csv)")
	fs.StringVar(&f.figures, "figures", "", "write Figure 3 and Figure S1 (PNG + SVG) here (default: <results>/figures)")
	fs.StringVar(&f.htmlOut, "html", "", "write the self-contained HTML report here (default: <results>/report.html)")
	f.study.Register(fs)
	fs.StringVar(&f.selection, "select", "exact", "decoding layer selection: exact (expectation over all subsets), numpy (np.random.seed(0) before each network), notebook (one np.random.seed(0) stream across networks in settings order) or montecarlo")
	fs.IntVar(&f.nlayers, "nlayers", hierarchy.DefaultNLayers, "layers per selection (first and last always kept)")
	fs.StringVar(&f.tstat, "t", "reference", "t statistic of the significance test: reference (published code) or textbook")
	fs.Float64Var(&f.pval, "p", hierarchy.DefaultPValue, "significance threshold")
	fs.IntVar(&f.ntest, "ntest", 0, "number of test images behind the accuracies (t-test dof = ntest-2; default: 50 as the reference, or the study's test images under -t textbook)")
	fs.IntVar(&f.bootstrap, "bootstrap", hierarchy.DefaultBootstrap, "bootstrap replicates for confidence intervals and rank stability (0: none)")
	fs.IntVar(&f.permutations, "permutations", hierarchy.DefaultPermutations, "permutations for the shuffled-hierarchy p-values (0: none)")
	fs.Float64Var(&f.ciLevel, "ci", hierarchy.DefaultLevel, "confidence level of the bootstrap intervals")
	fs.Uint64Var(&f.resampleSeed, "resample-seed", 1, "seed of the bootstrap and permutation streams")
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
	// Every flag is checked before any work (hours of analyses on real
	// data must not end in a usage error).
	so, err := scoreOptions(&f, stderr)
	if err != nil {
		return cli.Exit(stderr, "bhscore", err)
	}
	f.score = so
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
		Settings:     &hierarchy.Settings{PValue: f.pval, NTest: f.ntest},
		Selection:    &hierarchy.Selection{NLayers: f.nlayers},
		PerSubject:   f.perSubject,
		ResampleSeed: f.resampleSeed,
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
	case "notebook":
		o.Selection.Method = hierarchy.Numpy
		o.NotebookStream = true
	case "montecarlo":
		o.Selection.Method = hierarchy.MonteCarlo
		o.Selection.Src = rand.NewPCG(f.seed, 0)
	default:
		return nil, fmt.Errorf("%w: -select %q: want exact, numpy, notebook or montecarlo", cli.ErrUsage, f.selection)
	}
	if f.bootstrap < 0 || f.permutations < 0 {
		return nil, fmt.Errorf("%w: -bootstrap and -permutations must be >= 0", cli.ErrUsage)
	}
	if !(f.ciLevel > 0 && f.ciLevel < 1) {
		return nil, fmt.Errorf("%w: -ci %v: want a level in (0, 1), e.g. 0.95", cli.ErrUsage, f.ciLevel)
	}
	if f.bootstrap > 0 || f.permutations > 0 {
		// 0 means "none" on the command line, "default" in the library.
		neg := func(n int) int {
			if n == 0 {
				return -1
			}
			return n
		}
		o.Uncertainty = &hierarchy.Uncertainty{Bootstrap: neg(f.bootstrap), Permutations: neg(f.permutations), Level: f.ciLevel}
	}
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("%w: -p %v, -nlayers %d: %v", cli.ErrUsage, f.pval, f.nlayers, err)
	}
	if !f.study.Quiet {
		bar := cli.NewBar(stderr, "scoring ")
		o.Progress = func(done, total int, dnn string) {
			bar.Set(done, total, dnn)
			if done == total {
				bar.Done()
			}
		}
		if o.Uncertainty != nil {
			rb := cli.NewBar(stderr, "resample")
			o.Uncertainty.Progress = func(done, total int) {
				rb.Set(done, total, "replicates")
				if done == total {
					rb.Done()
				}
			}
		}
	}
	return o, nil
}

// parameters records the scoring flags in the report.
func parameters(f *flags) []report.Field {
	ntest := "50 (as the reference)"
	switch {
	case f.ntest != 0:
		ntest = strconv.Itoa(f.ntest)
	case f.tstat == "textbook" && f.settings == "":
		ntest = "the study's test images"
	}
	return []report.Field{
		{Name: "p-value threshold", Value: strconv.FormatFloat(f.pval, 'g', -1, 64)},
		{Name: "t statistic", Value: f.tstat},
		{Name: "test images (t-test dof + 2)", Value: ntest},
		{Name: "layer selection", Value: fmt.Sprintf("%s, %d layers", f.selection, f.nlayers)},
		{Name: "bootstrap replicates", Value: strconv.Itoa(f.bootstrap)},
		{Name: "permutations", Value: strconv.Itoa(f.permutations)},
		{Name: "confidence level", Value: strconv.FormatFloat(f.ciLevel, 'g', -1, 64)},
		{Name: "resample seed", Value: strconv.FormatUint(f.resampleSeed, 10)},
	}
}

func scoreTrees(ctx context.Context, stdout, stderr io.Writer, f *flags) error {
	if f.decoding == "" && f.encoding == "" {
		return fmt.Errorf("%w: -settings needs -decoding and/or -encoding", cli.ErrUsage)
	}
	s, err := bhscore.LoadDesign(f.settings)
	if err != nil {
		return err
	}
	if err := checkFigureNames(f, s.Order); err != nil {
		return err
	}
	rep, err := bhscore.ScoreTrees(ctx, s, f.decoding, f.encoding, f.score)
	if err != nil {
		return err
	}
	// Write only what was asked for; when nothing was, everything goes to
	// one output directory, never silently into the working directory.
	results := "bhscore-out"
	if f.jsonOut != "" || f.csvOut != "" || f.figures != "" || f.htmlOut != "" {
		results = ""
	}
	return writeReport(stdout, rep, f, results, []report.Field{
		{Name: "settings", Value: f.settings}, {Name: "decoding accuracies", Value: f.decoding}, {Name: "encoding accuracies", Value: f.encoding}})
}

func study(ctx context.Context, stdout, stderr io.Writer, f *flags) error {
	cfg, err := analysis.LoadConfig(f.base, strings.Split(f.config, ",")...)
	if err != nil {
		return err
	}
	rep, err := analyse(ctx, stdout, stderr, cfg, f, nil)
	if errors.Is(err, bhscore.ErrIncomplete) && !errors.Is(err, analysis.ErrHeld) {
		// Other shards' jobs remain: not an error of this worker.
		fmt.Fprintln(stdout, err)
		return nil
	}
	if err != nil {
		return err
	}
	return writeReport(stdout, rep, f, cfg.Output, []report.Field{{Name: "config", Value: f.config}, {Name: "results", Value: cfg.Output}})
}

// checkFigureNames refuses, before any work, networks whose Figure S1
// files would overwrite each other (unless no figures are drawn).
func checkFigureNames(f *flags, names []string) error {
	if f.noFigure {
		return nil
	}
	if err := figures.CheckNames(names); err != nil {
		return fmt.Errorf("%w: %v (or pass -nofigures)", cli.ErrUsage, err)
	}
	return nil
}

// analyse runs the config's study with progress bars and says which jobs
// were redone, and why.
func analyse(ctx context.Context, stdout, stderr io.Writer, cfg *analysis.Config, f *flags, ro *analysis.Options) (*report.Report, error) {
	if ro == nil {
		ro = &analysis.Options{}
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%w: config: %v", cli.ErrUsage, err)
	}
	names := make([]string, len(cfg.Networks))
	for i, n := range cfg.Networks {
		names[i] = n.Name
	}
	if err := checkFigureNames(f, names); err != nil {
		return nil, err
	}
	if err := f.study.Apply(ro, stderr); err != nil {
		return nil, err
	}
	rep, err := bhscore.Run(ctx, cfg, ro, f.score)
	if r := f.study.Redone(); r != "" {
		fmt.Fprintln(stdout, r)
	}
	return rep, err
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
		}{{&f.jsonOut, "bhscore.json"}, {&f.csvOut, "bhscore.csv"}, {&f.figures, "figures"}, {&f.htmlOut, "report.html"}} {
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
	rep, err := analyse(ctx, stdout, stderr, cfg, f, ro)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d decoding + encoding jobs done\n", len(cfg.Jobs()))
	return writeReport(stdout, rep, f, cfg.Output, []report.Field{{Name: "simulated study", Value: fmt.Sprintf("%s size, seed %d", f.size, f.seed)}})
}

// writeReport prints the ranking and writes the JSON/CSV reports, the
// figures and the HTML report: each where its flag says, the others into
// results, or not at all when results is "".
func writeReport(stdout io.Writer, rep *report.Report, f *flags, results string, provenance []report.Field) error {
	rep.Parameters = parameters(f)
	if err := rep.WriteTable(stdout); err != nil {
		return err
	}
	jsonOut, csvOut, figs, htmlOut := f.jsonOut, f.csvOut, f.figures, f.htmlOut
	if results != "" {
		def := func(p *string, name string) {
			if *p == "" {
				*p = filepath.Join(results, name)
			}
		}
		def(&jsonOut, "bhscore.json")
		def(&csvOut, "bhscore.csv")
		def(&figs, "figures")
		def(&htmlOut, "report.html")
	}
	for _, p := range []string{jsonOut, csvOut, htmlOut} {
		if p == "" {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
	}
	var written []string
	if jsonOut != "" {
		if err := rep.SaveJSON(jsonOut); err != nil {
			return err
		}
		written = append(written, jsonOut)
	}
	if csvOut != "" {
		if err := rep.SaveCSV(csvOut); err != nil {
			return err
		}
		written = append(written, csvOut)
	}
	if len(written) > 0 {
		fmt.Fprintf(stdout, "report: %s\n", strings.Join(written, ", "))
	}
	var embed []htmlreport.Figure
	if !f.noFigure && (figs != "" || htmlOut != "") {
		keep := figs != ""
		if !keep {
			// Only the HTML report wants the figures: draw them aside.
			tmp, err := os.MkdirTemp("", "bhscore-figures-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tmp)
			figs = tmp
		}
		if err := os.MkdirAll(figs, 0o755); err != nil {
			return err
		}
		files, err := figures.SaveFigure3(rep, figs, nil)
		if err != nil {
			return err
		}
		if embed, err = addPNG(embed, files, "Figure 3", "averaged BH score of every network (blue) among the 29 published ones (grey), with bootstrap intervals"); err != nil {
			return err
		}
		for _, d := range rep.DNNs {
			s1, err := figures.SaveFigureS1(d, figs)
			if err != nil {
				return err
			}
			if embed, err = addPNG(embed, s1, "Figure S1: "+d.Name, "share of selected units by best ROI, per layer (first layer at the bottom)"); err != nil {
				return err
			}
			files = append(files, s1...)
		}
		slices.Sort(files)
		files = slices.Compact(files) // the count printed is of distinct files
		if keep {
			fmt.Fprintf(stdout, "figures: %d files in %s (figure3.png, figure3.svg, figureS1_<DNN>.png/.svg)\n", len(files), figs)
		}
	}
	if htmlOut != "" {
		h := rep.HTML(embed)
		for _, p := range provenance {
			h.Provenance = append(h.Provenance, htmlreport.Field{Name: p.Name, Value: p.Value})
		}
		if err := htmlreport.Save(htmlOut, h); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "HTML report: %s\n", htmlOut)
	}
	return nil
}

// addPNG appends the PNG among files as an embedded figure.
func addPNG(figs []htmlreport.Figure, files []string, title, caption string) ([]htmlreport.Figure, error) {
	for _, p := range files {
		if filepath.Ext(p) != ".png" {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		figs = append(figs, htmlreport.Figure{Title: title, Caption: caption, PNG: b})
	}
	return figs, nil
}
