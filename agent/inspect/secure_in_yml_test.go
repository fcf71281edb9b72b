package inspect

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A keystore-only setting written in the yml is reported (ES refuses to
// start) and its value never appears.
func TestSecureSettingInYML(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "elasticsearch.yml"), []byte("cluster.name: c\ncluster.remote.my.credentials: CANARY-SECRET-in-yml\n"), 0o600)
	res, err := Inspect(context.Background(), Options{PathConf: dir, NoProcess: true, Hostname: "h"})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range res.Snapshot.Problems {
		if p.Code == "api-key-prerequisites" && p.Setting == "cluster.remote.my.credentials" {
			found = true
		}
	}
	if !found {
		t.Errorf("no problem for the secure setting in the yml: %+v", res.Snapshot.Problems)
	}
	b, _ := json.Marshal(res.Snapshot)
	if strings.Contains(string(b), "CANARY-SECRET") {
		t.Error("the secret value leaked into the snapshot")
	}
}
