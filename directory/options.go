package directory

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/schema"
)

// Defaults of the Handler's options.
const (
	// DefaultLogBodyLimit is how many bytes of each request and response
	// body the request log captures.
	DefaultLogBodyLimit = 16 << 10
	// DefaultLogBuffer is how many requests may wait to be written to the
	// log before more are dropped (and counted).
	DefaultLogBuffer = 1024
	// DefaultLastUsedInterval is how often a token's LastUsed is updated
	// at most.
	DefaultLastUsedInterval = time.Minute
	// DefaultServerCacheSize is how many directories' Servers a Handler
	// keeps built.
	DefaultServerCacheSize = 10000
)

// An Option configures a Handler. Options are created by the With
// functions of this package.
type Option interface {
	apply(*Handler) error
}

type optionFunc func(*Handler) error

func (f optionFunc) apply(h *Handler) error { return f(h) }

// WithServerOptions adds options to the scim.Server of every directory,
// such as scim.WithChangeHook, scim.WithMe, scim.WithLogger,
// scim.WithMaxResults or scim.WithBulk. The Handler adds the directory's
// stores, its cursor key, its authentication and its base URL itself: do
// not pass scim.WithUsers, scim.WithGroups, scim.WithBearerToken,
// scim.WithAuthenticator, scim.WithCursorKey or scim.WithBaseURL here (New
// refuses the first four; use the Handler's WithCursorKey and WithBaseURL).
func WithServerOptions(opts ...scim.Option) Option {
	return optionFunc(func(h *Handler) error {
		h.serverOpts = append(h.serverOpts, opts...)
		return nil
	})
}

// WithLog records every directory's requests in l. Without it nothing is
// recorded.
func WithLog(l Log) Option {
	return optionFunc(func(h *Handler) error {
		if l == nil {
			return errors.New("directory: WithLog needs a log")
		}
		h.log = l
		return nil
	})
}

// WithLogBodyLimit sets how many bytes of each request and response body
// the log captures (DefaultLogBodyLimit by default). A longer body is
// logged as a note of its size, never cut, because a cut body could not
// be redacted.
func WithLogBodyLimit(n int) Option {
	return optionFunc(func(h *Handler) error {
		if n < 0 {
			return fmt.Errorf("directory: WithLogBodyLimit(%d): must not be negative", n)
		}
		h.bodyLimit = n
		return nil
	})
}

// WithLogBuffer sets how many requests may wait for the log's writer
// (DefaultLogBuffer by default). Requests never wait for the log: when the
// buffer is full an entry is dropped and counted (Handler.LogDropped).
func WithLogBuffer(n int) Option {
	return optionFunc(func(h *Handler) error {
		if n < 1 {
			return fmt.Errorf("directory: WithLogBuffer(%d): must be at least 1", n)
		}
		h.queueSize = n
		return nil
	})
}

// WithCursorKey sets the master key from which each directory's cursor
// key is derived (HMAC-SHA256 of the directory id): several Handler
// instances behind one load balancer must share it, and a cursor issued in
// one directory is invalid in every other. By default each Handler makes a
// random one.
func WithCursorKey(key []byte) Option {
	return optionFunc(func(h *Handler) error {
		if len(key) < 16 {
			return errors.New("directory: WithCursorKey needs at least 16 bytes")
		}
		h.masterKey = append([]byte(nil), key...)
		return nil
	})
}

// WithBaseURL sets the absolute URL the Handler is mounted at, such as
// "https://lms.example.com/scim": the directory acme's Location headers
// and meta.location then begin with https://lms.example.com/scim/acme/v2.
// Without it they are derived from each request, as scim.WithBaseURL
// explains.
func WithBaseURL(base string) Option {
	return optionFunc(func(h *Handler) error {
		u, err := url.Parse(strings.TrimSuffix(base, "/"))
		if err != nil || !u.IsAbs() || u.Host == "" {
			return fmt.Errorf("directory: WithBaseURL(%q): need an absolute URL", base)
		}
		h.baseURL = u.String()
		return nil
	})
}

// WithLogger logs the Handler's own failures (a registry or backend that
// fails, a log that refuses an entry) through l instead of slog.Default().
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(h *Handler) error {
		if l == nil {
			return errors.New("directory: WithLogger needs a logger")
		}
		h.logger = l
		return nil
	})
}

// WithClock sets the clock of token times and log entries; time.Now by
// default. Tests use it.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(h *Handler) error {
		if now == nil {
			return errors.New("directory: WithClock needs a function")
		}
		h.now = now
		return nil
	})
}

// WithLastUsedInterval sets how often a token's LastUsed is written at
// most (DefaultLastUsedInterval by default). The write happens after the
// response, off the request's path.
func WithLastUsedInterval(d time.Duration) Option {
	return optionFunc(func(h *Handler) error {
		if d < 0 {
			return fmt.Errorf("directory: WithLastUsedInterval(%v): must not be negative", d)
		}
		h.touchEvery = d
		return nil
	})
}

// WithServerCacheSize sets how many directories' Servers the Handler keeps
// built (DefaultServerCacheSize by default); the least recently used is
// dropped beyond it and rebuilt on its next request.
func WithServerCacheSize(n int) Option {
	return optionFunc(func(h *Handler) error {
		if n < 1 {
			return fmt.Errorf("directory: WithServerCacheSize(%d): must be at least 1", n)
		}
		h.cacheSize = n
		return nil
	})
}

// WithResourceTypes sets the resource types the directories' stores serve
// when they are not the full schema.UserResourceType and
// schema.GroupResourceType, for example trimmed to the attributes a
// host's tables keep; groups may be nil when no directory serves groups.
// They decide the Servers' /Schemas and what the log redacts.
func WithResourceTypes(users, groups *schema.ResourceType) Option {
	return optionFunc(func(h *Handler) error {
		if users == nil {
			return errors.New("directory: WithResourceTypes needs the users' resource type")
		}
		h.userType, h.groupType = users, groups
		return nil
	})
}
