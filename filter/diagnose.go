package filter

import (
	"fmt"
	"strings"
)

// diagnose explains why a filter the parser refused is malformed, in terms
// a client can act on: what was expected, what was found, and where
// (a 1-based byte position). The parser decides validity; diagnose only
// words the error. It returns "" when it finds nothing to say.
func diagnose(s string) string {
	toks, msg := tokenize(s)
	if msg != "" {
		return msg
	}
	// A small state machine over the RFC 7644 §3.4.2.2 grammar:
	// operand:  "not" "(" filter ")" | "(" filter ")" | attrPath compare | attrPath "[" filter "]"
	// compare:  "pr" | compareOp compValue
	// after:    "and" | "or" | ")" | "]" | end
	type state int
	const (
		operand state = iota
		operator
		value
		after
	)
	var closers []byte // the brackets still open, innermost last
	st := operand
	var last token
	for _, tk := range toks {
		lower := strings.ToLower(tk.text)
		switch st {
		case operand:
			switch {
			case tk.text == "(":
				closers = append(closers, ')')
			case lower == "not" && tk.kind == word:
			case tk.kind == word && isAttrPath(tk.text) && lower != "and" && lower != "or":
				st = operator
			default:
				return fmt.Sprintf("at position %d: expected an attribute name, \"not\" or \"(\", found %s", tk.pos, tk.describe())
			}
		case operator:
			switch {
			case tk.text == "[":
				closers = append(closers, ']')
				st = operand
			case lower == "pr":
				st = after
			case tk.kind == word && operators[lower]:
				st = value
			case tk.kind == word:
				return fmt.Sprintf("at position %d: unknown operator %q after %q (use eq, ne, co, sw, ew, gt, ge, lt, le or pr)", tk.pos, tk.text, last.text)
			default:
				return fmt.Sprintf("at position %d: expected an operator after %q, found %s", tk.pos, last.text, tk.describe())
			}
		case value:
			if tk.kind != quoted && !(tk.kind == word && isBareValue(lower)) {
				return fmt.Sprintf("at position %d: expected a value after %q (a quoted string, a number, true, false or null), found %s", tk.pos, last.text, tk.describe())
			}
			st = after
		case after:
			switch {
			case lower == "and" || lower == "or":
				st = operand
			case tk.text == ")" || tk.text == "]":
				if len(closers) == 0 || closers[len(closers)-1] != tk.text[0] {
					return fmt.Sprintf("at position %d: %q closes nothing", tk.pos, tk.text)
				}
				closers = closers[:len(closers)-1]
			default:
				return fmt.Sprintf("at position %d: expected \"and\", \"or\" or the end of the filter, found %s", tk.pos, tk.describe())
			}
		}
		last = tk
	}
	switch {
	case len(toks) == 0:
		return "the filter is empty"
	case st == operator:
		return fmt.Sprintf("the filter ends after %q: expected an operator", last.text)
	case st == value:
		return fmt.Sprintf("the filter ends after %q: expected a value", last.text)
	case st == operand:
		return fmt.Sprintf("the filter ends after %q: expected an attribute name", last.text)
	case len(closers) > 0:
		return fmt.Sprintf("the filter ends with %q still open: expected %q", string(opener(closers[len(closers)-1])), string(closers[len(closers)-1]))
	}
	return ""
}

var operators = map[string]bool{"eq": true, "ne": true, "co": true, "sw": true, "ew": true, "gt": true, "ge": true, "lt": true, "le": true}

func opener(closer byte) byte {
	if closer == ']' {
		return '['
	}
	return '('
}

// isBareValue reports whether an unquoted word is a comparison value:
// true, false, null or a number.
func isBareValue(w string) bool {
	if w == "true" || w == "false" || w == "null" {
		return true
	}
	digits := false
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case c >= '0' && c <= '9':
			digits = true
		case c == '-' || c == '+' || c == '.' || c == 'e':
		default:
			return false
		}
	}
	return digits
}

// isAttrPath reports whether w has the characters of an attribute path
// (RFC 7644 ATTRNAME with dots, or a URN-qualified name).
func isAttrPath(w string) bool {
	c := w[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '$') {
		return false
	}
	for i := 1; i < len(w); i++ {
		switch c := w[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '_' || c == '-' || c == '.' || c == ':' || c == '$':
		default:
			return false
		}
	}
	return true
}

type tokenKind int

const (
	word tokenKind = iota
	quoted
	punct
)

type token struct {
	kind tokenKind
	text string
	pos  int // 1-based
}

func (t token) describe() string {
	return fmt.Sprintf("%q", t.text)
}

// tokenize splits a filter into words, quoted strings and brackets. It
// returns a message instead when a string is not terminated.
func tokenize(s string) ([]token, string) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')' || c == '[' || c == ']':
			toks = append(toks, token{punct, s[i : i+1], i + 1})
			i++
		case c == '"':
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' {
					j++
				}
			}
			if j >= len(s) {
				return nil, fmt.Sprintf("at position %d: the string is not terminated: expected a closing '\"'", i+1)
			}
			toks = append(toks, token{quoted, s[i : j+1], i + 1})
			i = j + 1
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r()[]\"", rune(s[j])) {
				j++
			}
			toks = append(toks, token{word, s[i:j], i + 1})
			i = j
		}
	}
	return toks, ""
}
