package symptom

import (
	"regexp"
	"strings"
)

// Log excerpts copied out of documentation keep its emphasis markup: the
// Markdown sources of Elastic's guides write "**missing authentication**
// credentials for action [...]", the AsciiDoc ones "*connect_exception*".
// The rules' literals and patterns would miss such a record, so the matcher
// reads its text with the markup taken off (see unmarkup). The prefilter
// literals of the rules whose anchors a highlight can split are fragments
// that survive it (Rule.Prefilter).
var (
	reBoldMarkup = regexp.MustCompile(`\*\*([^*\n]+?)\*\*`)
	// A single-star highlight opens after a blank, a bracket or a colon
	// and holds a word, so wildcards ("logs-*", "*:logs-*") stay as they are.
	reEmphasisMarkup = regexp.MustCompile(`(^|[\s(\[:])\*([A-Za-z][^*\n]*?[^\s*])\*($|[\s,.;:)\]])`)
)

// unmarkup removes Markdown/AsciiDoc emphasis markers from s; text without
// a '*' is returned as is.
func unmarkup(s string) string {
	if !strings.Contains(s, "*") {
		return s
	}
	s = reBoldMarkup.ReplaceAllString(s, "$1")
	if !strings.Contains(s, "*") {
		return s
	}
	// A highlight may end where the next begins ("*a* *b*"): run twice.
	for i := 0; i < 2; i++ {
		s = reEmphasisMarkup.ReplaceAllString(s, "$1$2$3")
	}
	return s
}
