package figures

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/brainhierarchy/bhscore/hierarchy"
	"github.com/brainhierarchy/bhscore/internal/atomicfile"
	"github.com/brainhierarchy/bhscore/report"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Figure colours: published networks grey, the study's networks blue.
var (
	publishedColor = color.RGBA{R: 160, G: 160, B: 160, A: 255}
	studyColor     = color.RGBA{R: 31, G: 119, B: 180, A: 255}
)

// Figure3Options control Figure 3. The zero value shows the published
// networks for context.
type Figure3Options struct {
	// OmitPublished shows only the report's networks (the notebook's
	// figure for a new study).
	OmitPublished bool
	// Title defaults to "BH score".
	Title string
}

type fig3Bar struct {
	name  string
	score float64
	study bool
	ci    []float64 // bootstrap interval [lo, hi], nil if none
}

// errBars are horizontal error bars (plotter.XErrorBars input).
type errBars struct {
	plotter.XYs
	plotter.XErrors
}

// Figure3 returns the paper's Figure 3: horizontal bars of the averaged
// BH score, best at the top, each labelled with its value ("%.2f"); the
// report's networks are highlighted among the 29 published ones. A
// published network with the name of a study network is labelled
// "<name> (published)". A NaN score is drawn as an empty bar labelled
// "NaN" (ranked first, as the notebook ranks it). A study network with a
// bootstrap interval (DNNScore.BHScoreCI) gets it as an error bar.
func Figure3(r *report.Report, o *Figure3Options) (*plot.Plot, error) {
	if o == nil {
		o = &Figure3Options{}
	}
	var bars []fig3Bar
	names := map[string]bool{}
	for _, i := range r.Ranking {
		d := r.DNNs[i]
		bars = append(bars, fig3Bar{d.Name, d.BHScore, true, d.BHScoreCI})
		names[d.Name] = true
	}
	if !o.OmitPublished {
		// Merge the published networks (already ranked) with the study's.
		var merged []fig3Bar
		j := 0
		for _, p := range report.Published() {
			for j < len(bars) && (math.IsNaN(bars[j].score) || bars[j].score >= p.BHScore) {
				merged = append(merged, bars[j])
				j++
			}
			name := p.Name
			if names[name] {
				name += " (published)"
			}
			merged = append(merged, fig3Bar{name, p.BHScore, false, nil})
		}
		bars = append(merged, bars[j:]...)
	}
	if len(bars) == 0 {
		return nil, fmt.Errorf("figures: Figure 3: no scores")
	}
	n := len(bars)
	pubVals, studyVals := make(plotter.Values, n), make(plotter.Values, n)
	labels := plotter.XYLabels{XYs: make(plotter.XYs, n), Labels: make([]string, n)}
	var eb errBars
	ynames := make([]string, n)
	for k, b := range bars {
		y := n - 1 - k
		ynames[y] = b.name
		v := b.score
		lab := fmt.Sprintf("%.2f", v)
		if math.IsNaN(v) {
			v, lab = 0, "NaN"
		}
		if b.study {
			studyVals[y] = v
		} else {
			pubVals[y] = v
		}
		labels.XYs[k] = plotter.XY{X: math.Max(v, 0), Y: float64(y)}
		labels.Labels[k] = lab
		if b.study && len(b.ci) == 2 && !math.IsNaN(b.score) && !math.IsNaN(b.ci[0]) && !math.IsNaN(b.ci[1]) {
			eb.XYs = append(eb.XYs, plotter.XY{X: b.score, Y: float64(y)})
			eb.XErrors = append(eb.XErrors, struct{ Low, High float64 }{b.score - b.ci[0], b.ci[1] - b.score})
			labels.XYs[k].X = math.Max(labels.XYs[k].X, b.ci[1])
		}
	}
	p := plot.New()
	p.Title.Text = o.Title
	if p.Title.Text == "" {
		p.Title.Text = "BH score"
	}
	for _, s := range []struct {
		vals plotter.Values
		c    color.Color
	}{{pubVals, publishedColor}, {studyVals, studyColor}} {
		bc, err := plotter.NewBarChart(s.vals, vg.Points(10))
		if err != nil {
			return nil, fmt.Errorf("figures: Figure 3: %w", err)
		}
		bc.Horizontal = true
		bc.Color = s.c
		bc.LineStyle.Width = 0
		p.Add(bc)
	}
	if len(eb.XYs) > 0 {
		e, err := plotter.NewXErrorBars(eb)
		if err != nil {
			return nil, fmt.Errorf("figures: Figure 3: %w", err)
		}
		e.LineStyle.Width = vg.Points(1)
		e.CapWidth = vg.Points(5)
		p.Add(e)
	}
	lp, err := plotter.NewLabels(labels)
	if err != nil {
		return nil, fmt.Errorf("figures: Figure 3: %w", err)
	}
	lp.Offset = vg.Point{X: vg.Points(3), Y: -vg.Points(4)}
	p.Add(lp)
	p.NominalY(ynames...)
	p.X.Label.Text = "averaged BH score"
	lo := 0.0
	hi := 0.0
	for _, b := range bars {
		if !math.IsNaN(b.score) {
			lo, hi = math.Min(lo, b.score), math.Max(hi, b.score)
		}
		if len(b.ci) == 2 && !math.IsNaN(b.ci[0]) && !math.IsNaN(b.ci[1]) {
			lo, hi = math.Min(lo, b.ci[0]), math.Max(hi, b.ci[1])
		}
	}
	p.X.Min, p.X.Max = lo, hi+0.1*(hi-lo)+0.05
	return p, nil
}

// SaveFigure3 draws Figure 3 into dir as figure3.png and figure3.svg
// (written atomically) and returns their paths.
func SaveFigure3(r *report.Report, dir string, o *Figure3Options) ([]string, error) {
	p, err := Figure3(r, o)
	if err != nil {
		return nil, err
	}
	n := len(r.DNNs)
	if o == nil || !o.OmitPublished {
		n += len(report.Published())
	}
	w, h := 8*vg.Inch, vg.Length(math.Max(3, 0.3*float64(n)+1))*vg.Inch
	return saveBoth(dir, "figure3", w, h, func(c draw.Canvas) { p.Draw(c) })
}

// FigureS1 returns one panel per layer of the distribution of top ROIs
// (fraction of selected units whose best ROI is each ROI), first layer at
// the bottom, as makefigure_toprois.ipynb draws the paper's Figure S1.
// counts[layer][roi] is the decoding top-ROI contingency table over all
// layers; a layer without selected units shows empty bars.
func FigureS1(dnn string, score float64, layers, rois []string, counts [][]int) ([][]*plot.Plot, error) {
	if len(layers) == 0 || len(counts) != len(layers) {
		return nil, fmt.Errorf("figures: Figure S1 %s: %d layers, %d count rows", dnn, len(layers), len(counts))
	}
	n := len(layers)
	plots := make([][]*plot.Plot, n)
	for i, lay := range layers {
		if len(counts[i]) != len(rois) {
			return nil, fmt.Errorf("figures: Figure S1 %s layer %s: %d counts for %d ROIs", dnn, lay, len(counts[i]), len(rois))
		}
		var tot float64
		for _, c := range counts[i] {
			tot += float64(c)
		}
		vals := make(plotter.Values, len(rois))
		for r, c := range counts[i] {
			if tot > 0 {
				vals[r] = float64(c) / tot
			}
		}
		p := plot.New()
		bc, err := plotter.NewBarChart(vals, vg.Points(20))
		if err != nil {
			return nil, fmt.Errorf("figures: Figure S1 %s layer %s: %w", dnn, lay, err)
		}
		bc.Color = color.Gray{Y: 128}
		bc.LineStyle.Width = 0
		p.Add(bc)
		lab, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: -0.5, Y: 0.8}}, Labels: []string{lay}})
		if err != nil {
			return nil, err
		}
		p.Add(lab)
		p.Y.Min, p.Y.Max = 0, 1
		p.X.Min, p.X.Max = -0.6, float64(len(rois))-0.4
		p.Y.Tick.Marker = plot.ConstantTicks(nil)
		if i == 0 {
			p.NominalX(rois...)
		} else {
			p.X.Tick.Marker = plot.ConstantTicks(nil)
		}
		if i == n-1 {
			p.Title.Text = fmt.Sprintf("%s BH score = %.2f", dnn, score)
		}
		plots[n-1-i] = []*plot.Plot{p}
	}
	return plots, nil
}

// SaveFigureS1 draws d's Figure S1 (from d.Layers, d.ROIs and
// d.TopROICounts; the title's score is the all-layers score of those
// counts, as the notebook's compute_bhscore call gives) into dir as figureS1_<name>.png and
// .svg (name with characters outside [A-Za-z0-9._-] replaced by '_')
// and returns their paths.
func SaveFigureS1(d report.DNNScore, dir string) ([]string, error) {
	tab := &hierarchy.Table{Entries: len(d.TopROICounts), Rows: len(d.ROIs)}
	for _, c := range d.TopROICounts {
		if len(c) != len(d.ROIs) {
			return nil, fmt.Errorf("figures: Figure S1 %s: %d counts for %d ROIs", d.Name, len(c), len(d.ROIs))
		}
		tab.Counts = append(tab.Counts, c...)
	}
	plots, err := FigureS1(d.Name, tab.Spearman(), d.Layers, d.ROIs, d.TopROICounts)
	if err != nil {
		return nil, err
	}
	n := len(plots)
	w, h := 4*vg.Inch, vg.Length(0.9*float64(n)+0.6)*vg.Inch
	return saveBoth(dir, figureS1Stem(d.Name), w, h, func(c draw.Canvas) {
		tiles := draw.Tiles{Rows: n, Cols: 1, PadY: vg.Points(4), PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(4)}
		cs := plot.Align(plots, tiles, c)
		for j := range plots {
			plots[j][0].Draw(cs[j][0])
		}
	})
}

// figureS1Stem is the file name of a network's Figure S1, without extension.
func figureS1Stem(name string) string { return "figureS1_" + safeName(name) }

// CheckNames returns an error naming the networks whose Figure S1 files
// would have the same name (SaveFigureS1 replaces characters outside
// [A-Za-z0-9._-], so "Net A", "Net_A" and "Net/A" all give
// figureS1_Net_A), so that a caller can refuse them before any work
// instead of letting one figure overwrite another.
func CheckNames(names []string) error {
	by := map[string][]string{}
	var stems []string
	for _, n := range names {
		s := figureS1Stem(n)
		if len(by[s]) == 0 {
			stems = append(stems, s)
		}
		by[s] = append(by[s], n)
	}
	var clashes []string
	for _, s := range stems {
		if len(by[s]) > 1 {
			clashes = append(clashes, fmt.Sprintf("%q all give %s.png", by[s], s))
		}
	}
	if clashes != nil {
		return fmt.Errorf("figures: network names map to the same Figure S1 file: %s; rename them", strings.Join(clashes, "; "))
	}
	return nil
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '_'
	}, s)
}

// saveBoth renders fn into <dir>/<stem>.png (96 dpi) and .svg.
func saveBoth(dir, stem string, w, h vg.Length, fn func(draw.Canvas)) ([]string, error) {
	png := filepath.Join(dir, stem+".png")
	svg := filepath.Join(dir, stem+".svg")
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(96))
	fn(draw.New(img))
	if err := atomicfile.WriteStream(png, func(wr io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(wr)
		return err
	}); err != nil {
		return nil, fmt.Errorf("figures: writing %s: %w", png, err)
	}
	sc := vgsvg.New(w, h)
	fn(draw.New(sc))
	if err := atomicfile.WriteStream(svg, func(wr io.Writer) error {
		_, err := sc.WriteTo(wr)
		return err
	}); err != nil {
		return nil, fmt.Errorf("figures: writing %s: %w", svg, err)
	}
	return []string{png, svg}, nil
}
