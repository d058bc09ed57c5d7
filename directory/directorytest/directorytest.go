// Package directorytest holds the conformance suites of the directory
// package's interfaces. Every Registry and Log implementation runs them
// from its own tests:
//
//	func TestRegistry(t *testing.T) {
//		directorytest.RunRegistry(t, func(t *testing.T) directory.Registry {
//			return directory.NewMemoryRegistry()
//		})
//	}
//
// Run them with the race detector.
package directorytest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/directory"
)

// RunRegistry checks the Registry contract. newRegistry must return a
// fresh, empty registry each time it is called.
func RunRegistry(t *testing.T, newRegistry func(t *testing.T) directory.Registry) {
	t.Run("Directories", func(t *testing.T) { registryDirectories(t, newRegistry(t)) })
	t.Run("Tokens", func(t *testing.T) { registryTokens(t, newRegistry(t)) })
	t.Run("DeleteRemovesTokens", func(t *testing.T) { registryDelete(t, newRegistry(t)) })
	t.Run("ConcurrentCreatesOfOneName", func(t *testing.T) { registryConcurrent(t, newRegistry(t)) })
}

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func registryDirectories(t *testing.T, reg directory.Registry) {
	ctx := context.Background()
	for i, name := range []string{"beta", "acme", "gamma"} {
		require.NoError(t, reg.CreateDirectory(ctx, directory.Directory{ID: fmt.Sprintf("id-%d", i), Name: name, Created: t0}))
	}
	tests := []struct {
		name string
		err  error
		call func() error
	}{
		{"name taken", scim.ErrConflict, func() error {
			return reg.CreateDirectory(ctx, directory.Directory{ID: "id-9", Name: "acme", Created: t0})
		}},
		{"id taken", scim.ErrConflict, func() error {
			return reg.CreateDirectory(ctx, directory.Directory{ID: "id-0", Name: "delta", Created: t0})
		}},
		{"unknown id", scim.ErrNotFound, func() error { _, err := reg.Directory(ctx, "nope"); return err }},
		{"unknown name", scim.ErrNotFound, func() error { _, err := reg.DirectoryByName(ctx, "nope"); return err }},
		{"rename unknown", scim.ErrNotFound, func() error { return reg.RenameDirectory(ctx, "nope", "x") }},
		{"rename to taken", scim.ErrConflict, func() error { return reg.RenameDirectory(ctx, "id-0", "acme") }},
		{"delete unknown", scim.ErrNotFound, func() error { return reg.DeleteDirectory(ctx, "nope") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.ErrorIs(t, tt.call(), tt.err)
		})
	}

	d, err := reg.DirectoryByName(ctx, "acme")
	require.NoError(t, err)
	assert.Equal(t, "id-1", d.ID)
	assert.Equal(t, "acme", d.Name)
	assert.True(t, d.Created.Equal(t0), "Created %v", d.Created)
	page, err := reg.ListDirectories(ctx, "", 2)
	require.NoError(t, err)
	assert.Equal(t, []string{"acme", "beta"}, names(page))
	page, err = reg.ListDirectories(ctx, "beta", 2)
	require.NoError(t, err)
	assert.Equal(t, []string{"gamma"}, names(page))

	require.NoError(t, reg.RenameDirectory(ctx, "id-1", "acme-corp"))
	_, err = reg.DirectoryByName(ctx, "acme")
	assert.ErrorIs(t, err, scim.ErrNotFound, "the old name is free after a rename")
	d, err = reg.Directory(ctx, "id-1")
	require.NoError(t, err)
	assert.Equal(t, "acme-corp", d.Name)
	require.NoError(t, reg.CreateDirectory(ctx, directory.Directory{ID: "id-4", Name: "acme", Created: t0}),
		"the old name can be taken again")
}

func names(ds []directory.Directory) []string {
	out := []string{}
	for _, d := range ds {
		out = append(out, d.Name)
	}
	return out
}

func registryTokens(t *testing.T, reg directory.Registry) {
	ctx := context.Background()
	require.NoError(t, reg.CreateDirectory(ctx, directory.Directory{ID: "a", Name: "acme", Created: t0}))
	require.NoError(t, reg.CreateDirectory(ctx, directory.Directory{ID: "b", Name: "bolt", Created: t0}))
	tokA1 := directory.Token{ID: "tokA1", DirectoryID: "a", Label: "first", Hash: directory.HashToken("one"), Created: t0}
	tokA2 := directory.Token{ID: "tokA2", DirectoryID: "a", Label: "second", Hash: directory.HashToken("two"), Created: t0.Add(time.Hour)}
	tokB := directory.Token{ID: "tokB", DirectoryID: "b", Hash: directory.HashToken("three"), Created: t0}
	for _, tok := range []directory.Token{tokA1, tokA2, tokB} {
		require.NoError(t, reg.AddToken(ctx, tok))
	}
	assert.ErrorIs(t, reg.AddToken(ctx, directory.Token{ID: "tokA1", DirectoryID: "b", Created: t0}), scim.ErrConflict)
	assert.ErrorIs(t, reg.AddToken(ctx, directory.Token{ID: "x", DirectoryID: "nope", Created: t0}), scim.ErrNotFound)

	list, err := reg.Tokens(ctx, "a")
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, []string{"tokA1", "tokA2"}, []string{list[0].ID, list[1].ID}, "oldest first")
	assert.Equal(t, directory.HashToken("one"), list[0].Hash)
	_, err = reg.Tokens(ctx, "nope")
	assert.ErrorIs(t, err, scim.ErrNotFound)

	lookups := []struct {
		name, dir, token string
		want             string // token id, or "" for not found
	}{
		{"own token", "acme", "tokA1", "tokA1"},
		{"second token", "acme", "tokA2", "tokA2"},
		{"other directory's token", "acme", "tokB", ""},
		{"token on other directory", "bolt", "tokA1", ""},
		{"unknown directory", "nope", "tokA1", ""},
		{"unknown token", "acme", "nope", ""},
	}
	for _, tt := range lookups {
		t.Run(tt.name, func(t *testing.T) {
			d, tok, err := reg.LookupToken(ctx, tt.dir, tt.token)
			if tt.want == "" {
				assert.ErrorIs(t, err, scim.ErrNotFound)
				return
			}
			if assert.NoError(t, err) {
				assert.Equal(t, tt.want, tok.ID)
				assert.Equal(t, tt.dir, d.Name)
			}
		})
	}

	require.NoError(t, reg.TouchToken(ctx, "tokA1", t0.Add(2*time.Hour)))
	require.NoError(t, reg.TouchToken(ctx, "tokA1", t0.Add(time.Hour)), "an earlier time does not go back")
	require.NoError(t, reg.TouchToken(ctx, "gone", t0), "touching a revoked token is not an error")
	_, tok, err := reg.LookupToken(ctx, "acme", "tokA1")
	require.NoError(t, err)
	assert.True(t, tok.LastUsed.Equal(t0.Add(2*time.Hour)), "LastUsed %v", tok.LastUsed)

	assert.ErrorIs(t, reg.RevokeToken(ctx, "b", "tokA1"), scim.ErrNotFound, "a directory cannot revoke another's token")
	require.NoError(t, reg.RevokeToken(ctx, "a", "tokA1"))
	_, _, err = reg.LookupToken(ctx, "acme", "tokA1")
	assert.ErrorIs(t, err, scim.ErrNotFound, "a revoked token is not found")
	_, _, err = reg.LookupToken(ctx, "acme", "tokA2")
	assert.NoError(t, err, "the other token of the directory still works")
	assert.ErrorIs(t, reg.RevokeToken(ctx, "a", "tokA1"), scim.ErrNotFound)
}

func registryDelete(t *testing.T, reg directory.Registry) {
	ctx := context.Background()
	require.NoError(t, reg.CreateDirectory(ctx, directory.Directory{ID: "a", Name: "acme", Created: t0}))
	require.NoError(t, reg.AddToken(ctx, directory.Token{ID: "tok", DirectoryID: "a", Created: t0}))
	require.NoError(t, reg.DeleteDirectory(ctx, "a"))
	_, _, err := reg.LookupToken(ctx, "acme", "tok")
	assert.ErrorIs(t, err, scim.ErrNotFound)
	require.NoError(t, reg.CreateDirectory(ctx, directory.Directory{ID: "a2", Name: "acme", Created: t0}))
	_, _, err = reg.LookupToken(ctx, "acme", "tok")
	assert.ErrorIs(t, err, scim.ErrNotFound, "a new directory of the same name does not inherit the deleted one's tokens")
	assert.NoError(t, reg.AddToken(ctx, directory.Token{ID: "tok", DirectoryID: "a2", Created: t0}), "the deleted token's id is free")
}

func registryConcurrent(t *testing.T, reg directory.Registry) {
	ctx := context.Background()
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = reg.CreateDirectory(ctx, directory.Directory{ID: fmt.Sprintf("id-%d", i), Name: "acme", Created: t0})
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else {
			assert.ErrorIs(t, err, scim.ErrConflict)
		}
	}
	assert.Equal(t, 1, won, "exactly one create of a name wins")
}

// RunLog checks the Log contract. newLog must return a fresh, empty log
// that keeps at least 20 entries per directory and measures age with now.
func RunLog(t *testing.T, newLog func(t *testing.T, now func() time.Time) directory.Log) {
	t.Run("QueryAndPage", func(t *testing.T) { logQuery(t, newLog(t, func() time.Time { return t0.Add(time.Minute) })) })
	t.Run("ConcurrentAppends", func(t *testing.T) { logConcurrent(t, newLog(t, func() time.Time { return t0.Add(time.Minute) })) })
}

func entry(dir string, i int) directory.Entry {
	e := directory.Entry{DirectoryID: dir, Time: t0.Add(time.Duration(i) * time.Second), Method: "GET",
		Path: fmt.Sprintf("/Users/u%d", i%3), Status: 200, ResourceID: fmt.Sprintf("u%d", i%3)}
	if i%2 == 1 {
		e.Status, e.ScimType = 400, "invalidValue"
	}
	return e
}

func logQuery(t *testing.T, l directory.Log) {
	ctx := context.Background()
	for i := range 6 {
		require.NoError(t, l.Append(ctx, entry("a", i)))
		require.NoError(t, l.Append(ctx, entry("b", i+100)))
	}
	paths := func(es []directory.Entry) []string {
		out := []string{}
		for _, e := range es {
			out = append(out, fmt.Sprintf("%s %d", e.Path, e.Status))
		}
		return out
	}
	all, err := l.Query(ctx, "a", directory.LogQuery{})
	require.NoError(t, err)
	assert.Equal(t, []string{"/Users/u2 400", "/Users/u1 200", "/Users/u0 400", "/Users/u2 200", "/Users/u1 400", "/Users/u0 200"}, paths(all), "newest first, one directory only")
	for i := 1; i < len(all); i++ {
		assert.Greater(t, all[i-1].Seq, all[i].Seq)
	}
	tests := []struct {
		name string
		q    directory.LogQuery
		want []string
	}{
		{"errors only", directory.LogQuery{ErrorsOnly: true}, []string{"/Users/u2 400", "/Users/u0 400", "/Users/u1 400"}},
		{"resource", directory.LogQuery{ResourceID: "u1"}, []string{"/Users/u1 200", "/Users/u1 400"}},
		{"limit", directory.LogQuery{Limit: 2}, []string{"/Users/u2 400", "/Users/u1 200"}},
		{"next page", directory.LogQuery{Limit: 2, Before: all[1].Seq}, []string{"/Users/u0 400", "/Users/u2 200"}},
		{"errors of a resource", directory.LogQuery{ErrorsOnly: true, ResourceID: "u0"}, []string{"/Users/u0 400"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := l.Query(ctx, "a", tt.q)
			require.NoError(t, err)
			assert.Equal(t, tt.want, paths(got))
		})
	}
	require.NoError(t, l.DeleteDirectory(ctx, "a"))
	got, err := l.Query(ctx, "a", directory.LogQuery{})
	require.NoError(t, err)
	assert.Empty(t, got)
	got, err = l.Query(ctx, "b", directory.LogQuery{})
	require.NoError(t, err)
	assert.Len(t, got, 6, "deleting one directory's log keeps the others'")
}

func logConcurrent(t *testing.T, l directory.Log) {
	ctx := context.Background()
	const writers, each = 4, 5
	errs := make(chan error, writers*each)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				e := entry("a", i)
				e.UserAgent = fmt.Sprintf("writer-%d", w)
				errs <- l.Append(ctx, e)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	got, err := l.Query(ctx, "a", directory.LogQuery{Limit: writers * each})
	require.NoError(t, err)
	seqs := map[int64]bool{}
	for _, e := range got {
		assert.False(t, seqs[e.Seq], "Seq %d assigned twice", e.Seq)
		seqs[e.Seq] = true
		assert.True(t, strings.HasPrefix(e.UserAgent, "writer-"))
	}
	assert.Len(t, got, writers*each, "no append is lost")
}
