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
	"strings"
	"text/tabwriter"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
	"github.com/brainhierarchy/bhscore/provenance"
)

// DNNScore holds one network's scores for a report.
type DNNScore struct {
	// Name is the network's name (the settings.json key).
	Name string
	// Decoding, Encoding and BHScore are the decoding-based,
	// encoding-based and averaged BH scores (NaN when unavailable).
	Decoding, Encoding, BHScore float64

	// Optional extras, written when set.

	// DecodingCI, EncodingCI and BHScoreCI are bootstrap confidence
	// intervals [lo, hi] (nil: not run).
	DecodingCI, EncodingCI, BHScoreCI []float64
	// DecodingP, EncodingP and BHScoreP are one-sided permutation
	// p-values against shuffled layer (ROI) order (0 or NaN: not run).
	DecodingP, EncodingP, BHScoreP float64
	// RankStability is the fraction of bootstrap replicates in which the
	// network keeps its rank (NaN or 0 with RankRange nil: not run);
	// RankRange is the interval [lo, hi] of its rank over them.
	RankStability float64
	RankRange     []int
	// Subjects holds per-subject scores, in subject order.
	Subjects []SubjectScore
	// Layers, ROIs and TopROICounts describe the decoding top-ROI
	// distribution (TopROICounts[layer][roi], all layers, Figure S1).
	Layers, ROIs []string
	TopROICounts [][]int
	// Provenance says what the scores were computed from (nil: unknown,
	// e.g. accuracy trees of the Python tools).
	Provenance *NetworkProvenance
}

// NetworkProvenance says what one network's scores were computed from.
type NetworkProvenance struct {
	// Fingerprint is the SHA-256 over the fingerprints recorded with each
	// of the network's analysis jobs (their done markers): equal
	// fingerprints mean equal parameters and inputs.
	Fingerprint string `json:"fingerprint"`
	// Params are the network's analysis parameters (directory, layers,
	// alpha and n_feat of each direction, non-finite policy, ...).
	Params []provenance.Param `json:"parameters"`
	// Inputs are the identities of the files its jobs read (see package
	// provenance), sorted by role and path.
	Inputs []provenance.Input `json:"inputs"`
}

// Provenance says how a report was made: the bhscore version and the
// scoring options.
type Provenance struct {
	Version string             `json:"bhscore_version"`
	Scoring []provenance.Param `json:"scoring"`
}

// Uncertainty records the resampling settings of a report.
type Uncertainty struct {
	// Bootstrap and Permutations are the numbers of replicates (0: not
	// run), Level the confidence level of the intervals, Seed the seed of
	// the random streams.
	Bootstrap, Permutations int
	Level                   float64
	Seed                    uint64
}

// Field is a named parameter of a report.
type Field struct{ Name, Value string }

// SubjectScore is one subject's scores.
type SubjectScore struct {
	Subject                     string
	Decoding, Encoding, BHScore float64
}

// Report is a study's table of scores and their ranking.
type Report struct {
	// DNNs in input (settings) order.
	DNNs []DNNScore
	// Uncertainty describes the resampling behind the CIs and p-values;
	// nil when none was run.
	Uncertainty *Uncertainty
	// Parameters records how the scores were computed (shown in the HTML
	// report), in order.
	Parameters []Field
	// Ranking holds indices into DNNs, best first, as the notebook ranks:
	// np.argsort(bhscores)[::-1].
	Ranking []int
	// Provenance, if not nil, is written with the report.
	Provenance *Provenance
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
	Name          string             `json:"name"`
	Decoding      jnum               `json:"decoding"`
	Encoding      jnum               `json:"encoding"`
	BHScore       jnum               `json:"bhscore"`
	Rank          int                `json:"rank"`
	PublishedRank *int               `json:"rank_among_published"`
	DecodingCI    []jnum             `json:"decoding_ci,omitempty"`
	EncodingCI    []jnum             `json:"encoding_ci,omitempty"`
	BHScoreCI     []jnum             `json:"bhscore_ci,omitempty"`
	DecodingP     *jnum              `json:"decoding_permutation_p,omitempty"`
	EncodingP     *jnum              `json:"encoding_permutation_p,omitempty"`
	BHScoreP      *jnum              `json:"bhscore_permutation_p,omitempty"`
	RankStability *jnum              `json:"rank_stability,omitempty"`
	RankRange     []int              `json:"rank_range,omitempty"`
	Subjects      []jsonSubject      `json:"subjects,omitempty"`
	Layers        []string           `json:"layers,omitempty"`
	ROIs          []string           `json:"rois,omitempty"`
	TopROICounts  [][]int            `json:"top_roi_counts,omitempty"`
	Provenance    *NetworkProvenance `json:"provenance,omitempty"`
}

type jsonUncertainty struct {
	Bootstrap    int     `json:"bootstrap_replicates"`
	Permutations int     `json:"permutations"`
	Level        float64 `json:"ci_level"`
	Seed         uint64  `json:"resample_seed"`
}

type jsonReport struct {
	DNNs            []jsonDNN         `json:"dnns"`
	Ranking         []string          `json:"ranking"`
	PublishedSource string            `json:"published_source"`
	Uncertainty     *jsonUncertainty  `json:"uncertainty,omitempty"`
	Parameters      map[string]string `json:"parameters,omitempty"`
	Provenance      *Provenance       `json:"provenance,omitempty"`
}

// publishedRank returns PublishedRank(s), nil for a NaN score (no place).
func publishedRank(s float64) *int {
	if math.IsNaN(s) {
		return nil
	}
	r := PublishedRank(s)
	return &r
}

// publishedRankText returns the published rank as text, "n/a" for NaN.
func publishedRankText(s float64) string {
	if r := publishedRank(s); r != nil {
		return strconv.Itoa(*r)
	}
	return "n/a"
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
// "rank_among_published" (PublishedRank, null for a NaN score), any extras
// and its "provenance", then "ranking" (names, best first) and the report's
// "provenance" (version, scoring options) when known.
func (r *Report) WriteJSON(w io.Writer) error {
	rk := r.ranks()
	out := jsonReport{PublishedSource: PublishedSource, Ranking: make([]string, len(r.Ranking)), Provenance: r.Provenance}
	for pos, i := range r.Ranking {
		out.Ranking[pos] = r.DNNs[i].Name
	}
	if u := r.Uncertainty; u != nil {
		out.Uncertainty = &jsonUncertainty{u.Bootstrap, u.Permutations, u.Level, u.Seed}
	}
	if len(r.Parameters) > 0 {
		out.Parameters = map[string]string{}
		for _, p := range r.Parameters {
			out.Parameters[p.Name] = p.Value
		}
	}
	for i, d := range r.DNNs {
		j := jsonDNN{
			Name: d.Name, Decoding: jnum(d.Decoding), Encoding: jnum(d.Encoding), BHScore: jnum(d.BHScore),
			Rank: rk[i], PublishedRank: publishedRank(d.BHScore), Provenance: d.Provenance,
			DecodingCI: jnums(d.DecodingCI), EncodingCI: jnums(d.EncodingCI),
			BHScoreCI: jnums(d.BHScoreCI),
			DecodingP: optP(d.DecodingP), EncodingP: optP(d.EncodingP), BHScoreP: optP(d.BHScoreP),
			RankRange: d.RankRange,
			Layers:    d.Layers, ROIs: d.ROIs, TopROICounts: d.TopROICounts,
		}
		if d.RankRange != nil {
			v := jnum(d.RankStability)
			j.RankStability = &v
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
// encoding, bhscore, rank_among_published (NaN written as "NaN", a NaN
// score's rank as "n/a"). A report with Uncertainty adds decoding_ci_lo,
// decoding_ci_hi, encoding_ci_lo, encoding_ci_hi, bhscore_ci_lo,
// bhscore_ci_hi, decoding_p, encoding_p, bhscore_p, rank_stability, rank_lo
// and rank_hi (empty where not run); one with provenance fingerprint (the
// network's), parameters and scoring ("name=value" joined by "; ", scoring
// with the bhscore version).
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := []string{"rank", "name", "decoding", "encoding", "bhscore", "rank_among_published"}
	if r.Uncertainty != nil {
		head = append(head, "decoding_ci_lo", "decoding_ci_hi", "encoding_ci_lo", "encoding_ci_hi", "bhscore_ci_lo", "bhscore_ci_hi",
			"decoding_p", "encoding_p", "bhscore_p", "rank_stability", "rank_lo", "rank_hi")
	}
	withProv := r.Provenance != nil || slices.ContainsFunc(r.DNNs, func(d DNNScore) bool { return d.Provenance != nil })
	var scoring string
	if withProv {
		head = append(head, "fingerprint", "parameters", "scoring")
		if r.Provenance != nil {
			scoring = joinParams(append([]provenance.Param{{Name: "bhscore version", Value: r.Provenance.Version}}, r.Provenance.Scoring...))
		}
	}
	cw.Write(head)
	for pos, i := range r.Ranking {
		d := r.DNNs[i]
		row := []string{strconv.Itoa(pos + 1), d.Name, csvFloat(d.Decoding), csvFloat(d.Encoding), csvFloat(d.BHScore), publishedRankText(d.BHScore)}
		if r.Uncertainty != nil {
			for _, ci := range [][]float64{d.DecodingCI, d.EncodingCI, d.BHScoreCI} {
				if len(ci) == 2 {
					row = append(row, csvFloat(ci[0]), csvFloat(ci[1]))
				} else {
					row = append(row, "", "")
				}
			}
			for _, p := range []float64{d.DecodingP, d.EncodingP, d.BHScoreP} {
				row = append(row, optCSV(p))
			}
			if len(d.RankRange) == 2 {
				row = append(row, csvFloat(d.RankStability), strconv.Itoa(d.RankRange[0]), strconv.Itoa(d.RankRange[1]))
			} else {
				row = append(row, "", "", "")
			}
		}
		if withProv {
			var fp, params string
			if d.Provenance != nil {
				fp, params = d.Provenance.Fingerprint, joinParams(d.Provenance.Params)
			}
			row = append(row, fp, params, scoring)
		}
		cw.Write(row)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: writing CSV report: %w", err)
	}
	return nil
}

// optCSV writes an optional p-value: empty when not run.
func optCSV(p float64) string {
	if p == 0 || math.IsNaN(p) {
		return ""
	}
	return csvFloat(p)
}

func joinParams(ps []provenance.Param) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.Name + "=" + p.Value
	}
	return strings.Join(s, "; ")
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
// score would take among the 29 published networks (paper Figure 3). When
// the report has uncertainties, the BH score's confidence interval, the
// permutation p-values of the three scores and the share of bootstrap
// replicates in which the network keeps its rank follow.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	u := r.Uncertainty
	if u == nil {
		fmt.Fprintln(tw, "rank\tDNN\tdecoding\tencoding\tBH score\tamong published (of 30)\t")
	} else {
		fmt.Fprintf(tw, "rank\tDNN\tdecoding\tencoding\tBH score\t%s CI\tp dec\tp enc\tp BH\tkeeps rank\tamong published (of 30)\t\n", levelString(u.Level))
	}
	for pos, i := range r.Ranking {
		d := r.DNNs[i]
		if u == nil {
			fmt.Fprintf(tw, "%d\t%s\t%+.4f\t%+.4f\t%+.4f\t%s\t\n", pos+1, d.Name, d.Decoding, d.Encoding, d.BHScore, publishedRankText(d.BHScore))
			continue
		}
		ci, keep := "-", "-"
		if len(d.BHScoreCI) == 2 {
			ci = fmt.Sprintf("[%+.4f, %+.4f]", d.BHScoreCI[0], d.BHScoreCI[1])
		}
		if len(d.RankRange) == 2 {
			keep = fmt.Sprintf("%.0f%%", 100*d.RankStability)
		}
		fmt.Fprintf(tw, "%d\t%s\t%+.4f\t%+.4f\t%+.4f\t%s\t%s\t%s\t%s\t%s\t%s\t\n", pos+1, d.Name, d.Decoding, d.Encoding, d.BHScore,
			ci, pString(d.DecodingP), pString(d.EncodingP), pString(d.BHScoreP), keep, publishedRankText(d.BHScore))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("report: writing table: %w", err)
	}
	if u != nil {
		fmt.Fprintf(w, "CI: %s percentile bootstrap over units and voxels (%d replicates); p: one-sided permutation test against shuffled layer/ROI order (%d permutations); seed %d\n",
			levelString(u.Level), u.Bootstrap, u.Permutations, u.Seed)
	}
	return nil
}

func levelString(l float64) string { return strconv.FormatFloat(100*l, 'g', 4, 64) + "%" }

func pString(p float64) string {
	if p == 0 || math.IsNaN(p) {
		return "-"
	}
	return strconv.FormatFloat(p, 'g', 3, 64)
}
