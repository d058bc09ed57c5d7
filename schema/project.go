package schema

import "strings"

// Bounds of the lists ParseProjection accepts. The core User schema with
// the enterprise extension has fewer than 100 attribute paths, each under
// 100 bytes even when qualified by its schema URN, so a longer list or
// path names attributes no schema has and only costs the server time.
const (
	// MaxProjectionPaths is the most attribute paths one attributes or
	// excludedAttributes parameter may list.
	MaxProjectionPaths = 256
	// MaxProjectionPathLength is the longest attribute path, in bytes,
	// such a list may hold.
	MaxProjectionPathLength = 512
)

// ParseProjection builds a Projection from the values of the attributes and
// excludedAttributes query parameters: comma-separated attribute paths,
// trimmed, with empty parts dropped. A list of more than
// MaxProjectionPaths paths, or with a path longer than
// MaxProjectionPathLength bytes, is an *Error of type invalidValue.
func ParseProjection(attributes, excludedAttributes string) (Projection, error) {
	attrs, err := splitList("attributes", attributes)
	if err != nil {
		return Projection{}, err
	}
	excluded, err := splitList("excludedAttributes", excludedAttributes)
	if err != nil {
		return Projection{}, err
	}
	return Projection{Attributes: attrs, ExcludedAttributes: excluded}, nil
}

// splitList splits the value of the parameter param, checking the bounds
// as it goes so that an oversized list costs no more than one pass over it.
func splitList(param, s string) ([]string, error) {
	var out []string
	for s != "" {
		var part string
		part, s, _ = strings.Cut(s, ",")
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		if len(part) > MaxProjectionPathLength {
			return nil, Errorf(InvalidValue, "%s holds a path of %d bytes (%.20q...); the maximum is %d", param, len(part), part, MaxProjectionPathLength)
		}
		if len(out) == MaxProjectionPaths {
			return nil, Errorf(InvalidValue, "%s lists more than %d attribute paths", param, MaxProjectionPaths)
		}
		out = append(out, part)
	}
	return out, nil
}

// IsZero reports whether the projection asks for the default set of
// attributes.
func (p Projection) IsZero() bool {
	return len(p.Attributes) == 0 && len(p.ExcludedAttributes) == 0
}

// attrKey identifies a top-level attribute: the extension URN in the
// schema's case ("" for core and common attributes) and the attribute name
// in lower case.
type attrKey struct {
	ext, name string
}

// pathSet is a parsed list of attribute paths.
type pathSet struct {
	exts  map[string]bool             // whole extensions, by URN in the schema's case
	attrs map[attrKey]bool            // whole attributes
	subs  map[attrKey]map[string]bool // sub-attributes by lower-case name
}

func (s *pathSet) empty() bool {
	return len(s.exts) == 0 && len(s.attrs) == 0 && len(s.subs) == 0
}

// parsePaths resolves attribute paths against rt. Paths naming no schema
// of rt are resolved by name only, so that attributes a document carries
// beyond its schema can still be named; unknown sub-attributes are kept the
// same way.
func parsePaths(rt *ResourceType, paths []string) pathSet {
	if len(paths) == 0 {
		return pathSet{}
	}
	s := pathSet{
		exts:  map[string]bool{},
		attrs: map[attrKey]bool{},
		subs:  map[attrKey]map[string]bool{},
	}
	for _, path := range paths {
		urn, rest := rt.SplitURN(path)
		ext := ""
		if urn != "" && !strings.EqualFold(urn, rt.Schema.ID) {
			e := rt.Extension(urn)
			if rest == "" {
				s.exts[e.ID] = true
				continue
			}
			ext = e.ID
		} else if urn != "" && rest == "" {
			continue
		}
		name, sub, hasSub := strings.Cut(rest, ".")
		k := attrKey{ext: ext, name: strings.ToLower(name)}
		if !hasSub {
			s.attrs[k] = true
			continue
		}
		if s.subs[k] == nil {
			s.subs[k] = map[string]bool{}
		}
		s.subs[k][strings.ToLower(sub)] = true
	}
	return s
}

// namedWhole reports whether the set names the attribute as a whole,
// directly or through its extension.
func (s *pathSet) namedWhole(k attrKey) bool {
	return s.attrs[k] || (k.ext != "" && s.exts[k.ext])
}

// named reports whether the set names the attribute or any of its
// sub-attributes.
func (s *pathSet) named(k attrKey) bool {
	return s.namedWhole(k) || len(s.subs[k]) > 0
}

// projector holds a parsed projection for one resource type.
type projector struct {
	rt       *ResourceType
	include  pathSet
	exclude  pathSet
	explicit bool // the attributes parameter was given
	zero     bool // neither parameter names anything
}

func newProjector(rt *ResourceType, p Projection) *projector {
	pr := makeProjector(rt, p)
	return &pr
}

// makeProjector returns a projector by value, for callers that keep it on
// the stack.
func makeProjector(rt *ResourceType, p Projection) projector {
	pr := projector{rt: rt, include: parsePaths(rt, p.Attributes), exclude: parsePaths(rt, p.ExcludedAttributes)}
	pr.explicit = !pr.include.empty()
	pr.zero = !pr.explicit && pr.exclude.empty()
	return pr
}

// key returns the attrKey of a document key. Keys are looked up only in
// the parsed paths, so without any the name is left as it is rather than
// lower-cased for nothing.
func (pr *projector) key(ext, name string) attrKey {
	if pr.zero {
		return attrKey{ext: ext, name: name}
	}
	return attrKey{ext: ext, name: strings.ToLower(name)}
}

// wanted reports whether the top-level attribute a (nil when the schema
// does not define it) under key k appears in the output at all.
func (pr *projector) wanted(a *Attribute, k attrKey) bool {
	returned := ReturnedDefault
	if a != nil {
		returned = a.EffectiveReturned()
	}
	switch returned {
	case ReturnedNever:
		return false
	case ReturnedAlways:
		return true
	}
	if pr.explicit {
		return pr.include.named(k)
	}
	if returned == ReturnedRequest {
		return false
	}
	return !pr.exclude.namedWhole(k)
}

// Includes reports whether the top-level or extension attribute at path
// ("members", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager")
// can appear in a response projected with p, so that a store can skip
// loading what will not be returned. A path that is a whole extension URN
// reports whether any of its attributes can appear. A path the resource
// type does not define follows the rules of a returned "default"
// attribute.
func (p Projection) Includes(rt *ResourceType, path string) bool {
	pr := makeProjector(rt, p)
	urn, rest := rt.SplitURN(path)
	if urn != "" && !strings.EqualFold(urn, rt.Schema.ID) {
		ext := rt.Extension(urn)
		if rest == "" {
			for _, a := range ext.Attributes {
				if pr.wanted(a, attrKey{ext: ext.ID, name: strings.ToLower(a.Name)}) {
					return true
				}
			}
			return false
		}
		name, _, _ := strings.Cut(rest, ".")
		return pr.wanted(ext.Attribute(name), attrKey{ext: ext.ID, name: strings.ToLower(name)})
	}
	name, _, _ := strings.Cut(rest, ".")
	return pr.wanted(pr.coreAttribute(name), attrKey{name: strings.ToLower(name)})
}

// coreAttribute returns the core or common attribute with the given name,
// or the schemas attribute, or nil.
func (pr *projector) coreAttribute(name string) *Attribute {
	if a := pr.rt.Schema.Attribute(name); a != nil {
		return a
	}
	if a := findAttribute(commonAttributes, name); a != nil {
		return a
	}
	if strings.EqualFold(name, schemasAttribute.Name) {
		return schemasAttribute
	}
	return nil
}

// Project returns the attributes of doc, a full resource object (schemas,
// id, attributes, meta, extensions under their URN key), that a response
// shows under the projection p (RFC 7643 §7 "returned", RFC 7644
// §3.4.2.5):
//   - attributes returned "never" (password) never appear;
//   - attributes returned "always" (id, schemas) always appear and cannot
//     be excluded;
//   - attributes returned "request" appear only when p.Attributes names
//     them;
//   - when p.Attributes is set, only the attributes and sub-attributes it
//     names appear (with the "always" ones); otherwise every "default"
//     attribute appears except those p.ExcludedAttributes names.
//
// Paths may name sub-attributes ("name.givenName", "emails.value",
// "meta.version"), a whole extension by its URN, or an attribute qualified
// by its schema URN; they are matched case-insensitively and unknown paths
// are ignored. An extension left empty is omitted. Project returns a new
// map and never modifies doc; values that need no projection are shared
// with doc.
func (rt *ResourceType) Project(doc map[string]any, p Projection) map[string]any {
	pr := newProjector(rt, p)
	out := make(map[string]any, len(doc))
	for key, v := range doc {
		if ext := extensionKey(rt, key); ext != nil {
			m, ok := v.(map[string]any)
			if !ok {
				continue
			}
			if pm := pr.projectObject(ext.Attributes, ext.ID, m); len(pm) > 0 {
				out[key] = pm
			}
			continue
		}
		a := pr.coreAttribute(key)
		k := pr.key("", key)
		if !pr.wanted(a, k) {
			continue
		}
		if pv, ok := pr.value(a, k, v); ok {
			out[key] = pv
		}
	}
	return out
}

// projectObject projects the attributes of an extension object.
func (pr *projector) projectObject(attrs []*Attribute, ext string, m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for key, v := range m {
		a := findAttribute(attrs, key)
		k := pr.key(ext, key)
		if !pr.wanted(a, k) {
			continue
		}
		if pv, ok := pr.value(a, k, v); ok {
			out[key] = pv
		}
	}
	return out
}

// value projects the sub-attributes of a wanted top-level attribute's
// value. It returns false when the projection leaves a complex value with
// no sub-attribute, or a multi-valued one with no element, so that the
// attribute is left out rather than shown empty.
func (pr *projector) value(a *Attribute, k attrKey, v any) (any, bool) {
	if a == nil || a.Type != Complex {
		return v, true
	}
	f := pr.subFilter(a, k)
	if f == nil {
		return v, true
	}
	switch x := v.(type) {
	case map[string]any:
		pm := f.apply(x)
		return pm, len(pm) > 0
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			if m, ok := e.(map[string]any); ok {
				if pm := f.apply(m); len(pm) > 0 {
					out = append(out, pm)
				}
				continue
			}
			out = append(out, e)
		}
		return out, len(out) > 0
	}
	return v, true
}

// subFilter decides which sub-attributes of a complex value appear.
type subFilter struct {
	a    *Attribute
	keep func(s *Attribute, lowerName string) bool
}

func (f *subFilter) apply(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for key, v := range m {
		if f.keep(f.a.SubAttribute(key), strings.ToLower(key)) {
			out[key] = v
		}
	}
	return out
}

// subFilter returns the filter for the sub-attributes of a, or nil when
// every sub-attribute of the value appears as it is.
func (pr *projector) subFilter(a *Attribute, k attrKey) *subFilter {
	always := a.EffectiveReturned() == ReturnedAlways
	whole := pr.include.namedWhole(k)
	subsNamed := pr.include.subs[k]
	excluded := pr.exclude.subs[k]
	keep := func(s *Attribute, name string) bool {
		returned := ReturnedDefault
		if s != nil {
			returned = s.EffectiveReturned()
		}
		switch returned {
		case ReturnedNever:
			return false
		case ReturnedAlways:
			return true
		}
		if pr.explicit && !whole && !always {
			return subsNamed[name]
		}
		if returned == ReturnedRequest {
			return whole || subsNamed[name]
		}
		return pr.explicit || always || !excluded[name]
	}
	needed := (pr.explicit && !whole && !always) || (!pr.explicit && len(excluded) > 0 && !always)
	for _, s := range a.SubAttributes {
		if r := s.EffectiveReturned(); r == ReturnedNever || r == ReturnedRequest {
			needed = true
		}
	}
	if !needed {
		return nil
	}
	return &subFilter{a: a, keep: keep}
}

// extensionKey returns the extension whose URN is the document key, or nil.
func extensionKey(rt *ResourceType, key string) *Schema {
	if len(key) < 4 || !strings.EqualFold(key[:4], "urn:") {
		return nil
	}
	return rt.Extension(key)
}

// View is how the zero projection (neither attributes nor
// excludedAttributes) shows the value under one top-level key of a
// resource's document; see ResourceType.DefaultView.
type View int

const (
	// ViewWhole: the value is shown as it is; an extension's value only
	// when it is an object that is not empty.
	ViewWhole View = iota
	// ViewHidden: the value is never shown (returned "never" or
	// "request").
	ViewHidden
	// ViewPartial: Project must look inside the value, some of whose
	// sub-attributes are not shown.
	ViewPartial
)

// DefaultView reports how Project with the zero projection shows the value
// under the document key, so that an encoder can write the values shown
// whole straight from the document without projecting it. Keys the
// resource type does not define are shown whole, as Project shows them.
func (rt *ResourceType) DefaultView(key string) View {
	pr := newProjector(rt, Projection{})
	partial := func(a *Attribute, k attrKey) bool {
		return a != nil && a.Type == Complex && pr.subFilter(a, k) != nil
	}
	if ext := extensionKey(rt, key); ext != nil {
		for _, a := range ext.Attributes {
			k := attrKey{ext: ext.ID, name: a.Name}
			if !pr.wanted(a, k) || partial(a, k) {
				return ViewPartial
			}
		}
		return ViewWhole
	}
	a, k := pr.coreAttribute(key), attrKey{name: key}
	switch {
	case !pr.wanted(a, k):
		return ViewHidden
	case partial(a, k):
		return ViewPartial
	}
	return ViewWhole
}
