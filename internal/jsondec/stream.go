package jsondec

import "errors"

// Stream reads one JSON document a value at a time, for a caller that
// expects a document of a particular shape and would rather not build the
// maps of its outer objects. The values it decodes are those Value
// decodes. Its errors say only that the document is not JSON or not of
// the shape the caller asked for: a caller that needs the details decodes
// the document again with Value.
type Stream struct {
	d     decoder
	depth int
}

// errShape is a value of another kind than the caller asked for.
var errShape = errors.New("jsondec: unexpected kind of value")

// NewStream returns a Stream over data.
func NewStream(data []byte) *Stream {
	return &Stream{d: decoder{data: data}}
}

// Object reads an object, calling field with each key in turn; field must
// read the key's value with exactly one call to Value, Object or Array.
func (s *Stream) Object(field func(key string) error) error {
	d := &s.d
	if empty, err := s.open('{', '}'); empty || err != nil {
		return err
	}
	for {
		if d.i >= len(d.data) || d.data[d.i] != '"' {
			return d.unexpected("looking for beginning of object key string")
		}
		key, err := d.string()
		if err != nil {
			return err
		}
		d.space()
		if d.i >= len(d.data) || d.data[d.i] != ':' {
			return d.unexpected("after object key")
		}
		d.i++
		if err := field(key); err != nil {
			return err
		}
		if done, err := s.next('}', "after object key:value pair"); done || err != nil {
			return err
		}
	}
}

// Array reads an array, calling elem for each element; elem must read it
// with exactly one call to Value, Object or Array.
func (s *Stream) Array(elem func() error) error {
	if empty, err := s.open('[', ']'); empty || err != nil {
		return err
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		if done, err := s.next(']', "after array element"); done || err != nil {
			return err
		}
	}
}

// open enters the object or array that begins with the byte begin, and
// reports whether it is empty, in which case it has read it whole.
func (s *Stream) open(begin, end byte) (empty bool, err error) {
	d := &s.d
	d.space()
	if d.i >= len(d.data) || d.data[d.i] != begin {
		return false, errShape
	}
	if s.depth++; s.depth > maxDepth {
		return false, d.fail("exceeded max depth")
	}
	d.i++
	d.space()
	if d.i < len(d.data) && d.data[d.i] == end {
		d.i++
		s.depth--
		return true, nil
	}
	return false, nil
}

// next reads what follows a member or element (decoder.next), leaving
// the object or array when it closes.
func (s *Stream) next(end byte, context string) (done bool, err error) {
	if done, err = s.d.next(end, context); done {
		s.depth--
	}
	return done, err
}

// Value reads the next value whole, as Value decodes it.
func (s *Stream) Value() (any, error) {
	s.d.space()
	return s.d.value(s.depth)
}

// Next returns the first byte of the next value, after white space, or 0
// at the end of the data: '{', '[', '"', '-', a digit, 't', 'f' or 'n'
// in a document that is JSON.
func (s *Stream) Next() byte {
	s.d.space()
	if s.d.i >= len(s.d.data) {
		return 0
	}
	return s.d.data[s.d.i]
}

// String reads the next value, which must be a string.
func (s *Stream) String() (string, error) {
	d := &s.d
	d.space()
	if d.i >= len(d.data) || d.data[d.i] != '"' {
		return "", errShape
	}
	return d.string()
}

// End reports an error unless nothing but white space is left.
func (s *Stream) End() error {
	s.d.space()
	if s.d.i != len(s.d.data) {
		return s.d.unexpected("after top-level value")
	}
	return nil
}
