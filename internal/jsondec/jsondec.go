// Package jsondec decodes a request body's JSON into the values
// encoding/json's Decoder gives with UseNumber: map[string]any, []any,
// string, json.Number, bool and nil. It accepts and rejects exactly the
// documents encoding/json does and decodes them to equal values (later
// duplicate keys win, invalid UTF-8 and lone surrogates become U+FFFD),
// but reads the whole body in one pass over its bytes, without reflection
// or a scanner state machine: every write request decodes a body, so this
// matters.
package jsondec

import (
	"encoding/json"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth is encoding/json's bound on nesting.
const maxDepth = 10000

// SyntaxError is a document that is not JSON; Offset is the byte at
// which that became clear.
type SyntaxError struct {
	Offset int64
	msg    string
}

func (e *SyntaxError) Error() string { return e.msg }

// Value decodes data, which must hold exactly one JSON value with nothing
// but white space around it. Its only error is a *SyntaxError.
func Value(data []byte) (any, error) {
	d := &decoder{data: data}
	d.space()
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	d.space()
	if d.i != len(d.data) {
		return nil, d.unexpected("after top-level value")
	}
	return v, nil
}

type decoder struct {
	data []byte
	i    int
}

func (d *decoder) fail(msg string) error {
	return &SyntaxError{Offset: int64(d.i), msg: msg}
}

func (d *decoder) unexpected(context string) error {
	if d.i >= len(d.data) {
		return d.fail("unexpected end of JSON input")
	}
	return d.fail("invalid character " + quoteChar(d.data[d.i]) + " " + context)
}

func quoteChar(c byte) string {
	switch {
	case c == '\'':
		return `'\''`
	case c == '"':
		return `'"'`
	case c < 0x20 || c >= utf8.RuneSelf:
		return strconv.Quote(string(rune(c)))
	}
	return "'" + string(rune(c)) + "'"
}

func (d *decoder) space() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *decoder) value(depth int) (any, error) {
	if d.i >= len(d.data) {
		return nil, d.fail("unexpected end of JSON input")
	}
	switch c := d.data[d.i]; {
	case c == '{':
		return d.object(depth)
	case c == '[':
		return d.array(depth)
	case c == '"':
		return d.string()
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	}
	return nil, d.unexpected("looking for beginning of value")
}

func (d *decoder) literal(word string) error {
	for j := 0; j < len(word); j++ {
		if d.i >= len(d.data) || d.data[d.i] != word[j] {
			return d.unexpected("in literal " + word + " (expecting " + quoteChar(word[j]) + ")")
		}
		d.i++
	}
	return nil
}

func (d *decoder) object(depth int) (map[string]any, error) {
	if depth++; depth > maxDepth {
		return nil, d.fail("exceeded max depth")
	}
	d.i++ // '{'
	obj := make(map[string]any)
	d.space()
	if d.i < len(d.data) && d.data[d.i] == '}' {
		d.i++
		return obj, nil
	}
	for {
		if d.i >= len(d.data) || d.data[d.i] != '"' {
			return nil, d.unexpected("looking for beginning of object key string")
		}
		key, err := d.string()
		if err != nil {
			return nil, err
		}
		d.space()
		if d.i >= len(d.data) || d.data[d.i] != ':' {
			return nil, d.unexpected("after object key")
		}
		d.i++
		d.space()
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		obj[key] = v
		done, err := d.next('}', "after object key:value pair")
		if err != nil {
			return nil, err
		}
		if done {
			return obj, nil
		}
	}
}

// next reads what follows a member or element: a comma and the white
// space after it, or the byte end, which closes the object or array
// (done). context names the place for an error.
func (d *decoder) next(end byte, context string) (done bool, err error) {
	d.space()
	if d.i >= len(d.data) {
		return false, d.fail("unexpected end of JSON input")
	}
	switch d.data[d.i] {
	case ',':
		d.i++
		d.space()
		return false, nil
	case end:
		d.i++
		return true, nil
	}
	return false, d.unexpected(context)
}

func (d *decoder) array(depth int) ([]any, error) {
	if depth++; depth > maxDepth {
		return nil, d.fail("exceeded max depth")
	}
	d.i++ // '['
	list := []any{}
	d.space()
	if d.i < len(d.data) && d.data[d.i] == ']' {
		d.i++
		return list, nil
	}
	for {
		d.space()
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		list = append(list, v)
		done, err := d.next(']', "after array element")
		if err != nil {
			return nil, err
		}
		if done {
			return list, nil
		}
	}
}

// number reads a number as JSON's grammar spells it.
func (d *decoder) number() (json.Number, error) {
	start := d.i
	if d.data[d.i] == '-' {
		d.i++
	}
	switch {
	case d.i < len(d.data) && d.data[d.i] == '0':
		d.i++
	case d.i < len(d.data) && d.data[d.i] >= '1' && d.data[d.i] <= '9':
		d.digits()
	default:
		return "", d.unexpected("in numeric literal")
	}
	if d.i < len(d.data) && d.data[d.i] == '.' {
		d.i++
		if !d.digits() {
			return "", d.unexpected("after decimal point in numeric literal")
		}
	}
	if d.i < len(d.data) && (d.data[d.i] == 'e' || d.data[d.i] == 'E') {
		d.i++
		if d.i < len(d.data) && (d.data[d.i] == '+' || d.data[d.i] == '-') {
			d.i++
		}
		if !d.digits() {
			return "", d.unexpected("in exponent of numeric literal")
		}
	}
	return json.Number(d.data[start:d.i]), nil
}

// digits skips a run of digits and reports whether there was one.
func (d *decoder) digits() bool {
	start := d.i
	for d.i < len(d.data) && d.data[d.i] >= '0' && d.data[d.i] <= '9' {
		d.i++
	}
	return d.i > start
}

// string reads a string at the opening quote.
func (d *decoder) string() (string, error) {
	d.i++ // '"'
	start := d.i
	// The common case: no escape, valid UTF-8 (checked below).
	for d.i < len(d.data) {
		c := d.data[d.i]
		if c == '"' {
			raw := d.data[start:d.i]
			d.i++
			if s, ok := known(raw); ok {
				return s, nil
			}
			if utf8.Valid(raw) {
				return string(raw), nil
			}
			return d.unquote(raw), nil
		}
		if c == '\\' {
			return d.escaped(start)
		}
		if c < 0x20 {
			return "", d.unexpected("in string literal")
		}
		d.i++
	}
	return "", d.fail("unexpected end of JSON input")
}

// escaped reads the rest of a string that holds an escape, from start.
func (d *decoder) escaped(start int) (string, error) {
	for d.i < len(d.data) {
		switch c := d.data[d.i]; {
		case c == '"':
			raw := d.data[start:d.i]
			d.i++
			return d.unquote(raw), nil
		case c == '\\':
			d.i++
			if d.i >= len(d.data) {
				return "", d.fail("unexpected end of JSON input")
			}
			switch d.data[d.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				d.i++
			case 'u':
				d.i++
				for range 4 {
					if d.i >= len(d.data) || !isHex(d.data[d.i]) {
						return "", d.unexpected("in \\u hexadecimal character escape")
					}
					d.i++
				}
			default:
				return "", d.unexpected("in string escape code")
			}
		case c < 0x20:
			return "", d.unexpected("in string literal")
		default:
			d.i++
		}
	}
	return "", d.fail("unexpected end of JSON input")
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// unquote decodes the content of a string already checked for syntax:
// escapes resolved, surrogate pairs joined, and invalid UTF-8 and lone
// surrogates replaced by U+FFFD, as encoding/json does.
func (d *decoder) unquote(raw []byte) string {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		if c == '\\' {
			i++
			switch raw[i] {
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r := hex4(raw[i+1:])
				i += 4
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
						r2 = hex4(raw[i+3:])
					}
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						i += 6
						r = dec
					} else {
						r = utf8.RuneError
					}
				}
				out = utf8.AppendRune(out, r)
			default: // '"', '\\', '/'
				out = append(out, raw[i])
			}
			i++
			continue
		}
		if c < utf8.RuneSelf {
			out = append(out, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(raw[i:])
		if r == utf8.RuneError && size == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = append(out, raw[i:i+size]...)
		}
		i += size
	}
	return string(out)
}

// hex4 returns the value of four hexadecimal digits already checked.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		default:
			c = c - 'A' + 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// known returns the strings of the keys and values every SCIM request
// holds without allocating them again for every request.
func known(raw []byte) (string, bool) {
	switch string(raw) {
	case "schemas":
		return "schemas", true
	case "Operations":
		return "Operations", true
	case "op":
		return "op", true
	case "path":
		return "path", true
	case "value":
		return "value", true
	case "replace":
		return "replace", true
	case "Replace":
		return "Replace", true
	case "add":
		return "add", true
	case "Add":
		return "Add", true
	case "remove":
		return "remove", true
	case "Remove":
		return "Remove", true
	case "active":
		return "active", true
	case "members":
		return "members", true
	case "userName":
		return "userName", true
	case "externalId":
		return "externalId", true
	case "displayName":
		return "displayName", true
	case "name":
		return "name", true
	case "givenName":
		return "givenName", true
	case "familyName":
		return "familyName", true
	case "formatted":
		return "formatted", true
	case "emails":
		return "emails", true
	case "type":
		return "type", true
	case "work":
		return "work", true
	case "primary":
		return "primary", true
	case "title":
		return "title", true
	case "True":
		return "True", true
	case "False":
		return "False", true
	case "urn:ietf:params:scim:api:messages:2.0:PatchOp":
		return "urn:ietf:params:scim:api:messages:2.0:PatchOp", true
	case "urn:ietf:params:scim:schemas:core:2.0:User":
		return "urn:ietf:params:scim:schemas:core:2.0:User", true
	case "urn:ietf:params:scim:schemas:core:2.0:Group":
		return "urn:ietf:params:scim:schemas:core:2.0:Group", true
	case "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
		return "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", true
	}
	return "", false
}
