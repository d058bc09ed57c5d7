package scim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/schema"
)

// Schemas of list requests and responses (RFC 7644 §3.4.2, §3.4.3).
const (
	ListResponseURN  = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	SearchRequestURN = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
)

// params are the parameters of a list request, from the URL query (GET) or
// a SearchRequest body (POST .search), with names matched
// case-insensitively as identity providers vary their case.
type params func(name string) (value string, present bool)

func (p params) get(name string) string {
	v, _ := p(name)
	return v
}

func urlParams(values url.Values) params {
	return func(name string) (string, bool) {
		if v, ok := values[name]; ok && len(v) > 0 {
			return v[0], true
		}
		for k, v := range values {
			if strings.EqualFold(k, name) && len(v) > 0 {
				return v[0], true
			}
		}
		return "", false
	}
}

// bodyParams reads a SearchRequest: attribute lists may be arrays or
// comma-separated strings, numbers may be numbers or strings.
func bodyParams(body map[string]any) params {
	return func(name string) (string, bool) {
		for k, v := range body {
			if !strings.EqualFold(k, name) {
				continue
			}
			switch v := v.(type) {
			case string:
				return v, true
			case json.Number:
				return v.String(), true
			case []any:
				parts := make([]string, 0, len(v))
				for _, e := range v {
					parts = append(parts, fmt.Sprint(e))
				}
				return strings.Join(parts, ","), true
			case nil:
				return "", true
			default:
				return fmt.Sprint(v), true
			}
		}
		return "", false
	}
}

// query is a parsed list request: the store query, and the cursor when the
// client asked for cursor pagination (RFC 9865).
type query struct {
	*Query
	cursor      string
	cursorAsked bool
}

// parseQuery reads the list parameters of RFC 7644 §3.4.2 and RFC 9865.
func (s *Server) parseQuery(p params, rt *schema.ResourceType) (*query, error) {
	projection, err := schema.ParseProjection(p.get("attributes"), p.get("excludedAttributes"))
	if err != nil {
		return nil, err
	}
	q := &query{Query: &Query{
		StartIndex: 1,
		Count:      s.cfg.maxResults,
		Projection: projection,
	}}
	if f := p.get("filter"); f != "" {
		expr, err := filter.Parse(f, rt, s.cfg.filterOptions)
		if err != nil {
			return nil, err
		}
		q.Filter = expr
	}
	if by := p.get("sortBy"); by != "" {
		path, err := filter.ParseAttrPath(by, rt)
		if err != nil {
			return nil, err
		}
		q.SortBy = &path
	}
	desc, err := filter.ParseSortOrder(p.get("sortOrder"))
	if err != nil {
		return nil, err
	}
	q.Descending = desc
	if v := p.get("startIndex"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, schema.Errorf(schema.InvalidValue, "startIndex must be an integer, not %q", v)
		}
		q.StartIndex = max(n, 1)
	}
	if v := p.get("count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, schema.Errorf(schema.InvalidValue, "count must be an integer, not %q", v)
		}
		q.Count = min(max(n, 0), s.cfg.maxResults)
	}
	q.cursor, q.cursorAsked = p("cursor")
	if q.cursorAsked && p.get("startIndex") != "" {
		return nil, schema.Errorf(schema.InvalidValue, "use either cursor or startIndex, not both")
	}
	return q, nil
}

// list answers GET /{endpoint}.
func (s *Server) list(c *call, e *endpoint) result {
	return s.answerList(c, e, c.params)
}

// search answers POST /{endpoint}/.search with the same semantics as GET.
func (s *Server) search(c *call, e *endpoint) result {
	p, err := searchParams(c)
	if err != nil {
		return fail(err)
	}
	return s.answerList(c, e, p)
}

// searchParams reads the parameters of a SearchRequest body.
func searchParams(c *call) (params, error) {
	p := bodyParams(c.body)
	if !containsFold(p.get("schemas"), SearchRequestURN) {
		return nil, schema.Errorf(schema.InvalidSyntax, "the body's \"schemas\" must be [%q]", SearchRequestURN)
	}
	return p, nil
}

func containsFold(list, want string) bool {
	for _, s := range strings.Split(list, ",") {
		if strings.EqualFold(strings.TrimSpace(s), want) {
			return true
		}
	}
	return false
}

func (s *Server) answerList(c *call, e *endpoint, p params) result {
	q, err := s.parseQuery(p, e.rt)
	if err != nil {
		return fail(err)
	}
	if q.cursorAsked {
		return s.answerCursor(c, e, q)
	}
	if sr, ok := e.store.(SnapshotReader); ok && q.Projection.IsZero() {
		found, total, err := sr.ListSnapshots(c.ctx, q.Query)
		if err != nil {
			return fail(err)
		}
		return result{status: http.StatusOK, ep: e, base: c.base,
			list: &snapshotList{resources: found, total: total, startIndex: q.StartIndex, count: q.Count}}
	}
	page, err := e.store.List(c.ctx, q.Query)
	if err != nil {
		return fail(err)
	}
	if q.Projection.IsZero() {
		// Encoded straight from the resources, as shared ones are; the
		// server does not modify what a store returns.
		found := make([]*Snapshot, len(page.Resources))
		for i, res := range page.Resources {
			found[i] = NewSnapshot(res)
		}
		return result{status: http.StatusOK, ep: e, base: c.base,
			list: &snapshotList{resources: found, total: page.TotalResults, startIndex: q.StartIndex, count: q.Count}}
	}
	return result{status: http.StatusOK, doc: s.listResponse(c.base, []*endpoint{e}, [][]*Resource{page.Resources}, page.TotalResults, q.Query)}
}

// listResponse renders a ListResponse of the resources of one or more
// endpoints, at most q.Count of them.
func (s *Server) listResponse(base string, eps []*endpoint, found [][]*Resource, total int, q *Query) map[string]any {
	resources := make([]any, 0, min(q.Count, 64))
	for i, list := range found {
		for _, res := range list {
			if len(resources) == q.Count {
				break
			}
			resources = append(resources, s.render(base, eps[i], res, q.Projection))
		}
	}
	return map[string]any{
		"schemas":      []any{ListResponseURN},
		"totalResults": total,
		"startIndex":   q.StartIndex,
		"itemsPerPage": len(resources),
		"Resources":    resources,
	}
}

// searchAll answers POST /.search across every resource type: the
// resources of each type in registration order, paged as one list.
func (s *Server) searchAll(c *call) result {
	p, err := searchParams(c)
	if err != nil {
		return fail(err)
	}
	if _, asked := p("cursor"); asked {
		return fail(schema.Errorf(schema.InvalidValue, "cursor pagination is not available across resource types"))
	}
	total := 0
	var found [][]*Resource
	var shown *Query
	for _, e := range s.endpoints {
		q, err := s.parseQuery(p, e.rt)
		if err != nil {
			return fail(err)
		}
		shown = q.Query
		// Each type contributes the resources before the end of the page.
		want := q.StartIndex - 1 + q.Count
		sub := *q.Query
		sub.StartIndex, sub.Count = 1, want
		page, err := e.store.List(c.ctx, &sub)
		if err != nil {
			return fail(err)
		}
		total += page.TotalResults
		found = append(found, page.Resources)
	}
	// Skip the first StartIndex-1 resources of the concatenation.
	skip := shown.StartIndex - 1
	for i := range found {
		n := min(skip, len(found[i]))
		found[i] = found[i][n:]
		skip -= n
	}
	return result{status: http.StatusOK, doc: s.listResponse(c.base, s.endpoints, found, total, shown)}
}
