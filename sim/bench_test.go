package sim

import (
	"context"
	"testing"
)

// BenchmarkWrite writes a whole study (go test -run XXX -bench Write
// -benchtime 1x ./sim; add -sim.paper for the paper size).
func BenchmarkWrite(b *testing.B) {
	for _, size := range []Size{Tiny, Default, Paper} {
		b.Run(size.String(), func(b *testing.B) {
			if size == Paper && !*benchPaper {
				b.Skip("-sim.paper not set")
			}
			s, err := New(size, 1)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Write(context.Background(), b.TempDir(), nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAnalyseTiny is the in-memory decode + encode + score of the tiny
// study (the check TestRecoversHierarchyTiny runs).
func BenchmarkAnalyseTiny(b *testing.B) {
	s, _ := New(Tiny, 1)
	b.ReportAllocs()
	for b.Loop() {
		analyse(b, s, 50)
	}
}
