package report

import (
	"math"
	"strconv"

	"github.com/brainhierarchy/bhscore/htmlreport"
)

// HTML returns the report's content for htmlreport: the networks in rank
// order with their intervals, p-values and rank stability, placed among
// the published networks, the given figures (PNG), each network's
// top-ROI counts per layer and per-subject scores and, when known, what
// they were computed from (NetworkProvenance), and the report's Parameters
// and Provenance (bhscore version, scoring options; further provenance is
// the caller's to add).
func (r *Report) HTML(figs []htmlreport.Figure) *htmlreport.Report {
	h := &htmlreport.Report{
		Title:           "Brain hierarchy scores",
		PublishedSource: PublishedSource,
		Figures:         figs,
	}
	for _, p := range Published() {
		h.Published = append(h.Published, htmlreport.Published{Name: p.Name, BHScore: p.BHScore})
	}
	if u := r.Uncertainty; u != nil {
		h.Level = u.Level
		h.Summary = "Confidence intervals from " + strconv.Itoa(u.Bootstrap) + " bootstrap replicates, p-values from " +
			strconv.Itoa(u.Permutations) + " permutations (seed " + strconv.FormatUint(u.Seed, 10) + ")."
	}
	for _, p := range r.Parameters {
		h.Parameters = append(h.Parameters, htmlreport.Field{Name: p.Name, Value: p.Value})
	}
	if pv := r.Provenance; pv != nil {
		h.Provenance = append(h.Provenance, htmlreport.Field{Name: "bhscore version", Value: pv.Version})
		for _, p := range pv.Scoring {
			h.Provenance = append(h.Provenance, htmlreport.Field{Name: "scoring: " + p.Name, Value: p.Value})
		}
	}
	for _, i := range r.Ranking {
		d := r.DNNs[i]
		n := htmlreport.Network{
			Name:          d.Name,
			Decoding:      score(d.Decoding, d.DecodingCI, d.DecodingP),
			Encoding:      score(d.Encoding, d.EncodingCI, d.EncodingP),
			BHScore:       score(d.BHScore, d.BHScoreCI, d.BHScoreP),
			RankStability: math.NaN(),
		}
		if len(d.RankRange) == 2 {
			n.RankStability, n.RankLo, n.RankHi = d.RankStability, d.RankRange[0], d.RankRange[1]
		}
		if len(d.TopROICounts) > 0 && len(d.TopROICounts) == len(d.Layers) {
			t := htmlreport.Table{Title: "Decoding: selected units per layer by best ROI", Columns: append([]string{"layer"}, d.ROIs...)}
			for k, c := range d.TopROICounts {
				row := []string{d.Layers[k]}
				for _, v := range c {
					row = append(row, strconv.Itoa(v))
				}
				t.Rows = append(t.Rows, row)
			}
			n.Tables = append(n.Tables, t)
		}
		if pv := d.Provenance; pv != nil {
			t := htmlreport.Table{Title: "Computed from (fingerprint " + pv.Fingerprint + ")", Columns: []string{"parameter or input", "value or identity"}}
			for _, p := range pv.Params {
				t.Rows = append(t.Rows, []string{p.Name, p.Value})
			}
			for _, in := range pv.Inputs {
				id := in.Kind + ", " + strconv.FormatInt(in.Size, 10) + " bytes"
				if in.Files > 0 {
					id += ", " + strconv.Itoa(in.Files) + " files"
				}
				if in.SHA256 != "" {
					id += ", sha256 " + in.SHA256
				}
				if in.ModTime != "" {
					id += ", modified " + in.ModTime
				}
				t.Rows = append(t.Rows, []string{in.Role, in.Path + " (" + id + ")"})
			}
			n.Tables = append(n.Tables, t)
		}
		if len(d.Subjects) > 0 {
			t := htmlreport.Table{Title: "Per-subject scores", Columns: []string{"subject", "decoding", "encoding", "BH score"}}
			for _, s := range d.Subjects {
				t.Rows = append(t.Rows, []string{s.Subject, fmtScore(s.Decoding), fmtScore(s.Encoding), fmtScore(s.BHScore)})
			}
			n.Tables = append(n.Tables, t)
		}
		h.Networks = append(h.Networks, n)
	}
	return h
}

func score(v float64, ci []float64, p float64) htmlreport.Score {
	s := htmlreport.NoCI(v)
	if len(ci) == 2 {
		s.Lo, s.Hi = ci[0], ci[1]
	}
	if p != 0 {
		s.P = p
	}
	return s
}

func fmtScore(v float64) string {
	if math.IsNaN(v) {
		return "NaN"
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}
