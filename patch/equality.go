package patch

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/scimkit/scim/schema"
)

// This file finds equal values of a multi-valued attribute through hash
// maps instead of pairwise scans, so that a request carrying n values
// costs O(n). Values are bucketed by an equality key: two values that the
// RFC's multi-valued equality (schema.Attribute.Equal) finds equal always
// have the same key, so a bucket holds every candidate, and each candidate
// is confirmed with Attribute.Equal. Keys of unequal values may collide;
// that costs a comparison, never a wrong answer.

// valueIndex locates values of one multi-valued attribute's list by
// equality. Group members are equal when their "value" ids are; a member
// without an id equals nothing.
type valueIndex struct {
	t       schema.Target
	members bool
	buckets map[string][]int
	// size is the length of the list the index covers.
	size int
	b    strings.Builder
}

func newValueIndex(t schema.Target, list []any) *valueIndex {
	ix := &valueIndex{t: t, members: isMembers(t), buckets: make(map[string][]int, len(list))}
	for i, e := range list {
		ix.add(e, i)
	}
	return ix
}

// key returns e's equality key, and false when e equals nothing.
func (ix *valueIndex) key(e any) (string, bool) {
	if ix.members {
		id := memberID(e)
		return id, id != ""
	}
	ix.b.Reset()
	writeKey(&ix.b, ix.t.Attr, e, false)
	return ix.b.String(), true
}

// add records that list[i] is e.
func (ix *valueIndex) add(e any, i int) {
	if k, ok := ix.key(e); ok {
		ix.buckets[k] = append(ix.buckets[k], i)
	}
}

// replace records that list[i], which was old, is now e.
func (ix *valueIndex) replace(old, e any, i int) {
	if k, ok := ix.key(old); ok {
		b := ix.buckets[k]
		if j := slices.Index(b, i); j >= 0 {
			b = slices.Delete(b, j, j+1)
		}
		if len(b) == 0 {
			delete(ix.buckets, k)
		} else {
			ix.buckets[k] = b
		}
	}
	ix.add(e, i)
}

// find returns the index in list of a value equal to e, or -1.
func (ix *valueIndex) find(list []any, e any) int {
	k, ok := ix.key(e)
	if !ok {
		return -1
	}
	for _, i := range ix.buckets[k] {
		if ix.members || ix.t.Attr.Equal(list[i], e) {
			return i
		}
	}
	return -1
}

// patternIndex finds, for a value of a multi-valued attribute, the removal
// patterns it matches (see matches): patterns are grouped by the
// sub-attributes they name, and within a group keyed by their values.
type patternIndex struct {
	attr     *schema.Attribute
	patterns []any
	shapes   []patternShape
	b        strings.Builder
}

type patternShape struct {
	names   []string
	buckets map[string][]int
}

func newPatternIndex(attr *schema.Attribute, patterns []any) *patternIndex {
	px := &patternIndex{attr: attr, patterns: patterns}
	byShape := map[string]int{}
	for i, p := range patterns {
		pm, isMap := p.(map[string]any)
		if isMap != (attr.Type == schema.Complex) {
			continue // matches nothing: see matches
		}
		names := make([]string, 0, len(pm))
		defined := true
		for k := range pm {
			if attr.SubAttribute(k) == nil {
				defined = false
				break
			}
			names = append(names, k)
		}
		if !defined {
			continue // names an undefined sub-attribute: matches nothing
		}
		slices.Sort(names)
		shape := strings.Join(names, "\x00")
		si, ok := byShape[shape]
		if !ok {
			si = len(px.shapes)
			byShape[shape] = si
			px.shapes = append(px.shapes, patternShape{names: names, buckets: map[string][]int{}})
		}
		k := px.key(px.shapes[si].names, p)
		px.shapes[si].buckets[k] = append(px.shapes[si].buckets[k], i)
	}
	return px
}

// key returns the equality key of v restricted to the given sub-attribute
// names (v itself for a simple attribute).
func (px *patternIndex) key(names []string, v any) string {
	px.b.Reset()
	if px.attr.Type != schema.Complex {
		writeKey(&px.b, px.attr, v, false)
		return px.b.String()
	}
	m, _ := v.(map[string]any)
	for _, n := range names {
		writeKey(&px.b, px.attr.SubAttribute(n), m[n], true)
		px.b.WriteByte(0)
	}
	return px.b.String()
}

// matchesAny reports whether e matches one of the patterns.
func (px *patternIndex) matchesAny(e any) bool {
	if px.attr.Type == schema.Complex {
		if _, ok := e.(map[string]any); !ok {
			return false
		}
	}
	for _, sh := range px.shapes {
		for _, i := range sh.buckets[px.key(sh.names, e)] {
			if matches(px.attr, px.patterns[i], e) {
				return true
			}
		}
	}
	return false
}

// writeKey writes the equality key of v, a value of attr (an element of
// it when attr is multi-valued and !whole).
func writeKey(b *strings.Builder, attr *schema.Attribute, v any, whole bool) {
	if v == nil {
		b.WriteString("n")
		return
	}
	if whole && attr.MultiValued {
		if list, ok := v.([]any); ok {
			keys := make([]string, len(list))
			var eb strings.Builder
			for i, e := range list {
				eb.Reset()
				writeKey(&eb, attr, e, false)
				keys[i] = eb.String()
			}
			slices.Sort(keys)
			b.WriteString("L")
			for _, k := range keys {
				b.WriteString(strconv.Itoa(len(k)))
				b.WriteByte(':')
				b.WriteString(k)
			}
			return
		}
	}
	switch attr.Type {
	case schema.Complex:
		m, ok := v.(map[string]any)
		if !ok {
			b.WriteString("?")
			return
		}
		b.WriteString("{")
		for _, s := range attr.SubAttributes {
			sv := lookupFold(m, s.Name)
			if sv == nil {
				continue
			}
			b.WriteString(s.Name)
			b.WriteByte('=')
			writeKey(b, s, sv, true)
			b.WriteByte(0)
		}
		b.WriteString("}")
	case schema.Integer, schema.Decimal:
		f, ok := number(v)
		if !ok {
			b.WriteString("?")
			return
		}
		if f == 0 {
			f = 0 // -0 equals 0
		}
		b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
	case schema.Boolean:
		switch v {
		case true:
			b.WriteString("t")
		case false:
			b.WriteString("f")
		default:
			b.WriteString("?")
		}
	case schema.DateTime:
		s, ok := v.(string)
		if !ok {
			b.WriteString("?")
			return
		}
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			b.WriteString("t")
			b.WriteString(t.UTC().Format(time.RFC3339Nano))
			return
		}
		b.WriteString("s")
		b.WriteString(s)
	default:
		s, ok := v.(string)
		if !ok {
			b.WriteString("?")
			return
		}
		if attr.CaseExact || attr.Type == schema.Binary {
			b.WriteString(s)
			return
		}
		writeFolded(b, s)
	}
}

// number returns a numeric value as float64, as schema compares numbers.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case float32:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// writeFolded writes s with each rune replaced by the smallest rune of its
// Unicode simple case folding orbit, so that strings.EqualFold(x, y)
// implies equal folded forms.
func writeFolded(b *strings.Builder, s string) {
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			if 'a' <= r && r <= 'z' {
				r -= 'a' - 'A'
			}
		default:
			least := r
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				least = min(least, f)
			}
			r = least
		}
		b.WriteRune(r)
	}
}
