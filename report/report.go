package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"text/tabwriter"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
)

// DNNScore holds one network's scores for a report.
type DNNScore struct {
	// Name is the network's name (the settings.json key).
	Name string
	// Decoding, Encoding and BHScore are the decoding-based,
	// encoding-based and averaged BH scores (NaN when unavailable).
	Decoding, Encoding, BHScore float64

	// Optional extras, written when set.

	// DecodingCI and EncodingCI are bootstrap confidence intervals
	// [lo, hi].
	DecodingCI, EncodingCI []float64
	// DecodingP and EncodingP are permutation p-values (NaN: not run).
	DecodingP, EncodingP float64
	// Subjects holds per-subject scores, in subject order.
	Subjects []SubjectScore
	// Layers, ROIs and TopROICounts describe the decoding top-ROI
	// distribution (TopROICounts[layer][roi], all layers, Figure S1).
	Layers, ROIs []string
	TopROICounts [][]int
}

// SubjectScore is one subject's scores.
type SubjectScore struct {
	Subject                     string
	Decoding, Encoding, BHScore float64
}

// Report is a study's table of scores and their ranking.
type Report struct {
	// DNNs in input (settings) order.
	DNNs []DNNScore
	// Ranking holds indices into DNNs, best first, as the notebook ranks:
	// np.argsort(bhscores)[::-1].
	Ranking []int
}

// New ranks dnns (kept in their order).
func New(dnns []DNNScore) *Report {
	s := make([]float64, len(dnns))
	for i, d := range dnns {
		s[i] = d.BHScore
	}
	return &Report{DNNs: dnns, Ranking: Rank(s)}
}

// Rank returns indices of scores from highest to lowest as the notebook's
// np.argsort(scores)[::-1] does: NaN scores sort last in argsort and so
// come first; tied scores come in reverse input order (numpy's sort is
// stable for the small arrays of a study, up to 16 networks).
func Rank(scores []float64) []int {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		x, y := scores[idx[a]], scores[idx[b]]
		if math.IsNaN(y) {
			return !math.IsNaN(x)
		}
		return x < y
	})
	slices.Reverse(idx)
	return idx
}

// jnum is a float64 written as null when NaN or infinite.
type jnum float64

func (f jnum) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

type jsonSubject struct {
	Subject  string `json:"subject"`
	Decoding jnum   `json:"decoding"`
	Encoding jnum   `json:"encoding"`
	BHScore  jnum   `json:"bhscore"`
}

type jsonDNN struct {
	Name          string        `json:"name"`
	Decoding      jnum          `json:"decoding"`
	Encoding      jnum          `json:"encoding"`
	BHScore       jnum          `json:"bhscore"`
	Rank          int           `json:"rank"`
	PublishedRank int           `json:"rank_among_published"`
	DecodingCI    []jnum        `json:"decoding_ci,omitempty"`
	EncodingCI    []jnum        `json:"encoding_ci,omitempty"`
	DecodingP     *jnum         `json:"decoding_permutation_p,omitempty"`
	EncodingP     *jnum         `json:"encoding_permutation_p,omitempty"`
	Subjects      []jsonSubject `json:"subjects,omitempty"`
	Layers        []string      `json:"layers,omitempty"`
	ROIs          []string      `json:"rois,omitempty"`
	TopROICounts  [][]int       `json:"top_roi_counts,omitempty"`
}

type jsonReport struct {
	DNNs            []jsonDNN `json:"dnns"`
	Ranking         []string  `json:"ranking"`
	PublishedSource string    `json:"published_source"`
}

func jnums(x []float64) []jnum {
	if x == nil {
		return nil
	}
	out := make([]jnum, len(x))
	for i, v := range x {
		out[i] = jnum(v)
	}
	return out
}

func optP(p float64) *jnum {
	if p == 0 || math.IsNaN(p) {
		return nil
	}
	j := jnum(p)
	return &j
}

// ranks returns the 1-based rank of every DNN.
func (r *Report) ranks() []int {
	rk := make([]int, len(r.DNNs))
	for pos, i := range r.Ranking {
		rk[i] = pos + 1
	}
	return rk
}

// WriteJSON writes the report as JSON: per DNN (input order) its name,
// "decoding", "encoding", "bhscore" (null for NaN), "rank",
// "rank_among_published" (PublishedRank) and any extras, then "ranking"
// (names, best first).
func (r *Report) WriteJSON(w io.Writer) error {
	rk := r.ranks()
	out := jsonReport{PublishedSource: PublishedSource, Ranking: make([]string, len(r.Ranking))}
	for pos, i := range r.Ranking {
		out.Ranking[pos] = r.DNNs[i].Name
	}
	for i, d := range r.DNNs {
		j := jsonDNN{
			Name: d.Name, Decoding: jnum(d.Decoding), Encoding: jnum(d.Encoding), BHScore: jnum(d.BHScore),
			Rank: rk[i], PublishedRank: PublishedRank(d.BHScore),
			DecodingCI: jnums(d.DecodingCI), EncodingCI: jnums(d.EncodingCI),
			DecodingP: optP(d.DecodingP), EncodingP: optP(d.EncodingP),
			Layers: d.Layers, ROIs: d.ROIs, TopROICounts: d.TopROICounts,
		}
		for _, s := range d.Subjects {
			j.Subjects = append(j.Subjects, jsonSubject{s.Subject, jnum(s.Decoding), jnum(s.Encoding), jnum(s.BHScore)})
		}
		out.DNNs = append(out.DNNs, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("report: writing JSON report: %w", err)
	}
	return nil
}

func csvFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// WriteCSV writes one row per DNN in rank order: rank, name, decoding,
// encoding, bhscore, rank_among_published (NaN written as "NaN").
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"rank", "name", "decoding", "encoding", "bhscore", "rank_among_published"})
	for pos, i := range r.Ranking {
		d := r.DNNs[i]
		cw.Write([]string{strconv.Itoa(pos + 1), d.Name, csvFloat(d.Decoding), csvFloat(d.Encoding), csvFloat(d.BHScore), strconv.Itoa(PublishedRank(d.BHScore))})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: writing CSV report: %w", err)
	}
	return nil
}

// SaveJSON writes the JSON report to path atomically.
func (r *Report) SaveJSON(path string) error { return save(path, r.WriteJSON) }

// SaveCSV writes the CSV report to path atomically.
func (r *Report) SaveCSV(path string) error { return save(path, r.WriteCSV) }

// save writes path atomically (internal/atomicfile): a reader never sees a
// partial file.
func save(path string, write func(io.Writer) error) error {
	if err := atomicfile.WriteStream(path, write); err != nil {
		return fmt.Errorf("report: writing %s: %w", path, err)
	}
	return nil
}

// WriteTable writes the ranking as an aligned text table: rank, name,
// decoding, encoding and averaged BH score, and the position the averaged
// score would take among the 29 published networks (paper Figure 3).
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "rank\tDNN\tdecoding\tencoding\tBH score\tamong published (of 30)\t")
	for pos, i := range r.Ranking {
		d := r.DNNs[i]
		fmt.Fprintf(tw, "%d\t%s\t%+.4f\t%+.4f\t%+.4f\t%d\t\n", pos+1, d.Name, d.Decoding, d.Encoding, d.BHScore, PublishedRank(d.BHScore))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("report: writing table: %w", err)
	}
	return nil
}
