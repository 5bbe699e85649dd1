package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/ucpresence/presence/bench/sweep"
)

// WriteText writes the plain-text summary: the sizing table, then per
// sweep its steps and its knees with what limited them.
func (r *Report) WriteText(w io.Writer) {
	if r.Sizing != nil {
		fmt.Fprintf(w, "Sizing (%s, %d CPUs, load before %s)\n", r.Sizing.Machine.Hostname, r.Sizing.Machine.CPUs, r.Sizing.Machine.LoadBefore)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "family\ttarget\tdriver\tusers at knee\tfirst break\tevents/s\tdeliveries/s\tp99 ms\tlimited by")
		for _, row := range r.Sizing.Rows {
			fmt.Fprintf(tw, "%s\t%s\t%s %.0fx\t%.0f %s\t%.0f\t%.0f\t%.0f\t%.1f\t%s\n", row.Family, row.Target, row.Driver, row.Speed, row.Users, row.Status,
				row.FirstBreak, row.EventsPerSecond, row.DeliveriesPerSecond, row.DeliveryP99, strings.Join(row.Limits, "; "))
		}
		tw.Flush()
		fmt.Fprintln(w)
	}
	for _, res := range r.all() {
		writeSweepText(w, res)
	}
}

func writeSweepText(w io.Writer, res *sweep.Result) {
	fmt.Fprintf(w, "%s: %s sweep, %s, window %s at %.0fx, %d steps in %s\n", res.Scenario, res.Param, res.Driver, res.Window, res.Speed,
		len(res.Steps), res.Finished.Sub(res.Started).Round(1e9))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "step\tseries\tvalue\tsubs\tev/s\tdel/s\tp50 ms\tp99 ms\tmax ms\tcpu sim\tcpu srv\tother\tB/sub\tw/del\tverdicts\t")
	for _, st := range res.Steps {
		d := st.Latency["delivery"]
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%.0f\t%.0f\t%.2f\t%.2f\t%.1f\t%.2f\t%.2f\t%.2f\t%.0f\t%.2f\t%s\t\n", st.Index, st.Series, formatValue(res.Param, st.Value),
			st.Subscriptions, st.EventsPerSecond, st.DeliveriesPerSecond, d.P50, d.P99, d.Max, st.Simulator.Cores, st.Server.Cores, st.OtherCores,
			st.BytesPerSubscription, st.WritesPerDelivery, verdictText(st.Verdicts))
	}
	tw.Flush()
	for _, sk := range res.Knees {
		for i, k := range sk.Knees {
			label := k.Target
			if sk.Series != "" {
				label = sk.Series + " " + label
			}
			switch k.Status {
			case sweep.KneeNeverBroke:
				fmt.Fprintf(w, "  %s: held up to %s (the largest value tried)\n", label, formatValue(res.Param, k.Knee))
			case sweep.KneeBrokeAtMin:
				fmt.Fprintf(w, "  %s: broke already at %s: %s\n", label, formatValue(res.Param, k.FirstBreak), strings.Join(k.BrokenBy, "; "))
			default:
				fmt.Fprintf(w, "  %s: knee %s, first break %s (%s): %s\n", label, formatValue(res.Param, k.Knee), formatValue(res.Param, k.FirstBreak), k.Status, strings.Join(k.BrokenBy, "; "))
			}
			if i < len(sk.Limits) && len(sk.Limits[i]) > 0 {
				fmt.Fprintf(w, "    limited by: %s\n", strings.Join(sk.Limits[i], "; "))
			}
		}
	}
	fmt.Fprintln(w)
}
