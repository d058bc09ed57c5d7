package directory

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/scimkit/scim"
)

// A Registry keeps directories and their tokens. Implementations must be
// safe for concurrent use, and must see every write made through any
// instance sharing their storage on the next call (the Handler caches no
// positive answer, so that a revoked token or a deleted directory stops
// working on the next request everywhere). Errors are the scim sentinels:
// scim.ErrNotFound and scim.ErrConflict, wrapped or not; any other error is
// a failure of the registry itself. Package directorytest checks the
// contract (directorytest.RunRegistry).
type Registry interface {
	// CreateDirectory stores d. It returns ErrConflict when d.ID or
	// d.Name is taken. The caller has validated the name.
	CreateDirectory(ctx context.Context, d Directory) error
	// Directory returns the directory with the given id, or ErrNotFound.
	Directory(ctx context.Context, id string) (Directory, error)
	// DirectoryByName returns the directory named name, or ErrNotFound.
	DirectoryByName(ctx context.Context, name string) (Directory, error)
	// ListDirectories returns up to limit directories whose names sort
	// after after ("" for the first page), in ascending order of name.
	ListDirectories(ctx context.Context, after string, limit int) ([]Directory, error)
	// RenameDirectory changes the name of directory id. It returns
	// ErrNotFound when there is no such directory and ErrConflict when
	// another directory has the name.
	RenameDirectory(ctx context.Context, id, name string) error
	// DeleteDirectory removes directory id and all its tokens, or returns
	// ErrNotFound.
	DeleteDirectory(ctx context.Context, id string) error

	// AddToken stores t, whose Hash, never the token, it keeps. It
	// returns ErrNotFound when t.DirectoryID names no directory and
	// ErrConflict when t.ID is taken.
	AddToken(ctx context.Context, t Token) error
	// Tokens returns the tokens of directory dirID, oldest first; it
	// returns ErrNotFound when there is no such directory.
	Tokens(ctx context.Context, dirID string) ([]Token, error)
	// RevokeToken removes token tokenID of directory dirID. It returns
	// ErrNotFound when the directory has no such token.
	RevokeToken(ctx context.Context, dirID, tokenID string) error
	// LookupToken is the hot path of every request: it returns the
	// directory named dirName and its token tokenID, in one round trip.
	// It returns ErrNotFound when there is no such directory or the
	// directory has no such token (a token of another directory is not
	// found). The caller compares the hash.
	LookupToken(ctx context.Context, dirName, tokenID string) (Directory, Token, error)
	// TouchToken records that token tokenID was used at t: LastUsed
	// becomes t unless it is already later. A token that no longer exists
	// is not an error.
	TouchToken(ctx context.Context, tokenID string, t time.Time) error
}

// MemoryRegistry is a Registry in memory, for one process. The zero value
// is not usable: call NewMemoryRegistry.
type MemoryRegistry struct {
	mu     sync.RWMutex
	byID   map[string]*Directory
	byName map[string]string // name -> id
	tokens map[string]*Token // token id -> token
}

// NewMemoryRegistry returns an empty MemoryRegistry.
func NewMemoryRegistry() *MemoryRegistry {
	return &MemoryRegistry{byID: map[string]*Directory{}, byName: map[string]string{}, tokens: map[string]*Token{}}
}

func notFound(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{scim.ErrNotFound}, args...)...)
}

func conflict(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{scim.ErrConflict}, args...)...)
}

// CreateDirectory implements Registry.
func (m *MemoryRegistry) CreateDirectory(_ context.Context, d Directory) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byID[d.ID]; ok {
		return conflict("directory id %q is taken", d.ID)
	}
	if _, ok := m.byName[d.Name]; ok {
		return conflict("directory name %q is taken", d.Name)
	}
	m.byID[d.ID] = &d
	m.byName[d.Name] = d.ID
	return nil
}

// Directory implements Registry.
func (m *MemoryRegistry) Directory(_ context.Context, id string) (Directory, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	d, ok := m.byID[id]
	if !ok {
		return Directory{}, notFound("no directory %q", id)
	}
	return *d, nil
}

// DirectoryByName implements Registry.
func (m *MemoryRegistry) DirectoryByName(_ context.Context, name string) (Directory, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	id, ok := m.byName[name]
	if !ok {
		return Directory{}, notFound("no directory named %q", name)
	}
	return *m.byID[id], nil
}

// ListDirectories implements Registry.
func (m *MemoryRegistry) ListDirectories(_ context.Context, after string, limit int) ([]Directory, error) {
	m.mu.RLock()
	names := make([]string, 0, len(m.byName))
	for n := range m.byName {
		if n > after {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	if limit >= 0 && len(names) > limit {
		names = names[:limit]
	}
	out := make([]Directory, len(names))
	for i, n := range names {
		out[i] = *m.byID[m.byName[n]]
	}
	m.mu.RUnlock()
	return out, nil
}

// RenameDirectory implements Registry.
func (m *MemoryRegistry) RenameDirectory(_ context.Context, id, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.byID[id]
	if !ok {
		return notFound("no directory %q", id)
	}
	if d.Name == name {
		return nil
	}
	if _, taken := m.byName[name]; taken {
		return conflict("directory name %q is taken", name)
	}
	delete(m.byName, d.Name)
	d.Name = name
	m.byName[name] = id
	return nil
}

// DeleteDirectory implements Registry.
func (m *MemoryRegistry) DeleteDirectory(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.byID[id]
	if !ok {
		return notFound("no directory %q", id)
	}
	delete(m.byName, d.Name)
	delete(m.byID, id)
	for tid, t := range m.tokens {
		if t.DirectoryID == id {
			delete(m.tokens, tid)
		}
	}
	return nil
}

// AddToken implements Registry.
func (m *MemoryRegistry) AddToken(_ context.Context, t Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byID[t.DirectoryID]; !ok {
		return notFound("no directory %q", t.DirectoryID)
	}
	if _, ok := m.tokens[t.ID]; ok {
		return conflict("token id %q is taken", t.ID)
	}
	m.tokens[t.ID] = &t
	return nil
}

// Tokens implements Registry.
func (m *MemoryRegistry) Tokens(_ context.Context, dirID string) ([]Token, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if _, ok := m.byID[dirID]; !ok {
		return nil, notFound("no directory %q", dirID)
	}
	var out []Token
	for _, t := range m.tokens {
		if t.DirectoryID == dirID {
			out = append(out, *t)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.Before(out[j].Created)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// RevokeToken implements Registry.
func (m *MemoryRegistry) RevokeToken(_ context.Context, dirID, tokenID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tokens[tokenID]
	if !ok || t.DirectoryID != dirID {
		return notFound("directory %q has no token %q", dirID, tokenID)
	}
	delete(m.tokens, tokenID)
	return nil
}

// LookupToken implements Registry.
func (m *MemoryRegistry) LookupToken(_ context.Context, dirName, tokenID string) (Directory, Token, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	id, ok := m.byName[dirName]
	if !ok {
		return Directory{}, Token{}, notFound("no directory named %q", dirName)
	}
	t, ok := m.tokens[tokenID]
	if !ok || t.DirectoryID != id {
		return Directory{}, Token{}, notFound("directory %q has no token %q", dirName, tokenID)
	}
	return *m.byID[id], *t, nil
}

// TouchToken implements Registry.
func (m *MemoryRegistry) TouchToken(_ context.Context, tokenID string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t, ok := m.tokens[tokenID]; ok && at.After(t.LastUsed) {
		t.LastUsed = at
	}
	return nil
}
