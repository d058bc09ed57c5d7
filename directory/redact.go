package directory

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/scimkit/scim/schema"
)

// Redacted replaces every sensitive value in a logged body.
const Redacted = "[redacted]"

// node is one level of a resource type's attribute tree, reduced to what
// redaction needs: whether the value is sensitive (returned:never or
// writeOnly) and the nodes of its sub-attributes or, at the root, of its
// attributes and extension schemas, by lowercase name or URN.
type node struct {
	sensitive bool
	children  map[string]*node
	// urns are the schema URNs of the root, longest first, for splitting
	// URN-qualified attribute paths.
	urns []string
}

func (n *node) child(name string) *node {
	if n == nil {
		return nil
	}
	return n.children[strings.ToLower(name)]
}

func attrNode(a *schema.Attribute) *node {
	n := &node{sensitive: a.EffectiveReturned() == schema.ReturnedNever || a.EffectiveMutability() == schema.WriteOnly}
	if len(a.SubAttributes) > 0 {
		n.children = map[string]*node{}
		for _, s := range a.SubAttributes {
			n.children[strings.ToLower(s.Name)] = attrNode(s)
		}
	}
	return n
}

// merge adds the attributes of src to dst: a name is sensitive in the
// result if it is in either.
func merge(dst, src *node) {
	dst.sensitive = dst.sensitive || src.sensitive
	for k, s := range src.children {
		if dst.children == nil {
			dst.children = map[string]*node{}
		}
		d, ok := dst.children[k]
		if !ok {
			d = &node{}
			dst.children[k] = d
		}
		merge(d, s)
	}
}

// typeTree returns the redaction tree of a resource type: core and common
// attributes at the root, each extension under its URN; the core URN leads
// to the root itself.
func typeTree(rt *schema.ResourceType) *node {
	root := &node{children: map[string]*node{}}
	for _, a := range schema.CommonAttributes() {
		root.children[strings.ToLower(a.Name)] = attrNode(a)
	}
	for _, a := range rt.Schema.Attributes {
		root.children[strings.ToLower(a.Name)] = attrNode(a)
	}
	root.urns = append(root.urns, strings.ToLower(rt.Schema.ID))
	for _, e := range rt.Extensions {
		ext := &node{children: map[string]*node{}}
		for _, a := range e.Schema.Attributes {
			ext.children[strings.ToLower(a.Name)] = attrNode(a)
		}
		root.children[strings.ToLower(e.Schema.ID)] = ext
		root.urns = append(root.urns, strings.ToLower(e.Schema.ID))
	}
	return root
}

// redactor redacts the bodies of one directory's requests, by endpoint.
type redactor struct {
	byEndpoint map[string]*node // "/users" -> tree
	union      *node            // every resource type's tree merged
	// names are the lowercase names of every sensitive attribute, and
	// "password": a body that contains none of them (in any case, and
	// without \u escapes that could spell one) has nothing to redact.
	names [][]byte
}

// collectNames adds the names of n's sensitive descendants to set.
func collectNames(n *node, set map[string]bool) {
	for k, c := range n.children {
		if c.sensitive {
			set[k] = true
		}
		collectNames(c, set)
	}
}

func newRedactor(types []*schema.ResourceType) *redactor {
	r := &redactor{byEndpoint: map[string]*node{}, union: &node{children: map[string]*node{}}}
	for _, rt := range types {
		t := typeTree(rt)
		r.byEndpoint[strings.ToLower(rt.Endpoint)] = t
		merge(r.union, t)
		r.union.urns = append(r.union.urns, t.urns...)
	}
	set := map[string]bool{"password": true}
	collectNames(r.union, set)
	for k := range set {
		r.names = append(r.names, []byte(k))
	}
	// /Me is a User.
	if u, ok := r.byEndpoint["/users"]; ok {
		r.byEndpoint["/me"] = u
	}
	return r
}

// treeFor returns the tree of the resource type a path (relative to the
// directory, such as "/Users/123" or "/Groups") addresses, or the union
// when it names none.
func (r *redactor) treeFor(path string) *node {
	path, _, _ = strings.Cut(path, "?")
	if i := strings.Index(path, "://"); i >= 0 { // a bulk response's location
		rest := path[i+3:]
		for _, seg := range strings.Split(rest, "/") {
			if t, ok := r.byEndpoint["/"+strings.ToLower(seg)]; ok {
				return t
			}
		}
		return r.union
	}
	first := strings.TrimPrefix(path, "/")
	first, _, _ = strings.Cut(first, "/")
	if t, ok := r.byEndpoint["/"+strings.ToLower(first)]; ok {
		return t
	}
	return r.union
}

// body returns the redacted text of a captured JSON body of a request to
// path, and the redacted document. total is the body's full length; a body
// longer than what was captured, or one that is not JSON, cannot be
// redacted safely and is replaced by a note.
func (r *redactor) body(path string, captured []byte, total int64) (string, any) {
	if total == 0 {
		return "", nil
	}
	if int64(len(captured)) < total {
		return "[body of " + strconv.FormatInt(total, 10) + " bytes not kept: over the capture limit]", nil
	}
	if !r.mayHoldSecrets(captured) {
		// The common case, such as every response to a GET: no name
		// of a sensitive attribute appears, so the body is kept as it is,
		// without decoding and encoding it again.
		return string(captured), nil
	}
	dec := json.NewDecoder(bytes.NewReader(captured))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil || dec.More() {
		return "[body of " + strconv.FormatInt(total, 10) + " bytes not kept: not JSON]", nil
	}
	doc = r.redactDoc(doc, r.treeFor(path))
	out, err := json.Marshal(doc)
	if err != nil {
		return "[body not kept: not encodable]", nil
	}
	return string(out), doc
}

// mayHoldSecrets reports whether body might hold a sensitive value: it
// names a sensitive attribute in some case, or uses a \u escape that
// could spell one.
func (r *redactor) mayHoldSecrets(body []byte) bool {
	if bytes.Contains(body, []byte(`\u`)) {
		return true
	}
	lower := bytes.ToLower(body)
	for _, n := range r.names {
		if bytes.Contains(lower, n) {
			return true
		}
	}
	return false
}

// redactDoc redacts a SCIM message: a resource, a PatchOp, a bulk request
// or response, or a list response, whose resources are of tree's type.
func (r *redactor) redactDoc(doc any, tree *node) any {
	obj, ok := doc.(map[string]any)
	if !ok {
		return redactValue(doc, tree)
	}
	for k, v := range obj {
		switch strings.ToLower(k) {
		case "operations":
			ops, _ := v.([]any)
			for _, op := range ops {
				if m, ok := op.(map[string]any); ok {
					r.redactOperation(m, tree)
				}
			}
			if ops == nil {
				obj[k] = redactValue(v, nil)
			}
		case "resources":
			if list, ok := v.([]any); ok {
				for i, res := range list {
					list[i] = redactValue(res, tree)
				}
			} else {
				obj[k] = redactValue(v, nil)
			}
		default:
			obj[k] = redactKey(tree, k, v)
		}
	}
	return obj
}

// redactOperation redacts one operation of a PatchOp or of a bulk request
// or response.
func (r *redactor) redactOperation(op map[string]any, tree *node) {
	bulk := false
	for k := range op {
		switch strings.ToLower(k) {
		case "method", "data", "response", "bulkid", "location":
			bulk = true
		}
	}
	if bulk {
		where := ""
		for k, v := range op {
			if s, ok := v.(string); ok && (strings.EqualFold(k, "path") || strings.EqualFold(k, "location")) && where == "" {
				where = s
			}
		}
		t := r.treeFor(where)
		for k, v := range op {
			switch strings.ToLower(k) {
			case "data", "response":
				op[k] = r.redactDoc(v, t)
			}
		}
		return
	}
	var path string
	for k, v := range op {
		if strings.EqualFold(k, "path") {
			path, _ = v.(string)
		}
	}
	for k, v := range op {
		if !strings.EqualFold(k, "value") {
			continue
		}
		switch n := resolvePath(tree, path); {
		case path == "":
			op[k] = redactValue(v, tree)
		case n != nil:
			op[k] = redactValue(v, n)
		case strings.Contains(strings.ToLower(path), "password"):
			op[k] = Redacted
		default:
			op[k] = redactValue(v, nil)
		}
	}
}

// resolvePath returns the node an attribute path names, such as
// "password", "name.givenName", `emails[type eq "work"].value` or an
// extension attribute qualified by its URN, or nil.
func resolvePath(root *node, path string) *node {
	if root == nil || path == "" {
		return nil
	}
	p := strings.ToLower(path)
	n := root
	for _, urn := range root.urns {
		if strings.HasPrefix(p, urn) {
			rest := p[len(urn):]
			if rest == "" {
				if c := root.child(urn); c != nil {
					return c
				}
				return root
			}
			if rest[0] != ':' {
				continue
			}
			if c := root.child(urn); c != nil {
				n = c
			}
			p = rest[1:]
			break
		}
	}
	// Drop value filters: emails[type eq "work"].value -> emails.value.
	var b strings.Builder
	depth := 0
	for _, c := range p {
		switch {
		case c == '[':
			depth++
		case c == ']':
			depth--
		case depth == 0:
			b.WriteRune(c)
		}
	}
	for _, seg := range strings.Split(b.String(), ".") {
		if n = n.child(seg); n == nil {
			return nil
		}
	}
	return n
}

// redactKey redacts the value v of key k in an object whose attributes n
// describes. A key may be an attribute name, an extension URN, or a dotted
// or URN-qualified path as identity providers send in PATCH values.
func redactKey(n *node, k string, v any) any {
	c := n.child(k)
	if c == nil {
		c = resolvePath(n, k)
	}
	if c == nil && strings.Contains(strings.ToLower(k), "password") {
		return Redacted
	}
	return redactValue(v, c)
}

// redactValue redacts v, whose attribute n describes (nil: unknown, where
// only keys that name a password are redacted).
func redactValue(v any, n *node) any {
	if v == nil {
		return nil
	}
	if n != nil && n.sensitive {
		return Redacted
	}
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			v[k] = redactKey(n, k, x)
		}
	case []any:
		for i, x := range v {
			v[i] = redactValue(x, n)
		}
	}
	return v
}
