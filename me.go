package scim

import (
	"github.com/scimkit/scim/scimerr"
	"net/http"
	"strings"
)

// serveMe answers /Me (RFC 7644 §3.11) by serving the request on the
// resource the MeResolver names. Without a resolver it answers 501, as the
// RFC allows.
func (s *Server) serveMe(w http.ResponseWriter, r *http.Request) {
	if s.cfg.me == nil {
		s.writeError(w, r, &Error{Code: scimerr.NotImplemented, Detail: "/Me is not supported by this service provider"})
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		w.Header().Set("Allow", "GET, PUT, PATCH, DELETE")
		s.writeError(w, r, &Error{Code: scimerr.MethodNotAllowed, Detail: r.Method + " is not supported on /Me"})
		return
	}
	rtName, id, err := s.cfg.me(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, e := range s.endpoints {
		if strings.EqualFold(e.rt.Name, rtName) {
			s.mux.ServeHTTP(w, s.rewrite(r, e.rt.Endpoint+"/"+id))
			return
		}
	}
	s.writeError(w, r, ErrNotFound)
}
