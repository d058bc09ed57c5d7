package scim

import (
	"net/http"
	"strings"

	"github.com/scimkit/scim/scimerr"
)

// serveMe answers /Me (RFC 7644 §3.11) by serving the request on the
// resource the MeResolver names. Without a resolver it answers 501, as the
// RFC allows.
func (s *Server) serveMe(w http.ResponseWriter, r *http.Request) {
	if s.cfg.me == nil {
		s.write(w, r, fail(scimerr.New(scimerr.NotImplemented, "/Me is not supported by this service provider")))
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		s.write(w, r, result{allow: "GET, PUT, PATCH, DELETE",
			err: scimerr.New(scimerr.MethodNotAllowed, r.Method+" is not supported on /Me")})
		return
	}
	rtName, id, err := s.cfg.me(requestContext(w, r))
	if err != nil {
		s.write(w, r, fail(err))
		return
	}
	var e *endpoint
	for _, ep := range s.endpoints {
		if strings.EqualFold(ep.rt.Name, rtName) {
			e = ep
			break
		}
	}
	if e == nil {
		s.write(w, r, fail(ErrNotFound))
		return
	}
	c, err := s.httpCall(w, r)
	if err != nil {
		s.write(w, r, fail(err))
		return
	}
	c.id = id
	c.path = e.rt.Endpoint + "/" + id
	if r.Method == http.MethodPut || r.Method == http.MethodPatch {
		if c.body, err = s.decode(w, r); err != nil {
			s.write(w, r, fail(err))
			return
		}
	}
	s.write(w, r, s.serveItem(&c, e, r.Method))
}

// serveItem runs the handler of method on the resource c.id of e.
func (s *Server) serveItem(c *call, e *endpoint, method string) result {
	switch method {
	case http.MethodGet:
		return s.get(c, e)
	case http.MethodPut:
		return s.replace(c, e)
	case http.MethodPatch:
		return s.patch(c, e)
	default:
		return s.delete(c, e)
	}
}
