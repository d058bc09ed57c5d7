package directory

import (
	"context"
	"sync"
	"time"
)

// An Entry is one SCIM request in a directory's request log.
type Entry struct {
	// Seq orders a directory's entries: a later entry has a larger Seq.
	// The Log assigns it in Append.
	Seq int64
	// DirectoryID is the directory the request addressed.
	DirectoryID string
	// Time is when the request arrived; Duration how long it took.
	Time     time.Time
	Duration time.Duration
	// Method and Path are the request's method and its path relative to
	// the directory's base URL, with the query string, such as
	// "GET /Users?filter=userName eq \"bjensen\"".
	Method, Path string
	// Status is the HTTP status of the response; ScimType its scimType
	// when the response is an error that has one.
	Status   int
	ScimType string
	// UserAgent is the client's User-Agent header.
	UserAgent string
	// TokenID is the token that authenticated the request ("" for a
	// request that was refused before).
	TokenID string
	// ResourceID is the resource the request addressed or created, when
	// there is one.
	ResourceID string
	// RequestBody and ResponseBody are the bodies, as JSON with password
	// and every returned:never or writeOnly value replaced by
	// "[redacted]". A body over the Handler's capture limit, or one that
	// is not JSON and so cannot be redacted, is replaced by a note
	// saying so and how long it was.
	RequestBody, ResponseBody string
}

// LogQuery selects entries of a directory's log, newest first.
type LogQuery struct {
	// ErrorsOnly keeps entries whose status is 400 or more.
	ErrorsOnly bool
	// ResourceID keeps entries about this resource.
	ResourceID string
	// Before keeps entries with a Seq lower than it; 0 starts at the
	// newest. Pass the last Seq of a page to get the next.
	Before int64
	// Limit is the most entries returned; 0 means 50.
	Limit int
}

// DefaultLogQueryLimit is the page size of a LogQuery without a Limit.
const DefaultLogQueryLimit = 50

// A Log keeps the recent requests of every directory. Implementations
// must be safe for concurrent use, bound what they keep (by count, age or
// both) and document the bound. Package directorytest checks the contract
// (directorytest.RunLog).
type Log interface {
	// Append adds e to the log of e.DirectoryID, assigning e.Seq.
	Append(ctx context.Context, e Entry) error
	// Query returns the entries of directory dirID that q selects,
	// newest first.
	Query(ctx context.Context, dirID string, q LogQuery) ([]Entry, error)
	// DeleteDirectory removes every entry of directory dirID.
	DeleteDirectory(ctx context.Context, dirID string) error
}

// MemoryLog is a Log in memory that keeps, for each directory, the most
// recent entries in a ring of fixed size, and forgets entries older than
// a maximum age.
type MemoryLog struct {
	size   int
	maxAge time.Duration
	now    func() time.Time

	mu    sync.Mutex
	rings map[string]*ring
}

// ring is one directory's entries: a circular buffer, next the slot the
// next entry takes, seq the last Seq assigned.
type ring struct {
	entries []Entry
	next    int
	seq     int64
}

// MemoryLogOptions configure a MemoryLog.
type MemoryLogOptions struct {
	// Size is the most entries kept per directory; 0 means 500.
	Size int
	// MaxAge drops entries older than it; 0 keeps entries until the ring
	// overwrites them.
	MaxAge time.Duration
	// Now is the clock MaxAge is measured with; time.Now when nil.
	Now func() time.Time
}

// NewMemoryLog returns an empty MemoryLog.
func NewMemoryLog(o MemoryLogOptions) *MemoryLog {
	if o.Size <= 0 {
		o.Size = 500
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &MemoryLog{size: o.Size, maxAge: o.MaxAge, now: o.Now, rings: map[string]*ring{}}
}

// Append implements Log.
func (l *MemoryLog) Append(_ context.Context, e Entry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.rings[e.DirectoryID]
	if r == nil {
		r = &ring{entries: make([]Entry, 0, min(l.size, 16))}
		l.rings[e.DirectoryID] = r
	}
	r.seq++
	e.Seq = r.seq
	if len(r.entries) < l.size {
		r.entries = append(r.entries, e)
		return nil
	}
	r.entries[r.next] = e
	r.next = (r.next + 1) % l.size
	return nil
}

// Query implements Log.
func (l *MemoryLog) Query(_ context.Context, dirID string, q LogQuery) ([]Entry, error) {
	if q.Limit <= 0 {
		q.Limit = DefaultLogQueryLimit
	}
	var oldest time.Time
	if l.maxAge > 0 {
		oldest = l.now().Add(-l.maxAge)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.rings[dirID]
	if r == nil {
		return nil, nil
	}
	var out []Entry
	n := len(r.entries)
	// The newest entry is just before r.next once the ring has wrapped,
	// and last otherwise; r.next is 0 until then.
	for i := 0; i < n && len(out) < q.Limit; i++ {
		e := &r.entries[((r.next-1-i)%n+n)%n]
		if q.Before > 0 && e.Seq >= q.Before {
			continue
		}
		if !oldest.IsZero() && e.Time.Before(oldest) {
			continue
		}
		if q.ErrorsOnly && e.Status < 400 {
			continue
		}
		if q.ResourceID != "" && e.ResourceID != q.ResourceID {
			continue
		}
		out = append(out, *e)
	}
	return out, nil
}

// DeleteDirectory implements Log.
func (l *MemoryLog) DeleteDirectory(_ context.Context, dirID string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.rings, dirID)
	return nil
}
