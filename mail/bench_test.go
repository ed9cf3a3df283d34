package mail

import "testing"

func BenchmarkBody(b *testing.B) {
	s := testSummary()
	for i := 0; i < b.N; i++ {
		Body(s)
	}
}
