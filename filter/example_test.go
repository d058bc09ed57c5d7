package filter_test

import (
	"fmt"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/schema"
)

func ExampleParse() {
	rt := schema.UserResourceType()
	e, err := filter.Parse(`userName eq "BJENSEN" and emails[type eq "work"]`, rt, filter.Options{})
	if err != nil {
		panic(err)
	}
	doc := map[string]any{
		"userName": "bjensen",
		"emails":   []any{map[string]any{"value": "bjensen@example.com", "type": "work"}},
	}
	fmt.Println(e)
	fmt.Println(filter.Match(e, doc))

	_, err = filter.Parse(`userName eq`, rt, filter.Options{})
	fmt.Println(err.(*schema.Error).Code)
	// Output:
	// userName eq "BJENSEN" and emails[type eq "work"]
	// true
	// invalidFilter
}

func ExampleParsePath() {
	p, err := filter.ParsePath(`emails[type eq "work"].value`, schema.UserResourceType(), filter.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Attr.Name, p.Target.Sub.Name, p.Filter)
	fmt.Println(filter.MatchValue(p.Filter, map[string]any{"type": "work", "value": "a@example.com"}))
	// Output:
	// emails value type eq "work"
	// true
}
