package filter_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/schema"
)

func TestCompareBy(t *testing.T) {
	docs := []map[string]any{
		{"id": "b", "userName": "bob", "meta": map[string]any{"created": "2020-01-02T00:00:00Z"},
			"emails": []any{map[string]any{"value": "z@x"}, map[string]any{"value": "a@x", "primary": true}}},
		{"id": "A", "userName": "Alice", "meta": map[string]any{"created": "2020-01-02T01:00:00+02:00"},
			"emails": []any{map[string]any{"value": "m@x"}}, "active": true},
		{"id": "c", "meta": map[string]any{"created": "2019-12-31T00:00:00Z"}, "active": false},
		{"id": "a", "userName": "carol", "title": "Boss"},
	}
	ids := func(by string, desc bool) []string {
		p, err := filter.ParseAttrPath(by, users)
		require.NoError(t, err)
		sorted := slices.Clone(docs)
		slices.SortStableFunc(sorted, func(x, y map[string]any) int { return filter.CompareBy(x, y, p, desc) })
		var out []string
		for _, d := range sorted {
			out = append(out, d["id"].(string))
		}
		return out
	}
	assert.Equal(t, []string{"A", "b", "a", "c"}, ids("userName", false), "caseExact false, missing last")
	assert.Equal(t, []string{"c", "a", "b", "A"}, ids("USERNAME", true), "descending, missing first")
	assert.Equal(t, []string{"A", "a", "b", "c"}, ids("id", false), "id is caseExact")
	assert.Equal(t, []string{"c", "A", "b", "a"}, ids("meta.created", false), "dateTime as instants")
	assert.Equal(t, []string{"b", "A", "c", "a"}, ids("emails", false), "primary value, else first")
	assert.Equal(t, []string{"b", "A", "c", "a"}, ids("emails.value", false))
	assert.Equal(t, []string{"c", "A", "b", "a"}, ids("active", false), "false before true")
}

// TestSortMissingValues checks RFC 7644 §3.4.2.3 as the design states it:
// resources without a value sort last ascending and first descending,
// whether the attribute is absent, null, "", an empty list, or a
// multi-valued attribute whose primary (else first) value lacks the
// sub-attribute sorted by.
func TestSortMissingValues(t *testing.T) {
	docs := []map[string]any{
		{"id": "1", "title": "b", "emails": []any{map[string]any{"value": "b@x"}}},
		{"id": "2"},
		{"id": "3", "title": "A", "emails": []any{
			map[string]any{"value": "z@x"},
			map[string]any{"value": "a@x", "primary": true},
		}},
		{"id": "4", "title": nil, "emails": []any{}},
		{"id": "5", "title": "", "emails": []any{map[string]any{"type": "work"}, map[string]any{"value": "c@x"}}},
		{"id": "6", "title": "C", "emails": []any{map[string]any{"type": "home", "value": "c@x"}}},
	}
	tests := []struct {
		by   string
		desc bool
		want []string
	}{
		{"title", false, []string{"3", "1", "6", "2", "4", "5"}},
		{"title", true, []string{"2", "4", "5", "6", "1", "3"}},
		// primary value, else first: 3 sorts by a@x, 5's first value has
		// no value (so 5 has none).
		{"emails", false, []string{"3", "1", "6", "2", "4", "5"}},
		{"emails", true, []string{"2", "4", "5", "6", "1", "3"}},
		{"emails.value", false, []string{"3", "1", "6", "2", "4", "5"}},
		{"emails.value", true, []string{"2", "4", "5", "6", "1", "3"}},
		{"emails.type", false, []string{"6", "5", "1", "2", "3", "4"}},
		{"emails.type", true, []string{"1", "2", "3", "4", "5", "6"}},
	}
	for _, tt := range tests {
		order := "ascending"
		if tt.desc {
			order = "descending"
		}
		t.Run(tt.by+" "+order, func(t *testing.T) {
			assert.Equal(t, tt.want, sortedIDs(t, docs, tt.by, tt.desc))
		})
	}
}

// TestSortFoldsCase checks that strings that are not caseExact sort by
// Unicode case folding, as strings.EqualFold (and so the eq operator)
// compares them, not by ASCII or strings.ToLower alone.
func TestSortFoldsCase(t *testing.T) {
	docs := func(names ...string) []map[string]any {
		var out []map[string]any
		for _, n := range names {
			out = append(out, map[string]any{"id": n, "userName": n})
		}
		return out
	}
	tests := []struct {
		name  string
		names []string
		want  []string
	}{
		{"ascii", []string{"bob", "Carol", "alice", "Bea"}, []string{"alice", "Bea", "bob", "Carol"}},
		{"long s folds to s", []string{"zoe", "\u017fam", "Sally", "sz"}, []string{"Sally", "\u017fam", "sz", "zoe"}},
		{"final sigma folds to sigma", []string{"\u03c2b", "\u03a3a"}, []string{"\u03a3a", "\u03c2b"}},
		{"Kelvin sign folds to k", []string{"kc", "\u212ab", "Ka"}, []string{"Ka", "\u212ab", "kc"}},
		{"accented capitals", []string{"\u00e9ric", "\u00c9mile", "Eve", "zed"}, []string{"Eve", "zed", "\u00c9mile", "\u00e9ric"}},
		{"prefix first", []string{"\u00c9milie", "\u00e9mil"}, []string{"\u00e9mil", "\u00c9milie"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, sortedIDs(t, docs(tt.names...), "userName", false))
			want := slices.Clone(tt.want)
			slices.Reverse(want)
			assert.Equal(t, want, sortedIDs(t, docs(tt.names...), "userName", true))
		})
	}
}

// sortedIDs sorts docs by the attribute path by and returns their ids.
func sortedIDs(t *testing.T, docs []map[string]any, by string, desc bool) []string {
	p, err := filter.ParseAttrPath(by, users)
	require.NoError(t, err)
	sorted := slices.Clone(docs)
	slices.SortStableFunc(sorted, func(x, y map[string]any) int { return filter.CompareBy(x, y, p, desc) })
	out := []string{}
	for _, d := range sorted {
		out = append(out, d["id"].(string))
	}
	return out
}

func TestParseSortOrder(t *testing.T) {
	for in, want := range map[string]bool{"": false, "ascending": false, "Descending": true, "DESCENDING": true} {
		got, err := filter.ParseSortOrder(in)
		require.NoError(t, err)
		assert.Equal(t, want, got, in)
	}
	_, err := filter.ParseSortOrder("down")
	var se *schema.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, schema.InvalidValue, se.Code)

	_, err = filter.ParseAttrPath("favouriteColour", users)
	require.ErrorAs(t, err, &se)
	assert.Equal(t, schema.InvalidPath, se.Code)
}
