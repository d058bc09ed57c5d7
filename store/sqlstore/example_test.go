package sqlstore_test

import (
	"fmt"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/sqlstore"
)

// Translate a filter into a WHERE clause over a host's own users table.
func ExampleWhere() {
	rt := schema.UserResourceType()
	e, err := filter.Parse(`userName eq "bjensen" and active eq true`, rt, filter.Options{})
	if err != nil {
		panic(err)
	}
	cond, args, err := sqlstore.Where(e, rt, sqlstore.Postgres, map[string]string{"userName": "username", "active": "is_active"})
	if err != nil {
		panic(err)
	}
	fmt.Println(cond)
	fmt.Println(args)
	// Output:
	// ((lower(username) = $1) AND (CAST(is_active AS BOOLEAN) = $2))
	// [bjensen true]
}
