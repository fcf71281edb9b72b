package bundle

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/klauspost/compress/gzip"

	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/safefile"
)

// Caps on what a bundle read holds at any time: Stream never holds more
// than one event, and no event may be longer than MaxEventSize (which caps
// every field in it). The decompressed size is capped by MaxStreamSize.
const (
	// MaxStreamSize bounds a streamed bundle's decompressed size: a million
	// symptom events of real log lines are about 850 MB of JSON; 1 GiB of
	// gzip-bombed whitespace is refused in a few seconds.
	MaxStreamSize = 1 << 30
	// MaxEvents bounds the events of one bundle.
	MaxEvents = 5_000_000
	// MaxEventSize bounds one event's JSON (and so any field in it).
	MaxEventSize = 1 << 20
)

// Header is a bundle without its events.
type Header struct {
	Format    string            `json:"format"`
	Version   int               `json:"version"`
	CreatedAt time.Time         `json:"created_at"`
	Cluster   string            `json:"cluster"`
	Node      string            `json:"node"`
	Agent     string            `json:"agent,omitempty"`
	Errors    []event.FileError `json:"errors,omitempty"`
	// Events is how many events were streamed.
	Events int `json:"-"`
}

// windowReader refuses to read more than max bytes since the last mark (it
// bounds what the JSON decoder buffers for one value) and more than limit
// bytes in all (the decompressed size).
type windowReader struct {
	r     io.Reader
	n     int64
	max   int64
	total int64
	limit int64
}

var errTooLong = errors.New("too long")

func (w *windowReader) Read(p []byte) (int, error) {
	if w.n > w.max {
		return 0, fmt.Errorf("a value longer than %d bytes: %w", w.max, errTooLong)
	}
	if w.total > w.limit {
		return 0, fmt.Errorf("decompresses to more than %d bytes: %w", w.limit, errTooLong)
	}
	if int64(len(p)) > 64<<10 {
		p = p[:64<<10]
	}
	n, err := w.r.Read(p)
	w.n += int64(n)
	w.total += int64(n)
	return n, err
}

// Stream reads the bundle at path one event at a time: fn gets each event
// (after validation) and nothing is kept. The header's fields that come
// after the events (errors) are filled by the time Stream returns. With
// headerOnly, reading stops at the events (cheap).
func Stream(path string, headerOnly bool, fn func(*event.Envelope) error) (*Header, error) {
	f, _, err := safefile.Open(path, 0)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", path, err)
	}
	defer f.Close()
	h, err := StreamReader(f, headerOnly, fn)
	if err != nil {
		return h, fmt.Errorf("bundle %s: %w", path, err)
	}
	return h, nil
}

// StreamReader is Stream over a reader (gzip or plain JSON).
//
// It decodes with the JSON v2 candidate (github.com/go-json-experiment/json)
// and klauspost's gzip: on a bundle of a million symptoms, encoding/json
// and compress/gzip spent most of analyze's time scanning every value
// twice and inflating. v2 is also stricter where a hostile file could
// mislead: duplicate member names and invalid UTF-8 are errors.
func StreamReader(r io.Reader, headerOnly bool, fn func(*event.Envelope) error) (*Header, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(2)
	var src io.Reader = br
	if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("not a bundle: %w", err)
		}
		defer zr.Close()
		src = zr
	}
	w := &windowReader{r: src, max: MaxEventSize, limit: MaxStreamSize}
	dec := jsontext.NewDecoder(w)
	// mark starts a new value's window: what the decoder has buffered
	// beyond its position counts towards the next value.
	mark := func() { w.n = w.total - dec.InputOffset() }
	h := &Header{}
	bad := func(err error) (*Header, error) {
		var se *jsontext.SyntacticError
		var sem *json.SemanticError
		switch {
		case errors.Is(err, errTooLong):
			return h, err
		case errors.As(err, &se), errors.As(err, &sem), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			return h, fmt.Errorf("not a bundle (malformed JSON): %w", err)
		}
		return h, err
	}
	if t, err := dec.ReadToken(); err != nil {
		return bad(err)
	} else if t.Kind() != '{' {
		return h, errors.New("not a bundle (not a JSON object)")
	}
	sawEvents := false
	for dec.PeekKind() != '}' {
		mark()
		t, err := dec.ReadToken()
		if err != nil {
			return bad(err)
		}
		key := t.String()
		var dst any
		switch key {
		case "format":
			dst = &h.Format
		case "version":
			dst = &h.Version
		case "created_at":
			dst = &h.CreatedAt
		case "cluster":
			dst = &h.Cluster
		case "node":
			dst = &h.Node
		case "agent":
			dst = &h.Agent
		case "errors":
			dst = &h.Errors
		case "events":
			if err := checkHeader(h); err != nil {
				return h, err
			}
			sawEvents = true
			if headerOnly {
				return h, nil
			}
			if err := streamEvents(dec, mark, h, fn); err != nil {
				return bad(err)
			}
			continue
		default:
			if err := dec.SkipValue(); err != nil {
				return bad(fmt.Errorf("field %q: %w", key, err))
			}
			continue
		}
		if err := json.UnmarshalDecode(dec, dst); err != nil {
			return bad(fmt.Errorf("field %q: %w", key, err))
		}
	}
	if _, err := dec.ReadToken(); err != nil { // '}'
		return bad(err)
	}
	if err := checkHeader(h); err != nil {
		return h, err
	}
	if !sawEvents || h.Events == 0 {
		return h, errors.New("bundle holds no events")
	}
	return h, nil
}

func checkHeader(h *Header) error {
	if h.Format != Format {
		return fmt.Errorf("not a bundle (format %q, want %q)", h.Format, Format)
	}
	if h.Version < 1 || h.Version > Version {
		return fmt.Errorf("unsupported bundle version %d", h.Version)
	}
	return nil
}

func streamEvents(dec *jsontext.Decoder, mark func(), h *Header, fn func(*event.Envelope) error) error {
	switch dec.PeekKind() {
	case 'n':
		_, err := dec.ReadToken() // "events": null
		return err
	case '[':
	default:
		return errors.New("events is not a list")
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	for dec.PeekKind() != ']' {
		mark()
		if h.Events >= MaxEvents {
			return fmt.Errorf("more than %d events", MaxEvents)
		}
		e := new(event.Envelope)
		if err := json.UnmarshalDecode(dec, e); err != nil {
			return fmt.Errorf("event %d: %w", h.Events, err)
		}
		if err := e.Validate(); err != nil {
			return fmt.Errorf("event %d: %w", h.Events, err)
		}
		h.Events++
		if fn != nil {
			if err := fn(e); err != nil {
				return err
			}
		}
	}
	_, err := dec.ReadToken() // ']'
	return err
}
