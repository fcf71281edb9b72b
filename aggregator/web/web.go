// Package web is the ops console: one page (plain HTML, CSS and
// JavaScript, no build step, nothing fetched from elsewhere, so it works
// air-gapped) embedded in esdoctor-aggregator and served at /. It reads
// everything through the HTTP API (/api/v1/*) and follows
// /api/v1/events (Server-Sent Events) for live updates.
package web

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var static embed.FS

// Handler serves the page at / and its files under /ui/.
func Handler() http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		// Everything the page loads comes from here; no inline script.
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		p := r.URL.Path
		if p == "/" {
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/index.html"
			p = "/index.html"
			r = r2
		} else {
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/" + strings.TrimPrefix(p, "/ui/")
			r = r2
		}
		if path.Base(r.URL.Path) == "index.html" {
			// FileServer redirects /index.html to ./; serve it directly.
			b, err := fs.ReadFile(sub, "index.html")
			if err != nil {
				http.NotFound(w, r)
				return
			}
			h.Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write(b)
			return
		}
		files.ServeHTTP(w, r)
	})
}
