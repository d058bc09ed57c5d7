package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/store/memory"
)

// listPath is the request of the list scenario.
const listPath = "/Users?startIndex=1&count=100"

// render answers path through h in process and returns the body.
func render(ctx context.Context, h http.Handler, path string) ([]byte, error) {
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "http://loadtest"+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d: %s", path, rec.Code, rec.Body.Bytes())
	}
	return rec.Body.Bytes(), nil
}

// bare holds the responses of the bare handlers.
type bare struct {
	mu         sync.RWMutex
	users      map[string][]byte // by id: the document GET /Users/{id} answers
	byUserName map[string][]byte // the list response of the userName eq filter
	byExternal map[string][]byte // the list response of the externalId eq filter
	list       []byte            // the list response of listPath
	groups     map[string]map[string]struct{}
	docs       map[string]map[string]any // bare-json: the documents decoded
	next       atomic.Int64
	mux        http.Handler
}

// ServeHTTP serves the bare handler's routes.
func (b *bare) ServeHTTP(w http.ResponseWriter, r *http.Request) { b.mux.ServeHTTP(w, r) }

// newBare builds the bare handler of spec.Kind. It loads the users and the
// groups into a memory store behind a scim.Server in this process, asks
// that server once for every response the scenarios read, keeps the bytes,
// and drops the store, so that the bare handler writes the same JSON the
// SCIM server does. For kindBare the handler writes those bytes as they
// are: the most a Go JSON endpoint can do here. For kindBareJSON it keeps
// the documents as maps and runs json.Encoder for each GET by id.
func newBare(ctx context.Context, spec childSpec, hs *handshake) (http.Handler, error) {
	db := memory.New()
	if err := loadUsers(ctx, hs, db.Users(), spec.Users); err != nil {
		return nil, err
	}
	if err := loadGroups(ctx, hs, db.Users(), db.Groups(), spec.BigGroup); err != nil {
		return nil, err
	}
	srv, err := newSCIM(db.Users(), db.Groups())
	if err != nil {
		return nil, err
	}
	b := &bare{users: map[string][]byte{}, byUserName: map[string][]byte{}, byExternal: map[string][]byte{},
		groups: map[string]map[string]struct{}{}, docs: map[string]map[string]any{}}
	for i, id := range hs.IDs {
		doc, err := render(ctx, srv, "/Users/"+id)
		if err != nil {
			return nil, err
		}
		if spec.Kind == kindBareJSON {
			var m map[string]any
			if err := json.Unmarshal(doc, &m); err != nil {
				return nil, err
			}
			b.docs[id] = m
			continue
		}
		b.users[id] = doc
		name, ext := userName(i), externalID(i)
		if b.byUserName[name], err = render(ctx, srv, "/Users?filter="+url.QueryEscape(`userName eq "`+name+`"`)); err != nil {
			return nil, err
		}
		if b.byExternal[ext], err = render(ctx, srv, "/Users?filter="+url.QueryEscape(`externalId eq "`+ext+`"`)); err != nil {
			return nil, err
		}
	}
	if spec.Kind == kindBareJSON {
		b.mux = b.jsonHandler()
		return b, nil
	}
	if b.list, err = render(ctx, srv, listPath); err != nil {
		return nil, err
	}
	for _, g := range []struct {
		id string
		n  int
	}{{hs.SmallID, smallGroup}, {hs.BigID, spec.BigGroup}} {
		set := make(map[string]struct{}, g.n)
		for _, m := range memberIDs(hs, g.n) {
			set[m] = struct{}{}
		}
		b.groups[g.id] = set
	}
	b.mux = b.handler()
	return b, nil
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", scim.ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// patchBody is the least a PATCH handler decodes.
type patchBody struct {
	Schemas    []string `json:"schemas"`
	Operations []struct {
		Op    string          `json:"op"`
		Path  string          `json:"path"`
		Value json.RawMessage `json:"value"`
	} `json:"Operations"`
}

// handler is the pre-encoded bare handler. Reads write bytes held in a
// map. Writes do the least a JSON endpoint does: POST decodes the body and
// encodes it once with its id; a user PATCH decodes the body and writes
// the user's held bytes; a member PATCH decodes the body and adds or
// removes the id in a set.
func (b *bare) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /Users/{id}", func(w http.ResponseWriter, r *http.Request) {
		b.mu.RLock()
		doc, ok := b.users[r.PathValue("id")]
		b.mu.RUnlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		writeJSON(w, http.StatusOK, doc)
	})
	mux.HandleFunc("GET /Users", func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if attr, value, ok := eqFilter(r); ok {
			b.mu.RLock()
			switch attr {
			case "userName":
				body = b.byUserName[value]
			case "externalId":
				body = b.byExternal[value]
			}
			b.mu.RUnlock()
		} else if r.URL.RawQuery == strings.TrimPrefix(listPath, "/Users?") {
			body = b.list
		}
		if body == nil {
			http.Error(w, "unsupported", http.StatusBadRequest)
			return
		}
		writeJSON(w, http.StatusOK, body)
	})
	mux.HandleFunc("POST /Users", func(w http.ResponseWriter, r *http.Request) {
		var doc map[string]any
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&doc); err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		id := "bare-" + strconv.FormatInt(b.next.Add(1), 10)
		doc["id"] = id
		body, err := json.Marshal(doc)
		if err != nil {
			http.Error(w, "encoding", http.StatusInternalServerError)
			return
		}
		b.mu.Lock()
		b.users[id] = body
		b.mu.Unlock()
		w.Header().Set("Location", "http://"+r.Host+"/Users/"+id)
		writeJSON(w, http.StatusCreated, body)
	})
	mux.HandleFunc("DELETE /Users/{id}", func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		delete(b.users, r.PathValue("id"))
		b.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("PATCH /Users/{id}", func(w http.ResponseWriter, r *http.Request) {
		var p patchBody
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&p); err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		b.mu.RLock()
		doc, ok := b.users[r.PathValue("id")]
		b.mu.RUnlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		writeJSON(w, http.StatusOK, doc)
	})
	mux.HandleFunc("PATCH /Groups/{id}", func(w http.ResponseWriter, r *http.Request) {
		var p patchBody
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&p); err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		set, ok := b.groups[r.PathValue("id")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		for _, op := range p.Operations {
			switch {
			case strings.EqualFold(op.Op, "add"):
				var vs []struct {
					Value string `json:"value"`
				}
				if err := json.Unmarshal(op.Value, &vs); err != nil {
					http.Error(w, "bad value", http.StatusBadRequest)
					return
				}
				for _, v := range vs {
					set[v.Value] = struct{}{}
				}
			case strings.EqualFold(op.Op, "remove"):
				_, rest, _ := strings.Cut(op.Path, `value eq "`)
				delete(set, strings.TrimSuffix(rest, `"]`))
			}
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

// jsonHandler is the earlier yardstick: GET /Users/{id} encodes a map
// document with json.Encoder on every request.
func (b *bare) jsonHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /Users/{id}", func(w http.ResponseWriter, r *http.Request) {
		doc, ok := b.docs[r.PathValue("id")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", scim.ContentType)
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(doc)
	})
	return mux
}

// userName and externalID are those of the i-th loaded user.
func userName(i int) string   { return fmt.Sprintf("user%07d@example.com", i) }
func externalID(i int) string { return fmt.Sprintf("ext-%07d", i) }
