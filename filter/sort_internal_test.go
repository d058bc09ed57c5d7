package filter

import (
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
)

// TestFoldKeyAgreesWithEqualFold checks over every rune that sorting
// treats two strings as equal exactly when strings.EqualFold does: the
// runes of one case folding orbit share a key, and no two orbits do.
func TestFoldKeyAgreesWithEqualFold(t *testing.T) {
	orbit := map[rune]rune{} // key to the smallest rune of its orbit
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if unicode.SimpleFold(r) == r {
			continue
		}
		smallest := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if !assert.Equal(t, foldKey(r), foldKey(f), "%U and %U", r, f) {
				return
			}
			smallest = min(smallest, f)
		}
		if o, ok := orbit[foldKey(r)]; ok && !assert.Equal(t, o, smallest, "%U shares its key with another orbit", r) {
			return
		}
		orbit[foldKey(r)] = smallest
	}
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if _, ok := orbit[r]; unicode.SimpleFold(r) == r && ok {
			t.Fatalf("%U, alone in its orbit, shares its key with another orbit", r)
		}
	}
	for _, pair := range [][2]string{{"ſam", "SAM"}, {"ΣΑΣ", "σας"}, {"\u212a", "k"}, {"Émile", "éMILE"}} {
		assert.True(t, strings.EqualFold(pair[0], pair[1]))
		assert.Zero(t, compareFold(pair[0], pair[1]), pair)
	}
	assert.NotZero(t, compareFold("İ", "i"), "EqualFold keeps them apart")
}
