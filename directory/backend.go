package directory

import (
	"context"
	"sync"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/store/memory"
)

// A Backend opens the stores of a directory: the resolver that decides
// where each directory's data lives. A Handler asks it once per directory
// and caches the answer, so Stores may do real work (open a connection
// pool, look up which database holds the directory). The stores it returns
// must hold that directory's resources only: a store shared by several
// directories must scope every read and write, including uniqueness, ids,
// totals and cursor positions, by the directory (see FromContext, or bind
// the directory id when opening). Implementations must be safe for
// concurrent use.
type Backend interface {
	// Stores returns the Users and Groups stores of directory dirID.
	// groups may be nil: the directory then serves no /Groups.
	Stores(ctx context.Context, dirID string) (users, groups scim.ResourceStore, err error)
	// DeleteData removes every resource of directory dirID. Deleting the
	// data of a directory that has none is not an error.
	DeleteData(ctx context.Context, dirID string) error
}

// MemoryBackend keeps each directory in its own memory.DB: isolation by
// construction, since no store holds two directories' resources. The zero
// value is not usable: call NewMemoryBackend.
type MemoryBackend struct {
	mu  sync.Mutex
	dbs map[string]*memory.DB
}

// NewMemoryBackend returns a MemoryBackend with no data.
func NewMemoryBackend() *MemoryBackend {
	return &MemoryBackend{dbs: map[string]*memory.DB{}}
}

// Stores implements Backend; a directory's DB is created on first use.
func (b *MemoryBackend) Stores(_ context.Context, dirID string) (users, groups scim.ResourceStore, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	db, ok := b.dbs[dirID]
	if !ok {
		db = memory.New()
		b.dbs[dirID] = db
	}
	return db.Users(), db.Groups(), nil
}

// DeleteData implements Backend.
func (b *MemoryBackend) DeleteData(_ context.Context, dirID string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.dbs, dirID)
	return nil
}
