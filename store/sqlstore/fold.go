package sqlstore

import (
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/scimkit/scim/filter"
)

// Case-insensitive comparison follows package filter, which the memory
// store uses: "eq" and "ne" hold as strings.EqualFold does (Unicode simple
// case folding: "ς" equals "Σ", the Kelvin sign equals "k"), and "co",
// "sw", "ew", the orderings and sortBy compare filter.FoldString of both
// sides byte by byte. Neither folding can be written in portable SQL, so
// the store computes both in Go when it writes a resource and keeps them
// beside the stored values: columns for userName and displayName, which
// are looked up by index, and two copies of the JSON document, one with
// every string replaced by its folding key and one in lower case.

// foldKey returns the key under which strings.EqualFold compares s: each
// rune replaced by the smallest rune of its simple case folding orbit, so
// that foldKey(a) == foldKey(b) exactly when strings.EqualFold(a, b).
// Invalid UTF-8 decodes as U+FFFD, as in strings.EqualFold.
func foldKey(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || c >= 'a' && c <= 'z' {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(orbitMin(r))
	}
	return b.String()
}

// orbitMin is the smallest rune that unicode.SimpleFold reaches from r.
func orbitMin(r rune) rune {
	if r < utf8.RuneSelf {
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}
	lowest := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < lowest {
			lowest = f
		}
	}
	return lowest
}

// foldStrings returns a copy of v, a decoded JSON value, with every string
// value (not object keys) replaced by fn of it.
func foldStrings(v any, fn func(string) string) any {
	switch v := v.(type) {
	case string:
		return fn(v)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = foldStrings(e, fn)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = foldStrings(e, fn)
		}
		return out
	case []map[string]any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = foldStrings(e, fn)
		}
		return out
	}
	return v
}

// foldedString returns fn of attrs[name] when it is a string, else nil
// (SQL NULL).
func foldedString(attrs map[string]any, name string, fn func(string) string) any {
	if v, ok := attrs[name].(string); ok {
		return fn(v)
	}
	return nil
}

// shadows returns the JSON of v with every string folded (foldKey) and
// lowered (filter.FoldString), for the fdata and ldata columns.
func shadows(v any) (fdata, ldata string, err error) {
	f, err := json.Marshal(foldStrings(v, foldKey))
	if err != nil {
		return "", "", err
	}
	l, err := json.Marshal(foldStrings(v, filter.FoldString))
	if err != nil {
		return "", "", err
	}
	return string(f), string(l), nil
}
