package oracle

// Report is the correctness verdict of a run (docs/SCENARIOS.md, 10.4).
type Report struct {
	// Lost counts (watcher, change) pairs the watcher never became
	// consistent with.
	Lost int64 `json:"lost"`
	// Duplicated counts updates that repeated the view the watcher had.
	Duplicated int64 `json:"duplicated"`
	// OutOfOrder counts updates older than what the watcher had.
	OutOfOrder int64 `json:"out_of_order"`
	// Stale counts updates after which the view matched no change.
	Stale int64 `json:"stale"`
	// Torn counts updates that delivered a change in part (the engine's
	// publish/mark race); reported, not a failure.
	Torn int64 `json:"torn"`
	// Raced counts wire updates explained by the server running a calendar
	// boundary in another order than the model; reported, not a failure.
	Raced int64 `json:"raced"`
	// Divergence counts (watcher, contact) views that differ from the
	// engine's (or, over the wire, the server's fresh snapshot) after the
	// run quiesced.
	Divergence int64 `json:"divergence"`
	// ModelDivergence counts changes (in-process, with CheckModel) or
	// (contact, level) pairs (wire) where the simulator's own presence model
	// and the engine disagree.
	ModelDivergence int64 `json:"model_divergence"`
	// Checked is the number of (watcher, contact) views compared at the end.
	Checked int64 `json:"checked"`
	// Quiesced is false when deliveries were still arriving at the timeout.
	Quiesced bool `json:"quiesced"`
}

// Passed reports whether the oracle found nothing wrong.
func (o Report) Passed() bool {
	return o.Lost == 0 && o.Duplicated == 0 && o.OutOfOrder == 0 && o.Stale == 0 && o.Divergence == 0 && o.ModelDivergence == 0
}
