package scim

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"github.com/scimkit/scim/scimerr"
	"net/http"
	"strings"
	"time"

	"github.com/scimkit/scim/schema"
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

// cursorToken is what a cursor carries: the store's position, when it was
// issued and the query it belongs to. It is signed so that a client can
// neither forge positions nor replay a cursor with another query.
type cursorToken struct {
	Position string `json:"p"`
	Issued   int64  `json:"t"`
	Query    string `json:"q"`
}

// queryKey identifies the query a cursor belongs to.
func queryKey(e *endpoint, q *Query) string {
	key := e.rt.Name
	if q.Filter != nil {
		key += "?" + q.Filter.String()
	}
	return key
}

func (s *Server) encodeCursor(e *endpoint, q *Query, position string) string {
	data, _ := json.Marshal(cursorToken{Position: position, Issued: time.Now().Unix(), Query: queryKey(e, q)})
	mac := hmac.New(sha256.New, s.cfg.cursorKey)
	mac.Write(data)
	return base64.RawURLEncoding.EncodeToString(data) + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func (s *Server) decodeCursor(e *endpoint, q *Query, cursor string) (string, error) {
	invalid := &Error{Code: scimerr.InvalidCursor, Detail: "the cursor is not valid for this request"}
	payload, sig, ok := strings.Cut(cursor, ".")
	data, err1 := base64.RawURLEncoding.DecodeString(payload)
	got, err2 := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err1 != nil || err2 != nil {
		return "", invalid
	}
	mac := hmac.New(sha256.New, s.cfg.cursorKey)
	mac.Write(data)
	var t cursorToken
	if !hmac.Equal(got, mac.Sum(nil)) || json.Unmarshal(data, &t) != nil || t.Query != queryKey(e, q) {
		return "", invalid
	}
	if time.Since(time.Unix(t.Issued, 0)) > s.cfg.cursorTimeout {
		return "", &Error{Code: scimerr.ExpiredCursor, Detail: "the cursor has expired; start again without one"}
	}
	return t.Position, nil
}

// answerCursor answers a list request with cursor pagination.
func (s *Server) answerCursor(c *call, e *endpoint, q *query) result {
	lister, ok := e.store.(CursorLister)
	if !ok {
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

// cursorSupported reports whether every store pages by cursor.
func (s *Server) cursorSupported() bool {
	for _, e := range s.endpoints {
		if _, ok := e.store.(CursorLister); !ok {
			return false
		}
	}
	return true
}
