package filter_test

import (
	"testing"

	"github.com/scimkit/scim/filter"
)

func benchmarkMatch(b *testing.B, f string) {
	e, err := filter.Parse(f, users, filter.Options{})
	if err != nil {
		b.Fatal(err)
	}
	doc := bjensen()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !filter.Match(e, doc) {
			b.Fatal("no match")
		}
	}
}

func BenchmarkMatchUserNameEq(b *testing.B) { benchmarkMatch(b, `userName eq "BJensen"`) }

func BenchmarkMatchValuePath(b *testing.B) {
	benchmarkMatch(b, `emails[type eq "work" and value co "@example.com"]`)
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := filter.Parse(`userName eq "bjensen@example.com"`, users, filter.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
