package directory

import (
	"context"

	"github.com/scimkit/scim"
)

// Counts returns how many users and groups directory dirID holds, as its
// stores' totals (groups is 0 for a directory without a Groups store). It
// returns scim.ErrNotFound when there is no such directory. An admin page
// shows them beside the directory.
func (h *Handler) Counts(ctx context.Context, dirID string) (users, groups int, err error) {
	d, err := h.reg.Directory(ctx, dirID)
	if err != nil {
		return 0, 0, err
	}
	us, gs, err := h.be.Stores(ctx, d.ID)
	if err != nil {
		return 0, 0, err
	}
	ctx = NewContext(ctx, d)
	if users, err = total(ctx, us); err != nil {
		return 0, 0, err
	}
	if gs != nil {
		if groups, err = total(ctx, gs); err != nil {
			return 0, 0, err
		}
	}
	return users, groups, nil
}

// total asks a store for its number of resources without loading any.
func total(ctx context.Context, s scim.ResourceStore) (int, error) {
	p, err := s.List(ctx, &scim.Query{Count: 0})
	if err != nil {
		return 0, err
	}
	return p.TotalResults, nil
}
