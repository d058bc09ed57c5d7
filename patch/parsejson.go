package patch

import (
	"errors"
	"strings"

	"github.com/scimkit/scim/internal/jsondec"
	"github.com/scimkit/scim/schema"
)

// ParseJSON parses a PatchOp request body as it arrives, with the outcome
// and the errors of schema.DecodeBytes followed by Parse. A body of the
// usual shape (the members schemas and Operations, each operation's op,
// path and value, spelled so and each once) is read in one pass without
// building the maps of the body and of its operations; any other body, or
// one with an error, goes through DecodeBytes and Parse.
func ParseJSON(data []byte, rt *schema.ResourceType, opts Options) (*Request, error) {
	if req, ok := parseUsual(data, rt, opts); ok {
		return req, nil
	}
	body, err := schema.DecodeBytes(data)
	if err != nil {
		return nil, err
	}
	return Parse(body, rt, opts)
}

// errUnusual stops reading a body of a shape parseUsual leaves to Parse.
var errUnusual = errors.New("patch: a body of another shape")

// parseUsual parses a body of the usual shape, and reports false for any
// other body and for any error, which ParseJSON then gets from Parse.
func parseUsual(data []byte, rt *schema.ResourceType, opts Options) (*Request, bool) {
	s := jsondec.NewStream(data)
	var ops []rawOperation
	var seenSchemas, seenOps, isPatchOp bool
	err := s.Object(func(key string) error {
		switch {
		case key == "schemas" && !seenSchemas:
			seenSchemas = true
			return s.Array(func() error {
				if s.Next() != '"' {
					_, err := s.Value() // Parse skips what is not a string
					return err
				}
				urn, err := s.String()
				isPatchOp = isPatchOp || strings.EqualFold(urn, PatchOpURN)
				return err
			})
		case key == "Operations" && !seenOps:
			seenOps = true
			return s.Array(func() error {
				op, err := readOperation(s)
				ops = append(ops, op)
				return err
			})
		case strings.EqualFold(key, "schemas") || strings.EqualFold(key, "Operations"):
			return errUnusual // a repeated member, or one Parse finds by its case-folded name
		default:
			_, err := s.Value() // a member Parse ignores
			return err
		}
	})
	if err != nil || s.End() != nil || checkBody(isPatchOp, seenOps, len(ops), opts) != nil {
		return nil, false
	}
	req, err := parseOperations(ops, rt, opts)
	return req, err == nil
}

// readOperation reads an operation object's op, path and value.
func readOperation(s *jsondec.Stream) (rawOperation, error) {
	var op rawOperation
	var seenOp, seenPath, seenValue bool
	err := s.Object(func(key string) error {
		var err error
		switch {
		case key == "op" && !seenOp:
			seenOp = true
			op.op, err = s.Value()
		case key == "path" && !seenPath:
			seenPath = true
			op.path, err = s.Value()
		case key == "value" && !seenValue:
			seenValue = true
			op.value, err = s.Value()
		case strings.EqualFold(key, "op") || strings.EqualFold(key, "path") || strings.EqualFold(key, "value"):
			err = errUnusual
		default:
			_, err = s.Value()
		}
		return err
	})
	return op, err
}
