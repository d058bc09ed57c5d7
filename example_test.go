package scim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/store/memory"
)

// Mount the server on an existing mux and create a user, as an identity
// provider would.
func ExampleNew() {
	db := memory.New()
	srv, err := scim.New(
		scim.WithUsers(db.Users()),
		scim.WithGroups(db.Groups()),
		scim.WithBearerToken("entra", "s3cret"),
	)
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", srv))

	body := `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen"}`
	req := httptest.NewRequest("POST", "/scim/v2/Users", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer s3cret")
	req.Header.Set("Content-Type", "application/scim+json")
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)

	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Println(strings.HasPrefix(rec.Header().Get("Location"), "http://example.com/scim/v2/Users/"))
	// Output:
	// 201 application/scim+json
	// true
}

// A change hook acts on every committed write, for example to deactivate an
// application account when the identity provider deactivates the user.
func ExampleWithChangeHook() {
	db := memory.New()
	srv, err := scim.New(
		scim.WithUsers(db.Users()),
		scim.WithoutAuthentication(),
		scim.WithChangeHook(func(ctx context.Context, c scim.Change) {
			active, _ := c.Resource.Attributes["active"].(bool)
			fmt.Println(c.Kind, c.ResourceType, "active:", active)
		}),
	)
	if err != nil {
		panic(err)
	}
	send := func(method, path, body string) *http.Response {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec.Result()
	}
	res := send("POST", "/Users", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen", "active": true}`)
	var created struct{ ID string }
	data, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(data, &created)
	send("PATCH", "/Users/"+created.ID, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [{"op": "Replace", "path": "active", "value": "False"}]}`)
	// Output:
	// created User active: true
	// patched User active: false
}
