package symptom

import (
	"sort"
	"time"

	"github.com/esdoctor/esdoctor/shared/event"
)

// Live folds repeats for a follower, where latency matters: the first
// occurrence of a symptom (by Key) is emitted at once with Count 1; later
// repeats, each within the window of the previous one, are counted into
// one held event (Count = repeats, Time = first repeat, LastTime = last)
// that the caller releases on a timer (FlushHeld, every few seconds:
// repeats are never held until an unrelated line comes), when the window
// closes (Expire) or on Flush. The group stays open across FlushHeld, so a
// failure ES logs every 30 s for days is one event at once and then one
// small fold per flush that saw repeats, never a new "first occurrence".
// Not safe for concurrent use.
type Live struct {
	window time.Duration
	every  time.Duration // SetRepeatInterval
	now    func() time.Time
	open   map[string]*liveGroup
	seq    int
}

type liveGroup struct {
	Key  string         `json:"key"`
	Last time.Time      `json:"last"`
	Held *event.Symptom `json:"held,omitempty"`
	Seq  int            `json:"seq"`
	// Sent is when the group last emitted (the clock, not log time).
	Sent time.Time `json:"sent,omitempty"`
}

// SetRepeatInterval makes repeats leading-edge: a repeat that comes when
// the group has emitted nothing for d is emitted at once (a fold of one),
// and the repeats that follow it within d are held for FlushHeld. A
// failure logged every 30 s is then sent as it happens, while a storm of
// one symptom is still one event per d. d <= 0 (the default) holds every
// repeat.
func (d *Live) SetRepeatInterval(every time.Duration) { d.every = every }

// NewLive returns a live deduper; window <= 0 passes every symptom through.
func NewLive(window time.Duration) *Live {
	return &Live{window: window, now: time.Now, open: map[string]*liveGroup{}}
}

// Add takes one symptom and returns what to emit now.
func (d *Live) Add(s event.Symptom) []event.Symptom {
	if s.Count < 1 {
		s.Count = 1
	}
	if d.window <= 0 {
		return []event.Symptom{s}
	}
	k := Key(s)
	last := s.Time
	if s.LastTime != nil && s.LastTime.After(last) {
		last = *s.LastTime
	}
	g := d.open[k]
	if g != nil && (s.Time.IsZero() || g.Last.IsZero() || s.Time.Sub(g.Last) <= d.window) {
		if last.After(g.Last) {
			g.Last = last
		}
		if now := d.now(); g.Held == nil && d.every > 0 && now.Sub(g.Sent) >= d.every {
			g.Sent = now
			return []event.Symptom{s}
		}
		if g.Held == nil {
			c := s
			g.Held = &c
		} else {
			g.Held.Count += s.Count
			t := last
			g.Held.LastTime = &t
		}
		return nil
	}
	var out []event.Symptom
	if g != nil && g.Held != nil {
		out = append(out, *g.Held)
	}
	d.seq++
	d.open[k] = &liveGroup{Key: k, Last: last, Seq: d.seq, Sent: d.now()}
	return append(out, s)
}

// Expire emits the folds of groups quiet for more than the window before
// now, and forgets those groups.
func (d *Live) Expire(now time.Time) []event.Symptom {
	var done []*liveGroup
	for k, g := range d.open {
		if !g.Last.IsZero() && now.Sub(g.Last) > d.window {
			done = append(done, g)
			delete(d.open, k)
		}
	}
	return heldOf(done)
}

// FlushHeld emits the repeats held so far and keeps the groups open: the
// next repeat starts a new fold, not a new first occurrence.
func (d *Live) FlushHeld() []event.Symptom {
	var gs []*liveGroup
	for _, g := range d.open {
		if g.Held != nil {
			gs = append(gs, g)
		}
	}
	out := heldOf(gs)
	now := d.now()
	for _, g := range gs {
		g.Held, g.Sent = nil, now
	}
	return out
}

// Flush emits every fold and forgets every group.
func (d *Live) Flush() []event.Symptom {
	done := make([]*liveGroup, 0, len(d.open))
	for k, g := range d.open {
		done = append(done, g)
		delete(d.open, k)
	}
	return heldOf(done)
}

// Len is the number of open groups.
func (d *Live) Len() int { return len(d.open) }

// LiveState is the deduper's state, to be saved with the positions it
// matches so that a restart neither repeats a first occurrence nor loses
// the repeats folded so far.
type LiveState struct {
	Groups []liveGroup `json:"groups"`
}

// State returns the open groups.
func (d *Live) State() LiveState {
	var st LiveState
	for _, g := range d.open {
		st.Groups = append(st.Groups, *g)
	}
	sort.Slice(st.Groups, func(i, j int) bool { return st.Groups[i].Seq < st.Groups[j].Seq })
	return st
}

// Restore puts saved groups back.
func (d *Live) Restore(st LiveState) {
	for _, g := range st.Groups {
		g := g
		d.open[g.Key] = &g
		if g.Seq > d.seq {
			d.seq = g.Seq
		}
	}
}

func heldOf(gs []*liveGroup) []event.Symptom {
	sort.Slice(gs, func(i, j int) bool { return gs[i].Seq < gs[j].Seq })
	var out []event.Symptom
	for _, g := range gs {
		if g.Held != nil {
			out = append(out, *g.Held)
		}
	}
	return out
}
