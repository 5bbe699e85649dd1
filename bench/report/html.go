package report

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/ucpresence/presence/bench/sweep"
)

// Report is what one HTML file shows: an optional sizing table and any
// number of sweeps.
type Report struct {
	// Title heads the page.
	Title string `json:"title"`
	// Generated is when the report was written.
	Generated time.Time `json:"generated"`
	// Sizing is the sizing table (nil: none); its sweeps are shown too.
	Sizing *sweep.Sizing `json:"sizing,omitempty"`
	// Sweeps are shown after the sizing table's.
	Sweeps []*sweep.Result `json:"sweeps"`
	// Notes are free paragraphs under the title (what else ran on the
	// machine, for example).
	Notes []string `json:"notes,omitempty"`
}

// DataID is the id of the <script type="application/json"> element that
// holds the report's data (every step, every sweep, the sizing table).
const DataID = "presencebench-data"

// all returns the sizing sweeps and the others.
func (r *Report) all() []*sweep.Result {
	var out []*sweep.Result
	if r.Sizing != nil {
		out = append(out, r.Sizing.Sweeps...)
	}
	return append(out, r.Sweeps...)
}

// WriteHTML writes the report as one self-contained HTML file: inline CSS,
// inline SVG charts, no script code, the data as embedded JSON. It opens
// without network access.
func (r *Report) WriteHTML(w io.Writer) error {
	data := struct {
		Sizing *sweep.Sizing   `json:"sizing,omitempty"`
		Sweeps []*sweep.Result `json:"sweeps"`
	}{r.Sizing, r.Sweeps}
	// encoding/json escapes <, > and & as \u003c..., so the data cannot
	// close the script element.
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	view := struct {
		*Report
		All  []sweepView
		JSON template.JS
	}{Report: r, JSON: template.JS(raw)}
	for i, res := range r.all() {
		view.All = append(view.All, newSweepView(i, res))
	}
	return page.Execute(w, view)
}

// sweepView is one sweep prepared for the template.
type sweepView struct {
	Index  int
	Result *sweep.Result
	Charts []template.HTML
	Detail []detailView
	Steps  []*sweep.Step
}

// detailView is one step shown over time: a heading and its three charts,
// kept together so that the knee's and the first break's charts do not
// interleave in the two-column grid.
type detailView struct {
	Heading string
	Charts  []template.HTML
}

func newSweepView(index int, res *sweep.Result) sweepView {
	v := sweepView{Index: index, Result: res, Steps: res.Steps}
	for _, c := range []Chart{latencyVsLoad(res), throughputVsLoad(res), cpuVsLoad(res), spectrumChart(res)} {
		v.Charts = append(v.Charts, template.HTML(c.SVG()))
	}
	for _, pick := range detailSteps(res) {
		d := detailView{Heading: stepTitle(res, pick.step, pick.why)}
		for _, c := range overTime(res, pick.step, pick.why) {
			d.Charts = append(d.Charts, template.HTML(c.SVG()))
		}
		v.Detail = append(v.Detail, d)
	}
	return v
}

type picked struct {
	step *sweep.Step
	why  string
}

// detailSteps picks the steps shown over time: per series, the first
// target's knee and first break (or the last step when it never broke).
func detailSteps(res *sweep.Result) []picked {
	var out []picked
	for _, sk := range res.Knees {
		if len(sk.Knees) == 0 {
			continue
		}
		k := sk.Knees[0]
		for _, want := range []struct {
			value float64
			why   string
		}{{k.Knee, "the knee of " + k.Target}, {k.FirstBreak, "the first break of " + k.Target}} {
			for _, st := range res.Steps {
				if want.value > 0 && st.Series == sk.Series && st.Value == want.value {
					out = append(out, picked{st, want.why})
				}
			}
		}
	}
	if len(out) == 0 && len(res.Steps) > 0 {
		out = append(out, picked{res.Steps[len(res.Steps)-1], "the last step"})
	}
	return out
}

var funcs = template.FuncMap{
	"ms":    func(v float64) string { return fmt.Sprintf("%.2f", v) },
	"f0":    func(v float64) string { return fmt.Sprintf("%.0f", v) },
	"f2":    func(v float64) string { return fmt.Sprintf("%.2f", v) },
	"mb":    func(v int64) string { return fmt.Sprintf("%.0f", float64(v)/(1<<20)) },
	"num":   number,
	"join":  strings.Join,
	"date":  func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"value": func(p sweep.Param, v float64) string { return formatValue(p, v) },
	// valueOrDash: a knee or first break of 0 means none was found.
	"valueOrDash": func(p sweep.Param, v float64) string {
		if v == 0 {
			return "–"
		}
		return formatValue(p, v)
	},
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", n, many)
	},
	"dur":      func(d time.Duration) string { return d.Round(10 * time.Microsecond).String() },
	"mul100":   func(v float64) float64 { return v * 100 },
	"verdicts": verdictText,
	"first": func(list []string) string {
		if len(list) == 0 {
			return ""
		}
		return list[0]
	},
}

// verdictText lists the targets with "held" or "BROKE".
func verdictText(vs []sweep.Verdict) string {
	var parts []string
	for _, v := range vs {
		mark := "held"
		if !v.Passed {
			mark = "BROKE"
		}
		parts = append(parts, v.Target+" "+mark)
	}
	return strings.Join(parts, ", ")
}

var page = template.Must(template.New("report").Funcs(funcs).Parse(pageTemplate))

const pageTemplate = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1180px;color:#222;padding:0 12px}
h1{font-size:22px}h2{font-size:18px;margin-top:36px;border-bottom:1px solid #ccc}h3{font-size:15px}h4{font-size:13.5px;margin:14px 0 6px}
table{border-collapse:collapse;margin:8px 0;font-size:12.5px}td,th{border:1px solid #ddd;padding:3px 6px;vertical-align:top}
th{background:#f3f3f3;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
.broke{color:#b00020;font-weight:600}.held{color:#1b7a1b}code{background:#f5f5f5;padding:1px 3px;font-size:12px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:12px}
svg.chart{width:100%;height:auto;background:#fff;border:1px solid #eee;box-sizing:border-box}
svg .title{font-size:13px;font-weight:600;fill:#222}svg .tick,svg .legend{font-size:11px;fill:#444}
svg .label{font-size:11.5px;fill:#333}svg .frame{fill:none;stroke:#999}svg .grid{stroke:#eee}
svg .rule{stroke:#b00020;stroke-dasharray:2 3}svg .rulelabel{font-size:10.5px;fill:#b00020}svg .empty{fill:#999}
details{margin:8px 0}summary{cursor:pointer}
.wide{overflow-x:auto}table.steps{font-size:11.5px}table.steps td,table.steps th{padding:2px 4px}table.steps th{font-weight:600}table.steps tr.more td{color:#555;border-top:none}table.steps tr.step td{border-bottom:none}
</style></head><body>
<h1>{{.Title}}</h1>
<p>Generated {{date .Generated}}. Every figure comes from the steps embedded below as JSON (<code>script#{{"presencebench-data"}}</code>).</p>
{{range .Notes}}<p>{{.}}</p>{{end}}
{{with .Sizing}}
<h2>Sizing: users one node holds</h2>
<p>Machine: {{.Machine.Hostname}}, {{.Machine.CPUs}} CPUs, {{printf "%.0f" .Machine.MemoryGiB}} GiB, {{.Machine.GoVersion}}; load average before {{.Machine.LoadBefore}}.</p>
<table><tr><th>family</th><th>target</th><th>driver</th><th>users at the knee</th><th>first break</th><th>broke on</th><th>limited by</th><th>events/s</th><th>deliveries/s</th><th>p99 ms</th><th>subscriptions</th><th>bytes/subscription</th><th>RSS peak MB</th><th>command</th></tr>
{{range .Rows}}<tr><td>{{.Family}}</td><td>{{.Target}}</td><td>{{.Driver}}, {{f0 .Speed}}x, {{.Window}}</td><td class="n">{{f0 .Users}} <small>{{.Status}}</small></td><td class="n">{{f0 .FirstBreak}}</td>
<td>{{join .BrokenBy "; "}}</td><td>{{first .Limits}}</td><td class="n">{{f0 .EventsPerSecond}}</td><td class="n">{{f0 .DeliveriesPerSecond}}</td><td class="n">{{ms .DeliveryP99}}</td>
<td class="n">{{.Subscriptions}}</td><td class="n">{{f0 .BytesPerSubscription}}</td><td class="n">{{mb .RSSPeak}}</td><td><code>{{.Command}}</code></td></tr>
{{end}}</table>
{{end}}
{{range .All}}{{$r := .Result}}
<h2 id="sweep-{{.Index}}">{{$r.Scenario}}: {{$r.Param}} sweep, {{$r.Driver}}{{with $r.Series}}, series {{.}}{{end}}</h2>
<p>File <code>{{$r.File}}</code>, window {{$r.Window}} of the virtual day at {{f0 $r.Speed}}x; {{plural (len $r.Steps) "step" "steps"}} from {{date $r.Started}} to {{date $r.Finished}}; load average {{$r.Machine.LoadBefore}} → {{$r.Machine.LoadAfter}}.{{with $r.Command}} Reproduce: <code>{{.}}</code>{{end}}</p>
<table><tr><th>series</th><th>target</th><th>status</th><th>knee</th><th>first break</th><th>broke on</th><th>what limited it</th></tr>
{{range $sk := $r.Knees}}{{range $i, $k := $sk.Knees}}<tr><td>{{$sk.Series}}</td><td>{{$k.Target}}</td><td>{{$k.Status}}</td><td class="n">{{valueOrDash $r.Param $k.Knee}}</td><td class="n">{{valueOrDash $r.Param $k.FirstBreak}}</td>
<td>{{join $k.BrokenBy "; "}}</td><td>{{join (index $sk.Limits $i) "; "}}</td></tr>{{end}}{{end}}
</table>
<div class="charts">{{range .Charts}}{{.}}{{end}}</div>
<h3>Knee and first break over time</h3>
{{range .Detail}}<h4>{{.Heading}}</h4>
<div class="charts">{{range .Charts}}{{.}}{{end}}</div>{{end}}
<details><summary>All {{plural (len .Steps) "step" "steps"}}</summary>
<div class="wide"><table class="steps"><tr><th>#</th><th>{{$r.Param}} (setting)</th><th>users (run)</th><th>subscrip&shy;tions</th><th>source events per s</th><th>deliveries per s, sim / server</th><th>delivery p50 / p99 / p99.9 / max ms</th><th>fanout p99 ms</th><th>CPU cores, sim / server</th><th>other processes' cores</th><th>RSS peak MB, sim / server</th><th>bytes per sub&shy;scription</th><th>writes / syscalls per delivery</th><th>GC cycles, pause max, CPU</th><th>setup / window s</th></tr>
{{range .Steps}}{{$d := index .Latency "delivery"}}<tr class="step"><td rowspan="2">{{.Index}}</td><td class="n">{{value $r.Param .Value}}</td><td class="n">{{.Users}}</td><td class="n">{{.Subscriptions}}</td><td class="n">{{f0 .EventsPerSecond}}</td><td class="n">{{f0 .DeliveriesPerSecond}} / {{f0 .ServerDeliveriesPerSecond}}</td>
<td class="n">{{ms $d.P50}} / {{ms $d.P99}} / {{ms $d.P999}} / {{ms $d.Max}}</td><td class="n">{{ms (index .Latency "fanout").P99}}</td><td class="n">{{f2 .Simulator.Cores}} / {{f2 .Server.Cores}}</td><td class="n">{{f2 .OtherCores}}</td>
<td class="n">{{mb .Simulator.RSSPeak}} / {{mb .Server.RSSPeak}}</td><td class="n">{{f0 .BytesPerSubscription}}</td><td class="n">{{f2 .WritesPerDelivery}} / {{f2 .SyscallsPerDelivery}}</td>
<td>{{.GC.Cycles}}, {{dur .GC.PauseMax}}, {{printf "%.0f%%" (mul100 .GC.CPUFraction)}}</td><td class="n">{{f0 .SetupSeconds}} / {{f0 .DaySeconds}}</td></tr>
<tr class="more"><td colspan="14">{{verdicts .Verdicts}}{{with .Limits}}. Limits: {{join . "; "}}{{end}}{{range .Warnings}}. {{.}}{{end}}</td></tr>
{{end}}</table></div></details>
{{end}}
<h2>How to read this report</h2>
<p>Each step ran the scenario's window with one parameter value and measured, from the cause's intended time, when every watcher received the update (delivery) and when the last one had it (fanout). A target holds when every threshold holds; the knee is the largest value where it held, the first break the smallest where it did not. CPU is /proc/&lt;pid&gt;/stat utime+stime per wall second; in-process the engine and the simulator share one process and cannot be separated. docs/CAPACITY.md explains every column.</p>
<script type="application/json" id="presencebench-data">{{.JSON}}</script>
</body></html>
`
