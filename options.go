package scim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
)

// Defaults of the options.
const (
	// DefaultMaxResults is the largest page a List returns unless
	// WithMaxResults says otherwise.
	DefaultMaxResults = 100
	// DefaultMaxPayloadSize is the largest request body accepted unless
	// WithMaxPayloadSize says otherwise: 1 MiB.
	DefaultMaxPayloadSize = 1 << 20
	// DefaultMaxBulkOperations is the most operations a bulk request may
	// carry unless WithBulk says otherwise.
	DefaultMaxBulkOperations = 1000
)

// An Option configures a Server. Options are created by the With functions
// of this package.
type Option interface {
	apply(*config) error
}

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

// patchConfig returns the one effective configuration of PATCH requests:
// the patch options, with every field they leave zero taken from the
// server's filter and schema options, so that a PATCH checks its values
// and its path filters as a POST body and a query filter are.
func (c *config) patchConfig() patch.Options {
	o := c.patchOptions
	if o.Filter.MaxLength == 0 {
		o.Filter.MaxLength = c.filterOptions.MaxLength
	}
	if o.Filter.MaxDepth == 0 {
		o.Filter.MaxDepth = c.filterOptions.MaxDepth
	}
	o.Filter.Strict = o.Filter.Strict || c.filterOptions.Strict
	o.Schema.RejectUnknown = o.Schema.RejectUnknown || c.schemaOptions.RejectUnknown
	return o
}

// config is what the options build; New turns it into a Server.
type config struct {
	endpoints      []*endpoint
	tokens         []bearerToken
	authenticator  Authenticator
	noAuth         bool
	logger         *slog.Logger
	maxResults     int
	maxPayloadSize int64
	filterOptions  filter.Options
	patchOptions   patch.Options
	schemaOptions  schema.Options
	hooks          []ChangeHook
	baseURL        *url.URL
	bulkMaxOps     int
	cursorKey      []byte
	cursorTimeout  time.Duration
	me             MeResolver
	noCursors      bool
	forwarded      bool
	// now is the clock of cursor expiry; time.Now when nil. Tests set it.
	now func() time.Time
}

// WithUsers serves the User resource type of RFC 7643 (with the Enterprise
// User extension) at /Users from store.
func WithUsers(store ResourceStore) Option {
	return WithResourceType(schema.UserResourceType(), store)
}

// WithGroups serves the Group resource type of RFC 7643 at /Groups from
// store.
func WithGroups(store ResourceStore) Option {
	return WithResourceType(schema.GroupResourceType(), store)
}

// WithResourceType serves the resource type rt, with its schema and
// extensions, at rt.Endpoint from store. The resource type is checked with
// rt.Validate; its name and endpoint must be unique in the Server.
func WithResourceType(rt *schema.ResourceType, store ResourceStore) Option {
	return optionFunc(func(c *config) error {
		if rt == nil || store == nil {
			return errors.New("scim: WithResourceType needs a resource type and a store")
		}
		if err := rt.Validate(); err != nil {
			return fmt.Errorf("scim: resource type %q: %w", rt.Name, err)
		}
		if !strings.HasPrefix(rt.Endpoint, "/") || strings.Count(rt.Endpoint, "/") != 1 {
			return fmt.Errorf("scim: resource type %q: endpoint %q must be one path segment such as /Users", rt.Name, rt.Endpoint)
		}
		for _, e := range c.endpoints {
			if strings.EqualFold(e.rt.Name, rt.Name) || strings.EqualFold(e.rt.Endpoint, rt.Endpoint) {
				return fmt.Errorf("scim: resource type %q (%s) is registered twice", rt.Name, rt.Endpoint)
			}
		}
		c.endpoints = append(c.endpoints, &endpoint{rt: rt, store: store, views: newViews(rt)})
		return nil
	})
}

// WithBearerToken accepts requests that carry "Authorization: Bearer
// token". The principal names the client (for example "entra") and reaches
// stores and change hooks through PrincipalFromContext. Use it once per
// client; tokens are compared in constant time.
func WithBearerToken(principal, token string) Option {
	return optionFunc(func(c *config) error {
		if token == "" {
			return errors.New("scim: WithBearerToken needs a non-empty token")
		}
		c.tokens = append(c.tokens, newBearerToken(principal, token))
		return nil
	})
}

// WithAuthenticator authenticates every request with a. It replaces bearer
// tokens; use it for OAuth 2.0 access tokens, mutual TLS or a host's own
// sessions.
func WithAuthenticator(a Authenticator) Option {
	return optionFunc(func(c *config) error {
		if a == nil {
			return errors.New("scim: WithAuthenticator needs an authenticator")
		}
		c.authenticator = a
		return nil
	})
}

// WithoutAuthentication serves every request without authentication. It
// exists for hosts that authenticate in their own middleware before the
// Server; New fails without it when no authentication is configured, so that
// an open SCIM endpoint is never an accident.
func WithoutAuthentication() Option {
	return optionFunc(func(c *config) error {
		c.noAuth = true
		return nil
	})
}

// WithLogger logs through l instead of slog.Default().
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) error {
		if l == nil {
			return errors.New("scim: WithLogger needs a logger")
		}
		c.logger = l
		return nil
	})
}

// WithMaxResults sets the largest page a List returns (the advertised
// filter.maxResults); a larger count is reduced to it.
func WithMaxResults(n int) Option {
	return optionFunc(func(c *config) error {
		if n < 1 {
			return fmt.Errorf("scim: WithMaxResults(%d): must be at least 1", n)
		}
		c.maxResults = n
		return nil
	})
}

// WithMaxPayloadSize sets the largest request body in bytes; larger bodies
// are answered with 413.
func WithMaxPayloadSize(n int64) Option {
	return optionFunc(func(c *config) error {
		if n < 1 {
			return fmt.Errorf("scim: WithMaxPayloadSize(%d): must be at least 1", n)
		}
		c.maxPayloadSize = n
		return nil
	})
}

// WithFilterOptions sets the bounds and strictness of filters.
func WithFilterOptions(o filter.Options) Option {
	return optionFunc(func(c *config) error {
		c.filterOptions = o
		return nil
	})
}

// WithPatchOptions sets the limits of PATCH requests. Fields left zero
// take the server's other settings: o.Filter's from WithFilterOptions,
// field by field, and unknown attributes are rejected in PATCH values
// when WithRejectUnknownAttributes is given.
func WithPatchOptions(o patch.Options) Option {
	return optionFunc(func(c *config) error {
		c.patchOptions = o
		return nil
	})
}

// WithRejectUnknownAttributes answers bodies with attributes the schema
// does not define with 400 invalidSyntax. By default they are ignored,
// because identity providers send attributes of their own.
func WithRejectUnknownAttributes() Option {
	return optionFunc(func(c *config) error {
		c.schemaOptions.RejectUnknown = true
		return nil
	})
}

// WithChangeHook calls h after every committed create, replace, patch and
// delete, in the request, before the response is written. Hooks run in the
// order they were registered. A hook that panics is logged, the hooks after
// it still run, and the client is answered with the committed result.
func WithChangeHook(h ChangeHook) Option {
	return optionFunc(func(c *config) error {
		if h == nil {
			return errors.New("scim: WithChangeHook needs a function")
		}
		c.hooks = append(c.hooks, h)
		return nil
	})
}

// WithBaseURL sets the absolute URL at which the Server is mounted, such as
// "https://lms.example.com/scim/v2", used in meta.location and Location
// headers. Without it the URL is derived from each request's Host header,
// TLS state and the prefix the Server is mounted under, so a client
// chooses the host name in the URLs it gets back, and behind a proxy that
// terminates TLS they say http: set it in production (New logs a warning
// when it is missing), or see WithForwardedHeaders.
//
// With it, the Server also answers requests whose path still holds the
// URL's path ("/scim/v2/Users"), so it can be mounted there without
// http.StripPrefix, which copies every request. A path of other
// characters than letters, digits and -._~, or whose first segment names
// one of the Server's routes, still needs StripPrefix.
func WithBaseURL(base string) Option {
	return optionFunc(func(c *config) error {
		u, err := url.Parse(strings.TrimSuffix(base, "/"))
		if err != nil || !u.IsAbs() || u.Host == "" {
			return fmt.Errorf("scim: WithBaseURL(%q): need an absolute URL", base)
		}
		c.baseURL = u
		return nil
	})
}

// WithForwardedHeaders makes the Server derive its base URL from the
// X-Forwarded-Proto and X-Forwarded-Host headers that a reverse proxy
// sets, when WithBaseURL is not given. Use it only behind a proxy that sets
// or removes both headers on every request: otherwise a client chooses the
// URLs the Server puts in Location and meta.location.
func WithForwardedHeaders() Option {
	return optionFunc(func(c *config) error {
		c.forwarded = true
		return nil
	})
}

// WithoutCursorPagination turns cursor pagination (RFC 9865) off: the
// Server answers a cursor parameter with 400 invalidValue, and its
// /ServiceProviderConfig leaves out the "pagination" object, which some
// strict clients written before RFC 9865 refuse. It is on by default when
// every store can page by cursor.
func WithoutCursorPagination() Option {
	return optionFunc(func(c *config) error {
		c.noCursors = true
		return nil
	})
}

// ChangeKind says what a Change did.
type ChangeKind string

// The kinds of change.
const (
	Created  ChangeKind = "created"
	Replaced ChangeKind = "replaced"
	Patched  ChangeKind = "patched"
	Deleted  ChangeKind = "deleted"
)

// Change is a committed write, as passed to change hooks.
type Change struct {
	Kind ChangeKind
	// ResourceType is the resource type's name, such as "User".
	ResourceType string
	// ID is the resource's id.
	ID string
	// Resource is the resource as stored after the change; nil for
	// Deleted. For a Patched group whose members were not loaded it may
	// lack members. It may be shared with the store: read it, do not
	// modify it.
	Resource *Resource
	// MembersAdded and MembersRemoved are the ids of the members a
	// replace or patch added to or removed from a group.
	MembersAdded, MembersRemoved []string
}

// A ChangeHook acts on a committed change "just in time", for example by
// creating the application's own account when a User is created. The
// context carries the request's principal (PrincipalFromContext). The change
// is committed when the hook runs: a hook that fails should log or queue,
// not undo.
type ChangeHook func(ctx context.Context, c Change)

// WithBulk sets the most operations a POST /Bulk request may carry (the
// advertised bulk.maxOperations); 0 turns bulk off. Bulk is on by default
// with DefaultMaxBulkOperations.
func WithBulk(maxOperations int) Option {
	return optionFunc(func(c *config) error {
		if maxOperations < 0 {
			return fmt.Errorf("scim: WithBulk(%d): must not be negative", maxOperations)
		}
		c.bulkMaxOps = maxOperations
		return nil
	})
}

// WithCursorKey sets the key that signs pagination cursors (RFC 9865).
// Several Server instances behind one load balancer must share it; by
// default each Server makes a random one.
func WithCursorKey(key []byte) Option {
	return optionFunc(func(c *config) error {
		if len(key) < 16 {
			return errors.New("scim: WithCursorKey needs at least 16 bytes")
		}
		c.cursorKey = append([]byte(nil), key...)
		return nil
	})
}

// WithCursorTimeout sets how long a pagination cursor stays valid
// (DefaultCursorTimeout by default); an older cursor is refused with
// expiredCursor.
func WithCursorTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d < time.Second {
			return fmt.Errorf("scim: WithCursorTimeout(%v): must be at least a second", d)
		}
		c.cursorTimeout = d
		return nil
	})
}

// A MeResolver maps the authenticated principal of a request (see
// PrincipalFromContext) to the resource it stands for: the resource
// type's name and the resource's id. It returns ErrNotFound when the
// principal has no resource.
type MeResolver func(ctx context.Context) (resourceType, id string, err error)

// WithMe serves /Me (RFC 7644 §3.11): GET, PUT, PATCH and DELETE on the
// resource resolve names. Without it /Me answers 501.
func WithMe(resolve MeResolver) Option {
	return optionFunc(func(c *config) error {
		if resolve == nil {
			return errors.New("scim: WithMe needs a resolver")
		}
		c.me = resolve
		return nil
	})
}
