package run

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ucpresence/presence/sim/oracle"
)

func histogramOf(values ...int64) *hdrhistogram.Histogram {
	h := oracle.NewHistogram()
	for _, v := range values {
		if err := h.RecordValue(v); err != nil {
			panic(err)
		}
	}
	return h
}

// TestIntervalLogFormat writes two tagged intervals and reads them back:
// the header lines of format 1.3, the legend, "Tag=" lines with start,
// length, max in ms and a V2 compressed histogram that decodes to what
// was recorded; hdrhistogram-go's own log reader reads the file too.
func TestIntervalLogFormat(t *testing.T) {
	base := time.Unix(1730903661, 250e6)
	var buf bytes.Buffer
	w := newHLogWriter(&buf, " (test)", base)
	delivery := histogramOf(1_500_000, 2_000_000, 40_000_000)
	fanout := histogramOf(3_000_000)
	w.interval("delivery", delivery, base, base.Add(time.Second))
	w.interval("fanout", fanout, base.Add(time.Second), base.Add(2*time.Second))
	if err := w.flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	want := []string{
		"#[Logged with presencesim v" + Version + " (test)]",
		"#[Histogram log format version 1.3]",
		"#[StartTime: 1730903661.250 (seconds since epoch), Wed Nov 06 14:34:21 UTC 2024]",
		"#[BaseTime: 1730903661.250 (seconds since epoch)]",
		`"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"`,
	}
	if len(lines) != len(want)+2 {
		t.Fatalf("%d lines:\n%s", len(lines), buf.String())
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d: %q, want %q", i+1, lines[i], want[i])
		}
	}
	for i, c := range []struct {
		tag   string
		start string
		hist  *hdrhistogram.Histogram
	}{{"delivery", "0.000", delivery}, {"fanout", "1.000", fanout}} {
		fields := strings.Split(lines[len(want)+i], ",")
		if len(fields) != 5 || fields[0] != "Tag="+c.tag || fields[1] != c.start || fields[2] != "1.000" {
			t.Fatalf("interval line %q", lines[len(want)+i])
		}
		if max, _ := strconv.ParseFloat(fields[3], 64); math.Abs(max-float64(c.hist.Max())/1e6) > 0.001 {
			t.Errorf("%s: max %s ms, histogram max %d ns", c.tag, fields[3], c.hist.Max())
		}
		decoded, err := hdrhistogram.Decode([]byte(fields[4]))
		if err != nil {
			t.Fatalf("%s: %v", c.tag, err)
		}
		if !decoded.Equals(c.hist) {
			t.Errorf("%s: decoded histogram differs (count %d, want %d)", c.tag, decoded.TotalCount(), c.hist.TotalCount())
		}
	}
	reader := hdrhistogram.NewHistogramLogReader(bytes.NewReader(buf.Bytes()))
	total := int64(0)
	for {
		h, err := reader.NextIntervalHistogram()
		if err != nil {
			t.Fatal(err)
		}
		if h == nil {
			break
		}
		total += h.TotalCount()
	}
	if total != 4 {
		t.Errorf("the library's log reader found %d values, want 4", total)
	}
}

// parseDistribution reads a .hgrm: value/percentile rows and the footer.
func parseDistribution(t *testing.T, data []byte) (rows [][]float64, footer map[string]float64) {
	t.Helper()
	footer = map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		switch {
		case line == 1:
			if f := strings.Fields(text); len(f) != 4 || f[0] != "Value" || f[3] != "1/(1-Percentile)" {
				t.Fatalf("header %q", text)
			}
		case text == "":
		case strings.HasPrefix(text, "#["):
			for _, part := range strings.Split(strings.Trim(text, "#[]"), ",") {
				kv := strings.SplitN(part, "=", 2)
				v, err := strconv.ParseFloat(strings.TrimSpace(kv[1]), 64)
				if err != nil {
					t.Fatalf("footer %q", text)
				}
				footer[strings.TrimSpace(kv[0])] = v
			}
		default:
			var row []float64
			for _, f := range strings.Fields(text) {
				v, err := strconv.ParseFloat(f, 64)
				if err != nil {
					t.Fatalf("row %q", text)
				}
				row = append(row, v)
			}
			rows = append(rows, row)
		}
	}
	return rows, footer
}

func TestDistributionFormat(t *testing.T) {
	h := oracle.NewHistogram()
	for i := int64(1); i <= 10000; i++ {
		_ = h.RecordValue(i * 10_000) // 0.01 ms .. 100 ms
	}
	var buf bytes.Buffer
	if err := writeDistribution(&buf, h); err != nil {
		t.Fatal(err)
	}
	rows, footer := parseDistribution(t, buf.Bytes())
	if len(rows) < 50 {
		t.Fatalf("%d rows", len(rows))
	}
	for i, row := range rows {
		last := i == len(rows)-1
		if (!last && len(row) != 4) || (last && len(row) != 3) {
			t.Fatalf("row %d has %d fields: %v", i, len(row), row)
		}
		if i > 0 && (row[0] < rows[i-1][0] || row[1] < rows[i-1][1]) {
			t.Fatalf("row %d not monotonic: %v after %v", i, row, rows[i-1])
		}
		if !last && math.Abs(row[3]-1/(1-row[1])) > 0.01*row[3]+0.01 {
			t.Fatalf("row %d: 1/(1-p) %v for p %v", i, row[3], row[1])
		}
	}
	if last := rows[len(rows)-1]; last[1] != 1 || last[2] != 10000 {
		t.Errorf("last row %v", last)
	}
	for _, row := range rows {
		if row[1] >= 0.5 {
			if math.Abs(row[0]-50) > 0.1 {
				t.Errorf("median %v ms, want 50", row[0])
			}
			break
		}
	}
	if footer["Total count"] != 10000 || math.Abs(footer["Max"]-100) > 0.1 || math.Abs(footer["Mean"]-50) > 0.1 || footer["SubBuckets"] != 2048 {
		t.Errorf("footer %v", footer)
	}
}

// TestRunWritesOutputs checks the files of a run against its result.
func TestRunWritesOutputs(t *testing.T) {
	dir := t.TempDir()
	res := run(t, Config{Scenario: loadScenario(t, "smoke"), WallTime: 3 * time.Second, StopAfter: time.Second, OutDir: dir, Interval: 250 * time.Millisecond})
	data, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var summary Result
	if err := json.Unmarshal(data, &summary); err != nil {
		t.Fatal(err)
	}
	if summary.Scenario != "smoke" || summary.Counters["deliveries"] != res.Counters["deliveries"] || len(summary.SLO) != len(res.SLO) {
		t.Errorf("summary %+v", summary)
	}
	f, err := os.Open(filepath.Join(dir, "intervals.hlog"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	perTag := map[string]int64{}
	intervals := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "Tag=") {
			continue
		}
		fields := strings.Split(line, ",")
		h, err := hdrhistogram.Decode([]byte(fields[4]))
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		perTag[strings.TrimPrefix(fields[0], "Tag=")] += h.TotalCount()
		intervals++
	}
	if intervals < 4 {
		t.Errorf("%d interval lines for a run of a second at 250 ms", intervals)
	}
	for m := range oracle.NumMetrics {
		name := oracle.Metric(m).String()
		if perTag[name] != res.Metrics[name].Count {
			t.Errorf("%s: %d values in the log, %d in the result", name, perTag[name], res.Metrics[name].Count)
		}
		hgrm, err := os.ReadFile(filepath.Join(dir, name+".hgrm"))
		if err != nil {
			t.Fatal(err)
		}
		if _, footer := parseDistribution(t, hgrm); int64(footer["Total count"]) != res.Metrics[name].Count {
			t.Errorf("%s.hgrm: total %v, want %d", name, footer["Total count"], res.Metrics[name].Count)
		}
	}
}
