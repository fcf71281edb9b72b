package bundle

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/safefile"
)

// Caps on what a bundle read holds at any time: Stream never holds more
// than one event, and no event may be longer than MaxEventSize (which caps
// every field in it).
const (
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

// windowReader refuses to read more than max bytes since the last mark:
// it bounds what the JSON decoder buffers for one value.
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
func StreamReader(r io.Reader, headerOnly bool, fn func(*event.Envelope) error) (*Header, error) {
	br := bufio.NewReader(r)
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
	w := &windowReader{r: src, max: MaxEventSize, limit: MaxSize}
	dec := json.NewDecoder(w)
	mark := func() { w.n = int64(dec.Buffered().(interface{ Len() int }).Len()) }
	h := &Header{}
	bad := func(err error) (*Header, error) {
		var se *json.SyntaxError
		if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return h, fmt.Errorf("not a bundle (malformed JSON): %w", err)
		}
		return h, err
	}
	if t, err := dec.Token(); err != nil {
		return bad(err)
	} else if d, ok := t.(json.Delim); !ok || d != '{' {
		return h, errors.New("not a bundle (not a JSON object)")
	}
	sawEvents := false
	for dec.More() {
		mark()
		t, err := dec.Token()
		if err != nil {
			return bad(err)
		}
		key, _ := t.(string)
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
			var skip json.RawMessage
			dst = &skip
		}
		if err := dec.Decode(dst); err != nil {
			return bad(fmt.Errorf("field %q: %w", key, err))
		}
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

func streamEvents(dec *json.Decoder, mark func(), h *Header, fn func(*event.Envelope) error) error {
	if t, err := dec.Token(); err != nil {
		return err
	} else if d, ok := t.(json.Delim); !ok || d != '[' {
		if t == nil {
			return nil // "events": null
		}
		return errors.New("events is not a list")
	}
	for dec.More() {
		mark()
		if h.Events >= MaxEvents {
			return fmt.Errorf("more than %d events", MaxEvents)
		}
		var m json.RawMessage
		if err := dec.Decode(&m); err != nil {
			return fmt.Errorf("event %d: %w", h.Events, err)
		}
		e, err := event.Decode(m)
		if err != nil {
			return fmt.Errorf("event %d: %w", h.Events, err)
		}
		h.Events++
		if fn != nil {
			if err := fn(e); err != nil {
				return err
			}
		}
	}
	_, err := dec.Token() // ']'
	return err
}
