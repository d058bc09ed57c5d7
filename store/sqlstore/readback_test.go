package sqlstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
)

// TestWritesReturnWhatTheyWrote races writers on one user: each must get
// back its own write, with its own version, never a later writer's.
func TestWritesReturnWhatTheyWrote(t *testing.T) {
	const writers = 12
	for name, open := range dialects() {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			ctx := context.Background()
			u, err := db.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": "racer"}})
			require.NoError(t, err)
			type result struct {
				title, got, version string
				err                 error
			}
			results := make([]result, writers)
			var wg sync.WaitGroup
			for i := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					title := fmt.Sprintf("t%d", i)
					var out *scim.Resource
					var err error
					if i%2 == 0 {
						out, err = db.Users().Replace(ctx, &scim.Resource{ID: u.ID, Attributes: map[string]any{"userName": "racer", "title": title}}, "")
					} else {
						var req *patch.Request
						req, err = patch.Parse(map[string]any{"schemas": []any{patch.PatchOpURN}, "Operations": []any{
							map[string]any{"op": "replace", "path": "title", "value": title}}}, schema.UserResourceType(), patch.Options{})
						if err == nil {
							out, _, err = db.Users().Patch(ctx, u.ID, req, "", schema.Projection{})
						}
					}
					results[i] = result{title: title, err: err}
					if out != nil {
						results[i].got, _ = out.Attributes["title"].(string)
						results[i].version = out.Meta.Version
					}
				}()
			}
			wg.Wait()
			versions := map[string]string{}
			for _, r := range results {
				if r.err != nil {
					assert.ErrorIs(t, r.err, scim.ErrPreconditionFailed, "a writer may only lose a race")
					continue
				}
				assert.Equal(t, r.title, r.got, "a writer gets back its own write")
				if prev, dup := versions[r.version]; dup {
					assert.Failf(t, "two writers got one version", "%s and %s both got %s", prev, r.title, r.version)
				}
				versions[r.version] = r.title
			}
		})
	}
}
