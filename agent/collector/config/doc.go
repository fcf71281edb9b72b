// Package config reads a node's elasticsearch.yml the way Elasticsearch 8.x
// does, and a saved GET _cluster/settings response, and answers questions
// about the settings that matter for remote clusters: listeners, TLS
// contexts, remote cluster definitions and their defaults.
//
// What Elasticsearch 8.x does, and so what Parse does (see
// shared/reference/settings.md §3 and the notes below):
//
//   - ${NAME} is replaced from the environment on the raw text, line by line,
//     before YAML parsing (so it works in quotes, flow lists and comments, and
//     a variable holding "[a, b]" becomes a list). A ${name} with no
//     environment variable is kept and later resolved against the other
//     settings, with ${name:default} falling back to its default; an
//     unresolved one is an error ("Could not resolve placeholder 'name'").
//   - YAML maps are flattened with "." joins; flat and nested forms mix at any
//     depth. The same key twice in one YAML mapping is an error (Jackson's
//     strict duplicate detection: "node:" twice is an error even when the
//     nested keys differ). The same flat key reached through two different
//     forms ("a.b: 1" and "a: {b: 2}") is NOT an error in 8.x: the later one
//     wins; Parse records it in YML.Overrides.
//   - A null value ("key:", "key: ~") is an error ("null-valued setting
//     found for key [...]"), as ES loads elasticsearch.yml with null values
//     refused. An empty string (key: "") leaves the setting unset.
//   - Scalars keep their text; a plain YAML 1.1 boolean (yes/no/on/off/true/
//     false in any of their spellings) is stored as "true"/"false". Lists
//     hold only scalars. List-typed settings given as one string are split on
//     commas.
//   - A YAML alias (*name) is read as the text "name" and never expanded
//     (Jackson's behaviour), so alias bombs cost nothing.
//
// Secret-looking keys (passwords, passphrases, S3 keys, credentials) never
// reach Value.Scalar, Report, errors or logs: their values are only
// available through YML.SecretValue as secret.Bytes.
package config
