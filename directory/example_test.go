package directory_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/directory"
)

// Serve one directory per identity provider: each customer gets its own
// base URL and token, and its own users.
func ExampleNew() {
	h, err := directory.New(directory.NewMemoryRegistry(), directory.NewMemoryBackend(),
		directory.WithLog(directory.NewMemoryLog(directory.MemoryLogOptions{})),
		directory.WithBaseURL("https://app.example.com/scim"),
		directory.WithServerOptions(scim.WithChangeHook(func(ctx context.Context, c scim.Change) {
			d, _ := directory.FromContext(ctx)
			fmt.Println(d.Name, c.Kind, c.ResourceType)
		})))
	if err != nil {
		panic(err)
	}
	defer h.Close()
	mux := http.NewServeMux()
	mux.Handle("/scim/", http.StripPrefix("/scim", h))

	ctx := context.Background()
	acme, _ := h.CreateDirectory(ctx, "acme")
	token, _, _ := h.CreateToken(ctx, acme.ID, "entra") // show it once, to the administrator

	body := `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen"}`
	req := httptest.NewRequest("POST", "/scim/acme/v2/Users", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code, strings.HasPrefix(rec.Header().Get("Location"), "https://app.example.com/scim/acme/v2/Users/"))

	_ = h.FlushLog(ctx)
	entries, _ := h.QueryLog(ctx, acme.ID, directory.LogQuery{})
	fmt.Println(entries[0].Method, entries[0].Path, entries[0].Status)
	// Output:
	// acme created User
	// 201 true
	// POST /Users 201
}
