package schema

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scim/internal/jsondec"
	"github.com/scimkit/scim/internal/jsonenc"
)

// Decode reads exactly one JSON object from r, with numbers kept as
// json.Number. Malformed JSON, a value that is not an object, or data after
// the object is an *Error of type invalidSyntax. An error returned by r
// itself (for example *http.MaxBytesError when the body is over the limit)
// is wrapped, not replaced, so that errors.As and errors.Is find it.
func Decode(r io.Reader) (map[string]any, error) {
	var obj map[string]any
	err := ReadBody(r, func(data []byte) error {
		var err error
		obj, err = DecodeBytes(data)
		return err
	})
	return obj, err
}

// ReadBody reads r to its end into a buffer it reuses and calls use with
// the bytes, which use must not keep. An error returned by r is wrapped as
// Decode says; use's error is returned as it is.
func ReadBody(r io.Reader, use func(data []byte) error) error {
	bp := jsonenc.GetBuffer()
	defer jsonenc.PutBuffer(bp)
	body := bytes.NewBuffer(*bp)
	_, err := body.ReadFrom(r)
	data := body.Bytes()
	*bp = data
	if err != nil {
		return fmt.Errorf("schema: reading request body: %w", err)
	}
	return use(data)
}

// DecodeBytes decodes data, a request body, as Decode does. The decoded
// values copy what they keep of data.
func DecodeBytes(data []byte) (map[string]any, error) {
	v, err := jsondec.Value(data)
	var syn *jsondec.SyntaxError
	switch {
	case errors.As(err, &syn) && len(bytes.TrimLeft(data, " \t\r\n")) == 0:
		return nil, Errorf(InvalidSyntax, "the request body is empty; a JSON object is required")
	case syn != nil && syn.Offset >= int64(len(data)):
		return nil, Errorf(InvalidSyntax, "the request body ends in the middle of a JSON value")
	case syn != nil:
		return nil, Errorf(InvalidSyntax, "malformed JSON at offset %d: %s", syn.Offset, syn.Error())
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, Errorf(InvalidSyntax, "the request body must be a JSON object, not %s", jsonKind(v))
	}
	return obj, nil
}

// jsonKind names the JSON type of a decoded value for error details.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case json.Number, float64, float32, int, int64, int32:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	default:
		return fmt.Sprintf("a %T", v)
	}
}

// Options tune canonicalisation.
type Options struct {
	// RejectUnknown makes attributes and sub-attributes that the schema does
	// not define an invalidSyntax error. By default they are ignored,
	// because identity providers send attributes of their own.
	RejectUnknown bool
	// WriteOnlyString, when set, converts every value of a writeOnly
	// string attribute (password) as it is read from a request, before
	// it is stored: the server sets it to keep passwords only as hashes.
	// Values already stored are never passed to it again.
	WriteOnlyString func(value string) (string, error)
}

// Canonicalize validates a decoded create (old == nil) or replace (old is
// the stored canonical attributes) request body against the resource type
// and returns its canonical attributes, as scim.Resource.Attributes holds
// them: without id, meta and schemas, with keys spelled as the schemas spell
// them and extension attributes under their schema URN key.
//
// The rules, which accept what identity providers send:
//   - "schemas" must be present and contain the core schema URN
//     (invalidSyntax). A URN of a schema the resource type does not have,
//     such as the enterprise extension sent to a type trimmed to what a
//     host keeps, is ignored with that schema's attributes, unless
//     opts.RejectUnknown (invalidSyntax).
//   - Attribute names and schema URNs are matched case-insensitively.
//     Extension attributes may be nested under the URN key or given as
//     top-level URN-qualified keys such as
//     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber".
//   - readOnly attributes and sub-attributes (id, meta, groups, ...) are
//     ignored. Unknown attributes are ignored unless opts.RejectUnknown.
//   - Values are checked and converted to their canonical types (see
//     Attribute.Canonicalize); null and empty arrays mean unassigned and are
//     left out.
//   - Required attributes and sub-attributes that are not readOnly must
//     have a value (invalidValue). A required string value must not be ""
//     or only white space (unicode.IsSpace), so a userName of "   " is
//     refused; one with white space around other characters (" bjensen ")
//     is kept exactly as sent, since a host may match it against its own
//     records as sent.
//   - On replace, an immutable attribute that has a value in old may not
//     change (mutability); when the body omits it, the old value is kept.
//     A writeOnly attribute the body omits (such as password, which a
//     client can never read back) also keeps its old value, and so does a
//     readOnly attribute of the core schema or an extension, which the
//     client cannot set (common attributes such as id and meta are never
//     copied from old).
//
// canonicalValues are not enforced: identity providers send other "type"
// values, and RFC 7643 §2.3.1 allows a service provider to accept them.
func (rt *ResourceType) Canonicalize(body map[string]any, old map[string]any, opts Options) (map[string]any, error) {
	if body == nil {
		return nil, Errorf(InvalidSyntax, "the request body must be a JSON object")
	}
	if err := rt.checkSchemas(body, opts); err != nil {
		return nil, err
	}
	c := canonicalizer{rt: rt, opts: opts, out: make(map[string]any, len(body))}
	for k, v := range body {
		if err := c.topLevel(k, v); err != nil {
			return nil, err
		}
	}
	if old != nil {
		if err := c.keepFromOld(old); err != nil {
			return nil, err
		}
	}
	if err := c.checkRequired(); err != nil {
		return nil, err
	}
	return c.out, nil
}

// CanonicalizeOwned is Canonicalize for a new resource's body that the
// caller gives up, such as a request body decoded for this one call: its
// result, when body spells its keys as the schema does (as identity
// providers send them), is body itself, changed in place, and holds
// body's objects and lists. Other bodies are canonicalised by
// Canonicalize. The outcome and errors are Canonicalize's.
func (rt *ResourceType) CanonicalizeOwned(body map[string]any, opts Options) (map[string]any, error) {
	if body == nil || !rt.spelledAsSchema(body) {
		return rt.Canonicalize(body, nil, opts)
	}
	if err := rt.checkSchemas(body, opts); err != nil {
		return nil, err
	}
	c := canonicalizer{rt: rt, opts: opts, out: body}
	for k, v := range body {
		if err := c.inPlace(k, v); err != nil {
			return nil, err
		}
	}
	if err := c.checkRequired(); err != nil {
		return nil, err
	}
	return body, nil
}

// spelledAsSchema reports whether every key of a body is "schemas", the
// name of a core or common attribute or the URN of an extension, spelled
// as the schema spells it, or a key Canonicalize ignores as unknown, and
// the same of the keys of each extension's object: then Canonicalize
// renames nothing and finds no attribute twice.
func (rt *ResourceType) spelledAsSchema(body map[string]any) bool {
	for k, v := range body {
		if ext := rt.exactExtension(k); ext != nil {
			if obj, ok := v.(map[string]any); ok && !spelledAsSchema(ext.Attributes, obj) {
				return false
			}
			continue
		}
		switch {
		case k == "schemas":
		case strings.EqualFold(k, "schemas"):
			return false
		case len(k) >= 4 && strings.EqualFold(k[:4], "urn:"):
			return false // a core URN prefix, an extension in another case, or an unknown URN
		case !spelledAs(rt.Schema.Attributes, k) || !spelledAs(commonAttributes, k):
			return false
		}
	}
	return true
}

// spelledAsSchema reports whether every key of obj is the name of one of
// attrs spelled as it is, or matches none of them in any case.
func spelledAsSchema(attrs []*Attribute, obj map[string]any) bool {
	for k := range obj {
		if !spelledAs(attrs, k) {
			return false
		}
	}
	return true
}

// spelledAs reports that k names none of attrs in another letter case.
func spelledAs(attrs []*Attribute, k string) bool {
	a := findAttribute(attrs, k) // an exact match first
	return a == nil || a.Name == k
}

// exactExtension returns the extension whose URN is urn, spelled as the
// resource type spells it.
func (rt *ResourceType) exactExtension(urn string) *Schema {
	for _, e := range rt.Extensions {
		if e.Schema.ID == urn {
			return e.Schema
		}
	}
	return nil
}

// inPlace canonicalises the value v under key k of c.out, the body itself,
// whose keys are spelled as the schema spells them.
func (c *canonicalizer) inPlace(k string, v any) error {
	if k == "schemas" {
		delete(c.out, k)
		return nil
	}
	if ext := c.rt.exactExtension(k); ext != nil {
		if v == nil {
			delete(c.out, k)
			return nil
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return Errorf(InvalidValue, "the extension %q must be a JSON object, not %s", ext.ID, jsonKind(v))
		}
		for sk, sv := range obj {
			if err := c.set(obj, sk, ext.Attribute(sk), ext.ID+":"+sk, sv); err != nil {
				return err
			}
		}
		if len(obj) == 0 {
			delete(c.out, k)
		}
		return nil
	}
	a := c.rt.Schema.Attribute(k)
	if a == nil {
		a = findAttribute(commonAttributes, k)
	}
	return c.set(c.out, k, a, k, v)
}

// set canonicalises the value v under key k of m in place: the value of
// attribute a (nil when unknown) at path.
func (c *canonicalizer) set(m map[string]any, k string, a *Attribute, path string, v any) error {
	if a == nil {
		delete(m, k)
		return c.unknown(path)
	}
	if a.EffectiveMutability() == ReadOnly {
		delete(m, k)
		return nil
	}
	cv, err := a.canonicalize(rootPath(path), v, c.opts, true)
	if err != nil {
		return err
	}
	if cv == nil {
		delete(m, k)
	} else {
		m[k] = cv
	}
	return nil
}

// entraGroupMarker is a schema URN without attributes that Microsoft Entra
// ID lists in "schemas" when it creates a group; it is accepted and ignored.
const entraGroupMarker = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"

// checkSchemas checks the "schemas" attribute of a request body.
func (rt *ResourceType) checkSchemas(body map[string]any, opts Options) error {
	var raw any
	found := false
	for k, v := range body {
		if strings.EqualFold(k, "schemas") {
			if found {
				return Errorf(InvalidSyntax, "the attribute \"schemas\" is given more than once")
			}
			raw, found = v, true
		}
	}
	if !found || raw == nil {
		return Errorf(InvalidSyntax, "the attribute \"schemas\" is required and must contain %q", rt.Schema.ID)
	}
	list, ok := raw.([]any)
	if !ok {
		list = []any{raw}
	}
	hasCore := false
	for _, u := range list {
		s, ok := u.(string)
		if !ok {
			return Errorf(InvalidSyntax, "\"schemas\" must be an array of schema URNs, found %s", jsonKind(u))
		}
		switch {
		case strings.EqualFold(s, rt.Schema.ID):
			hasCore = true
		case rt.Extension(s) != nil:
		case strings.EqualFold(s, entraGroupMarker):
		case !opts.RejectUnknown:
			// An extension the type does not keep: its attributes are
			// ignored like any other unknown attribute.
		default:
			return Errorf(InvalidSyntax, "the schema %q is not a schema of the %s resource type", s, rt.Name)
		}
	}
	if !hasCore {
		return Errorf(InvalidSyntax, "\"schemas\" must contain %q", rt.Schema.ID)
	}
	return nil
}

// canonicalizer holds the state of one ResourceType.Canonicalize call.
type canonicalizer struct {
	rt   *ResourceType
	opts Options
	out  map[string]any
	// seen maps each canonical attribute key ("userName",
	// "<urn>:employeeNumber") to the input key that set it, to reject an
	// attribute given twice under different spellings.
	seen keySet
}

// keySet maps canonical attribute keys to the input keys that set them.
// A body names a few attributes: they are kept in an array, and in a map
// once there are more, without allocating for the common body.
type keySet struct {
	few  [16][2]string
	n    int
	many map[string]string
}

// get returns the input key that set path.
func (s *keySet) get(path string) (string, bool) {
	if s.many != nil {
		key, ok := s.many[path]
		return key, ok
	}
	for _, e := range s.few[:s.n] {
		if e[0] == path {
			return e[1], true
		}
	}
	return "", false
}

// put records that key set path, which get did not find.
func (s *keySet) put(path, key string) {
	switch {
	case s.many != nil:
		s.many[path] = key
	case s.n < len(s.few):
		s.few[s.n] = [2]string{path, key}
		s.n++
	default:
		s.many = make(map[string]string, 2*len(s.few))
		for _, e := range s.few {
			s.many[e[0]] = e[1]
		}
		s.many[path] = key
	}
}

// topLevel handles one key of the request body.
func (c *canonicalizer) topLevel(key string, v any) error {
	if strings.EqualFold(key, "schemas") {
		return nil
	}
	urn, rest := c.rt.SplitURN(key)
	switch {
	case urn == "" && strings.HasPrefix(strings.ToLower(key), "urn:"):
		return c.unknown(key)
	case urn == "" || strings.EqualFold(urn, c.rt.Schema.ID):
		if urn != "" && rest == "" {
			return c.unknown(key)
		}
		a := c.rt.Schema.Attribute(rest)
		if a == nil {
			a = findAttribute(commonAttributes, rest)
		}
		return c.attribute(nil, a, key, v)
	}
	ext := c.rt.Extension(urn)
	if rest != "" {
		return c.attribute(ext, ext.Attribute(rest), key, v)
	}
	if v == nil {
		return nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return Errorf(InvalidValue, "the extension %q must be a JSON object, not %s", ext.ID, jsonKind(v))
	}
	for k, sv := range obj {
		if err := c.attribute(ext, ext.Attribute(k), ext.ID+":"+k, sv); err != nil {
			return err
		}
	}
	return nil
}

func (c *canonicalizer) unknown(key string) error {
	if c.opts.RejectUnknown {
		return Errorf(InvalidSyntax, "the attribute %q is not defined by the %s resource type", key, c.rt.Name)
	}
	return nil
}

// attribute canonicalises the value v of attribute a (nil when unknown) of
// the core schema (ext == nil) or an extension, given under the input key.
func (c *canonicalizer) attribute(ext *Schema, a *Attribute, key string, v any) error {
	if a == nil {
		return c.unknown(key)
	}
	if a.EffectiveMutability() == ReadOnly {
		return nil
	}
	path := a.Name
	if ext != nil {
		path = ext.ID + ":" + a.Name
	}
	if prev, dup := c.seen.get(path); dup {
		return Errorf(InvalidSyntax, "the attribute %q is given more than once (as %q and %q)", path, prev, key)
	}
	c.seen.put(path, key)
	cv, err := a.canonicalize(rootPath(path), v, c.opts, false)
	if err != nil || cv == nil {
		return err
	}
	if ext == nil {
		c.out[a.Name] = cv
		return nil
	}
	m, _ := c.out[ext.ID].(map[string]any)
	if m == nil {
		m = make(map[string]any)
		c.out[ext.ID] = m
	}
	m[a.Name] = cv
	return nil
}

// keepFromOld applies the replace rules for immutable and writeOnly
// attributes against the stored attributes old.
func (c *canonicalizer) keepFromOld(old map[string]any) error {
	if err := keepAttributes(c.rt.Schema.Attributes, "", old, c.out, true); err != nil {
		return err
	}
	if err := keepAttributes(commonAttributes, "", old, c.out, false); err != nil {
		return err
	}
	for _, e := range c.rt.Extensions {
		oldExt, _ := old[e.Schema.ID].(map[string]any)
		if oldExt == nil {
			continue
		}
		newExt, _ := c.out[e.Schema.ID].(map[string]any)
		created := newExt == nil
		if created {
			newExt = make(map[string]any)
		}
		if err := keepAttributes(e.Schema.Attributes, e.Schema.ID+":", oldExt, newExt, true); err != nil {
			return err
		}
		if created && len(newExt) > 0 {
			c.out[e.Schema.ID] = newExt
		}
	}
	return nil
}

func keepAttributes(attrs []*Attribute, prefix string, old, out map[string]any, keepReadOnly bool) error {
	for _, a := range attrs {
		ov, ok := old[a.Name]
		if !ok || ov == nil {
			continue
		}
		nv, given := out[a.Name]
		switch a.EffectiveMutability() {
		case ReadOnly:
			if keepReadOnly {
				out[a.Name] = ov
			}
		case Immutable:
			if !given {
				out[a.Name] = ov
			} else if !a.Equal(ov, nv) {
				return Errorf(MutabilityError, "the attribute %q is immutable and cannot be changed", prefix+a.Name)
			}
		case WriteOnly:
			if !given {
				out[a.Name] = ov
			}
		default:
			if err := keepSubAttributes(a, prefix, ov, nv, out); err != nil {
				return err
			}
		}
	}
	return nil
}

// keepSubAttributes applies the immutable rule to the sub-attributes of a
// singular complex attribute. Elements of multi-valued attributes have no
// identity, so replacing them (a group's members) is not a change of an
// immutable sub-attribute.
func keepSubAttributes(a *Attribute, prefix string, ov, nv any, out map[string]any) error {
	if a.Type != Complex || a.MultiValued {
		return nil
	}
	om, _ := ov.(map[string]any)
	if om == nil {
		return nil
	}
	nm, _ := nv.(map[string]any)
	for _, s := range a.SubAttributes {
		if s.EffectiveMutability() != Immutable {
			continue
		}
		osv, ok := om[s.Name]
		if !ok || osv == nil {
			continue
		}
		nsv, ok := nm[s.Name]
		if !ok {
			if nm == nil {
				nm = make(map[string]any)
				out[a.Name] = nm
			}
			nm[s.Name] = osv
			continue
		}
		if !s.Equal(osv, nsv) {
			return Errorf(MutabilityError, "the attribute %q is immutable and cannot be changed", prefix+a.Name+"."+s.Name)
		}
	}
	return nil
}

// checkRequired checks the required attributes of the core schema and of
// every extension that is required or present.
func (c *canonicalizer) checkRequired() error {
	if err := requireAttributes(c.rt.Schema.Attributes, "", c.out); err != nil {
		return err
	}
	for _, e := range c.rt.Extensions {
		m, _ := c.out[e.Schema.ID].(map[string]any)
		if m == nil {
			if e.Required {
				return Errorf(InvalidValue, "the extension %q is required", e.Schema.ID)
			}
			continue
		}
		if err := requireAttributes(e.Schema.Attributes, e.Schema.ID+":", m); err != nil {
			return err
		}
	}
	return nil
}

func requireAttributes(attrs []*Attribute, prefix string, m map[string]any) error {
	for _, a := range attrs {
		if !a.Required || a.EffectiveMutability() == ReadOnly {
			continue
		}
		if v, ok := m[a.Name]; !ok || v == nil || v == "" {
			return Errorf(InvalidValue, "the attribute %q is required and must not be empty", prefix+a.Name)
		}
	}
	return nil
}

// Canonicalize checks and converts the whole value of the attribute (an
// array for a multi-valued attribute) to its canonical form, with the rules
// of ResourceType.Canonicalize. It returns nil for an unassigned value (null,
// an empty array or an empty object). A single value for a multi-valued
// attribute becomes a one-element array, and at most one element may have
// "primary" true. readOnly sub-attributes are ignored.
func (a *Attribute) Canonicalize(v any, opts Options) (any, error) {
	return a.canonicalize(rootPath(a.Name), v, opts, false)
}

// CanonicalizeElement checks and converts one element of a multi-valued
// attribute, or the value of a singular one. For a complex attribute with a
// "value" sub-attribute, a bare value v becomes {"value": v}; booleans are
// accepted as JSON booleans or as the strings "true" and "false" in any
// case. It returns nil for null or an empty object.
func (a *Attribute) CanonicalizeElement(v any, opts Options) (any, error) {
	return a.element(rootPath(a.Name), v, opts, false)
}

// canonicalize checks and converts the value of a. When owned, v is the
// caller's to give up, and its lists and objects are changed in place and
// kept instead of copied.
func (a *Attribute) canonicalize(path valuePath, v any, opts Options, owned bool) (any, error) {
	if !a.MultiValued {
		return a.element(path, v, opts, owned)
	}
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		list = []any{v}
	}
	out := make([]any, 0, len(list))
	if owned {
		out = list[:0] // element i is read before out[i] is written
	}
	primary := false
	for i, e := range list {
		ce, err := a.element(path.element(i), e, opts, owned)
		if err != nil {
			return nil, err
		}
		if ce == nil {
			continue
		}
		if m, ok := ce.(map[string]any); ok && m["primary"] == true {
			if primary {
				return nil, Errorf(InvalidValue, "more than one value of %q has \"primary\" true", path.String())
			}
			primary = true
		}
		out = append(out, ce)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func (a *Attribute) element(path valuePath, v any, opts Options, owned bool) (any, error) {
	if v == nil {
		return nil, nil
	}
	if a.Type != Complex {
		sv, err := scalar(a.Type, path, v)
		if err == nil && a.Required && blank(sv) {
			return nil, Errorf(InvalidValue, "the attribute %q is required and must not be empty or only white space", path.String())
		}
		if str, ok := sv.(string); ok && err == nil && opts.WriteOnlyString != nil && a.Mutability == WriteOnly {
			if sv, err = opts.WriteOnlyString(str); err != nil {
				return nil, Errorf(InvalidValue, "the attribute %q: %v", path.String(), err)
			}
		}
		return sv, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		vs := a.SubAttribute("value")
		if vs == nil || !isScalar(v) {
			return nil, Errorf(InvalidValue, "the attribute %q must be a JSON object, not %s", path.String(), jsonKind(v))
		}
		obj = map[string]any{vs.Name: v}
	}
	out := obj // changed in place: the keys are the sub-attributes' names
	if !owned || !spelledAsSchema(a.SubAttributes, obj) {
		out = make(map[string]any, len(obj))
	}
	// seen maps a sub-attribute to the input key that set it, for keys not
	// spelled as the schema spells them, to reject a sub-attribute given
	// twice; it is only allocated when such a key appears.
	var seen map[string]string
	for k, sv := range obj {
		s := a.SubAttribute(k)
		if s == nil {
			if opts.RejectUnknown {
				return nil, Errorf(InvalidSyntax, "the sub-attribute %q is not defined", path.String()+"."+k)
			}
			delete(out, k)
			continue
		}
		if k != s.Name {
			prev, dup := seen[s.Name]
			if _, exact := obj[s.Name]; exact {
				prev, dup = s.Name, true
			}
			if dup {
				return nil, Errorf(InvalidSyntax, "the sub-attribute %q is given more than once (as %q and %q)", path.String()+"."+s.Name, prev, k)
			}
			if seen == nil {
				seen = make(map[string]string, 1)
			}
			seen[s.Name] = k
		}
		if s.EffectiveMutability() == ReadOnly {
			delete(out, k)
			continue
		}
		cv, err := s.canonicalize(path.child(s.Name), sv, opts, owned)
		if err != nil {
			return nil, err
		}
		if cv != nil {
			out[s.Name] = cv
		} else {
			delete(out, k)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	for _, s := range a.SubAttributes {
		if s.Required && s.EffectiveMutability() != ReadOnly && out[s.Name] == nil {
			return nil, Errorf(InvalidValue, "the sub-attribute %q is required", path.String()+"."+s.Name)
		}
	}
	return out, nil
}

// blank reports whether v is a string that is empty or only white space,
// which a required attribute must not be.
func blank(v any) bool {
	s, ok := v.(string)
	return ok && strings.TrimSpace(s) == ""
}

func isScalar(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return false
	}
	return true
}

// scalar converts a simple value to the canonical Go type of t.
func scalar(t Type, path valuePath, v any) (any, error) {
	switch t {
	case String, Reference:
		if s, ok := v.(string); ok {
			if strings.IndexByte(s, 0) >= 0 {
				// No database text type holds it (PostgreSQL refuses it),
				// and no directory value needs it.
				return nil, Errorf(InvalidValue, "the attribute %q must not contain the NUL character (U+0000)", path.String())
			}
			return s, nil
		}
	case Boolean:
		return toBool(path, v)
	case Integer:
		return toInt(path, v)
	case Decimal:
		return toFloat(path, v)
	case DateTime:
		if s, ok := v.(string); ok {
			if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
				return nil, Errorf(InvalidValue, "the attribute %q must be an RFC 3339 dateTime such as \"2015-09-30T12:00:00Z\", not %q", path.String(), s)
			}
			return s, nil
		}
	case Binary:
		if s, ok := v.(string); ok {
			if _, err := base64.StdEncoding.DecodeString(s); err != nil {
				if _, err2 := base64.RawStdEncoding.DecodeString(s); err2 != nil {
					return nil, Errorf(InvalidValue, "the attribute %q must be base64-encoded binary data", path.String())
				}
			}
			return s, nil
		}
	default:
		return nil, Errorf(InvalidValue, "the attribute %q has the unknown type %q", path.String(), t)
	}
	return nil, Errorf(InvalidValue, "the attribute %q must be a %s, not %s", path.String(), t, jsonKind(v))
}

func toBool(path valuePath, v any) (any, error) {
	switch b := v.(type) {
	case bool:
		return b, nil
	case string:
		switch {
		case strings.EqualFold(b, "true"):
			return true, nil
		case strings.EqualFold(b, "false"):
			return false, nil
		}
	}
	return nil, Errorf(InvalidValue, "the attribute %q must be a boolean, not %s", path.String(), describe(v))
}

func toInt(path valuePath, v any) (any, error) {
	switch n := v.(type) {
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i, nil
		}
		if f, err := n.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) <= 1<<53 {
			return int64(f), nil
		}
	case int64:
		return n, nil
	case int:
		return int64(n), nil
	case int32:
		return int64(n), nil
	case float64:
		if n == math.Trunc(n) && math.Abs(n) <= 1<<53 {
			return int64(n), nil
		}
	}
	return nil, Errorf(InvalidValue, "the attribute %q must be an integer, not %s", path.String(), describe(v))
}

func toFloat(path valuePath, v any) (any, error) {
	switch n := v.(type) {
	case json.Number:
		if f, err := strconv.ParseFloat(string(n), 64); err == nil && !math.IsInf(f, 0) {
			return f, nil
		}
	case float64:
		if !math.IsInf(n, 0) && !math.IsNaN(n) {
			return n, nil
		}
	case float32:
		return float64(n), nil
	case int64:
		return float64(n), nil
	case int:
		return float64(n), nil
	}
	return nil, Errorf(InvalidValue, "the attribute %q must be a decimal number, not %s", path.String(), describe(v))
}

// describe names a value for an error detail, quoting short strings and
// numbers.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) <= 64 {
			return strconv.Quote(x)
		}
	case json.Number:
		if len(x) <= 64 {
			return string(x)
		}
	}
	return jsonKind(v)
}

// Equal reports whether x and y, two canonical values of the attribute, are
// equal: strings compared as caseExact says, numbers numerically, dateTimes
// as instants, complex values sub-attribute by sub-attribute (a missing
// sub-attribute equals null) and, for a multi-valued attribute given two
// arrays, the arrays as unordered collections.
func (a *Attribute) Equal(x, y any) bool {
	if a.MultiValued {
		xs, xok := x.([]any)
		ys, yok := y.([]any)
		if xok && yok {
			return a.equalSets(xs, ys)
		}
	}
	return a.equalElement(x, y)
}

func (a *Attribute) equalSets(xs, ys []any) bool {
	if len(xs) != len(ys) {
		return false
	}
	used := make([]bool, len(ys))
outer:
	for _, x := range xs {
		for j, y := range ys {
			if !used[j] && a.equalElement(x, y) {
				used[j] = true
				continue outer
			}
		}
		return false
	}
	return true
}

func (a *Attribute) equalElement(x, y any) bool {
	if x == nil || y == nil {
		return x == nil && y == nil
	}
	switch a.Type {
	case Complex:
		xm, xok := x.(map[string]any)
		ym, yok := y.(map[string]any)
		if !xok || !yok {
			return false
		}
		for k, xv := range xm {
			s := a.SubAttribute(k)
			if s == nil {
				continue
			}
			if !s.Equal(xv, lookupFold(ym, s.Name)) {
				return false
			}
		}
		for k, yv := range ym {
			if s := a.SubAttribute(k); s != nil && yv != nil && lookupFold(xm, s.Name) == nil {
				return false
			}
		}
		return true
	case Integer, Decimal:
		if xi, ok := x.(int64); ok {
			if yi, ok := y.(int64); ok {
				return xi == yi
			}
		}
		xf, xok := number(x)
		yf, yok := number(y)
		return xok && yok && xf == yf
	case DateTime:
		xs, xok := x.(string)
		ys, yok := y.(string)
		if !xok || !yok {
			return false
		}
		xt, xerr := time.Parse(time.RFC3339Nano, xs)
		yt, yerr := time.Parse(time.RFC3339Nano, ys)
		if xerr != nil || yerr != nil {
			return xs == ys
		}
		return xt.Equal(yt)
	case Boolean:
		xb, xok := x.(bool)
		yb, yok := y.(bool)
		return xok && yok && xb == yb
	default:
		xs, xok := x.(string)
		ys, yok := y.(string)
		if !xok || !yok {
			return false
		}
		if a.CaseExact || a.Type == Binary {
			return xs == ys
		}
		return strings.EqualFold(xs, ys)
	}
}

// lookupFold returns m's value for key, matching the key exactly first and
// then case-insensitively.
func lookupFold(m map[string]any, key string) any {
	if v, ok := m[key]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

// number returns a numeric value as float64.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// valuePath is the path of a value inside a request body, such as
// "emails[1].value", kept in parts and joined only when an error reports
// it. Sub-attributes are never complex, so two levels suffice.
type valuePath struct {
	attr     string
	index    int // the element index of attr, or -1
	sub      string
	subIndex int // the element index of sub, or -1
}

func rootPath(attr string) valuePath { return valuePath{attr: attr, index: -1, subIndex: -1} }

// child returns the path of the sub-attribute name.
func (p valuePath) child(name string) valuePath {
	p.sub, p.subIndex = name, -1
	return p
}

// element returns the path of the i-th element of the value.
func (p valuePath) element(i int) valuePath {
	if p.sub == "" {
		p.index = i
	} else {
		p.subIndex = i
	}
	return p
}

func (p valuePath) String() string {
	s := p.attr
	if p.index >= 0 {
		s += "[" + strconv.Itoa(p.index) + "]"
	}
	if p.sub != "" {
		s += "." + p.sub
		if p.subIndex >= 0 {
			s += "[" + strconv.Itoa(p.subIndex) + "]"
		}
	}
	return s
}
