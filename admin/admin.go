// Package admin is the administrators' provisioning page of a
// directory.Handler: every directory with its users, groups and recent
// traffic, and for each directory its SCIM base URL, its tokens (create,
// rotate, revoke) and its request log, newest first, with the redacted
// bodies of every request.
//
// A Handler is an http.Handler that renders HTML on the server (it works
// with JavaScript off) and is mountable anywhere:
//
//	page, err := admin.New(dirs, admin.WithSCIMBaseURL("https://app.example.com/scim"))
//	mux.Handle("/admin/", http.StripPrefix("/admin", requireAdmin(page)))
//
// It does no authentication of its own: the host mounts it behind its own
// login (requireAdmin above), as it would any page that can issue
// credentials. It protects its forms against cross-site request forgery
// itself: every POST must come from the same origin (Sec-Fetch-Site and
// Origin, as http.CrossOriginProtection checks them) and carry the token
// of the page's double-submit cookie, compared in constant time.
package admin

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/directory"
)

//go:embed templates/*.html
var templateFS embed.FS

// CSRFCookie is the name of the cookie that carries the page's form token.
const CSRFCookie = "scim_admin_csrf"

// csrfField is the form field that repeats the cookie's token.
const csrfField = "csrf"

// maxForm is the largest form body the page reads.
const maxForm = 64 << 10

// Handler is the provisioning page. It is safe for concurrent use.
type Handler struct {
	dirs     *directory.Handler
	scimBase string
	now      func() time.Time
	logger   *slog.Logger
	pageSize int
	tmpl     *template.Template
	mux      *http.ServeMux
	cop      *http.CrossOriginProtection
}

// An Option configures a Handler.
type Option interface{ apply(*Handler) error }

type optionFunc func(*Handler) error

func (f optionFunc) apply(h *Handler) error { return f(h) }

// WithSCIMBaseURL sets the absolute URL the directory.Handler is mounted
// at, such as "https://app.example.com/scim": the page shows directory
// acme's base URL as https://app.example.com/scim/acme/v2. Without it the
// page assumes the same host as its own request and the path /scim.
func WithSCIMBaseURL(base string) Option {
	return optionFunc(func(h *Handler) error {
		u, err := url.Parse(strings.TrimSuffix(base, "/"))
		if err != nil || !u.IsAbs() || u.Host == "" {
			return fmt.Errorf("admin: WithSCIMBaseURL(%q): need an absolute URL", base)
		}
		h.scimBase = u.String()
		return nil
	})
}

// WithClock sets the clock relative times are measured with; time.Now by
// default.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(h *Handler) error {
		if now == nil {
			return errors.New("admin: WithClock needs a function")
		}
		h.now = now
		return nil
	})
}

// WithLogger logs the page's failures through l instead of slog.Default().
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(h *Handler) error {
		if l == nil {
			return errors.New("admin: WithLogger needs a logger")
		}
		h.logger = l
		return nil
	})
}

// WithPageSize sets how many log entries a page of the request log shows
// (50 by default).
func WithPageSize(n int) Option {
	return optionFunc(func(h *Handler) error {
		if n < 1 {
			return fmt.Errorf("admin: WithPageSize(%d): must be at least 1", n)
		}
		h.pageSize = n
		return nil
	})
}

// New returns the page of the directories dirs serves.
func New(dirs *directory.Handler, opts ...Option) (*Handler, error) {
	if dirs == nil {
		return nil, errors.New("admin: New needs a directory.Handler")
	}
	h := &Handler{dirs: dirs, now: time.Now, pageSize: directory.DefaultLogQueryLimit}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o.apply(h); err != nil {
			return nil, err
		}
	}
	if h.logger == nil {
		h.logger = slog.Default()
	}
	t, err := template.New("").Funcs(template.FuncMap{
		"ago":    h.ago,
		"exact":  exact,
		"status": statusClass,
		"ms":     millis,
	}).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	h.tmpl = t
	h.cop = http.NewCrossOriginProtection()
	h.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, scim.NewError(http.StatusForbidden, "", "cross-origin request refused"))
	}))
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", h.overview)
	m.HandleFunc("POST /directories", h.form(h.createDirectory))
	m.HandleFunc("GET /d/{id}", h.directoryPage)
	m.HandleFunc("POST /d/{id}/tokens", h.form(h.createToken))
	m.HandleFunc("POST /d/{id}/tokens/{tid}/rotate", h.form(h.rotateToken))
	m.HandleFunc("POST /d/{id}/tokens/{tid}/revoke", h.form(h.revokeToken))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, scim.NewError(http.StatusNotFound, "", "no such page"))
	})
	h.mux = m
	return h, nil
}

// ServeHTTP serves the page.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Cache-Control", "no-store")
	h.mux.ServeHTTP(w, r)
}

// csrfToken returns the page's form token, setting the cookie when the
// request has none.
func (h *Handler) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(CSRFCookie); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: CSRFCookie, Value: tok, Path: "/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	return tok
}

// form wraps a state-changing handler: same-origin only, the form token
// equal to the cookie's, a bounded body.
func (h *Handler) form(next func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	checked := func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			h.fail(w, r, scim.NewError(http.StatusBadRequest, "invalidSyntax", "the form could not be read"))
			return
		}
		c, err := r.Cookie(CSRFCookie)
		sent := r.PostForm.Get(csrfField)
		if err != nil || c.Value == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(sent)) != 1 {
			h.fail(w, r, scim.NewError(http.StatusForbidden, "", "the form has expired or did not come from this page: reload the page and try again"))
			return
		}
		if err := next(w, r); err != nil {
			h.fail(w, r, err)
		}
	}
	return func(w http.ResponseWriter, r *http.Request) {
		h.cop.Handler(http.HandlerFunc(checked)).ServeHTTP(w, r)
	}
}

// fail renders err as an error page with its status: a scim.Error keeps
// its status and detail; anything else is a logged 500.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var e *scim.Error
	switch {
	case errors.As(err, &e):
	case errors.Is(err, scim.ErrNotFound):
		e = scim.NewError(http.StatusNotFound, "", "no such directory or token")
	case errors.Is(err, scim.ErrConflict):
		e = scim.NewError(http.StatusConflict, "uniqueness", "the name is taken")
	default:
		h.logger.ErrorContext(r.Context(), "admin: serving a page", "path", r.URL.Path, "error", err)
		e = scim.NewError(http.StatusInternalServerError, "", "internal server error")
	}
	detail := e.Detail
	if e.Status() >= 500 {
		detail = "internal server error"
	}
	h.render(w, r, e.Status(), "error", map[string]any{"Status": e.Status(), "ScimType": e.ScimType(), "Detail": detail,
		"StatusText": http.StatusText(e.Status()), "Title": http.StatusText(e.Status())})
}

// render executes page name with data, adding the form token and the
// paths the layout needs.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, data map[string]any) {
	data["CSRF"] = h.csrfToken(w, r)
	data["Root"] = root(r)
	if _, ok := data["Title"]; !ok {
		data["Title"] = "Directories"
	}
	var b strings.Builder
	if err := h.tmpl.ExecuteTemplate(&b, name, data); err != nil {
		h.logger.ErrorContext(r.Context(), "admin: rendering a page", "page", name, "error", err)
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// root returns the relative path from the request's page to the page's
// root, so that links work wherever the Handler is mounted.
func root(r *http.Request) string {
	n := strings.Count(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if n == 0 {
		return "./"
	}
	return strings.Repeat("../", n)
}

// redirect answers a form with 303 See Other to path, relative to root.
// It sets Location itself: http.Redirect would resolve the relative path
// against the path the Handler sees, without the prefix it is mounted at.
func redirect(w http.ResponseWriter, r *http.Request, path string) {
	w.Header().Set("Location", root(r)+path)
	w.WriteHeader(http.StatusSeeOther)
}

// baseURL returns the SCIM base URL of directory name.
func (h *Handler) baseURL(r *http.Request, name string) string {
	base := h.scimBase
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host + "/scim"
	}
	return base + "/" + name + "/v2"
}

// ago returns t relative to now, such as "3 min ago".
func (h *Handler) ago(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := h.now().Sub(t)
	switch {
	case d < 0:
		return "just now"
	case d < 10*time.Second:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%d s ago", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d/time.Hour))
	default:
		return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
	}
}

// exact returns t as the hover text of a relative time.
func exact(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// statusClass returns the CSS class of a status.
func statusClass(status int) string {
	switch {
	case status >= 500:
		return "s5"
	case status >= 400:
		return "s4"
	case status >= 300:
		return "s3"
	default:
		return "s2"
	}
}

// millis formats a duration in milliseconds.
func millis(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + " ms"
}

// background is a context for the page's reads of a request.
func background(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), 30*time.Second)
}
