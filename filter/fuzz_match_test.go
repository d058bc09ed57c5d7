package filter_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/memory"
)

// matchSeeds pair filters with user bodies for FuzzMatch.
var matchSeeds = []struct{ filter, doc string }{
	{`userName eq "bjensen"`, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"BJensen"}`},
	{`emails[type eq "work" and value co "@example.com"]`, `{"userName":"u","emails":[{"value":"a@example.com","type":"work"},{"value":7}]}`},
	{`not (title pr) or active eq "False"`, `{"userName":"u","active":"false","title":null}`},
	{`name.familyName sw "O'"`, `{"userName":"u","name":"O'Malley"}`},
	{`meta.lastModified ge "2011-05-13T04:42:34Z"`, `{"userName":"u","meta":{"lastModified":12}}`},
	{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x"`,
		`{"userName":"u","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"x"}}`},
	{`emails.value ew ".org" and externalId ne "E"`, `{"userName":"u","externalId":"e","emails":[[]]}`},
	{`x509Certificates.value eq "AAAA"`, `{"userName":"u","x509Certificates":[{"value":"AAAA"}]}`},
	{`userName gt "a" and userName lt "c"`, `{"userName":"b\u0000"}`},
	{`groups.value eq "g"`, `{"userName":"u","groups":[{"value":"g"}]}`},
	{`userName eq "ΣΟΦΊΑ" or displayName co "ſ"`, `{"userName":"σοφία","displayName":"Strauß"}`},
	{`emails[(value eq "x" or value eq "y") and primary eq true]`,
		`{"userName":"u","emails":[{"value":"Y","primary":true},{"value":"x"}]}`},
	{`addresses[type eq "work" and (locality eq "Zürich" or postalCode sw "80")]`,
		`{"userName":"u","addresses":[{"type":"work","locality":"ZÜRICH","postalCode":"8001","primary":true},{"type":"home"}]}`},
	{`addresses.country eq "CH"`, `{"userName":"u","addresses":{"country":"ch"}}`},
}

// FuzzMatch evaluates parsed filters against arbitrary JSON documents. It
// checks that evaluation never panics and never changes the document,
// that a filter and its printed form select the same documents, and that
// the memory store (which answers some filters from its indexes) selects a
// stored user exactly when Match says its document satisfies the filter.
func FuzzMatch(f *testing.F) {
	for _, s := range matchSeeds {
		f.Add(s.filter, []byte(s.doc))
	}
	raw, err := json.Marshal(bjensen())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(`userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`, raw)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, s string, data []byte) {
		e, err := filter.Parse(s, users, filter.Options{})
		if err != nil {
			return
		}
		doc, err := schema.Decode(bytes.NewReader(data))
		if err != nil {
			return
		}
		before, err := json.Marshal(doc)
		if err != nil {
			t.Fatalf("re-encoding the decoded document: %v", err)
		}
		got := filter.Match(e, doc)
		if after, _ := json.Marshal(doc); !bytes.Equal(before, after) {
			t.Fatalf("Match(%q) changed the document", s)
		}
		again, err := filter.Parse(e.String(), users, filter.Options{MaxLength: 1 << 20})
		if err != nil {
			t.Fatalf("Parse(%q).String() = %q does not parse: %v", s, e.String(), err)
		}
		if filter.Match(again, doc) != got {
			t.Fatalf("%q and its printed form %q disagree on %s", s, e.String(), data)
		}
		if filter.Match(&filter.Not{X: e}, doc) == got {
			t.Fatalf("not (%q) agrees with %q on %s", s, e.String(), data)
		}

		// The same filter over a store: index lookups agree with Match.
		attrs, err := users.Canonicalize(doc, nil, schema.Options{})
		if err != nil {
			return
		}
		st := memory.New().Users()
		created, err := st.Create(ctx, &scim.Resource{Attributes: attrs})
		if err != nil {
			t.Fatalf("creating a canonical user: %v", err)
		}
		want := filter.Match(e, scim.Document(users, created))
		page, err := st.List(ctx, &scim.Query{Filter: e, StartIndex: 1, Count: 10})
		if err != nil {
			t.Fatalf("List(%q): %v", s, err)
		}
		if (page.TotalResults == 1) != want || page.TotalResults > 1 {
			t.Fatalf("List(%q) found %d users; Match on the stored document says %v (%s)", s, page.TotalResults, want, data)
		}
	})
}
