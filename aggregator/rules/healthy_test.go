package rules_test

import "testing"

func TestHealthyAPIKeySetupGivesNothing(t *testing.T) {
	w, _, _ := healthy(t)
	expectExactly(t, w.Analyze())
}
