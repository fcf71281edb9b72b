package rules_test

import (
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
)

// The guide's security_exception, as a REST failure in the local log: the
// API key id pairs it with the link whose credentials hold that key.
func TestInsufficientRemotePrivileges(t *testing.T) {
	w, local, _ := healthy(t)
	local.Node("local-2").Log(scenario.Plain(w.At(time.Hour), "WARN", "r.suppressed", "local-2", "path: /my:cd/_search, params: {index=my:cd}",
		"org.elasticsearch.ElasticsearchSecurityException: action [indices:data/read/search] towards remote cluster is unauthorized for user [foo] with assigned roles [foo-role] authenticated by API key id ["+key.ID+"] of user [elastic-admin] on indices [cd], this action is granted by the index privileges [read,all]"))
	expectExactly(t, w.Analyze(), "insufficient-remote-privileges [local,remote] alias=my fix=")
}
