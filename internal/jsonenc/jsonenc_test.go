package jsonenc

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// standard is what encoding/json writes for v, HTML escaping off.
func standard(t testing.TB, v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(v))
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	values := map[string]any{
		"resource": map[string]any{
			"userName": "bjensen@example.com", "active": true, "id": "2819c223",
			"name":   map[string]any{"givenName": "Barbara", "familyName": "Jensen"},
			"emails": []any{map[string]any{"value": "b@x.org", "primary": true}, map[string]any{"value": "c@x.org"}},
			"meta":   map[string]any{"version": `W/"3"`, "location": "https://x/Users/1?a=1&b=<2>"},
			"n":      json.Number("12.50"), "i": 7, "i64": int64(-3), "f": 0.1, "big": 1e21, "nil": nil,
			"empty": map[string]any{}, "none": []any{}, "strings": []string{"a", "b"},
		},
		"escapes":       "quote\" backslash\\ nl\n cr\r tab\t nul\x00 bell\x07 del\x7f <html> & é 日本",
		"invalid UTF-8": "a\xffb\xc3",
		"separators":    "line\u2028para\u2029",
		"many keys":     map[string]any{"q": 1, "b": 2, "z": 3, "a": 4, "m": 5, "c": 6, "y": 7, "d": 8, "x": 9, "e": 10, "w": 11, "f": 12, "v": 13, "g": 14, "u": 15, "h": 16, "t": 17},
	}
	for name, v := range values {
		t.Run(name, func(t *testing.T) {
			got, err := Append(nil, v)
			require.NoError(t, err)
			assert.Equal(t, standard(t, v), string(got))
		})
	}
	for _, bad := range []any{math.NaN(), math.Inf(1), json.Number("1x"), map[string]any{"x": math.Inf(-1)}} {
		_, err := Append(nil, bad)
		assert.Error(t, err, "%v", bad)
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "\"\\\n\r\t\x00\x1f", "\xff\xfe", "\u2028\u2029", "é日本\U0001F600", "a\xc3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Append(nil, map[string]any{s: s})
		require.NoError(t, err)
		assert.Equal(t, standard(t, map[string]any{s: s}), string(got))
	})
}
