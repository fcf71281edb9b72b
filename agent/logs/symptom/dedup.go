package symptom

import (
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/esdoctor/esdoctor/shared/event"
)

// DefaultWindow is the dedup window used by `scan` unless told otherwise.
const DefaultWindow = 10 * time.Minute

// volatileFields differ between repeats of one failure and are left out of
// the dedup key.
var volatileFields = map[string]bool{"cause": true, "request_path": true}

// addressFields lose their port in the key when it is ephemeral.
var addressFields = map[string]bool{"local_address": true, "remote_address": true, "address": true, "server_address": true}

// ephemeralPort is where the kernel's ephemeral port range starts (Linux
// 32768-60999, IANA 49152-65535); lower ports are listening ports.
const ephemeralPort = 32768

// Key identifies repeats of one symptom: code, node, cluster and the fields,
// without volatile fields and without ephemeral ports. It never holds a
// timestamp.
func Key(s event.Symptom) string {
	keys := make([]string, 0, len(s.Fields))
	for k := range s.Fields {
		if !volatileFields[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(s.Symptom)
	b.WriteByte(0)
	b.WriteString(s.Cluster)
	b.WriteByte(0)
	b.WriteString(s.Node)
	for _, k := range keys {
		v := s.Fields[k]
		if addressFields[k] {
			v = stripEphemeralPort(v)
		}
		b.WriteByte(0)
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
	}
	return b.String()
}

// stripEphemeralPort turns "10.0.0.1:54321" into "10.0.0.1" and leaves
// "10.0.0.1:9300" alone.
func stripEphemeralPort(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		// Unbracketed IPv6 as Java prints it: "0:0:0:0:0:0:0:1:56158".
		i := strings.LastIndexByte(addr, ':')
		if i <= 0 {
			return addr
		}
		host, port = addr[:i], addr[i+1:]
	}
	if p, err := strconv.Atoi(port); err == nil && p >= ephemeralPort {
		return host
	}
	return addr
}

// pendingEvent is a run of repeats still open.
type pendingEvent struct {
	ev  event.Symptom
	key string
	seq int // order of first occurrence
}

// Deduper folds repeats of a symptom (same Key) into one event while they
// come within the window of each other (log time): Count, Time = first,
// LastTime = last, File/Line/Offset of the first. A window of 0 turns
// dedup off. Not safe for concurrent use.
type Deduper struct {
	window time.Duration
	open   map[string]*pendingEvent
	seq    int
	latest time.Time
}

// NewDeduper returns a deduper; window <= 0 passes every symptom through.
func NewDeduper(window time.Duration) *Deduper {
	return &Deduper{window: window, open: map[string]*pendingEvent{}}
}

// Add takes one symptom and returns the events that are now final: those
// whose last repeat is more than the window older than s.
func (d *Deduper) Add(s event.Symptom) []event.Symptom {
	if s.Count < 1 {
		s.Count = 1
	}
	if d.window <= 0 {
		return []event.Symptom{s}
	}
	var out []event.Symptom
	if s.Time.After(d.latest) {
		d.latest = s.Time
		out = d.expire(d.latest)
	}
	k := Key(s)
	if p, ok := d.open[k]; ok {
		last := p.ev.Time
		if p.ev.LastTime != nil {
			last = *p.ev.LastTime
		}
		if s.Time.IsZero() || last.IsZero() || s.Time.Sub(last) <= d.window {
			p.ev.Count += s.Count
			if !s.Time.IsZero() && s.Time.After(last) {
				t := s.Time
				if s.LastTime != nil {
					t = *s.LastTime
				}
				p.ev.LastTime = &t
			}
			return out
		}
		out = append(out, p.ev)
		delete(d.open, k)
	}
	d.seq++
	d.open[k] = &pendingEvent{ev: s, key: k, seq: d.seq}
	return out
}

// Expire finalises the events whose last repeat is more than the window
// before now (log time, or wall time for a follower that went idle).
func (d *Deduper) Expire(now time.Time) []event.Symptom { return d.expire(now) }

func (d *Deduper) expire(now time.Time) []event.Symptom {
	var done []*pendingEvent
	for k, p := range d.open {
		last := p.ev.Time
		if p.ev.LastTime != nil {
			last = *p.ev.LastTime
		}
		if !last.IsZero() && now.Sub(last) > d.window {
			done = append(done, p)
			delete(d.open, k)
		}
	}
	return sorted(done)
}

// Flush finalises every open event, in order of first occurrence.
func (d *Deduper) Flush() []event.Symptom {
	done := make([]*pendingEvent, 0, len(d.open))
	for k, p := range d.open {
		done = append(done, p)
		delete(d.open, k)
	}
	return sorted(done)
}

// Len is the number of open events.
func (d *Deduper) Len() int { return len(d.open) }

func sorted(ps []*pendingEvent) []event.Symptom {
	if len(ps) == 0 {
		return nil
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].seq < ps[j].seq })
	out := make([]event.Symptom, len(ps))
	for i, p := range ps {
		out[i] = p.ev
	}
	return out
}
