package sim

import (
	"encoding/json"
)

// Truth is the ground truth of a study, as written to truth.json.
type Truth struct {
	Seed     uint64    `json:"seed"`
	Size     string    `json:"size"`
	ROIs     []string  `json:"rois"`
	Subjects []Subject `json:"subjects"`
	Nets     []Net     `json:"dnns"`
	// Ranking lists the networks by decreasing ideal score: the order a
	// working analysis must recover.
	Ranking []string `json:"expected_ranking"`
	Params  Params   `json:"parameters"`
	Train   Split    `json:"training"`
	Test    Split    `json:"test"`
}

// Truth returns the study's ground truth: ROI depths (Params.ROIDepths),
// layer centres, ideal scores and the expected ranking.
func (s *Study) Truth() *Truth {
	t := &Truth{Seed: s.Seed, Size: s.Size.String(), ROIs: s.ROIs, Subjects: s.Subjects, Nets: s.Nets,
		Params: s.Params, Train: s.Train, Test: s.Test}
	idx := make([]int, len(s.Nets))
	for i := range idx {
		idx[i] = i
	}
	for i := 1; i < len(idx); i++ { // stable insertion sort, decreasing ideal
		for j := i; j > 0 && s.Nets[idx[j]].Ideal > s.Nets[idx[j-1]].Ideal; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	for _, i := range idx {
		t.Ranking = append(t.Ranking, s.Nets[i].Name)
	}
	return t
}

// TruthJSON returns truth.json.
func (s *Study) TruthJSON() []byte {
	b, err := json.MarshalIndent(s.Truth(), "", "  ")
	if err != nil {
		panic(err) // only plain values
	}
	return append(b, '\n')
}
