package jsonapi

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestReply(t *testing.T) {
	w := httptest.NewRecorder()
	Reply(w, map[string]int{"n": 1}, nil)
	assert.Equal(t, http.StatusOK, w.Code)
	assert.JSONEq(t, `{"n": 1}`, w.Body.String())
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))

	w = httptest.NewRecorder()
	Reply(w, nil, errors.New("disk on fire at /var/lib/app"))
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.NotContains(t, w.Body.String(), "disk", "internal errors are not shown")
}

func TestCollectPassesTheQueryError(t *testing.T) {
	_, err := Collect(nil, errors.New("no table"), func(Scanner) (int, error) { return 0, nil })
	assert.EqualError(t, err, "no table")
}
