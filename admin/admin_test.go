package admin_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/directory"
)

const userSchema = "urn:ietf:params:scim:schemas:core:2.0:User"

// clock is a settable clock shared by the directory handler and the page.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env mounts a directory.Handler at /scim/ and the page at /admin/.
type env struct {
	dirs  *directory.Handler
	page  *admin.Handler
	mux   *http.ServeMux
	clock *clock
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newEnv(t *testing.T, opts ...admin.Option) *env {
	t.Helper()
	c := &clock{t: time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)}
	dirs, err := directory.New(directory.NewMemoryRegistry(), directory.NewMemoryBackend(),
		directory.WithLog(directory.NewMemoryLog(directory.MemoryLogOptions{})), directory.WithClock(c.now),
		directory.WithLogger(quiet()), directory.WithServerOptions(scim.WithLogger(quiet())))
	require.NoError(t, err)
	t.Cleanup(func() { _ = dirs.Close() })
	page, err := admin.New(dirs, append([]admin.Option{admin.WithClock(c.now), admin.WithLogger(quiet()),
		admin.WithSCIMBaseURL("https://app.example.com/scim")}, opts...)...)
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/scim/", http.StripPrefix("/scim", dirs))
	mux.Handle("/admin/", http.StripPrefix("/admin", page))
	return &env{dirs: dirs, page: page, mux: mux, clock: c}
}

func (e *env) dir(t *testing.T, name string) (directory.Directory, string) {
	t.Helper()
	d, err := e.dirs.CreateDirectory(context.Background(), name)
	require.NoError(t, err)
	tok, _, err := e.dirs.CreateToken(context.Background(), d.ID, "entra")
	require.NoError(t, err)
	return d, tok
}

// scim sends a SCIM request and returns its status and Location.
func (e *env) scim(t *testing.T, method, path, token, body string, header ...string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", scim.ContentType)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	return rec.Code, rec.Header().Get("Location")
}

func (e *env) get(t *testing.T, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec.Code, rec.Body.String()
}

// csrf returns the page's form token and its cookie, as a browser gets
// them from a GET of the overview.
func (e *env) csrf(t *testing.T) (string, *http.Cookie) {
	t.Helper()
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, httptest.NewRequest("GET", "/admin/", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(rec.Body.String())
	require.NotNil(t, m)
	cookies := rec.Result().Cookies()
	require.Len(t, cookies, 1)
	return m[1], cookies[0]
}

// post submits a form as a same-origin browser does.
func (e *env) post(t *testing.T, path string, form url.Values, cookie *http.Cookie, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if cookie != nil {
		req.AddCookie(cookie)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	return rec
}

func (e *env) flush(t *testing.T) {
	t.Helper()
	require.NoError(t, e.dirs.FlushLog(context.Background()))
}

func user(name string) string {
	return `{"schemas":["` + userSchema + `"],"userName":"` + name + `"}`
}

// The overview shows each directory's users, groups, requests and errors
// of the last 24 hours, the last request as a relative time with the exact
// time on hover, and a chart whose bars are the hours' counts.
func TestOverview(t *testing.T) {
	e := newEnv(t)
	_, tok := e.dir(t, "acme")
	e.dir(t, "globex")
	e.clock.add(-2 * time.Hour)
	st, _ := e.scim(t, "POST", "/scim/acme/v2/Users", tok, user("old"))
	require.Equal(t, 201, st)
	e.clock.add(2 * time.Hour)
	for _, name := range []string{"bjensen", "jsmith", "bjensen"} {
		e.scim(t, "POST", "/scim/acme/v2/Users", tok, user(name))
	}
	e.clock.add(-26 * time.Hour)
	e.scim(t, "GET", "/scim/acme/v2/Users/gone", tok, "")
	e.clock.add(26*time.Hour + 3*time.Minute)
	e.flush(t)

	st, body := e.get(t, "/admin/")
	require.Equal(t, http.StatusOK, st)
	rows := regexp.MustCompile(`(?s)<tr class="directory">(.*?)</tr>`).FindAllStringSubmatch(body, -1)
	require.Len(t, rows, 2)
	acme, globex := rows[0][1], rows[1][1]
	cells := func(row string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`).FindAllStringSubmatch(row, -1) {
			out = append(out, regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[1], ""))
		}
		return out
	}
	c := cells(acme)
	assert.Equal(t, []string{"acme", "3", "0", "4", "1"}, c[:5], "users, groups, requests and errors of the last 24 hours (the 26-hour-old 404 is out)")
	assert.Equal(t, "3 min ago", c[5])
	assert.Contains(t, acme, `title="2026-03-04 10:00:00 UTC"`, "the exact time of the last request on hover")
	assert.Equal(t, 24, strings.Count(acme, `<rect class="req"`), "one bar per hour")
	assert.Equal(t, 1, strings.Count(acme, `<rect class="err"`), "an error bar in the hour of the 409")
	assert.Contains(t, acme, `height="32"></rect>`, "the busiest hour is full height")
	assert.Contains(t, acme, "3 requests, 1 errors")
	assert.Equal(t, []string{"globex", "0", "0", "0", "0", "never"}, cells(globex)[:6])
}

// When the bounded log has dropped requests of the window, the overview
// says the count is a lower bound.
func TestOverviewCountIsALowerBoundWhenTheLogWrapped(t *testing.T) {
	c := &clock{t: time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)}
	dirs, err := directory.New(directory.NewMemoryRegistry(), directory.NewMemoryBackend(),
		directory.WithLog(directory.NewMemoryLog(directory.MemoryLogOptions{Size: 3})), directory.WithClock(c.now),
		directory.WithLogger(quiet()))
	require.NoError(t, err)
	defer dirs.Close()
	page, err := admin.New(dirs, admin.WithClock(c.now))
	require.NoError(t, err)
	d, err := dirs.CreateDirectory(context.Background(), "acme")
	require.NoError(t, err)
	tok, _, err := dirs.CreateToken(context.Background(), d.ID, "")
	require.NoError(t, err)
	for range 5 {
		req := httptest.NewRequest("GET", "/acme/v2/Users", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		dirs.ServeHTTP(httptest.NewRecorder(), req)
	}
	require.NoError(t, dirs.FlushLog(context.Background()))
	rec := httptest.NewRecorder()
	page.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	assert.Contains(t, rec.Body.String(), "≥ 3")
}

// Whatever a client sends is shown as text, never as markup.
func TestTemplateEscapesLoggedContent(t *testing.T) {
	e := newEnv(t)
	d, tok := e.dir(t, "acme")
	e.scim(t, "POST", "/scim/acme/v2/Users", tok, user(`<script>alert(1)</script>`), "User-Agent", `<img src=x onerror=alert(2)>`)
	e.flush(t)
	st, body := e.get(t, "/admin/d/"+d.ID)
	require.Equal(t, http.StatusOK, st)
	assert.NotContains(t, body, "<script>alert(1)")
	assert.NotContains(t, body, "<img src=x")
	assert.Contains(t, body, "&lt;img src=x onerror=alert(2)&gt;")
}

// The directory page shows the base URL, the tokens and the log, newest
// first, with an errors-only filter, a resource filter and paging; an
// entry holds its redacted bodies and the scimType of an error.
func TestDirectoryPage(t *testing.T) {
	e := newEnv(t, admin.WithPageSize(2))
	d, tok := e.dir(t, "acme")
	_, loc := e.scim(t, "POST", "/scim/acme/v2/Users", tok, `{"schemas":["`+userSchema+`"],"userName":"bjensen","password":"hunter2"}`)
	id := loc[strings.LastIndexByte(loc, '/')+1:]
	e.clock.add(time.Minute)
	e.scim(t, "POST", "/scim/acme/v2/Users", tok, user("bjensen"))
	e.clock.add(time.Minute)
	e.scim(t, "GET", "/scim/acme/v2/Users/"+id, tok, "")
	e.clock.add(time.Minute)
	e.scim(t, "GET", "/scim/acme/v2/Users/nope", tok, "")
	e.flush(t)

	entries := func(body string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`(?s)<details class="entry" data-status="(\d+)">.*?<span class="mono path" title="([^"]*)"`).FindAllStringSubmatch(body, -1) {
			out = append(out, m[1]+" "+m[2])
		}
		return out
	}
	for _, tc := range []struct {
		name, query string
		want        []string
		older       bool
	}{
		{"newest first, one page", "", []string{"404 /Users/nope", "200 /Users/" + id}, true},
		{"older page", "?before=3", []string{"409 /Users", "201 /Users"}, false},
		{"errors only", "?errors=1", []string{"404 /Users/nope", "409 /Users"}, false},
		{"one resource", "?resource=" + id, []string{"200 /Users/" + id, "201 /Users"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, body := e.get(t, "/admin/d/"+d.ID+tc.query)
			require.Equal(t, http.StatusOK, st)
			assert.Equal(t, tc.want, entries(body))
			assert.Equal(t, tc.older, strings.Contains(body, `id="older"`))
		})
	}
	_, body := e.get(t, "/admin/d/"+d.ID+"?errors=1")
	assert.Contains(t, body, `value="https://app.example.com/scim/acme/v2"`)
	assert.Contains(t, body, "scimType uniqueness")
	_, body = e.get(t, "/admin/d/"+d.ID)
	assert.Contains(t, body, `href="../d/`+d.ID+`?before=3"`)
	_, body = e.get(t, "/admin/d/"+d.ID+"?resource="+id)
	assert.Contains(t, body, "[redacted]")
	assert.NotContains(t, body, "hunter2")
	assert.Contains(t, body, `class="token-row"`)
}

// A new token is shown once, in the response to the form; rotating issues
// one with the same label and keeps the old; revoking refuses it at once.
func TestTokens(t *testing.T) {
	e := newEnv(t)
	d, _ := e.dir(t, "acme")
	csrf, cookie := e.csrf(t)
	e.clock.add(time.Minute)
	rec := e.post(t, "/admin/d/"+d.ID+"/tokens", url.Values{"csrf": {csrf}, "label": {"okta"}}, cookie)
	require.Equal(t, http.StatusOK, rec.Code)
	tok := regexp.MustCompile(`id="new-token" readonly value="([^"]+)"`).FindStringSubmatch(rec.Body.String())
	require.NotNil(t, tok)
	st, _ := e.scim(t, "GET", "/scim/acme/v2/Users", tok[1], "")
	assert.Equal(t, http.StatusOK, st, "the new token works")
	_, page := e.get(t, "/admin/d/"+d.ID)
	assert.NotContains(t, page, tok[1], "the token is never shown again")

	list, err := e.dirs.Tokens(context.Background(), d.ID)
	require.NoError(t, err)
	require.Len(t, list, 2)
	okta := list[1]
	require.Equal(t, "okta", okta.Label)
	e.clock.add(time.Minute)
	rec = e.post(t, "/admin/d/"+d.ID+"/tokens/"+okta.ID+"/rotate", url.Values{"csrf": {csrf}}, cookie)
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), "revoke the old token")
	list, err = e.dirs.Tokens(context.Background(), d.ID)
	require.NoError(t, err)
	require.Len(t, list, 3)
	assert.Equal(t, "okta", list[2].Label)

	rec = e.post(t, "/admin/d/"+d.ID+"/tokens/"+okta.ID+"/revoke", url.Values{"csrf": {csrf}}, cookie)
	require.Equal(t, http.StatusSeeOther, rec.Code)
	loc, err := url.Parse("http://x/admin/d/" + d.ID + "/tokens/" + okta.ID + "/revoke")
	require.NoError(t, err)
	target, err := loc.Parse(rec.Header().Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "/admin/d/"+d.ID, target.Path, "back to the directory page, wherever the page is mounted")
	st, _ = e.scim(t, "GET", "/scim/acme/v2/Users", tok[1], "")
	assert.Equal(t, http.StatusUnauthorized, st)
}

// Every state-changing form needs the page's token and a same-origin
// request; nothing changes otherwise.
func TestCSRF(t *testing.T) {
	e := newEnv(t)
	csrf, cookie := e.csrf(t)
	other := &http.Cookie{Name: admin.CSRFCookie, Value: strings.Repeat("A", 43)}
	for _, tc := range []struct {
		name   string
		form   url.Values
		cookie *http.Cookie
		header []string
		want   int
	}{
		{"no token", url.Values{"name": {"a1"}}, cookie, nil, http.StatusForbidden},
		{"no cookie", url.Values{"name": {"a2"}, "csrf": {csrf}}, nil, nil, http.StatusForbidden},
		{"token of another cookie", url.Values{"name": {"a3"}, "csrf": {csrf}}, other, nil, http.StatusForbidden},
		{"cross-site", url.Values{"name": {"a4"}, "csrf": {csrf}}, cookie, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"other origin", url.Values{"name": {"a5"}, "csrf": {csrf}}, cookie, []string{"Sec-Fetch-Site", "", "Origin", "https://evil.example"}, http.StatusForbidden},
		{"same origin with the token", url.Values{"name": {"a6"}, "csrf": {csrf}}, cookie, nil, http.StatusSeeOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := e.post(t, "/admin/directories", tc.form, tc.cookie, tc.header...)
			assert.Equal(t, tc.want, rec.Code, rec.Body.String())
			_, err := e.dirs.DirectoryByName(context.Background(), tc.form.Get("name"))
			assert.Equal(t, tc.want == http.StatusSeeOther, err == nil, "created only when accepted")
		})
	}
}

// Bad input gets a page with the right status and scimType, never a 500.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	d, _ := e.dir(t, "acme")
	csrf, cookie := e.csrf(t)
	for _, tc := range []struct {
		name, method, path string
		form               url.Values
		status             int
		scimType           string
	}{
		{"invalid name", "POST", "/admin/directories", url.Values{"name": {"Not Valid"}}, 400, "invalidValue"},
		{"reserved name", "POST", "/admin/directories", url.Values{"name": {"admin"}}, 400, "invalidValue"},
		{"taken name", "POST", "/admin/directories", url.Values{"name": {"acme"}}, 409, "uniqueness"},
		{"long label", "POST", "/admin/d/" + d.ID + "/tokens", url.Values{"label": {strings.Repeat("x", 101)}}, 400, "invalidValue"},
		{"unknown directory's token", "POST", "/admin/d/nope/tokens", url.Values{}, 404, ""},
		{"unknown token", "POST", "/admin/d/" + d.ID + "/tokens/nope/revoke", url.Values{}, 404, ""},
		{"rotate an unknown token", "POST", "/admin/d/" + d.ID + "/tokens/nope/rotate", url.Values{}, 404, ""},
		{"unknown directory", "GET", "/admin/d/nope", nil, 404, ""},
		{"bad before", "GET", "/admin/d/" + d.ID + "?before=x", nil, 400, "invalidValue"},
		{"unknown page", "GET", "/admin/nope", nil, 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rec *httptest.ResponseRecorder
			if tc.method == "POST" {
				tc.form.Set("csrf", csrf)
				rec = e.post(t, tc.path, tc.form, cookie)
			} else {
				rec = httptest.NewRecorder()
				e.mux.ServeHTTP(rec, httptest.NewRequest("GET", tc.path, nil))
			}
			assert.Equal(t, tc.status, rec.Code)
			assert.Contains(t, rec.Body.String(), `id="error"`)
			if tc.scimType != "" {
				assert.Contains(t, rec.Body.String(), "("+tc.scimType+")")
			}
		})
	}
}
