package layout

import (
	"bytes"

	"github.com/esdoctor/esdoctor/agent/logs/record"
)

// Detect tells a file's layout from its first bytes: record.LayoutPlain,
// record.LayoutECS, record.LayoutJSON7 or record.LayoutUnknown. It looks at
// the first line that opens an ES record (after a container prefix).
func Detect(sample []byte) string {
	for len(sample) > 0 {
		line, rest := firstLine(sample)
		sample = rest
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		line = bytes.TrimPrefix(line, utf8BOM)
		if n := indentedHeader(line); n > 0 {
			line = line[n:]
		}
		if n := containerPrefix(line); n > 0 {
			if k := classify(line[n:]); k == kindPlain || k == kindJSON {
				line = line[n:]
			}
		}
		switch classify(line) {
		case kindPlain:
			return record.LayoutPlain
		case kindJSON:
			obj := line
			if len(bytes.TrimSpace(line)) == 1 {
				// Pretty-printed: judge the object's first lines.
				obj = sample
				if len(obj) > 4096 {
					obj = obj[:4096]
				}
			}
			if isJSON7(obj) {
				return record.LayoutJSON7
			}
			return record.LayoutECS
		}
	}
	return record.LayoutUnknown
}

// isJSON7 recognises a 7.x ESJsonLayout line: "type": "server" or a
// "timestamp" key without "@timestamp".
func isJSON7(line []byte) bool {
	if bytes.Contains(line, []byte(`"type": "server"`)) || bytes.Contains(line, []byte(`"type":"server"`)) {
		return true
	}
	return bytes.Contains(line, []byte(`"timestamp"`)) && !bytes.Contains(line, []byte(`"@timestamp"`))
}
