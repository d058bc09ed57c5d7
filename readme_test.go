package scim_test

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestREADMEGoSnippets compiles every ```go block of README.md, vets it, and
// runs the tests some of them come with, so that a snippet cannot rot.
//
// The wrapping convention:
//
//   - A block that starts with a package clause is a whole file and is
//     compiled as it stands.
//   - Any other block is a fragment and must have an entry in
//     readmeWrappers, keyed by the block's first line. The wrapper is the
//     file around the fragment (package clause, imports, and the names the
//     reader's application would define, such as myapp), with the fragment
//     in place of {{snippet}}.
//   - A block of either kind may have an entry in readmeSnippetTests, keyed
//     by its first line, a _test.go file beside it that runs it, for
//     snippets whose point is what they do and not only that they compile.
//
// A block with neither a package clause nor a wrapper fails the test, so a
// new snippet cannot be added unchecked. Each block becomes one package of a
// temporary module that requires this checkout (through a replace
// directive) with this module's requirements and go.sum, built from the
// module cache alone (GOPROXY=off), so the test needs no network.
func TestREADMEGoSnippets(t *testing.T) {
	root, err := os.Getwd()
	require.NoError(t, err)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	blocks := fencedBlocks(string(readme), "go")
	require.NotEmpty(t, blocks)

	dir := t.TempDir()
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	mod := strings.Replace(string(gomod), "module github.com/scimkit/scim\n", "module readme.example\n", 1)
	mod += fmt.Sprintf("\nrequire github.com/scimkit/scim v0.0.0\n\nreplace github.com/scimkit/scim => %s\n", root)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644))
	gosum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.sum"), gosum, 0o644))

	used := map[string]bool{}
	where := map[string]int{} // package directory -> README line
	for i, b := range blocks {
		first := strings.SplitN(b.text, "\n", 2)[0]
		src := b.text
		if !strings.HasPrefix(first, "package ") {
			wrapper, ok := readmeWrappers[first]
			if !assert.True(t, ok, "README.md:%d: a ```go block that is not a whole file needs a wrapper in readmeWrappers keyed by its first line %q", b.line, first) {
				continue
			}
			used[first] = true
			src = strings.Replace(wrapper, "{{snippet}}", strings.TrimSuffix(b.text, "\n"), 1)
		}
		for _, problem := range serverAdviceViolations(t, src) {
			assert.Fail(t, "README snippet ignores the README's advice", "README.md:%d: %s", b.line, problem)
		}
		pkg := fmt.Sprintf("snippet%02d", i+1)
		where[pkg] = b.line
		require.NoError(t, os.MkdirAll(filepath.Join(dir, pkg), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, pkg, "snippet.go"), []byte(src), 0o644))
		if test, ok := readmeSnippetTests[first]; ok {
			used["test:"+first] = true
			require.NoError(t, os.WriteFile(filepath.Join(dir, pkg, "snippet_test.go"), []byte(test), 0o644))
		}
	}
	for first := range readmeWrappers {
		assert.True(t, used[first], "readmeWrappers has an entry for %q, which no README block starts with", first)
	}
	for first := range readmeSnippetTests {
		assert.True(t, used["test:"+first], "readmeSnippetTests has an entry for %q, which no README block starts with", first)
	}

	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
	for _, args := range [][]string{{"vet", "./..."}, {"test", "-count=1", "./..."}} {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		assert.NoError(t, err, "go %s on the README's Go blocks:\n%s", strings.Join(args, " "), withREADMELines(string(out), where))
	}
}

// serverAdviceViolations reports where a Go file serves HTTP against the
// README's advice: through net/http's package-level ListenAndServe or Serve,
// which set no timeouts; with an http.Server literal without
// ReadHeaderTimeout; or dropping the error a Serve or ListenAndServe method
// returns.
func serverAdviceViolations(t *testing.T, src string) []string {
	t.Helper()
	fset := gotoken.NewFileSet()
	f, err := parser.ParseFile(fset, "snippet.go", src, 0)
	if err != nil {
		return nil // the go command reports it, with more context
	}
	serving := func(name string) bool {
		return name == "ListenAndServe" || name == "ListenAndServeTLS" || name == "Serve" || name == "ServeTLS"
	}
	var problems []string
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if x, ok := n.X.(*ast.Ident); ok && x.Name == "http" && serving(n.Sel.Name) {
				problems = append(problems, fmt.Sprintf("line %d: http.%s sets no timeouts; use an http.Server", fset.Position(n.Pos()).Line, n.Sel.Name))
			}
		case *ast.CompositeLit:
			sel, ok := n.Type.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Server" {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "http" {
				return true
			}
			for _, e := range n.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok {
					if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "ReadHeaderTimeout" {
						return true
					}
				}
			}
			problems = append(problems, fmt.Sprintf("line %d: http.Server without ReadHeaderTimeout", fset.Position(n.Pos()).Line))
		case *ast.ExprStmt:
			if call, ok := n.X.(*ast.CallExpr); ok {
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok && serving(sel.Sel.Name) {
					problems = append(problems, fmt.Sprintf("line %d: the error of %s is dropped", fset.Position(n.Pos()).Line, sel.Sel.Name))
				}
			}
		}
		return true
	})
	return problems
}

// TestREADMETestCommandIsCI checks that .ci/run ends with the test command
// README.md gives, so that what a reader runs is what CI runs.
func TestREADMETestCommandIsCI(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	text := string(readme)
	i := strings.Index(text, "Run the tests (this is what CI runs):")
	require.GreaterOrEqual(t, i, 0)
	blocks := fencedBlocks(text[i:], "sh")
	require.NotEmpty(t, blocks)
	command := strings.TrimSpace(blocks[0].text)

	ci, err := os.ReadFile(".ci/run")
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(ci)), "\n")
	assert.Equal(t, command, lines[len(lines)-1])
}

// readmeWrappers maps the first line of each README fragment to the file
// it is compiled in; see TestREADMEGoSnippets.
var readmeWrappers = map[string]string{
	// The change hook: an option, as passed to scim.New. myapp stands for
	// the reader's application.
	"scim.WithChangeHook(func(ctx context.Context, c scim.Change) {": `package snippet

import (
	"context"

	"github.com/scimkit/scim"
)

// Hook is the option the README shows.
var Hook scim.Option = {{snippet}}

type account struct {
	userName string
	active   bool
}

type app struct{ accounts map[string]account }

func (a *app) SaveAccount(_ context.Context, id, userName string, active bool) {
	a.accounts[id] = account{userName, active}
}

func (a *app) DeleteAccount(_ context.Context, id string) { delete(a.accounts, id) }

var myapp = &app{accounts: map[string]account{}}
`,
	// The store interface as the README shows it: declared beside aliases
	// of the root package's types, and assigned both ways to
	// scim.ResourceStore, which compiles only if the method sets are equal.
	"type ResourceStore interface {": `package snippet

import (
	"context"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/schema"
)

type (
	Resource = scim.Resource
	Query    = scim.Query
	Page     = scim.Page
)

{{snippet}}

var (
	_ scim.ResourceStore = ResourceStore(nil)
	_ ResourceStore      = scim.ResourceStore(nil)
)
`,
	// The conformance suite, run against the memory store in place of the
	// reader's own.
	"func TestConformance(t *testing.T) {": `package snippet

import (
	"testing"

	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/storetest"
)

func newTestDB(*testing.T) *memory.DB { return memory.New() }

{{snippet}}
`,
}

// readmeSnippetTests maps the first line of a README block to a test that
// runs it; see TestREADMEGoSnippets.
var readmeSnippetTests = map[string]string{
	// The change hook keeps the application's account in step with every
	// kind of write, including Okta's deactivation by PUT.
	"scim.WithChangeHook(func(ctx context.Context, c scim.Change) {": `package snippet

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/store/memory"
)

func TestHookFollowsEveryDeactivation(t *testing.T) {
	db := memory.New()
	srv, err := scim.New(scim.WithUsers(db.Users()), scim.WithBearerToken("idp", "t"), Hook)
	if err != nil {
		t.Fatal(err)
	}
	do := func(method, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer t")
		req.Header.Set("Content-Type", "application/scim+json")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec
	}
	const user = ` + "`" + `"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen"` + "`" + `
	rec := do("POST", "/Users", "{"+user+` + "`" + `, "active": true}` + "`" + `)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	id := strings.TrimPrefix(rec.Header().Get("Location"), "http://example.com/Users/")
	check := func(step string, want bool) {
		t.Helper()
		if a, ok := myapp.accounts[id]; !ok || a.userName != "bjensen" || a.active != want {
			t.Errorf("after %s: account %+v (kept: %v), want active %v", step, a, ok, want)
		}
	}
	check("create", true)
	// Okta deactivates with PUT.
	if rec := do("PUT", "/Users/"+id, "{"+user+` + "`" + `, "active": false}` + "`" + `); rec.Code != http.StatusOK {
		t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
	}
	check("PUT active false", false)
	// Entra ID reactivates and deactivates with PATCH.
	patch := ` + "`" + `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "Replace", "path": "active", "value": "True"}]}` + "`" + `
	if rec := do("PATCH", "/Users/"+id, patch); rec.Code != http.StatusOK {
		t.Fatalf("PATCH: %d %s", rec.Code, rec.Body)
	}
	check("PATCH active True", true)
	if rec := do("DELETE", "/Users/"+id, ""); rec.Code != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", rec.Code, rec.Body)
	}
	if _, ok := myapp.accounts[id]; ok {
		t.Error("the account outlived the SCIM delete")
	}
}
`,
	// The SQLite snippet opens a working store when run as it is written.
	"package app": `package app

import (
	"context"
	"os"
	"testing"
)

func TestNewSCIMOpensSQLite(t *testing.T) {
	if err := os.Chdir(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	srv, err := newSCIM(context.Background(), "secret")
	if err != nil || srv == nil {
		t.Fatalf("newSCIM: %v", err)
	}
	if _, err := os.Stat("scim.db"); err != nil {
		t.Errorf("no database file: %v", err)
	}
}
`,
}

// readmeBlock is a fenced block of README.md and the line it starts on.
type readmeBlock struct {
	text string
	line int
}

// fencedBlocks returns the contents of the ```lang blocks of a Markdown
// text, in order.
func fencedBlocks(text, lang string) []readmeBlock {
	var blocks []readmeBlock
	lines := strings.SplitAfter(text, "\n")
	for i := 0; i < len(lines); i++ {
		if strings.TrimRight(lines[i], "\n") != "```"+lang {
			continue
		}
		var b strings.Builder
		start := i + 2
		for i++; i < len(lines) && strings.TrimRight(lines[i], "\n") != "```"; i++ {
			b.WriteString(lines[i])
		}
		blocks = append(blocks, readmeBlock{text: b.String(), line: start})
	}
	return blocks
}

// withREADMELines prefixes the go command's mentions of a snippet package
// with the README line the block starts on.
func withREADMELines(out string, where map[string]int) string {
	var b bytes.Buffer
	re := regexp.MustCompile(`snippet[0-9]{2}`)
	for _, line := range strings.SplitAfter(out, "\n") {
		if pkg := re.FindString(line); pkg != "" {
			fmt.Fprintf(&b, "[README.md:%d] ", where[pkg])
		}
		b.WriteString(line)
	}
	return b.String()
}
