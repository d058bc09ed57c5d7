package directory

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/scimkit/scim"
)

// CreateDirectory creates a directory named name, with no token yet. The
// name must pass ValidateName; a taken name is scim.ErrConflict.
func (h *Handler) CreateDirectory(ctx context.Context, name string) (Directory, error) {
	if err := ValidateName(name); err != nil {
		return Directory{}, err
	}
	id, err := newDirectoryID()
	if err != nil {
		return Directory{}, err
	}
	d := Directory{ID: id, Name: name, Created: h.now().UTC()}
	if err := h.reg.CreateDirectory(ctx, d); err != nil {
		return Directory{}, err
	}
	return d, nil
}

// Directory returns the directory with the given id, or scim.ErrNotFound.
func (h *Handler) Directory(ctx context.Context, id string) (Directory, error) {
	return h.reg.Directory(ctx, id)
}

// DirectoryByName returns the directory named name, or scim.ErrNotFound.
func (h *Handler) DirectoryByName(ctx context.Context, name string) (Directory, error) {
	return h.reg.DirectoryByName(ctx, normalizeName(name))
}

// Directories returns up to limit directories whose names sort after
// after ("" for the first page), by name.
func (h *Handler) Directories(ctx context.Context, after string, limit int) ([]Directory, error) {
	if limit <= 0 {
		return nil, scim.NewError(http.StatusBadRequest, "invalidValue", "limit must be at least 1")
	}
	return h.reg.ListDirectories(ctx, after, limit)
}

// RenameDirectory gives directory id a new name, and so a new base URL:
// the old URL stops working on the next request, on every instance. Its
// tokens, data and log are kept.
func (h *Handler) RenameDirectory(ctx context.Context, id, name string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	if err := h.reg.RenameDirectory(ctx, id, name); err != nil {
		return err
	}
	h.evict(id)
	return nil
}

// DeleteDirectory deletes directory id: its tokens stop working at once,
// then its data (Backend.DeleteData) and its log are removed. When a later
// step fails the directory is already gone from the registry and the
// error says which data is left.
func (h *Handler) DeleteDirectory(ctx context.Context, id string) error {
	if err := h.reg.DeleteDirectory(ctx, id); err != nil {
		return err
	}
	h.evict(id)
	var errs []error
	if err := h.be.DeleteData(ctx, id); err != nil {
		errs = append(errs, fmt.Errorf("directory %s: deleting its data: %w", id, err))
	}
	if h.log != nil {
		// Write the entries of requests already served first, so that
		// none lands in the log after it is deleted.
		if err := h.FlushLog(ctx); err != nil {
			errs = append(errs, err)
		}
		if err := h.log.DeleteDirectory(ctx, id); err != nil {
			errs = append(errs, fmt.Errorf("directory %s: deleting its log: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

// CreateToken issues a new token for directory dirID and returns it with
// its record. The token is returned only here: the registry keeps its
// hash. A directory may have several tokens, so that a token is rotated by
// issuing a new one, configuring the identity provider with it, and then
// revoking the old one.
func (h *Handler) CreateToken(ctx context.Context, dirID, label string) (string, Token, error) {
	token, id, err := newToken()
	if err != nil {
		return "", Token{}, err
	}
	t := Token{ID: id, DirectoryID: dirID, Label: label, Hash: HashToken(token), Created: h.now().UTC()}
	if err := h.reg.AddToken(ctx, t); err != nil {
		return "", Token{}, err
	}
	return token, t, nil
}

// Tokens returns the tokens of directory dirID, oldest first, without
// their secrets.
func (h *Handler) Tokens(ctx context.Context, dirID string) ([]Token, error) {
	return h.reg.Tokens(ctx, dirID)
}

// RevokeToken revokes token tokenID of directory dirID: requests carrying
// it are refused from the next one on, on every instance sharing the
// registry.
func (h *Handler) RevokeToken(ctx context.Context, dirID, tokenID string) error {
	if err := h.reg.RevokeToken(ctx, dirID, tokenID); err != nil {
		return err
	}
	h.touchMu.Lock()
	delete(h.touched, tokenID)
	h.touchMu.Unlock()
	return nil
}

// QueryLog returns the entries of directory dirID's request log that q
// selects, newest first. Without a log (WithLog) it returns nothing.
func (h *Handler) QueryLog(ctx context.Context, dirID string, q LogQuery) ([]Entry, error) {
	if h.log == nil {
		return nil, nil
	}
	if _, err := h.reg.Directory(ctx, dirID); err != nil {
		return nil, err
	}
	return h.log.Query(ctx, dirID, q)
}

// Reload drops this Handler's built Server of directory id, so that the
// directory's next request asks the Backend for its stores again: call it
// on every instance after moving a directory to another database.
func (h *Handler) Reload(id string) { h.evict(id) }
