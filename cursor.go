package scim

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/scimkit/scim/internal/cursor"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/scimerr"
)

// CursorLister is an optional ResourceStore capability for cursor-based
// pagination (RFC 9865): pages that stay correct while resources are
// created and deleted between requests.
type CursorLister interface {
	// ListAfter returns up to q.Count resources that q.Filter selects and
	// that come after the position after ("" for the first page), in an
	// order that new resources do not disturb (for example creation
	// order), with the total number of matches. next is the position of
	// the last resource returned, or "" when no resource matches after it.
	// q.SortBy and q.StartIndex are not used.
	ListAfter(ctx context.Context, q *Query, after string) (page *Page, next string, err error)
}

// The scimType values of RFC 9865 for cursor errors.
const (
	InvalidCursor = "invalidCursor"
	ExpiredCursor = "expiredCursor"
)

// DefaultCursorTimeout is how long a cursor stays valid unless
// WithCursorTimeout says otherwise.
const DefaultCursorTimeout = time.Hour

// queryKey identifies the query a cursor belongs to.
func queryKey(e *endpoint, q *Query) string {
	key := e.rt.Name
	if q.Filter != nil {
		key += "?" + q.Filter.String()
	}
	return key
}

func (s *Server) encodeCursor(e *endpoint, q *Query, position string) string {
	return s.cursors.Encode(position, queryKey(e, q))
}

func (s *Server) decodeCursor(e *endpoint, q *Query, c string) (string, error) {
	position, err := s.cursors.Decode(c, queryKey(e, q))
	switch {
	case errors.Is(err, cursor.ErrExpired):
		return "", scimerr.New(scimerr.ExpiredCursor, "the cursor has expired; start again without one")
	case err != nil:
		return "", scimerr.New(scimerr.InvalidCursor, "the cursor is not valid for this request")
	}
	return position, nil
}

// answerCursor answers a list request with cursor pagination.
func (s *Server) answerCursor(c *call, e *endpoint, q *query) result {
	lister, ok := e.store.(CursorLister)
	if !ok || s.cfg.noCursors {
		return fail(schema.Errorf(schema.InvalidValue, "cursor pagination is not supported for %s", e.rt.Name))
	}
	if q.SortBy != nil {
		return fail(schema.Errorf(schema.InvalidValue, "sortBy cannot be combined with cursor pagination"))
	}
	after := ""
	if q.cursor != "" {
		var err error
		if after, err = s.decodeCursor(e, q.Query, q.cursor); err != nil {
			return fail(err)
		}
	}
	page, next, err := lister.ListAfter(c.ctx, q.Query, after)
	if err != nil {
		return fail(err)
	}
	resp := s.listResponse(c.base, []*endpoint{e}, [][]*Resource{page.Resources}, page.TotalResults, q.Query)
	delete(resp, "startIndex")
	if next != "" {
		resp["nextCursor"] = s.encodeCursor(e, q.Query, next)
	}
	return result{status: http.StatusOK, doc: resp}
}

// cursorSupported reports whether cursor pagination is on and every store
// pages by cursor.
func (s *Server) cursorSupported() bool {
	if s.cfg.noCursors {
		return false
	}
	for _, e := range s.endpoints {
		if _, ok := e.store.(CursorLister); !ok {
			return false
		}
	}
	return true
}
