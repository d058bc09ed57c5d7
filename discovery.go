package scim

import (
	"github.com/scimkit/scim/scimerr"
	"net/http"
	"strings"

	"github.com/scimkit/scim/schema"
)

// ServiceProviderConfigURN is the schema of the /ServiceProviderConfig
// response (RFC 7643 §5).
const ServiceProviderConfigURN = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"

// serviceProviderConfig describes what this Server does, derived from its
// configuration.
func (s *Server) serviceProviderConfig(w http.ResponseWriter, r *http.Request) {
	base := s.baseURL(r)
	doc := map[string]any{
		"schemas":        []any{ServiceProviderConfigURN},
		"patch":          map[string]any{"supported": true},
		"bulk":           map[string]any{"supported": s.cfg.bulkMaxOps > 0, "maxOperations": s.cfg.bulkMaxOps, "maxPayloadSize": s.cfg.maxPayloadSize},
		"filter":         map[string]any{"supported": true, "maxResults": s.cfg.maxResults},
		"changePassword": map[string]any{"supported": s.passwordWritable()},
		"sort":           map[string]any{"supported": true},
		"etag":           map[string]any{"supported": true},
		"meta": map[string]any{
			"resourceType": "ServiceProviderConfig",
			"location":     base + "/ServiceProviderConfig",
		},
	}
	doc["authenticationSchemes"] = s.authenticationSchemes()
	// RFC 9865 §4: the pagination methods offered.
	doc["pagination"] = map[string]any{
		"cursor":                  s.cursorSupported(),
		"index":                   true,
		"defaultPaginationMethod": "index",
		"defaultPageSize":         s.cfg.maxResults,
		"maxPageSize":             s.cfg.maxResults,
		"cursorTimeout":           int(s.cfg.cursorTimeout.Seconds()),
	}
	s.writeJSON(w, r, http.StatusOK, doc)
}

// passwordWritable reports whether any resource type accepts a password.
func (s *Server) passwordWritable() bool {
	for _, e := range s.endpoints {
		if a := e.rt.Schema.Attribute("password"); a != nil && a.EffectiveMutability() != schema.ReadOnly {
			return true
		}
	}
	return false
}

func (s *Server) authenticationSchemes() []any {
	if len(s.cfg.tokens) > 0 {
		return []any{map[string]any{
			"type":        "oauthbearertoken",
			"name":        "OAuth Bearer Token",
			"description": "Authentication with a bearer token in the Authorization header",
			"specUri":     "https://www.rfc-editor.org/info/rfc6750",
			"primary":     true,
		}}
	}
	return []any{}
}

// refuseFilter answers 403 to a filter on a discovery endpoint, as RFC 7644
// §4 asks, so that a client never believes a filter was applied.
func (s *Server) refuseFilter(w http.ResponseWriter, r *http.Request) bool {
	if urlParams(r.URL.Query()).get("filter") == "" {
		return false
	}
	s.writeError(w, r, &Error{Code: scimerr.Forbidden, Detail: "filtering is not supported on " + r.URL.Path})
	return true
}

func (s *Server) listSchemas(w http.ResponseWriter, r *http.Request) {
	if s.refuseFilter(w, r) {
		return
	}
	base := s.baseURL(r)
	docs := make([]any, 0, len(s.schemas))
	for _, sc := range s.schemas {
		docs = append(docs, sc.Document(base+"/Schemas/"+sc.ID))
	}
	s.writeList(w, r, docs)
}

func (s *Server) getSchema(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	for _, sc := range s.schemas {
		if strings.EqualFold(sc.ID, id) {
			s.writeJSON(w, r, http.StatusOK, sc.Document(s.baseURL(r)+"/Schemas/"+sc.ID))
			return
		}
	}
	s.writeError(w, r, &Error{Code: scimerr.NotFound, Detail: "no schema " + id})
}

func (s *Server) listResourceTypes(w http.ResponseWriter, r *http.Request) {
	if s.refuseFilter(w, r) {
		return
	}
	base := s.baseURL(r)
	docs := make([]any, 0, len(s.endpoints))
	for _, e := range s.endpoints {
		docs = append(docs, e.rt.Document(base+"/ResourceTypes/"+e.rt.Name))
	}
	s.writeList(w, r, docs)
}

func (s *Server) getResourceType(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	for _, e := range s.endpoints {
		if strings.EqualFold(e.rt.Name, name) || strings.EqualFold(e.rt.ID, name) {
			s.writeJSON(w, r, http.StatusOK, e.rt.Document(s.baseURL(r)+"/ResourceTypes/"+e.rt.Name))
			return
		}
	}
	s.writeError(w, r, &Error{Code: scimerr.NotFound, Detail: "no resource type " + name})
}

// writeList writes every item as one ListResponse page.
func (s *Server) writeList(w http.ResponseWriter, r *http.Request, items []any) {
	s.writeJSON(w, r, http.StatusOK, map[string]any{
		"schemas":      []any{ListResponseURN},
		"totalResults": len(items),
		"startIndex":   1,
		"itemsPerPage": len(items),
		"Resources":    items,
	})
}
