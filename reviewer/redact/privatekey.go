package redact

import "strings"

// blockState follows a PEM private key block across the lines of one side of a file.
type blockState struct{ in bool }

// privateKeys masks the body of -----BEGIN ... PRIVATE KEY----- blocks. The BEGIN and END
// lines stay readable (the model may rightly say "a private key is committed here"); the
// base64 between them is masked on every line, whether the block spans many diff lines or
// sits on one line with \n escapes, as in a service-account JSON. A block left open runs to
// the END line or the end of the file, across hunks: an unseen END costs some readability,
// never a leak.
//
// begin says whether the line holds "-----BEGIN"; the token scan finds that on its way.
func privateKeys(s string, begin bool, sides [2]*blockState, spans []span) []span {
	in := false
	for _, sd := range sides {
		if sd != nil && sd.in {
			in = true
		}
	}
	if !in && !begin {
		return spans
	}
	pos := 0
	for pos <= len(s) {
		if !in {
			b := strings.Index(s[pos:], "-----BEGIN")
			if b < 0 {
				break
			}
			labelStart := pos + b + len("-----BEGIN")
			e := strings.Index(s[labelStart:], "-----")
			if e < 0 {
				break
			}
			label := s[labelStart : labelStart+e]
			pos = labelStart + e + len("-----")
			if !strings.Contains(label, "PRIVATE KEY") {
				continue
			}
			in = true
		}
		end := len(s)
		e := strings.Index(s[pos:], "-----END")
		if e >= 0 {
			end = pos + e
		}
		if a, z := base64Extent(s, pos, end); a < z {
			spans = append(spans, span{a, z, "private-key", prioKey})
		}
		if e < 0 {
			break
		}
		in = false
		pos = end + len("-----END")
		if c := strings.Index(s[pos:], "-----"); c >= 0 {
			pos += c + len("-----")
		} else {
			pos = len(s)
		}
	}
	for _, sd := range sides {
		if sd != nil {
			sd.in = in
		}
	}
	return spans
}

// base64Extent returns the stretch of s[from:to] from the first to the last run of at
// least four base64 characters. A backslash escape (\n) separates runs, so a JSON string's
// escapes at the edges stay outside the mask.
func base64Extent(s string, from, to int) (start, end int) {
	start, end = -1, -1
	for i := from; i < to; {
		if s[i] == '\\' {
			i += 2
			continue
		}
		if s[i] == placeholderOpen[0] {
			i = skipPlaceholder(s, i)
			continue
		}
		if !b64std[s[i]] {
			i++
			continue
		}
		j := i
		for j < to && b64std[s[j]] {
			j++
		}
		if j-i >= 4 {
			if start < 0 {
				start = i
			}
			end = j
		}
		i = j
	}
	if start < 0 {
		return 0, 0
	}
	return start, end
}
