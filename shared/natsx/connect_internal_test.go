package natsx

import "testing"

func TestReconnectDelayBounds(t *testing.T) {
	for attempts := 0; attempts < 40; attempts++ {
		d := reconnectDelay(attempts)
		if d < ReconnectMinDelay/2 || d > ReconnectMaxDelay {
			t.Errorf("attempt %d: delay %v outside [%v, %v]", attempts, d, ReconnectMinDelay/2, ReconnectMaxDelay)
		}
	}
	if d := reconnectDelay(30); d < ReconnectMaxDelay/2 {
		t.Errorf("late attempts should back off to about the maximum, got %v", d)
	}
}
