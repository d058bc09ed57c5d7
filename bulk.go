package scim

import (
	"fmt"
	"github.com/scimkit/scim/scimerr"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/scimkit/scim/schema"
)

// Schemas of bulk requests and responses (RFC 7644 §3.7).
const (
	BulkRequestURN  = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	BulkResponseURN = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
)

// bulkOp is one operation of a bulk request.
type bulkOp struct {
	index   int
	method  string
	bulkID  string
	version string
	path    string
	data    any
	refs    []string // bulkIds the path and data refer to
	result  map[string]any
}

// bulk answers POST /Bulk (RFC 7644 §3.7). Operations run through the same
// handlers as single requests, so validation, hooks and errors are the
// same. An operation that refers to another's bulkId ("bulkId:qwerty" in
// its path or data) runs after it, whatever their order in the request;
// operations whose references form a cycle, or refer to a failed or unknown
// bulkId, fail with 409. Processing stops after failOnErrors failures.
// Results are listed in request order; operations not run are left out.
func (s *Server) bulk(c *call) result {
	if s.cfg.bulkMaxOps == 0 {
		return fail(scimerr.New(scimerr.NotImplemented, "bulk operations are not supported by this service provider"))
	}
	ops, failOnErrors, err := s.parseBulk(c.body)
	if err != nil {
		return fail(err)
	}
	ids := map[string]string{}   // bulkId → created resource id
	failed := map[string]bool{}  // bulkIds whose operation failed
	defined := map[string]bool{} // bulkIds that a POST defines
	for _, op := range ops {
		if op.bulkID != "" && op.method == http.MethodPost {
			defined[op.bulkID] = true
		}
	}
	errorsSeen := 0
	pending := ops
	for len(pending) > 0 && (failOnErrors == 0 || errorsSeen < failOnErrors) {
		if err := c.ctx.Err(); err != nil {
			// The client is gone: run nothing more.
			return fail(err)
		}
		var next []*bulkOp
		progress := false
		for _, op := range pending {
			if failOnErrors > 0 && errorsSeen >= failOnErrors {
				break
			}
			switch state := refsState(op.refs, ids, failed, defined); state {
			case refsWaiting:
				next = append(next, op)
				continue
			case refsFailed:
				op.result = bulkError(op, scimerr.New(scimerr.Conflict, "the operation refers to a bulkId whose operation failed"))
			case refsUnknown:
				op.result = bulkError(op, scimerr.New(scimerr.Conflict, "the operation refers to a bulkId that no POST in the request defines"))
			default:
				s.runBulkOp(c, op, ids)
			}
			progress = true
			if status, _ := strconv.Atoi(op.result["status"].(string)); status >= 400 {
				errorsSeen++
				if op.bulkID != "" {
					failed[op.bulkID] = true
				}
			}
		}
		if !progress {
			for _, op := range next {
				op.result = bulkError(op, scimerr.New(scimerr.Conflict, "circular bulkId references cannot be resolved"))
				errorsSeen++
			}
			break
		}
		pending = next
	}
	results := make([]any, 0, len(ops))
	for _, op := range ops {
		if op.result != nil {
			results = append(results, op.result)
		}
	}
	return result{status: http.StatusOK, doc: map[string]any{"schemas": []any{BulkResponseURN}, "Operations": results}}
}

// parseBulk reads a BulkRequest body.
func (s *Server) parseBulk(body map[string]any) ([]*bulkOp, int, error) {
	p := bodyParams(body)
	if !containsFold(p.get("schemas"), BulkRequestURN) {
		return nil, 0, schema.Errorf(schema.InvalidSyntax, "the body's \"schemas\" must be [%q]", BulkRequestURN)
	}
	failOnErrors := 0
	if v := p.get("failOnErrors"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, 0, schema.Errorf(schema.InvalidValue, "failOnErrors must be a non-negative integer, not %q", v)
		}
		failOnErrors = n
	}
	var raw []any
	for k, v := range body {
		if strings.EqualFold(k, "Operations") {
			raw, _ = v.([]any)
		}
	}
	if len(raw) == 0 {
		return nil, 0, schema.Errorf(schema.InvalidSyntax, "\"Operations\" must be a non-empty array")
	}
	if len(raw) > s.cfg.bulkMaxOps {
		return nil, 0, &Error{Code: scimerr.TooLarge,
			Detail: fmt.Sprintf("the bulk request has %d operations; the maximum is %d", len(raw), s.cfg.bulkMaxOps)}
	}
	ops := make([]*bulkOp, 0, len(raw))
	seen := map[string]bool{}
	for i, item := range raw {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, 0, schema.Errorf(schema.InvalidSyntax, "operation %d must be an object", i+1)
		}
		op := &bulkOp{index: i}
		for k, v := range m {
			s, _ := v.(string)
			switch strings.ToLower(k) {
			case "method":
				op.method = strings.ToUpper(s)
			case "bulkid":
				op.bulkID = s
			case "version":
				op.version = s
			case "path":
				op.path = s
			case "data":
				op.data = v
			}
		}
		switch op.method {
		case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		default:
			return nil, 0, schema.Errorf(schema.InvalidSyntax, "operation %d: method must be POST, PUT, PATCH or DELETE", i+1)
		}
		if !strings.HasPrefix(op.path, "/") {
			return nil, 0, schema.Errorf(schema.InvalidSyntax, "operation %d: path must start with /", i+1)
		}
		if op.bulkID != "" {
			if seen[op.bulkID] {
				return nil, 0, schema.Errorf(schema.InvalidSyntax, "bulkId %q is used twice", op.bulkID)
			}
			seen[op.bulkID] = true
		}
		op.refs = collectRefs(op.path, op.data)
		ops = append(ops, op)
	}
	return ops, failOnErrors, nil
}

const bulkIDPrefix = "bulkId:"

// collectRefs lists the bulkIds referred to in a path and data, each once:
// an operation may repeat one reference thousands of times, and the
// references are checked on every pass over the pending operations.
func collectRefs(path string, data any) []string {
	var refs []string
	seen := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			if id, ok := strings.CutPrefix(v, bulkIDPrefix); ok && !seen[id] {
				seen[id] = true
				refs = append(refs, id)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	for _, seg := range strings.Split(path, "/") {
		walk(seg)
	}
	walk(data)
	return refs
}

type refs int

const (
	refsReady refs = iota
	refsWaiting
	refsFailed
	refsUnknown
)

// refsState says whether the bulkIds an operation refers to are resolved;
// defined holds the bulkIds that a POST of the request defines.
func refsState(want []string, ids map[string]string, failed, defined map[string]bool) refs {
	state := refsReady
	for _, id := range want {
		switch {
		case ids[id] != "":
		case failed[id]:
			return refsFailed
		case !defined[id]:
			return refsUnknown
		default:
			state = refsWaiting
		}
	}
	return state
}

// runBulkOp runs one operation through the same handlers as a single
// request.
func (s *Server) runBulkOp(c *call, op *bulkOp, ids map[string]string) {
	path, data := op.path, op.data
	if len(op.refs) > 0 { // only then is there anything to replace
		path, data = resolveRefs(op.path, ids).(string), resolveRefs(op.data, ids)
	}
	e, id, ok := s.bulkTarget(op.method, path)
	if !ok {
		op.result = bulkError(op, scimerr.New(scimerr.NotFound, "no resource endpoint at "+path))
		return
	}
	sub := call{ctx: c.ctx, base: c.base, path: path, id: id, ifMatch: op.version}
	if op.method != http.MethodDelete {
		body, ok := data.(map[string]any)
		if !ok {
			err := error(scimerr.New(scimerr.InvalidSyntax,
				"the data of a "+op.method+" operation must be a JSON object, not "+bulkKind(data)))
			if data == nil {
				// No data at all: the error of an empty body.
				_, err = schema.Decode(http.NoBody)
			}
			op.result = bulkError(op, s.errorFor(c.ctx, op.method, path, err))
			return
		}
		sub.body = body
	}
	res := s.runBulkHandler(&sub, e, op.method)
	if res.err != nil {
		op.result = bulkError(op, s.errorFor(c.ctx, op.method, path, res.err))
		return
	}
	result := map[string]any{"method": op.method, "status": strconv.Itoa(res.status)}
	if op.bulkID != "" {
		result["bulkId"] = op.bulkID
	}
	if res.etag != "" {
		result["version"] = res.etag
	}
	id, location := s.shown(res)
	if res.location != "" {
		location = res.location
	}
	if location != "" {
		result["location"] = location
	}
	if op.method == http.MethodPost && op.bulkID != "" && id != "" {
		ids[op.bulkID] = id
	}
	op.result = result
}

// runBulkHandler runs the handler of one bulk operation. A panic fails
// this operation only: the results of the operations already committed
// still reach the client.
func (s *Server) runBulkHandler(c *call, e *endpoint, method string) (res result) {
	defer func() {
		if v := recover(); v != nil {
			s.cfg.logger.ErrorContext(c.ctx, "scim: panic serving request",
				"method", method, "path", c.path, "panic", v, "stack", string(debug.Stack()))
			res = fail(errInternal)
		}
	}()
	if method == http.MethodPost {
		return s.create(c, e)
	}
	return s.serveItem(c, e, method)
}

// bulkTarget returns the endpoint and resource id an operation's path
// names: /{endpoint} for POST, /{endpoint}/{id} for the others.
func (s *Server) bulkTarget(method, path string) (*endpoint, string, bool) {
	rest, ok := strings.CutPrefix(path, "/")
	if !ok {
		return nil, "", false
	}
	name, id, hasID := strings.Cut(rest, "/")
	if hasID != (method != http.MethodPost) || (hasID && (id == "" || strings.Contains(id, "/"))) {
		return nil, "", false
	}
	for _, e := range s.endpoints {
		if e.rt.Endpoint == "/"+name {
			return e, id, true
		}
	}
	return nil, "", false
}

// resolveRefs replaces "bulkId:x" strings (and path segments) with the ids
// the operations created.
func resolveRefs(v any, ids map[string]string) any {
	switch v := v.(type) {
	case string:
		if strings.Contains(v, bulkIDPrefix) {
			segs := strings.Split(v, "/")
			for i, seg := range segs {
				if id, ok := strings.CutPrefix(seg, bulkIDPrefix); ok && ids[id] != "" {
					segs[i] = ids[id]
				}
			}
			return strings.Join(segs, "/")
		}
		return v
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = resolveRefs(e, ids)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = resolveRefs(e, ids)
		}
		return out
	}
	return v
}

func bulkError(op *bulkOp, e *Error) map[string]any {
	result := map[string]any{"method": op.method, "status": strconv.Itoa(e.Status()), "response": errorDocument(e)}
	if op.bulkID != "" {
		result["bulkId"] = op.bulkID
	}
	return result
}

// bulkKind names the JSON type of an operation's data that is not an
// object, for its error.
func bulkKind(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	default:
		return "a number"
	}
}
