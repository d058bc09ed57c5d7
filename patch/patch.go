// Package patch parses and applies SCIM 2.0 PATCH requests (RFC 7644
// §3.5.2) to canonical resources, atomically, accepting the dialects that
// real identity providers send.
//
// Parse reads a PatchOp body into a Request whose paths are resolved
// against a resource type. Apply applies a Request to a resource's
// canonical attributes (see package schema) and returns new attributes,
// never modifying its input: when any operation fails, nothing changed.
// MemberDelta expresses a request that only changes group membership as
// ids to add and remove, so that a store can apply it without rewriting a
// large group.
package patch

import (
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/schema"
)

// PatchOpURN is the schema of a PATCH request body.
const PatchOpURN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

// DefaultMaxOperations is the largest number of operations a request may
// carry unless Options.MaxOperations says otherwise.
const DefaultMaxOperations = 1000

// Options tune parsing and application. The zero value uses the defaults.
type Options struct {
	// MaxOperations bounds the operations of one request
	// (DefaultMaxOperations when 0).
	MaxOperations int
	// Filter bounds the value filters of paths.
	Filter filter.Options
	// Schema tunes the canonicalisation of values; with
	// Schema.RejectUnknown, a path-less value naming an attribute the
	// schema does not define is an invalidPath error instead of being
	// ignored.
	Schema schema.Options
}

// Request is a parsed PatchOp body.
type Request struct {
	Operations []Operation
	// Options are those Parse was given, and the ones Apply applies the
	// request with: the request is their one carrier, so that a store
	// applying it itself (a scim.Patcher) keeps the server's configuration
	// (unknown attributes rejected, say) without being told it again.
	Options Options
}

// Operation is one parsed PATCH operation.
type Operation struct {
	Op Op
	// Path is the resolved target, or nil when the operation has none.
	Path *filter.Path
	// RawPath is the path as the client sent it.
	RawPath string
	// Value is the operation's value as decoded, or nil.
	Value any
}

// Op is a PATCH operation name, normalised to lower case.
type Op string

// The PATCH operations of RFC 7644 §3.5.2.
const (
	Add     Op = "add"
	Remove  Op = "remove"
	Replace Op = "replace"
)

// Result says what applying a request changed.
type Result struct {
	// Changed is false when the request left the resource as it was.
	Changed bool
	// MembersAdded and MembersRemoved are the ids of group members added
	// and removed.
	MembersAdded   []string
	MembersRemoved []string
}

// Parse reads a decoded PatchOp body (see schema.Decode). Member names are
// matched case-insensitively and op may be in any letter case ("Replace",
// as Entra ID sends it). A body that is not a PatchOp is invalidSyntax; a
// bad path is invalidPath or invalidFilter; a missing value is
// invalidValue; a remove without a path is noTarget (RFC 7644 §3.5.2.2).
// More operations than opts.MaxOperations is invalidValue: RFC 7644
// defines tooMany for filters that select too many results, not for the
// size of a request. Values are checked against the schema by Apply.
func Parse(body map[string]any, rt *schema.ResourceType, opts Options) (*Request, error) {
	list, isList := lookupFold(body, "Operations").([]any)
	if err := checkBody(hasPatchSchema(lookupFold(body, "schemas")), isList, len(list), opts); err != nil {
		return nil, err
	}
	ops := make([]rawOperation, len(list))
	for i, raw := range list {
		if m, ok := raw.(map[string]any); ok {
			ops[i] = rawOperation{op: lookupFold(m, "op"), path: lookupFold(m, "path"), value: lookupFold(m, "value")}
		} else {
			ops[i] = rawOperation{notObject: true}
		}
	}
	return parseOperations(ops, rt, opts)
}

// rawOperation is an operation's members as the body holds them.
type rawOperation struct {
	op, path, value any
	// notObject says that the operation is not a JSON object.
	notObject bool
}

// checkBody checks that a body's schemas name PatchOpURN (isPatchOp) and
// that its Operations are an array (isList) of n operations, within the
// limit.
func checkBody(isPatchOp, isList bool, n int, opts Options) error {
	if !isPatchOp {
		return schema.Errorf(schema.InvalidSyntax, "the body's \"schemas\" must be [%q]", PatchOpURN)
	}
	if !isList || n == 0 {
		return schema.Errorf(schema.InvalidSyntax, "\"Operations\" must be a non-empty array of operations")
	}
	limit := opts.MaxOperations
	if limit <= 0 {
		limit = DefaultMaxOperations
	}
	if n > limit {
		return schema.Errorf(schema.InvalidValue, "the request has %d operations; the maximum is %d", n, limit)
	}
	return nil
}

// parseOperations makes the Request of a checked body's operations.
func parseOperations(ops []rawOperation, rt *schema.ResourceType, opts Options) (*Request, error) {
	req := &Request{Operations: make([]Operation, 0, len(ops)), Options: opts}
	for i, raw := range ops {
		op, err := parseOperation(raw, rt, opts)
		if err != nil {
			if se, ok := err.(*schema.Error); ok {
				return nil, schema.Errorf(se.Code, "operation %d: %s", i+1, se.Detail)
			}
			return nil, err
		}
		req.Operations = append(req.Operations, op)
	}
	return req, nil
}

func hasPatchSchema(v any) bool {
	list, ok := v.([]any)
	if !ok {
		return false
	}
	for _, s := range list {
		if s, ok := s.(string); ok && strings.EqualFold(s, PatchOpURN) {
			return true
		}
	}
	return false
}

func parseOperation(raw rawOperation, rt *schema.ResourceType, opts Options) (Operation, error) {
	if raw.notObject {
		return Operation{}, schema.Errorf(schema.InvalidSyntax, "an operation must be a JSON object")
	}
	name, _ := raw.op.(string)
	op := Op(strings.ToLower(strings.TrimSpace(name)))
	switch op {
	case Add, Remove, Replace:
	default:
		return Operation{}, schema.Errorf(schema.InvalidSyntax, "\"op\" must be \"add\", \"remove\" or \"replace\", not %q", name)
	}
	out := Operation{Op: op, Value: raw.value}
	switch p := raw.path.(type) {
	case nil:
	case string:
		out.RawPath = strings.TrimSpace(p)
		if out.RawPath != "" {
			path, err := filter.ParsePath(out.RawPath, rt, opts.Filter)
			if err != nil {
				return Operation{}, err
			}
			out.Path = path
		}
	default:
		return Operation{}, schema.Errorf(schema.InvalidPath, "\"path\" must be a string")
	}
	switch {
	case op == Remove && out.Path == nil:
		return Operation{}, schema.Errorf(schema.NoTarget, "a remove operation needs a \"path\"")
	case op != Remove && out.Value == nil:
		return Operation{}, schema.Errorf(schema.InvalidValue, "the %s operation needs a \"value\"", op)
	case op != Remove && out.Path == nil:
		if _, ok := out.Value.(map[string]any); !ok {
			return Operation{}, schema.Errorf(schema.InvalidValue, "the %s operation without \"path\" needs an object \"value\"", op)
		}
	}
	return out, nil
}

// lookupFold returns m's value for key, matching the exact key first and
// then ignoring case.
func lookupFold(m map[string]any, key string) any {
	if v, ok := m[key]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}
