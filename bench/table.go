package bench

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Baseline is the sub-benchmark name every other variant is compared to.
const Baseline = "naive"

// Result is one benchmark line of `go test -bench` output: the name split
// into benchmark and variant (BenchmarkWriterPath/server-2 → WriterPath,
// server), the iterations and every "value unit" pair.
type Result struct {
	Package    string             `json:"package,omitempty"`
	Benchmark  string             `json:"benchmark"`
	Variant    string             `json:"variant"`
	Iterations int64              `json:"iterations"`
	Metrics    map[string]float64 `json:"metrics"`
}

var benchLine = regexp.MustCompile(`^Benchmark(\S+?)(?:-\d+)?\s+(\d+)\s+(.*)$`)

// ParseBenchmarks reads `go test -bench` output (other lines are skipped;
// "pkg:" lines set the package of the lines after them).
func ParseBenchmarks(r io.Reader) ([]Result, error) {
	var out []Result
	pkg := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = p
			continue
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		res := Result{Package: pkg, Metrics: map[string]float64{}}
		res.Benchmark, res.Variant = m[1], ""
		if i := strings.LastIndexByte(m[1], '/'); i >= 0 {
			res.Benchmark, res.Variant = m[1][:i], m[1][i+1:]
		}
		res.Iterations, _ = strconv.ParseInt(m[2], 10, 64)
		fields := strings.Fields(m[3])
		if len(fields)%2 != 0 {
			return nil, fmt.Errorf("bench: odd value/unit pairs in %q", line)
		}
		for i := 0; i < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return nil, fmt.Errorf("bench: %q: %w", line, err)
			}
			res.Metrics[fields[i+1]] = v
		}
		out = append(out, res)
	}
	return out, sc.Err()
}

// Comparison is one metric of one variant against the baseline's.
type Comparison struct {
	Benchmark string  `json:"benchmark"`
	Metric    string  `json:"metric"`
	Variant   string  `json:"variant"`
	Value     float64 `json:"value"`
	Baseline  float64 `json:"baseline"`
	// Better is how many times better the variant is: value/baseline for
	// rates (units ending in "/s"), baseline/value for costs (ns/op, B/op,
	// allocs/op, bytes/subscription, writes/delivery...). +Inf when the
	// variant's cost is zero, NaN when the baseline's rate is zero.
	Better float64 `json:"better"`
}

// HigherIsBetter reports whether a larger value of the unit is better:
// rates are, costs are not.
func HigherIsBetter(unit string) bool { return strings.HasSuffix(unit, "/s") }

// Compare pairs every variant of a benchmark with its "naive" variant,
// metric by metric (the median when a benchmark ran several times).
// Benchmarks without a baseline are left out.
func Compare(results []Result) []Comparison {
	type key struct{ bench, variant, metric string }
	values := map[key][]float64{}
	var order []key
	for _, r := range results {
		for metric, v := range r.Metrics {
			k := key{r.Benchmark, r.Variant, metric}
			if _, ok := values[k]; !ok {
				order = append(order, k)
			}
			values[k] = append(values[k], v)
		}
	}
	var out []Comparison
	for _, k := range order {
		if k.variant == Baseline {
			continue
		}
		base, ok := values[key{k.bench, Baseline, k.metric}]
		if !ok {
			continue
		}
		c := Comparison{Benchmark: k.bench, Metric: k.metric, Variant: k.variant, Value: median(values[k]), Baseline: median(base)}
		if HigherIsBetter(k.metric) {
			c.Better = ratio(c.Value, c.Baseline)
		} else {
			c.Better = ratio(c.Baseline, c.Value)
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Benchmark != out[j].Benchmark {
			return out[i].Benchmark < out[j].Benchmark
		}
		return metricRank(out[i].Metric) < metricRank(out[j].Metric)
	})
	return out
}

// metricRank puts the domain figures first, then time, memory, allocations.
func metricRank(metric string) int {
	switch {
	case HigherIsBetter(metric):
		return 0
	case metric == "ns/op":
		return 2
	case metric == "B/op":
		return 3
	case metric == "allocs/op":
		return 4
	}
	return 1
}

func ratio(a, b float64) float64 {
	if b == 0 {
		if a == 0 {
			return 1
		}
		return math.Inf(1)
	}
	return a / b
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// WriteTable prints the comparisons as a short aligned table.
func WriteTable(w io.Writer, cs []Comparison) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "benchmark\tmetric\tvariant\tvalue\tnaive\tbetter by\t")
	last := ""
	for _, c := range cs {
		name := c.Benchmark
		if name == last {
			name = ""
		}
		last = c.Benchmark
		better := times(c.Better)
		if c.Better == 0 && c.Baseline == 0 {
			better = "n/a (naive 0)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", name, c.Metric, c.Variant, format(c.Value), format(c.Baseline), better)
	}
	return tw.Flush()
}

// format prints a figure with three significant digits and a k/M suffix.
func format(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', 2, 64) + "M"
	case a >= 1e4:
		return strconv.FormatFloat(v/1e3, 'f', 1, 64) + "k"
	case a >= 100 || v == math.Trunc(v):
		return strconv.FormatFloat(v, 'f', 0, 64)
	default:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
}

func times(r float64) string {
	switch {
	case math.IsInf(r, 1):
		return "∞ (0)"
	case math.IsNaN(r):
		return "n/a"
	case r >= 10:
		return fmt.Sprintf("%.0f×", r)
	default:
		return fmt.Sprintf("%.2f×", r)
	}
}
