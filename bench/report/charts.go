package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ucpresence/presence/bench/sweep"
)

// bySeries groups a sweep's steps by series label, each sorted by value.
func bySeries(res *sweep.Result) (labels []string, groups map[string][]*sweep.Step) {
	groups = map[string][]*sweep.Step{}
	for _, st := range res.Steps {
		if _, ok := groups[st.Series]; !ok {
			labels = append(labels, st.Series)
		}
		groups[st.Series] = append(groups[st.Series], st)
	}
	for _, g := range groups {
		sort.Slice(g, func(i, j int) bool { return g[i].Value < g[j].Value })
	}
	return labels, groups
}

func seriesName(label, name string) string {
	if label == "" {
		return name
	}
	return label + " " + name
}

// targetBounds returns the latency bounds of the targets as rules (the
// thresholds on delivery.p99, in ms).
func targetBounds(res *sweep.Result) []Rule {
	var rules []Rule
	for _, t := range res.Targets {
		for _, th := range t.SLO {
			if th.Metric == "delivery.p99" {
				rules = append(rules, Rule{Value: th.Value * 1e3, Label: th.Expression})
			}
		}
	}
	return rules
}

// kneeRules marks the knees on the load axis.
func kneeRules(res *sweep.Result) []Rule {
	var rules []Rule
	for _, sk := range res.Knees {
		for _, k := range sk.Knees {
			if k.Knee > 0 {
				rules = append(rules, Rule{Value: k.Knee, Label: "knee " + seriesName(sk.Series, k.Target)})
			}
		}
	}
	return rules
}

func paramLabel(res *sweep.Result) string {
	switch res.Param {
	case sweep.ParamUsers:
		return "users"
	case sweep.ParamWatch:
		return "random colleagues watched per user"
	case sweep.ParamCalls:
		return "call rate (× the scenario's)"
	case sweep.ParamSpeed:
		return "time compression (virtual / wall)"
	}
	return string(res.Param)
}

// latencyVsLoad is the knee chart: delivery latency per step against the
// swept value, with the targets' bounds and the knees.
func latencyVsLoad(res *sweep.Result) Chart {
	labels, groups := bySeries(res)
	c := Chart{Title: "Delivery latency vs load (the knee)", XLabel: paramLabel(res) + " (log)", YLabel: "delivery latency, ms (log)", XLog: true, YLog: true,
		HLines: targetBounds(res), VLines: kneeRules(res)}
	for _, l := range labels {
		var p50, p99, p999, mx []XY
		for _, st := range groups[l] {
			d := st.Latency["delivery"]
			p50 = append(p50, XY{st.Value, d.P50})
			p99 = append(p99, XY{st.Value, d.P99})
			p999 = append(p999, XY{st.Value, d.P999})
			mx = append(mx, XY{st.Value, d.Max})
		}
		c.Series = append(c.Series,
			Series{Name: seriesName(l, "p50"), Points: p50, Dots: true, Dashed: true},
			Series{Name: seriesName(l, "p99"), Points: p99, Dots: true},
			Series{Name: seriesName(l, "p99.9"), Points: p999, Dots: true, Dashed: true},
			Series{Name: seriesName(l, "max"), Points: mx, Dots: true, Dashed: true})
	}
	return c
}

// throughputVsLoad charts events and deliveries per second per step.
func throughputVsLoad(res *sweep.Result) Chart {
	labels, groups := bySeries(res)
	c := Chart{Title: "Throughput vs load", XLabel: paramLabel(res) + " (log)", YLabel: "per second", XLog: true, VLines: kneeRules(res)}
	for _, l := range labels {
		var ev, del, srv []XY
		for _, st := range groups[l] {
			ev = append(ev, XY{st.Value, st.EventsPerSecond})
			del = append(del, XY{st.Value, st.DeliveriesPerSecond})
			if st.ServerDeliveriesPerSecond > 0 {
				srv = append(srv, XY{st.Value, st.ServerDeliveriesPerSecond})
			}
		}
		c.Series = append(c.Series, Series{Name: seriesName(l, "source events/s"), Points: ev, Dots: true},
			Series{Name: seriesName(l, "deliveries/s (simulator)"), Points: del, Dots: true})
		if len(srv) > 0 {
			c.Series = append(c.Series, Series{Name: seriesName(l, "deliveries/s (server)"), Points: srv, Dots: true, Dashed: true})
		}
	}
	return c
}

// cpuVsLoad charts the CPU of the two processes per step.
func cpuVsLoad(res *sweep.Result) Chart {
	labels, groups := bySeries(res)
	c := Chart{Title: "CPU vs load", XLabel: paramLabel(res) + " (log)", YLabel: "cores", XLog: true, VLines: kneeRules(res),
		HLines: []Rule{{Value: float64(res.Machine.CPUs), Label: fmt.Sprintf("%d cores", res.Machine.CPUs)}}}
	for _, l := range labels {
		var sim, srv []XY
		for _, st := range groups[l] {
			sim = append(sim, XY{st.Value, st.Simulator.Cores})
			if st.Driver == "wire" {
				srv = append(srv, XY{st.Value, st.Server.Cores})
			}
		}
		name := "simulator process"
		if len(srv) == 0 {
			name = "engine + simulator (one process)"
		}
		c.Series = append(c.Series, Series{Name: seriesName(l, name), Points: sim, Dots: true})
		if len(srv) > 0 {
			c.Series = append(c.Series, Series{Name: seriesName(l, "server process"), Points: srv, Dots: true})
		}
	}
	return c
}

// spectrumChart overlays the delivery percentile spectrum of every step
// (x: 1/(1-p), log; y: ms, log), as the HdrHistogram plotter does.
func spectrumChart(res *sweep.Result) Chart {
	c := Chart{Title: "Delivery latency by percentile, every step", XLabel: "percentile", YLabel: "delivery latency, ms (log)",
		XLog: true, YLog: true, HLines: targetBounds(res),
		XTicks: map[float64]string{1: "0%", 10: "90%", 100: "99%", 1e3: "99.9%", 1e4: "99.99%", 1e5: "99.999%", 1e6: "99.9999%"}}
	labels, groups := bySeries(res)
	for _, l := range labels {
		for _, st := range groups[l] {
			var pts []XY
			for _, p := range st.Spectrum {
				if p.Percentile >= 100 {
					continue
				}
				pts = append(pts, XY{1 / (1 - p.Percentile/100), p.ValueMS})
			}
			c.Series = append(c.Series, Series{Name: seriesName(l, formatValue(res.Param, st.Value)), Points: pts})
		}
	}
	return c
}

// stepTitle names a step shown over time: "users 43.8k (the knee of
// p99<50ms)", with its series first when the sweep has several.
func stepTitle(res *sweep.Result, st *sweep.Step, why string) string {
	title := fmt.Sprintf("%s %s (%s)", paramLabel(res), formatValue(res.Param, st.Value), why)
	if st.Series != "" {
		title = st.Series + ", " + title
	}
	return title
}

// overTime charts one step's window: latency, throughput and CPU.
func overTime(res *sweep.Result, st *sweep.Step, why string) []Chart {
	title := stepTitle(res, st, why)
	lat := Chart{Title: "Latency over time: " + title, XLabel: "seconds since the window started", YLabel: "delivery latency, ms (log)", YLog: true,
		HLines: targetBounds(res)}
	thr := Chart{Title: "Throughput over time: " + title, XLabel: "seconds since the window started", YLabel: "per second"}
	cpu := Chart{Title: "CPU over time: " + title + " (negative t: setup; GC: a collection ended)", XLabel: "seconds since the window started", YLabel: "cores"}
	var p50, p99, mx, del, ev, simCores, srvCores, other []XY
	for _, p := range st.Timeline {
		if p.T >= 0 {
			if p.DeliveryP99 > 0 {
				p50 = append(p50, XY{p.T, p.DeliveryP50})
				p99 = append(p99, XY{p.T, p.DeliveryP99})
				mx = append(mx, XY{p.T, p.DeliveryMax})
			}
			del = append(del, XY{p.T, p.Deliveries})
			ev = append(ev, XY{p.T, p.Events})
		}
		simCores = append(simCores, XY{p.T, p.SimulatorCores})
		srvCores = append(srvCores, XY{p.T, p.ServerCores})
		other = append(other, XY{p.T, p.OtherCores})
		if p.GCCycles > 0 {
			cpu.VLines = append(cpu.VLines, Rule{Value: p.T, Label: "GC"})
		}
	}
	lat.Series = []Series{{Name: "p50", Points: p50}, {Name: "p99", Points: p99}, {Name: "max", Points: mx, Dashed: true}}
	thr.Series = []Series{{Name: "changes delivered/s (delivery samples)", Points: del}, {Name: "source updates/s (ingest samples)", Points: ev}}
	if st.Driver == "wire" {
		cpu.Series = []Series{{Name: "server", Points: srvCores}, {Name: "simulator", Points: simCores}}
	} else {
		cpu.Series = []Series{{Name: "engine + simulator (one process)", Points: simCores}}
	}
	cpu.Series = append(cpu.Series, Series{Name: "other processes", Points: other, Dashed: true})
	return []Chart{lat, thr, cpu}
}

func formatValue(p sweep.Param, v float64) string {
	s := number(v)
	switch p {
	case sweep.ParamCalls:
		return s + "×"
	case sweep.ParamSpeed:
		return s + "x"
	}
	return strings.TrimSpace(s)
}
