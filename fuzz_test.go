package scim_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/store/memory"
)

// bulkSeeds are bulk bodies for FuzzBulk: valid requests, references
// between operations, and malformed ones.
var bulkSeeds = []string{
	`{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[
		{"method":"POST","path":"/Groups","bulkId":"g","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G","members":[{"value":"bulkId:u"}]}},
		{"method":"POST","path":"/Users","bulkId":"u","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","password":"p"}},
		{"method":"PATCH","path":"/Users/bulkId:u","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":"False"}]}},
		{"method":"PUT","path":"/Groups/bulkId:g","version":"W/\"1\"","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"H"}},
		{"method":"DELETE","path":"/Users/bulkId:u"}]}`,
	`{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"failOnErrors":1,"Operations":[
		{"method":"post","path":"/Users","data":{"userName":"a"}},{"method":"POST","path":"/Users","data":{"userName":"A"}}]}`,
	`{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[
		{"method":"POST","path":"/Groups","bulkId":"a","data":{"displayName":"A","members":[{"value":"bulkId:b"}]}},
		{"method":"POST","path":"/Groups","bulkId":"b","data":{"displayName":"B","members":[{"value":"bulkId:a"}]}}]}`,
	`{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"POST","path":"/Bulk","data":{}}]}`,
	`{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"POST","path":"/Users/.search","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}}]}`,
	`{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"PATCH","path":"/Me","data":[]}]}`,
	`{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"DELETE","path":"/Users/bulkId:"},{"method":"POST","path":"/Users","bulkId":"","data":null}]}`,
	`{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"POST","path":"//Users/../Groups","data":"x"}]}`,
	`{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"failOnErrors":-1,"Operations":[]}`,
	`{"schemas":"urn:ietf:params:scim:api:messages:2.0:BulkRequest","Operations":{}}`,
	`{"Operations":[1]}`, `[]`, `null`, ``, `{`,
}

// FuzzBulk posts arbitrary bodies to /Bulk of a Server over the memory
// store. No body may make it panic or answer 500, for the request or any
// operation, and every answer must be a JSON object.
func FuzzBulk(f *testing.F) {
	for _, s := range bulkSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var logs bytes.Buffer
		db := memory.New()
		srv, err := scim.New(scim.WithUsers(db.Users()), scim.WithGroups(db.Groups()), scim.WithoutAuthentication(),
			scim.WithBulk(50), scim.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, "/Bulk", bytes.NewReader(body))
		req.Header.Set("Content-Type", scim.ContentType)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q; log: %s", rec.Code, body, logs.String())
		}
		if ct := rec.Header().Get("Content-Type"); ct != scim.ContentType {
			t.Fatalf("Content-Type %q", ct)
		}
		var doc map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatalf("the response is not a JSON object: %v: %s", err, rec.Body.Bytes())
		}
		if rec.Code != http.StatusOK {
			if doc["status"] != strconv.Itoa(rec.Code) {
				t.Fatalf("error status %v in a %d response", doc["status"], rec.Code)
			}
			return
		}
		ops, ok := doc["Operations"].([]any)
		if !ok {
			t.Fatalf("a bulk response without Operations: %s", rec.Body.Bytes())
		}
		for _, op := range ops {
			m, _ := op.(map[string]any)
			status, err := strconv.Atoi(stringOf(m["status"]))
			if err != nil || status < 200 || status >= 500 {
				t.Fatalf("operation status %v for %q; log: %s", m["status"], body, logs.String())
			}
			if r, ok := m["response"]; ok {
				if _, isObject := r.(map[string]any); !isObject {
					t.Fatalf("operation response is %T, not an object", r)
				}
			}
		}
		if bytes.Contains(bytes.ToLower(rec.Body.Bytes()), []byte(`"password"`)) {
			t.Fatalf("a bulk response shows a password: %s", rec.Body.Bytes())
		}
	})
}

// FuzzBulkOperation builds a well-formed bulk request around one fuzzed
// operation (method, path, data) and a create it may refer to as
// "bulkId:u", so that the fuzzer reaches the resource handlers: no
// operation may panic or answer 500, and no password may be shown.
func FuzzBulkOperation(f *testing.F) {
	for _, s := range []struct{ method, path, data string }{
		{"PATCH", "/Users/bulkId:u", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"emails[type eq \"work\"].value","value":"x@y"}]}`},
		{"PUT", "/Users/bulkId:u", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","password":"p","active":"False"}`},
		{"POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"g","members":[{"value":"bulkId:u"},{"value":"bulkId:u"}]}`},
		{"DELETE", "/Users/bulkId:u", ``},
		{"post", "/Users/", `{"userName":"\u0000"}`},
		{"PATCH", "/Groups/bulkId:u", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","value":{"members":[{"value":"bulkId:u"}]}}]}`},
		{"PUT", "/Users/bulkId:u/../x", `[]`},
	} {
		f.Add(s.method, s.path, []byte(s.data))
	}
	f.Fuzz(func(t *testing.T, method, path string, data []byte) {
		op := map[string]any{"method": method, "path": path}
		if len(data) > 0 {
			var v any
			if json.Unmarshal(data, &v) != nil {
				return
			}
			op["data"] = v
		}
		body, err := json.Marshal(map[string]any{"schemas": []any{scim.BulkRequestURN}, "Operations": []any{
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "u", "data": map[string]any{
				"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": "bulk", "password": "pw-0000"}},
			op,
		}})
		if err != nil {
			return
		}
		var logs bytes.Buffer
		db := memory.New()
		srv, err := scim.New(scim.WithUsers(db.Users()), scim.WithGroups(db.Groups()), scim.WithoutAuthentication(),
			scim.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, "/Bulk", bytes.NewReader(body))
		req.Header.Set("Content-Type", scim.ContentType)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d; log: %s", rec.Code, logs.String())
		}
		var doc map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatalf("the response is not a JSON object: %v: %s", err, rec.Body.Bytes())
		}
		ops, _ := doc["Operations"].([]any)
		for _, op := range ops {
			m, _ := op.(map[string]any)
			if status, err := strconv.Atoi(stringOf(m["status"])); err != nil || status >= 500 {
				t.Fatalf("operation status %v; log: %s", m["status"], logs.String())
			}
		}
		if bytes.Contains(rec.Body.Bytes(), []byte("pw-0000")) {
			t.Fatalf("a bulk response shows a password: %s", rec.Body.Bytes())
		}
	})
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}
