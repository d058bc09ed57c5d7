package memory_test

import (
	"context"
	"fmt"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/memory"
)

func Example() {
	ctx := context.Background()
	db := memory.New()
	for _, name := range []string{"bjensen", "alice"} {
		if _, err := db.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": name}}); err != nil {
			panic(err)
		}
	}
	_, err := db.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": "BJENSEN"}})
	fmt.Println(err)

	e, err := filter.Parse(`userName eq "Alice"`, schema.UserResourceType(), filter.Options{})
	if err != nil {
		panic(err)
	}
	page, err := db.Users().List(ctx, &scim.Query{Filter: e, Count: 10})
	if err != nil {
		panic(err)
	}
	fmt.Println(page.TotalResults, page.Resources[0].Attributes["userName"], page.Resources[0].Meta.Version)
	// Output:
	// scim: conflict: userName "BJENSEN" is already taken
	// 1 alice W/"1"
}
