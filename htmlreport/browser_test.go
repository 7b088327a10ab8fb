package htmlreport

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// chromium returns a headless-capable browser: $BHSCORE_CHROMIUM when it
// names a program, else chromium, chromium-browser or google-chrome on
// PATH. Under CI (CI set, or BHSCORE_CHROMIUM=1) scripts/setup.sh
// installs Debian's chromium and a missing browser fails the test;
// elsewhere the test is skipped.
func chromium(t *testing.T) string {
	env := os.Getenv("BHSCORE_CHROMIUM")
	if env != "" && env != "1" {
		return env
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" || env == "1" {
		t.Fatal("no chromium on PATH (scripts/setup.sh installs it when CI or BHSCORE_CHROMIUM=1 is set)")
	}
	t.Skip("no chromium on PATH; set BHSCORE_CHROMIUM=1 and run scripts/setup.sh to install it")
	return ""
}

func headless(t *testing.T, browser string, args ...string) []byte {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--hide-scrollbars", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, browser, append(base, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", browser, args, err, errb.String())
	}
	return out.Bytes()
}

// TestRendersInChromium loads a saved report in headless Chromium: the
// browser's DOM must hold the ranking table, the published table and the
// figure, and a screenshot must show the figure's pixels and table text.
func TestRendersInChromium(t *testing.T) {
	browser := chromium(t)
	dir := t.TempDir()
	if d := os.Getenv("BHSCORE_KEEP_SHOT"); d != "" {
		dir = d
	}
	path := filepath.Join(dir, "report.html")
	if err := Save(path, sample(t)); err != nil {
		t.Fatal(err)
	}
	url := "file://" + path

	dom := string(headless(t, browser, "--dump-dom", url))
	for _, want := range []string{
		`<table class="ranking">`,
		`<a href="#net-0">TinyHier</a>`,
		`TinyHier (this run)`,
		`<img src="data:image/png;base64,`,
		`<caption>Decoding: top-ROI counts per layer</caption>`,
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("Chromium's DOM lacks %q", want)
		}
	}
	if n := strings.Count(dom, "<tr"); n < 8 {
		t.Errorf("Chromium's DOM has %d table rows, want >= 8", n)
	}

	shot := filepath.Join(dir, "shot.png")
	headless(t, browser, "--window-size=1200,2400", "--screenshot="+shot, url)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	var magenta, dark int
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			switch {
			case r > 240 && g < 20 && bl > 240:
				magenta++
			case r < 90 && g < 90 && bl < 90:
				dark++
			}
		}
	}
	// The figure is 400 x 150 pixels, drawn at its size (the page is
	// wider); allow for borders and device scaling.
	if magenta < 400*150*9/10 {
		t.Errorf("screenshot shows %d figure pixels, want about %d", magenta, 400*150)
	}
	if dark < 2000 {
		t.Errorf("screenshot shows %d dark (text) pixels: the tables did not render", dark)
	}
}
