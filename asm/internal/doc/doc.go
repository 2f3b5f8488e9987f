// Package doc wraps the generators' doc sentences into comment lines, so
// that the generated stubs read like hand-written Go.
package doc

import "strings"

// Width is the longest comment line, "// " included, that Lines writes
// unless a single word is longer.
const Width = 79

// Lines splits text at spaces into lines that are at most Width-3
// characters long (a word longer than that gets a line of its own).
func Lines(text string) []string {
	var lines []string
	var cur strings.Builder
	for _, w := range strings.Fields(text) {
		if cur.Len() > 0 && cur.Len()+1+len(w) > Width-3 {
			lines = append(lines, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(w)
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// Comment returns text as "// "-prefixed lines, each ending in a newline.
func Comment(text string) string {
	var b strings.Builder
	for _, l := range Lines(text) {
		b.WriteString("// ")
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}
