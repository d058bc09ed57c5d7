package scim

import (
	"context"
	"strings"

	"github.com/scimkit/scim/schema"
)

// Conditional requests (RFC 7232): If-Match on writes and If-None-Match on
// reads, each a "*" or a comma-separated list of entity tags.

// etagList is a parsed If-Match or If-None-Match header.
type etagList struct {
	any  bool     // "*"
	tags []string // as sent, W/ prefix included
}

// parseETags parses the value of an If-Match or If-None-Match header. A
// tag is a quoted string, optionally prefixed by W/; commas inside the
// quotes belong to the tag.
func parseETags(h string) etagList {
	var l etagList
	for h = strings.TrimSpace(h); h != ""; h = strings.TrimLeft(h, " \t,") {
		if h[0] == '*' {
			l.any = true
			h = h[1:]
			continue
		}
		start := 0
		if strings.HasPrefix(h, "W/") {
			start = 2
		}
		end := len(h)
		if start < len(h) && h[start] == '"' {
			if i := strings.IndexByte(h[start+1:], '"'); i >= 0 {
				end = start + 1 + i + 1
			}
		} else if i := strings.IndexByte(h, ','); i >= 0 {
			end = i // not a valid tag: keep it whole, it matches nothing
		}
		l.tags = append(l.tags, strings.TrimSpace(h[:end]))
		h = h[end:]
	}
	return l
}

// opaque returns a tag without its weakness indicator.
func opaque(tag string) string { return strings.TrimPrefix(tag, "W/") }

// matchesWeak reports whether version is in the list by the weak
// comparison of RFC 7232 §2.3.2, which SCIM's weak versions need.
func (l etagList) matchesWeak(version string) bool {
	if version == "" {
		return false
	}
	for _, t := range l.tags {
		if opaque(t) == opaque(version) {
			return true
		}
	}
	return false
}

// notModified reports whether a GET of a resource at version is answered
// 304 under the If-None-Match header h: "*" matches any resource that
// exists, a list matches when it holds the current version.
func notModified(h, version string) bool {
	if h == "" {
		return false
	}
	l := parseETags(h)
	return l.any || l.matchesWeak(version)
}

// ifMatchVersion returns the version a write of resource id must find
// under the If-Match header h, as the stores' ifVersion: "" when there is
// no If-Match or "*" (the
// write itself answers 404 when the resource is gone), the tag itself when
// there is one, and for a list the resource's current version when the
// list holds it, else ErrPreconditionFailed. The store compares that
// version again when it writes, so a concurrent change between this read
// and the write still fails with 412.
func (s *Server) ifMatchVersion(ctx context.Context, e *endpoint, id, h string) (string, error) {
	h = strings.TrimSpace(h)
	if h == "" {
		return "", nil
	}
	l := parseETags(h)
	if l.any {
		return "", nil
	}
	if len(l.tags) == 1 {
		return l.tags[0], nil
	}
	cur, err := e.store.Get(ctx, id, schema.Projection{ExcludedAttributes: []string{"members"}})
	if err != nil {
		return "", err
	}
	if !l.matchesWeak(cur.Meta.Version) {
		return "", ErrPreconditionFailed
	}
	return cur.Meta.Version, nil
}
