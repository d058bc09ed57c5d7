package store_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDocNamesEveryStore checks that the package doc, which go doc ./store
// shows, names every store package in this directory, so that a new store
// is not left out of it.
func TestDocNamesEveryStore(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "doc.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	require.NoError(t, err)
	require.NotNil(t, f.Doc, "doc.go has no package comment")
	doc := f.Doc.Text()

	entries, err := os.ReadDir(".")
	require.NoError(t, err)
	var stores []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if files, _ := filepath.Glob(filepath.Join(e.Name(), "*.go")); len(files) > 0 {
			stores = append(stores, e.Name())
		}
	}
	require.NotEmpty(t, stores)
	for _, name := range stores {
		assert.Contains(t, doc, "[github.com/scimkit/scim/store/"+name+"]", "the package doc does not name store/%s", name)
	}
}
