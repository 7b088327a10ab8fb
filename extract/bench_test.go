package extract

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/brainhierarchy/bhscore/features"
)

// BenchmarkRun measures end-to-end extraction (decode, resize, inference,
// MAT v5 files written) in images per second, on the layers bench.py
// writes. Without BHSCORE_EXTRACT_BENCH it runs SqueezeNet 1.1 on the six
// test images; with it pointing at the output of
// "generate.py --bench DIR" it runs SqueezeNet 1.1 and ResNet-18 on DIR's
// 200 ImageNet-sized JPEGs, as BENCHMARKS.md records.
func BenchmarkRun(b *testing.B) {
	requireRuntime(b)
	dir := os.Getenv("BHSCORE_EXTRACT_BENCH")
	models := map[string][]Layer{
		"squeezenet1_1": {
			{Name: "pool2", Tensor: "/features/features.5/MaxPool_output_0"},
			{Name: "fire8", Tensor: "/features/features.12/Concat_output_0"},
			{Name: "output", Tensor: "output"}},
	}
	imgDir := filepath.Join("testdata", "images")
	modelDir := "testdata"
	if dir != "" {
		imgDir, modelDir = filepath.Join(dir, "images"), dir
		models["resnet18"] = []Layer{
			{Name: "layer1", Tensor: "/layer1/layer1.1/relu_1/Relu_output_0"},
			{Name: "layer3", Tensor: "/layer3/layer3.1/relu_1/Relu_output_0"},
			{Name: "output", Tensor: "output"}}
	}
	imgs, err := filepath.Glob(filepath.Join(imgDir, "*"))
	if err != nil || len(imgs) == 0 {
		b.Fatal("no images", err)
	}
	for _, name := range []string{"squeezenet1_1", "resnet18"} {
		layers, ok := models[name]
		if !ok {
			continue
		}
		b.Run(name, func(b *testing.B) {
			m, err := LoadModel(filepath.Join(modelDir, name+".onnx"))
			if err != nil {
				b.Fatal(err)
			}
			e, err := New(m, layers, &Options{Preprocess: PyTorch()})
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			b.ReportAllocs()
			k := 0
			for b.Loop() {
				k++
				out := filepath.Join(b.TempDir(), strconv.Itoa(k))
				if _, err := e.Run(b.Context(), imgs, &features.DirWriter{Root: out}); err != nil {
					b.Fatal(err)
				}
				os.RemoveAll(out)
			}
			b.ReportMetric(float64(len(imgs)*b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}
