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
	assert.Equal(t, []string{"a", "b", "A", "c"}, ids("USERNAME", true), "descending, missing still last")
	assert.Equal(t, []string{"A", "a", "b", "c"}, ids("id", false), "id is caseExact")
	assert.Equal(t, []string{"c", "A", "b", "a"}, ids("meta.created", false), "dateTime as instants")
	assert.Equal(t, []string{"b", "A", "c", "a"}, ids("emails", false), "primary value, else first")
	assert.Equal(t, []string{"b", "A", "c", "a"}, ids("emails.value", false))
	assert.Equal(t, []string{"c", "A", "b", "a"}, ids("active", false), "false before true")
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
