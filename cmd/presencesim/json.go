package main

import (
	"encoding/json"
	"io"

	"github.com/ucpresence/presence/sim/run"
)

// writeJSON prints the result as indented JSON.
func writeJSON(w io.Writer, res *run.Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}
