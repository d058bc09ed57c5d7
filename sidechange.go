package scim

import (
	"context"
	"sync"
)

// ReportChange lets a store report a write it committed as a side effect of
// the request it serves: for example, deleting a user removes it from its
// groups, and each of those groups changed. The server passes reported
// changes to the change hooks after the request's own change, so that a
// hook sees every committed write. A store calls it after the commit, never
// for a write that was rolled back. Outside a request served by a Server it
// does nothing.
//
// For a group that lost a member, report Kind Patched, ResourceType
// "Group", the group's ID, MembersRemoved, and the group as stored (its
// members may be left out).
func ReportChange(ctx context.Context, c Change) {
	if rec, ok := ctx.Value(sideChangesKey{}).(*sideChanges); ok {
		rec.mu.Lock()
		rec.changes = append(rec.changes, c)
		rec.mu.Unlock()
	}
}

type sideChangesKey struct{}

// sideChanges collects the changes stores report during one request.
type sideChanges struct {
	mu      sync.Mutex
	changes []Change
}

// withSideChanges returns a context in which ReportChange collects into
// the returned recorder.
func withSideChanges(ctx context.Context) (context.Context, *sideChanges) {
	rec := &sideChanges{}
	return context.WithValue(ctx, sideChangesKey{}, rec), rec
}

// reported returns the changes collected so far.
func (rec *sideChanges) reported() []Change {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.changes
}
