package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/directory"
)

// window is how far back the overview counts requests, in hours.
const window = 24

// statsPage is how many log entries the overview reads at a time.
const statsPage = 500

// dirSummary is a directory as the overview shows it.
type dirSummary struct {
	directory.Directory
	Users, Groups    int
	Requests, Errors int
	// Partial is set when the log no longer holds every request of the
	// window, so that the counts are a lower bound.
	Partial     bool
	LastRequest time.Time
	Chart       chart
}

// chart is the requests and errors of each hour of the window, drawn as
// bars: Bars are oldest first.
type chart struct {
	Bars               []bar
	Width, Height, Max int
}

// bar is one hour of a chart, with its rectangles' geometry.
type bar struct {
	X, ReqY, ReqH, ErrY, ErrH int
	Requests, Errors          int
	Hour                      string
}

const (
	chartBarWidth = 6
	chartHeight   = 32
)

// summarize returns the overview of directory d.
func (h *Handler) summarize(ctx context.Context, d directory.Directory) (dirSummary, error) {
	s := dirSummary{Directory: d}
	var err error
	if s.Users, s.Groups, err = h.dirs.Counts(ctx, d.ID); err != nil {
		return s, err
	}
	now := h.now()
	since := now.Add(-window * time.Hour)
	var hours [window]bar
	q := directory.LogQuery{Limit: statsPage}
	// Entries come newest first by Seq; their times almost always agree,
	// so the walk stops after a page with no entry in the window.
	reachedEnd := false
	var last directory.Entry
	for {
		entries, err := h.dirs.QueryLog(ctx, d.ID, q)
		if err != nil {
			return s, err
		}
		inWindow := 0
		for _, e := range entries {
			last = e
			if e.Time.Before(since) {
				continue
			}
			inWindow++
			if e.Time.After(s.LastRequest) {
				s.LastRequest = e.Time
			}
			i := min(max(window-1-int(now.Sub(e.Time)/time.Hour), 0), window-1)
			hours[i].Requests++
			s.Requests++
			if e.Status >= 400 {
				hours[i].Errors++
				s.Errors++
			}
		}
		if len(entries) < q.Limit {
			reachedEnd = true
			break
		}
		if inWindow == 0 {
			break
		}
		q.Before = entries[len(entries)-1].Seq
	}
	// Seq numbers a directory's requests from 1: when the oldest entry
	// still kept is in the window and is not the first, older requests of
	// the window were dropped from the bounded log.
	s.Partial = reachedEnd && last.Seq > 1 && !last.Time.Before(since)
	s.Chart = drawChart(hours[:], now)
	return s, nil
}

// drawChart lays out the bars of a chart.
func drawChart(hours []bar, now time.Time) chart {
	c := chart{Width: len(hours) * chartBarWidth, Height: chartHeight}
	for _, b := range hours {
		c.Max = max(c.Max, b.Requests)
	}
	for i := range hours {
		b := &hours[i]
		b.X = i * chartBarWidth
		if c.Max > 0 {
			b.ReqH = scale(b.Requests, c.Max)
			b.ErrH = scale(b.Errors, c.Max)
		}
		b.ReqY, b.ErrY = chartHeight-b.ReqH, chartHeight-b.ErrH
		start := now.Add(-time.Duration(len(hours)-i) * time.Hour).UTC()
		b.Hour = start.Format("15:04") + "–" + start.Add(time.Hour).Format("15:04") + " UTC"
	}
	c.Bars = hours
	return c
}

// scale returns the height of a bar of n out of most; a non-zero count is
// at least one pixel high.
func scale(n, most int) int {
	if n == 0 {
		return 0
	}
	return max(1, n*chartHeight/most)
}

func (h *Handler) overview(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := background(r)
	defer cancel()
	var all []dirSummary
	after := ""
	for {
		page, err := h.dirs.Directories(ctx, after, 100)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, d := range page {
			s, err := h.summarize(ctx, d)
			if err != nil {
				h.fail(w, r, err)
				return
			}
			all = append(all, s)
		}
		if len(page) < 100 {
			break
		}
		after = page[len(page)-1].Name
	}
	h.render(w, r, http.StatusOK, "overview", map[string]any{"Directories": all, "Name": r.URL.Query().Get("name")})
}

func (h *Handler) createDirectory(w http.ResponseWriter, r *http.Request) error {
	name := strings.TrimSpace(r.PostForm.Get("name"))
	d, err := h.dirs.CreateDirectory(r.Context(), name)
	if err != nil {
		if errors.Is(err, scim.ErrConflict) {
			return scim.NewError(http.StatusConflict, "uniqueness", fmt.Sprintf("a directory named %q exists", name))
		}
		return err
	}
	redirect(w, r, "d/"+url.PathEscape(d.ID))
	return nil
}

// logFilter is the request log's filter, from the query string.
type logFilter struct {
	ErrorsOnly bool
	ResourceID string
	Before     int64
}

// query returns the filter's query string, with before when it is not 0.
func (f logFilter) query(before int64) string {
	v := url.Values{}
	if f.ErrorsOnly {
		v.Set("errors", "1")
	}
	if f.ResourceID != "" {
		v.Set("resource", f.ResourceID)
	}
	if before > 0 {
		v.Set("before", strconv.FormatInt(before, 10))
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

func (h *Handler) directoryPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := logFilter{ErrorsOnly: q.Get("errors") != "", ResourceID: strings.TrimSpace(q.Get("resource"))}
	if b := q.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 1 {
			h.fail(w, r, scim.NewError(http.StatusBadRequest, "invalidValue", "before must be a positive log sequence number"))
			return
		}
		f.Before = n
	}
	if err := h.renderDirectory(w, r, http.StatusOK, f, nil); err != nil {
		h.fail(w, r, err)
	}
}

// newToken is a token just issued, shown once.
type newToken struct {
	Token, ID, Label string
	Rotated          string
}

// renderDirectory renders the page of directory {id} with the log that f
// selects and, once, a token just issued.
func (h *Handler) renderDirectory(w http.ResponseWriter, r *http.Request, status int, f logFilter, issued *newToken) error {
	ctx, cancel := background(r)
	defer cancel()
	d, err := h.dirs.Directory(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	tokens, err := h.dirs.Tokens(ctx, d.ID)
	if err != nil {
		return err
	}
	users, groups, err := h.dirs.Counts(ctx, d.ID)
	if err != nil {
		return err
	}
	entries, err := h.dirs.QueryLog(ctx, d.ID, directory.LogQuery{ErrorsOnly: f.ErrorsOnly, ResourceID: f.ResourceID,
		Before: f.Before, Limit: h.pageSize + 1})
	if err != nil {
		return err
	}
	more := len(entries) > h.pageSize
	if more {
		entries = entries[:h.pageSize]
	}
	data := map[string]any{"Dir": d, "BaseURL": h.baseURL(r, d.Name), "Tokens": tokens, "Entries": entries,
		"Users": users, "Groups": groups, "Filter": f, "Issued": issued,
		"Self": "d/" + url.PathEscape(d.ID), "Title": d.Name}
	if more {
		data["Older"] = f.query(entries[len(entries)-1].Seq)
	}
	if f.Before > 0 {
		data["Newest"] = f.query(0)
	}
	h.render(w, r, status, "directory", data)
	return nil
}

func (h *Handler) createToken(w http.ResponseWriter, r *http.Request) error {
	label := strings.TrimSpace(r.PostForm.Get("label"))
	if len(label) > 100 {
		return scim.NewError(http.StatusBadRequest, "invalidValue", "a token label has at most 100 characters")
	}
	tok, rec, err := h.dirs.CreateToken(r.Context(), r.PathValue("id"), label)
	if err != nil {
		return err
	}
	// The token is shown in this response only, never in a URL.
	return h.renderDirectory(w, r, http.StatusOK, logFilter{}, &newToken{Token: tok, ID: rec.ID, Label: rec.Label})
}

// rotateToken issues a token with the label of token {tid} and keeps the
// old one, so that provisioning goes on while the identity provider is
// given the new one; the page then offers to revoke the old one.
func (h *Handler) rotateToken(w http.ResponseWriter, r *http.Request) error {
	dirID, old := r.PathValue("id"), r.PathValue("tid")
	tokens, err := h.dirs.Tokens(r.Context(), dirID)
	if err != nil {
		return err
	}
	var label string
	found := false
	for _, t := range tokens {
		if t.ID == old {
			label, found = t.Label, true
		}
	}
	if !found {
		return scim.NewError(http.StatusNotFound, "", "this directory has no such token")
	}
	tok, rec, err := h.dirs.CreateToken(r.Context(), dirID, label)
	if err != nil {
		return err
	}
	return h.renderDirectory(w, r, http.StatusOK, logFilter{}, &newToken{Token: tok, ID: rec.ID, Label: rec.Label, Rotated: old})
}

func (h *Handler) revokeToken(w http.ResponseWriter, r *http.Request) error {
	if err := h.dirs.RevokeToken(r.Context(), r.PathValue("id"), r.PathValue("tid")); err != nil {
		return err
	}
	redirect(w, r, "d/"+url.PathEscape(r.PathValue("id")))
	return nil
}
