package jsondec

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reference decodes data as the server did before this package: one value
// with encoding/json's Decoder and UseNumber, then nothing but white space.
func reference(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the value")
	}
	return v, nil
}

// corpus holds documents that reach every branch: each escape, surrogate
// pairs whole, lone, reversed and cut, invalid UTF-8, every number form
// and the malformed ones, literals cut short, nesting, duplicate keys,
// white space everywhere, and truncations of all of them (added below).
var corpus = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1.5e+10`, `-12.25E-3`, `true`, `false`, `null`,
	` { "a" : [ 1 , 2 , { } , [ ] ] , "b" : null } `,
	`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`,
	`{"a":1,"a":2}`, `{"a":{"b":1},"a":[1]}`,
	`{"s":"\"\\\/\b\f\n\r\t"}`, `{"u":"\u00e9\u4e2d\uD83D\uDE00"}`, `{"lone":"\uD83D"}`, `{"lone2":"\uDE00x"}`,
	`{"rev":"\uDE00\uD83D"}`, `{"pair-cut":"\uD83D\u0041"}`, `{"hi-hi":"\uD83D\uD83D\uDE00"}`,
	"{\"bad\":\"\xff\xfe\"}", "{\"bad\xc3\":1}", "{\"ok\":\"é日本😀\"}", "{\"ctl\":\"a\x01\"}", "{\"del\":\"\x7f\"}",
	`{"n":01}`, `{"n":-}`, `{"n":1.}`, `{"n":.5}`, `{"n":1e}`, `{"n":1e+}`, `{"n":+1}`, `{"n":1.5.5}`, `{"n":0x10}`,
	`{"t":tru}`, `{"t":trUe}`, `{"f":fals}`, `{"n":nul}`, `{"x":undefined}`,
	`{"a" 1}`, `{"a":1,}`, `{,}`, `{"a":1 "b":2}`, `[1,]`, `[,1]`, `[1 2]`, `{a:1}`, `{'a':1}`,
	`{"e":"\x"}`, `{"e":"\u12"}`, `{"e":"\u12G4"}`, `{"e":"\`, `"abc`, `{"a":1}}`, `{"a":1} x`, `{"a":1}{}`,
	"\t\r\n {\"a\":1}\n", "", "   ", "\ufeff{}",
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	strings.Repeat("[", 9999) + strings.Repeat("]", 9999),
	strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001),
}

func seeds() []string {
	out := append([]string(nil), corpus...)
	for _, doc := range corpus {
		if len(doc) > 200 {
			continue
		}
		for i := range len(doc) {
			out = append(out, doc[:i])
		}
	}
	return out
}

// same checks that Value accepts what the reference accepts, decoding it
// to an equal value, and rejects what it rejects with a SyntaxError.
func same(t *testing.T, doc string) {
	want, wantErr := reference([]byte(doc))
	got, err := Value([]byte(doc))
	if wantErr != nil {
		require.Error(t, err, "accepted what encoding/json rejects (%v): %q", wantErr, doc)
		var se *SyntaxError
		require.ErrorAs(t, err, &se)
		assert.LessOrEqual(t, se.Offset, int64(len(doc)))
		return
	}
	require.NoError(t, err, "rejected what encoding/json accepts: %q", doc)
	require.Equal(t, want, got, "%q", doc)
}

func TestValueDecodesAsEncodingJSON(t *testing.T) {
	for _, doc := range seeds() {
		same(t, doc)
	}
}

func FuzzValue(f *testing.F) {
	for _, doc := range seeds() {
		if len(doc) < 1000 {
			f.Add(doc)
		}
	}
	f.Fuzz(same)
}
