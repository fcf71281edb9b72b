package diagnosis

import "time"

// Kinds of acknowledgement.
const (
	// AckKindAck acknowledges an open diagnosis: someone is on it. It ends
	// when its Until passes or when the diagnosis resolves (a reopened
	// diagnosis asks for attention again).
	AckKindAck = "ack"
	// AckKindMute silences a diagnosis until Until, across resolve and
	// reopen (planned work, a known lab cluster).
	AckKindMute = "mute"
)

// Ack is an acknowledgement or a mute: who, why, until when. A diagnosis
// carries it (field "ack") while it is in force; acknowledged diagnoses are
// still listed, and do not count in esdoctor check.
type Ack struct {
	Kind   string    `json:"kind"` // ack or mute
	By     string    `json:"by"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
	// Until is when it ends; nil (ack only) lasts until the diagnosis
	// resolves.
	Until *time.Time `json:"until,omitempty"`
}

// Active reports whether a is in force at now.
func (a *Ack) Active(now time.Time) bool {
	return a != nil && (a.Until == nil || now.Before(*a.Until))
}

// ActiveOrNil returns a when it is in force at now, else nil.
func (a *Ack) ActiveOrNil(now time.Time) *Ack {
	if a.Active(now) {
		return a
	}
	return nil
}
