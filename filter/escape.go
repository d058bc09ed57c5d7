package filter

import "strings"

// upperEscapes returns s with the hex digits of every \uXXXX escape inside
// its quoted strings in upper case. JSON allows either case ("\u00e9",
// which encoding/json writes, and "\u00E9"), but the underlying parser
// accepts only upper case.
func upperEscapes(s string) string {
	if !strings.Contains(s, `\u`) {
		return s
	}
	b := []byte(s)
	quoted := false
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == '"':
			quoted = !quoted
		case quoted && b[i] == '\\' && i+1 < len(b):
			if b[i+1] == 'u' && i+5 < len(b) {
				for j := i + 2; j < i+6; j++ {
					if b[j] >= 'a' && b[j] <= 'f' {
						b[j] -= 'a' - 'A'
					}
				}
			}
			i++ // the escaped character
		}
	}
	return string(b)
}
