package htmlreport

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// magentaPNG returns a w x h PNG of one colour no page element uses, so
// that its pixels in a screenshot prove the figure was decoded and drawn.
func magentaPNG(t testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{R: 255, G: 0, B: 255, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func sample(t testing.TB) *Report {
	return &Report{
		Title:   "BH scores of a test study",
		Summary: "Two networks.",
		Level:   0.95,
		Networks: []Network{
			{
				Name:          "TinyHier",
				Decoding:      Score{Value: 0.9211, Lo: 0.88, Hi: 0.95, P: 0.001},
				Encoding:      Score{Value: 0.8587, Lo: 0.80, Hi: 0.90, P: 0.002},
				BHScore:       Score{Value: 0.8899, Lo: 0.85, Hi: 0.92, P: 0.001},
				RankStability: 0.97, RankLo: 1, RankHi: 1,
				Tables: []Table{{Title: "Decoding: top-ROI counts per layer", Columns: []string{"layer", "V1", "V2"}, Rows: [][]string{{"conv1", "12", "3"}, {"fc2", "1", "20"}}}},
			},
			{Name: "Tiny<script>alert(1)</script>", Decoding: NoCI(-0.5), Encoding: NoCI(math.NaN()), BHScore: NoCI(math.NaN()), RankStability: math.NaN()},
		},
		Published:       []Published{{"VGG-S", 0.435}, {"Inception-v4", 0.103}},
		PublishedSource: "Nonaka et al. (2021) Figure 3",
		Figures:         []Figure{{Title: "Figure 3", Caption: "BH scores with 95% CIs", PNG: magentaPNG(t, 400, 150)}},
		Parameters:      []Field{{"p-value threshold", "0.05"}, {"bootstrap replicates", "1000"}},
		Provenance:      []Field{{"decoding accuracies", "data/decoding_accuracy/ImageNetTest"}},
	}
}

func TestWrite(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, sample(t)); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, want := range []string{
		"<title>BH scores of a test study</title>",
		`<a href="#net-0">TinyHier</a></td><td>0.8899</td><td class="ci">[0.8500, 0.9200]</td><td>0.001</td>`,
		"CI 95%",
		"97.0%",
		`<tr class="ours"><td>1</td><td class="name">TinyHier (this run)</td><td>0.8899</td>`,
		`<td>2</td><td class="name">VGG-S</td>`,
		"data:image/png;base64,iVBORw0KGgo",
		"<caption>Decoding: top-ROI counts per layer</caption>",
		"Tiny&lt;script&gt;alert(1)&lt;/script&gt;",
		"<td>-0.5000</td><td class=\"ci\"></td><td>–</td>",
		"bootstrap replicates</td><td class=\"name\">1000",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(html, "<script>") {
		t.Error("report holds a script element")
	}
	if strings.Contains(html, "http://") || strings.Contains(html, "https://") {
		t.Error("report refers to the network")
	}
}

func TestWriteRejectsNonPNG(t *testing.T) {
	r := sample(t)
	r.Figures = append(r.Figures, Figure{Title: "broken", PNG: []byte("GIF89a")})
	if err := Write(&bytes.Buffer{}, r); err == nil || !strings.Contains(err.Error(), `"broken"`) {
		t.Errorf("non-PNG figure: err = %v", err)
	}
	// Save leaves nothing behind on failure.
	dir := t.TempDir()
	if err := Save(filepath.Join(dir, "report.html"), r); err == nil {
		t.Error("Save: no error")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("Save left %d files after failing", len(ents))
	}
}
