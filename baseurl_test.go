package scim_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/store/memory"
)

func TestForwardedHeadersOnlyWhenOptedIn(t *testing.T) {
	forwarded := []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "lms.example.com"}
	tests := []struct {
		name    string
		opts    []scim.Option
		headers []string
		want    string // the Location's prefix
	}{
		{"ignored by default", nil, forwarded, "http://127.0.0.1:"},
		{"honoured when opted in", []scim.Option{scim.WithForwardedHeaders()}, forwarded, "https://lms.example.com/scim/v2/Users/"},
		{"the first of a list", []scim.Option{scim.WithForwardedHeaders()},
			[]string{"X-Forwarded-Proto", "https, http", "X-Forwarded-Host", "a.example.com, b.example.com"}, "https://a.example.com/scim/v2/Users/"},
		{"a host that is no host is ignored", []scim.Option{scim.WithForwardedHeaders()},
			[]string{"X-Forwarded-Proto", "javascript", "X-Forwarded-Host", "evil.example/x?"}, "http://127.0.0.1:"},
		{"WithBaseURL wins", []scim.Option{scim.WithForwardedHeaders(), scim.WithBaseURL("https://fixed.example.com/scim/v2")}, forwarded, "https://fixed.example.com/scim/v2/Users/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, tt.opts...)
			r := c.do("POST", "/Users", user("fw@example.com"), tt.headers...)
			require.Equal(t, http.StatusCreated, r.status)
			assert.Contains(t, r.header.Get("Location"), tt.want)
			assert.Regexp(t, "^"+tt.want, r.header.Get("Location"))
			meta := r.body["meta"].(map[string]any)
			assert.Equal(t, r.header.Get("Location"), meta["location"])
		})
	}
}

func TestNewWarnsWithoutBaseURL(t *testing.T) {
	for _, tt := range []struct {
		name string
		opt  scim.Option
		warn bool
	}{
		{"no base URL", nil, true},
		{"WithBaseURL", scim.WithBaseURL("https://lms.example.com/scim/v2"), false},
		{"WithForwardedHeaders", scim.WithForwardedHeaders(), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			db := memory.New()
			_, err := scim.New(scim.WithUsers(db.Users()), scim.WithoutAuthentication(),
				scim.WithLogger(slog.New(slog.NewTextHandler(&buf, nil))), tt.opt)
			require.NoError(t, err)
			if tt.warn {
				assert.Contains(t, buf.String(), "WithBaseURL")
			} else {
				assert.Empty(t, buf.String())
			}
		})
	}
}

func TestWithoutCursorPagination(t *testing.T) {
	on := newClient(t)
	spc := on.do("GET", "/ServiceProviderConfig", nil)
	require.Equal(t, http.StatusOK, spc.status)
	assert.Contains(t, spc.body, "pagination", "on by default")
	assert.Equal(t, http.StatusOK, on.do("GET", "/Users?cursor=", nil).status)

	off := newClient(t, scim.WithoutCursorPagination())
	spc = off.do("GET", "/ServiceProviderConfig", nil)
	require.Equal(t, http.StatusOK, spc.status)
	assert.NotContains(t, spc.body, "pagination")
	requireError(t, off.do("GET", "/Users?cursor=", nil), http.StatusBadRequest, "invalidValue")
	assert.Equal(t, http.StatusOK, off.do("GET", "/Users?startIndex=1", nil).status)
}
