package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// wrapWidth is the width explanation paragraphs are wrapped to.
const wrapWidth = 96

// writeTable prints one line per diagnosis.
func writeTable(w io.Writer, ds []diagnosis.Diagnosis) {
	if len(ds) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tCODE\tCLUSTERS\tALIAS\tNODES\tCOUNT\tLAST SEEN\tSTATE\tID")
	for i := range ds {
		d := &ds[i]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", strings.ToUpper(d.Severity), d.Code, strings.Join(d.Clusters, " → "),
			dash(d.Alias), len(d.Nodes), d.Count, stamp(d.LastSeen), stateLabel(d), shortID(d.ID))
	}
	_ = tw.Flush()
	fmt.Fprintln(w, "\nRun 'esdoctor show ID' for the evidence and the fix.")
}

// stateLabel is the state with the acknowledgement: "open (ack)".
func stateLabel(d *diagnosis.Diagnosis) string {
	if d.Ack == nil {
		return d.State
	}
	return d.State + " (" + d.Ack.Kind + ")"
}

// writeDiagnoses prints every diagnosis in full, separated by a rule.
func writeDiagnoses(w io.Writer, ds []diagnosis.Diagnosis) {
	for i := range ds {
		if i > 0 {
			fmt.Fprintln(w, strings.Repeat("─", 72))
		}
		writeDiagnosis(w, &ds[i])
	}
}

// writeDiagnosis prints one diagnosis for people: what, where, the evidence
// of each side one after the other, and the fix.
func writeDiagnosis(w io.Writer, d *diagnosis.Diagnosis) {
	fmt.Fprintf(w, "%s  %s  [%s]\n", strings.ToUpper(d.Severity), d.Code, d.State)
	fmt.Fprintf(w, "  %s\n", d.Title)
	fmt.Fprintf(w, "  clusters: %s%s\n", strings.Join(d.Clusters, " → "), aliasLabel(d))
	if len(d.Nodes) > 0 {
		fmt.Fprintf(w, "  nodes:    %s\n", refList(d.Nodes))
	}
	seen := fmt.Sprintf("  seen:     %s … %s, %d time(s)", stamp(d.FirstSeen), stamp(d.LastSeen), d.Count)
	if d.ResolvedAt != nil {
		seen += ", resolved " + stamp(*d.ResolvedAt)
	}
	fmt.Fprintln(w, seen)
	if a := d.Ack; a != nil {
		until := "until it resolves"
		if a.Until != nil {
			until = "until " + stamp(*a.Until)
		}
		verb := "acknowledged"
		if a.Kind == diagnosis.AckKindMute {
			verb = "muted"
		}
		fmt.Fprintf(w, "  %-9s %s by %s at %s %s: %s\n", verb+":", verb, a.By, stamp(a.At), until, a.Reason)
	}
	fmt.Fprintf(w, "  id:       %s\n", d.ID)
	fmt.Fprintln(w)
	writeWrapped(w, "  ", d.Explanation)

	local, remote := "local", "remote"
	if len(d.Clusters) > 0 {
		local = d.Clusters[0]
	}
	if len(d.Clusters) > 1 {
		remote = d.Clusters[1]
	}
	sections := []struct{ side, heading string }{
		{diagnosis.SideLocal, "Local side (" + local + ")"},
		{diagnosis.SideRemote, "Remote side (" + remote + ")"},
		{diagnosis.SideConfig, "Configuration"},
		{diagnosis.SideProbe, "Probes"},
	}
	for _, s := range sections {
		var ev []diagnosis.Evidence
		for _, e := range d.Evidence {
			if e.Side == s.side {
				ev = append(ev, e)
			}
		}
		if len(ev) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n  %s\n", s.heading)
		for _, e := range ev {
			writeEvidence(w, &e)
		}
	}
	if len(d.Facts) > 0 {
		fmt.Fprintln(w, "\n  Facts")
		keys := make([]string, 0, len(d.Facts))
		for k := range d.Facts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "    %s: %s\n", k, factValue(d.Facts[k]))
		}
	}
	writeFix(w, &d.Fix)
}

func writeEvidence(w io.Writer, e *diagnosis.Evidence) {
	var head []string
	head = append(head, e.Cluster+"/"+e.Node)
	if e.Time != nil {
		head = append(head, stamp(*e.Time))
	}
	if e.File != "" {
		loc := e.File
		if e.Line > 0 {
			loc = fmt.Sprintf("%s:%d", e.File, e.Line)
		}
		head = append(head, loc)
	}
	if e.Symptom != "" {
		head = append(head, e.Symptom)
	}
	if e.Count > 1 {
		head = append(head, fmt.Sprintf("×%d", e.Count))
	}
	fmt.Fprintf(w, "    %s\n", strings.Join(head, "  "))
	for _, l := range strings.Split(strings.TrimRight(e.Text, "\n"), "\n") {
		fmt.Fprintf(w, "      %s\n", l)
	}
}

func writeFix(w io.Writer, f *diagnosis.Fix) {
	fmt.Fprintln(w, "\n  Fix")
	writeWrapped(w, "    ", f.Summary)
	if len(f.Settings) > 0 {
		fmt.Fprintln(w, "    Settings:")
		keys := make([]string, 0, len(f.Settings))
		for k := range f.Settings {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "      %s: %s\n", k, f.Settings[k])
		}
	}
	if len(f.Commands) > 0 {
		fmt.Fprintln(w, "    Commands:")
		for _, c := range f.Commands {
			fmt.Fprintf(w, "      $ %s\n", c)
		}
	}
	if len(f.Nodes) > 0 {
		fmt.Fprintf(w, "    On nodes: %s\n", refList(f.Nodes))
	}
}

// writeNodes prints the nodes as a table.
func writeNodes(w io.Writer, ns []api.Node) {
	if len(ns) == 0 {
		fmt.Fprintln(w, "No nodes yet: no agent has reported.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CLUSTER\tNODE\tHOST\tES\tAGENT\tLAST SNAPSHOT\tLAST HEARTBEAT\tSYMPTOMS\tPROBLEMS")
	for _, n := range ns {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\n", n.Cluster, n.Node, dash(n.Host), dash(n.ESVersion), dash(n.Agent),
			stampPtr(n.LastSnapshot), stampPtr(n.LastHeartbeat), n.Symptoms, n.Problems)
	}
	_ = tw.Flush()
}

// writeCodes prints the catalog.
func writeCodes(w io.Writer, c api.Codes) {
	fmt.Fprintln(w, "Diagnoses")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, d := range c.Diagnoses {
		note := ""
		switch {
		case d.Retired:
			note = " (retired)"
		case d.Pack != "":
			note = " (pack " + d.Pack + ")"
		case d.ProbeOnly:
			note = " (needs probes)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s%s\n", d.Code, d.Severity, d.Title, note)
	}
	_ = tw.Flush()
	fmt.Fprintln(w, "\nSymptoms (what the agents find in logs)")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range c.Symptoms {
		note := ""
		if s.Pack != "" {
			note = " (pack " + s.Pack + ")"
		}
		fmt.Fprintf(tw, "  %s\t%s%s\n", s.Code, s.Description, note)
	}
	_ = tw.Flush()
}

// writeWrapped prints a paragraph wrapped at wrapWidth.
func writeWrapped(w io.Writer, indent, text string) {
	line := indent
	for _, word := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(word) > wrapWidth {
			fmt.Fprintln(w, line)
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += word
	}
	if len(line) > len(indent) {
		fmt.Fprintln(w, line)
	}
}

// writeBullet prints "- text" wrapped, continuation lines under the text.
func writeBullet(w io.Writer, indent, text string) {
	var b strings.Builder
	writeWrapped(&b, indent+"  ", text)
	out := b.String()
	if len(out) >= len(indent)+2 {
		out = indent + "- " + out[len(indent)+2:]
	}
	fmt.Fprint(w, out)
}

func factValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		parts := make([]string, 0, len(x))
		for _, p := range x {
			parts = append(parts, factValue(p))
		}
		return strings.Join(parts, ", ")
	case []string:
		return strings.Join(x, ", ")
	}
	return fmt.Sprint(v)
}

func refList(rs []diagnosis.NodeRef) string {
	parts := make([]string, 0, len(rs))
	for _, r := range rs {
		parts = append(parts, r.Cluster+"/"+r.Node)
	}
	return strings.Join(parts, ", ")
}

func clusterLabel(d *diagnosis.Diagnosis) string {
	return "[" + strings.Join(d.Clusters, " → ") + "]"
}

func aliasLabel(d *diagnosis.Diagnosis) string {
	if d.Alias == "" {
		return ""
	}
	return "  (alias " + d.Alias + ")"
}

// shortID is the prefix the table shows; show accepts it.
func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

func stampPtr(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return stamp(*t)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
