// Package jsonenc encodes SCIM response documents: the maps, slices,
// strings, booleans, numbers and nils a response is made of, without
// reflection, byte for byte as encoding/json does with HTML escaping off.
package jsonenc

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// Append appends the JSON encoding of v to buf. It writes the values a
// response document is made of (maps, slices, strings, booleans, numbers
// and nil) without reflection, with object keys sorted and strings escaped
// as encoding/json does with HTML escaping off; anything else is handed to
// encoding/json. Responses are encoded once, on the hot path of every
// request, so this matters.
func Append(buf []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case Func:
		return v(buf), nil
	case nil:
		return append(buf, "null"...), nil
	case string:
		return AppendString(buf, v), nil
	case bool:
		return strconv.AppendBool(buf, v), nil
	case json.Number:
		if v == "" {
			return append(buf, '0'), nil
		}
		if !json.Valid([]byte(v)) {
			return nil, &json.UnsupportedValueError{Str: string(v)}
		}
		return append(buf, v...), nil
	case int:
		return strconv.AppendInt(buf, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(buf, v, 10), nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, &json.UnsupportedValueError{Str: strconv.FormatFloat(v, 'g', -1, 64)}
		}
		data, err := json.Marshal(v) // encoding/json's float format
		return append(buf, data...), err
	case []any:
		buf = append(buf, '[')
		for i, e := range v {
			if i > 0 {
				buf = append(buf, ',')
			}
			var err error
			if buf, err = Append(buf, e); err != nil {
				return nil, err
			}
		}
		return append(buf, ']'), nil
	case map[string]any:
		var small [16]string
		keys := small[:0]
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		buf = append(buf, '{')
		for i, k := range keys {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = AppendString(buf, k)
			buf = append(buf, ':')
			var err error
			if buf, err = Append(buf, v[k]); err != nil {
				return nil, err
			}
		}
		return append(buf, '}'), nil
	}
	data, err := json.Marshal(v)
	return append(buf, data...), err
}

// Func is a value that encodes itself: Append calls it with the buffer
// and continues with the buffer it returns, which must hold one JSON
// value more. It lets a caller mark where in a document a value goes.
type Func func(buf []byte) []byte

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string: quotes, backslashes and control
// characters escaped, invalid UTF-8 replaced by U+FFFD, and U+2028 and
// U+2029 escaped, as encoding/json does.
func AppendString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	buf = AppendEscaped(buf, s)
	return append(buf, '"')
}

// AppendEscaped appends the content of the JSON string of s, escaped as
// AppendString escapes it, without the quotes. Escaping works character by
// character, so the escaped halves of a string, appended one after the
// other, are the escaped string.
func AppendEscaped(buf []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch c {
			case '"', '\\':
				buf = append(buf, '\\', c)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			case '\b':
				buf = append(buf, '\\', 'b')
			case '\f':
				buf = append(buf, '\\', 'f')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(buf, s[start:]...)
}

// buffers recycles byte buffers between requests.
var buffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// GetBuffer returns an empty buffer from a pool, to be given back with
// PutBuffer when done: a response being written, a request body being
// decoded.
func GetBuffer() *[]byte { return buffers.Get().(*[]byte) }

// PutBuffer gives a buffer back to the pool. A buffer that grew over 1 MiB
// is dropped, so that one huge response does not stay in memory.
func PutBuffer(b *[]byte) {
	if cap(*b) <= 1<<20 {
		*b = (*b)[:0]
		buffers.Put(b)
	}
}
