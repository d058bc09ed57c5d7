package sqlmap_test

import (
	"testing"

	"github.com/scimkit/scim/store/sqlmap"
	"github.com/scimkit/scim/store/storetest"
)

// capabilities are what a mapping of the host tables declares to the
// contract suite: the trimmed types, the paths it filters and sorts on,
// member display from the users' displayName and cursors. PATCH is applied
// by the server (Get, patch.Apply, Replace), so native PATCH is skipped.
func capabilities(st *sqlmap.Stores) storetest.Capabilities {
	return storetest.Capabilities{Users: st.Users().ResourceType(), Groups: st.Groups().ResourceType(),
		MemberDisplay: true, Cursors: true,
		Filter: append(st.Users().Queryable(), st.Groups().Queryable()...),
		Sort:   append(st.Users().Queryable(), st.Groups().Queryable()...)}
}

func TestConformance(t *testing.T) {
	for _, dialect := range dialects {
		for _, hide := range []bool{false, true} {
			t.Run(dialect+"/hide="+map[bool]string{false: "no", true: "yes"}[hide], func(t *testing.T) {
				storetest.RunWith(t, capabilities(newStores(t, dialect, hide)), func(t *testing.T) storetest.Stores {
					st := newStores(t, dialect, hide)
					return storetest.Stores{Users: st.Users(), Groups: st.Groups()}
				})
			})
		}
	}
}
