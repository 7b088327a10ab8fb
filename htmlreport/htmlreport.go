package htmlreport

import (
	"bytes"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strconv"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
)

// Report is the content of one HTML report.
type Report struct {
	// Title heads the page (default "Brain hierarchy scores").
	Title string
	// Summary is an optional paragraph under the title.
	Summary string
	// Networks are the run's networks in ranking order (best first).
	Networks []Network
	// Published, if not nil, lists reference networks (e.g. the paper's
	// 29) to rank the run's networks among, by BH score.
	Published []Published
	// PublishedSource cites Published.
	PublishedSource string
	// Level is the confidence level of the intervals (e.g. 0.95), shown
	// in the ranking's header; zero omits it.
	Level float64
	// Figures are shown in order.
	Figures []Figure
	// Parameters and Provenance are shown as two-column tables, in order.
	Parameters, Provenance []Field
}

// Network is one network's row of the ranking and its section.
type Network struct {
	Name string
	// Decoding, Encoding and BHScore are the three scores.
	Decoding, Encoding, BHScore Score
	// RankStability is the fraction of bootstrap replicates in which the
	// network keeps its rank (NaN: not run); RankLo and RankHi the
	// interval of its rank (zero: not run).
	RankStability  float64
	RankLo, RankHi int
	// Tables are shown in the network's section (e.g. per-layer top-ROI
	// counts).
	Tables []Table
}

// Score is a score with its optional uncertainty; NaN fields are shown
// as not available.
type Score struct {
	Value float64
	// Lo and Hi bound the confidence interval (NaN: not run).
	Lo, Hi float64
	// P is the permutation p-value (NaN: not run).
	P float64
}

// NoCI returns a Score with value v and no interval or p-value.
func NoCI(v float64) Score { return Score{Value: v, Lo: math.NaN(), Hi: math.NaN(), P: math.NaN()} }

// Published is a reference network's BH score.
type Published struct {
	Name    string
	BHScore float64
}

// Figure is an embedded PNG image.
type Figure struct {
	Title, Caption string
	PNG            []byte
}

// Table is a titled table of preformatted cells.
type Table struct {
	Title   string
	Columns []string
	Rows    [][]string
}

// Field is one parameter or provenance entry.
type Field struct {
	Name, Value string
}

const pngMagic = "\x89PNG\r\n\x1a\n"

//go:embed report.html.tmpl
var pageSource string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"num":   num,
	"add1":  func(i int) int { return i + 1 },
	"ci":    ci,
	"pval":  pval,
	"pct":   pct,
	"level": func(l float64) string { return strconv.FormatFloat(100*l, 'g', 4, 64) + "%" },
	"ranks": ranks,
	"png": func(b []byte) template.URL {
		return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b))
	},
}).Parse(pageSource))

func num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

func ci(s Score) string {
	if math.IsNaN(s.Lo) || math.IsNaN(s.Hi) {
		return ""
	}
	return "[" + num(s.Lo) + ", " + num(s.Hi) + "]"
}

func pval(p float64) string {
	if math.IsNaN(p) {
		return "–"
	}
	return strconv.FormatFloat(p, 'g', 3, 64)
}

func pct(f float64) string {
	if math.IsNaN(f) {
		return "–"
	}
	return strconv.FormatFloat(100*f, 'f', 1, 64) + "%"
}

func ranks(lo, hi int) string {
	switch {
	case lo == 0:
		return "–"
	case lo == hi:
		return strconv.Itoa(lo)
	}
	return strconv.Itoa(lo) + "–" + strconv.Itoa(hi)
}

// placed is one row of the table among the published networks.
type placed struct {
	Name    string
	BHScore float64
	Rank    int
	Ours    bool
}

type view struct {
	*Report
	Placed []placed
}

// Write renders r as HTML to w. It fails on a figure that is not a PNG
// image.
func Write(w io.Writer, r *Report) error {
	for i, f := range r.Figures {
		if !bytes.HasPrefix(f.PNG, []byte(pngMagic)) {
			return fmt.Errorf("htmlreport: figure %d (%q) is not a PNG image", i, f.Title)
		}
	}
	v := view{Report: r}
	if r.Title == "" {
		c := *r
		c.Title = "Brain hierarchy scores"
		v.Report = &c
	}
	if r.Published != nil {
		for _, p := range r.Published {
			v.Placed = append(v.Placed, placed{Name: p.Name, BHScore: p.BHScore})
		}
		for _, n := range r.Networks {
			v.Placed = append(v.Placed, placed{Name: n.Name, BHScore: n.BHScore.Value, Ours: true})
		}
		sort.SliceStable(v.Placed, func(a, b int) bool {
			x, y := v.Placed[a].BHScore, v.Placed[b].BHScore
			if math.IsNaN(x) {
				return false
			}
			return math.IsNaN(y) || x > y
		})
		for i := range v.Placed {
			v.Placed[i].Rank = i + 1
		}
	}
	var b bytes.Buffer
	if err := page.Execute(&b, v); err != nil {
		return fmt.Errorf("htmlreport: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// Save writes r to path atomically: a reader never sees a partial file.
func Save(path string, r *Report) error {
	f, err := atomicfile.Create(path)
	if err != nil {
		return fmt.Errorf("htmlreport: %w", err)
	}
	defer f.Abort()
	if err := Write(f, r); err != nil {
		return err
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("htmlreport: writing %s: %w", path, err)
	}
	return nil
}
