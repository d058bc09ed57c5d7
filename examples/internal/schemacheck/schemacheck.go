// Package schemacheck checks in tests that a SCIM server keeps what it
// advertises: every attribute that /Schemas lists for a resource type of
// /ResourceTypes round-trips through POST, GET, PUT and PATCH, and nothing
// that is not listed appears.
package schemacheck

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/examples/internal/scimtest"
)

type attribute struct {
	Name          string      `json:"name"`
	Type          string      `json:"type"`
	MultiValued   bool        `json:"multiValued"`
	Mutability    string      `json:"mutability"`
	Returned      string      `json:"returned"`
	SubAttributes []attribute `json:"subAttributes"`
}

// Run checks every resource type the handler h advertises below base
// ("/scim/v2"), authenticating with token, in a subtest per type.
func Run(t *testing.T, h http.Handler, base, token string) {
	do := func(t *testing.T, method, path string, body any) (int, map[string]any) {
		t.Helper()
		var text []byte
		if body != nil {
			var err error
			text, err = json.Marshal(body)
			require.NoError(t, err)
		}
		return scimtest.Do(t, h, token, method, base+path, string(text))
	}
	code, types := do(t, "GET", "/ResourceTypes", nil)
	require.Equal(t, http.StatusOK, code, types)
	for _, raw := range types["Resources"].([]any) {
		rt := raw.(map[string]any)
		t.Run(rt["name"].(string), func(t *testing.T) {
			urns := []string{rt["schema"].(string)}
			exts, _ := rt["schemaExtensions"].([]any)
			for _, e := range exts {
				urns = append(urns, e.(map[string]any)["schema"].(string))
			}
			attrs := map[string][]attribute{}
			for _, urn := range urns {
				code, doc := do(t, "GET", "/Schemas/"+urn, nil)
				require.Equal(t, http.StatusOK, code, doc)
				b, err := json.Marshal(doc["attributes"])
				require.NoError(t, err)
				var list []attribute
				require.NoError(t, json.Unmarshal(b, &list))
				attrs[urn] = list
			}
			body := func(round string) map[string]any {
				doc := map[string]any{"schemas": toAny(urns)}
				for i, urn := range urns {
					target := doc
					if i > 0 {
						target = map[string]any{}
						doc[urn] = target
					}
					for _, a := range attrs[urn] {
						if v, ok := value(a, round); ok {
							target[a.Name] = v
						}
					}
				}
				return doc
			}
			endpoint := rt["endpoint"].(string)
			sent := body("post")
			code, created := do(t, "POST", endpoint, sent)
			require.Equal(t, http.StatusCreated, code, created)
			id := created["id"].(string)
			check(t, "POST", urns, attrs, sent, created)
			code, got := do(t, "GET", endpoint+"/"+id, nil)
			require.Equal(t, http.StatusOK, code, got)
			check(t, "GET after POST", urns, attrs, sent, got)

			sent = body("put")
			code, got = do(t, "PUT", endpoint+"/"+id, sent)
			require.Equal(t, http.StatusOK, code, got)
			code, got = do(t, "GET", endpoint+"/"+id, nil)
			require.Equal(t, http.StatusOK, code, got)
			check(t, "GET after PUT", urns, attrs, sent, got)

			sent = body("patch")
			ops := []any{}
			for k, v := range sent {
				if k != "schemas" {
					ops = append(ops, map[string]any{"op": "replace", "path": k, "value": v})
				}
			}
			code, got = do(t, "PATCH", endpoint+"/"+id, map[string]any{
				"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": ops})
			require.Equal(t, http.StatusOK, code, got)
			code, got = do(t, "GET", endpoint+"/"+id, nil)
			require.Equal(t, http.StatusOK, code, got)
			check(t, "GET after PATCH", urns, attrs, sent, got)
		})
	}
}

func toAny(list []string) []any {
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = s
	}
	return out
}

// value returns a value for a writable attribute that differs in each
// round, and false for what a client cannot write or this check cannot
// make up (references to other resources, binary values).
func value(a attribute, round string) (any, bool) {
	if a.Mutability == "readOnly" || a.Returned == "never" || a.Name == "members" || a.Type == "reference" || a.Type == "binary" {
		return nil, false
	}
	var v any
	switch a.Type {
	case "string":
		v = round + "-" + a.Name
	case "boolean":
		v = round == "put"
	case "integer":
		v = len(round)
	case "decimal":
		v = float64(len(round)) + 0.5
	case "dateTime":
		v = "2024-01-0" + fmt.Sprint(len(round)) + "T00:00:00Z"
	case "complex":
		m := map[string]any{}
		for _, s := range a.SubAttributes {
			if s.Name == "primary" && a.MultiValued {
				m["primary"] = true
			} else if s.Name == "type" && a.MultiValued {
				m["type"] = "work"
			} else if sv, ok := value(s, round); ok {
				m[s.Name] = sv
			}
		}
		if len(m) == 0 {
			return nil, false
		}
		v = m
	default:
		return nil, false
	}
	if a.MultiValued {
		return []any{v}, true
	}
	return v, true
}

// check compares got with what was sent for every advertised attribute,
// and reports attributes got has that no schema advertises.
func check(t *testing.T, step string, urns []string, attrs map[string][]attribute, sent, got map[string]any) {
	t.Helper()
	for i, urn := range urns {
		want, have := sent, got
		if i > 0 {
			want, _ = sent[urn].(map[string]any)
			have, _ = got[urn].(map[string]any)
		}
		advertised := map[string]bool{}
		for _, a := range attrs[urn] {
			advertised[strings.ToLower(a.Name)] = true
			if v, ok := want[a.Name]; ok {
				assert.Equal(t, v, normalize(have[a.Name]), "%s: %s keeps %s", step, urn, a.Name)
			}
		}
		for k := range have {
			if i == 0 && (k == "schemas" || k == "id" || k == "meta" || k == "externalId" || contains(urns, k)) {
				continue
			}
			assert.True(t, advertised[strings.ToLower(k)], "%s: %s is returned but not advertised by %s", step, k, urn)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// normalize turns JSON numbers that are integers into ints, as sent.
func normalize(v any) any {
	switch x := v.(type) {
	case float64:
		if x == float64(int(x)) {
			return int(x)
		}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	}
	return v
}
