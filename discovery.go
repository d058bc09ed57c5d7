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
func (s *Server) serviceProviderConfig(c *call) result {
	base := c.base
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
	// RFC 9865 §4: the pagination methods offered, unless the host turned
	// cursors off for clients that refuse the object.
	if !s.cfg.noCursors {
		doc["pagination"] = s.pagination()
	}
	return result{status: http.StatusOK, doc: doc}
}

// pagination is the RFC 9865 "pagination" object of the configuration.
func (s *Server) pagination() map[string]any {
	return map[string]any{
		"cursor":                  s.cursorSupported(),
		"index":                   true,
		"defaultPaginationMethod": "index",
		"defaultPageSize":         s.cfg.maxResults,
		"maxPageSize":             s.cfg.maxResults,
		"cursorTimeout":           int(s.cfg.cursorTimeout.Seconds()),
	}
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
func refuseFilter(c *call) error {
	if c.params == nil || c.params.get("filter") == "" {
		return nil
	}
	return scimerr.New(scimerr.Forbidden, "filtering is not supported on "+c.path)
}

func (s *Server) listSchemas(c *call) result {
	if err := refuseFilter(c); err != nil {
		return fail(err)
	}
	docs := make([]any, 0, len(s.schemas))
	for _, sc := range s.schemas {
		docs = append(docs, sc.Document(c.base+"/Schemas/"+sc.ID))
	}
	return listResult(docs)
}

func (s *Server) getSchema(c *call) result {
	for _, sc := range s.schemas {
		if strings.EqualFold(sc.ID, c.id) {
			return result{status: http.StatusOK, doc: sc.Document(c.base + "/Schemas/" + sc.ID)}
		}
	}
	return fail(scimerr.New(scimerr.NotFound, "no schema "+c.id))
}

func (s *Server) listResourceTypes(c *call) result {
	if err := refuseFilter(c); err != nil {
		return fail(err)
	}
	docs := make([]any, 0, len(s.endpoints))
	for _, e := range s.endpoints {
		docs = append(docs, e.rt.Document(c.base+"/ResourceTypes/"+e.rt.Name))
	}
	return listResult(docs)
}

func (s *Server) getResourceType(c *call) result {
	for _, e := range s.endpoints {
		if strings.EqualFold(e.rt.Name, c.id) || strings.EqualFold(e.rt.ID, c.id) {
			return result{status: http.StatusOK, doc: e.rt.Document(c.base + "/ResourceTypes/" + e.rt.Name)}
		}
	}
	return fail(scimerr.New(scimerr.NotFound, "no resource type "+c.id))
}

// listResult answers every item as one ListResponse page.
func listResult(items []any) result {
	return result{status: http.StatusOK, doc: map[string]any{
		"schemas":      []any{ListResponseURN},
		"totalResults": len(items),
		"startIndex":   1,
		"itemsPerPage": len(items),
		"Resources":    items,
	}}
}
