package probe

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Metrics is one scrape of a Prometheus text page: series → value. A
// series is the metric name followed by its labels exactly as the page
// wrote them (`presenced_apply_to_write_seconds_bucket{le="0.001"}`).
type Metrics map[string]float64

// ParseMetrics parses the Prometheus text exposition format (version
// 0.0.4): comment lines are skipped, every other line is a series, a value
// and an optional timestamp.
func ParseMetrics(data []byte) (Metrics, error) {
	m := Metrics{}
	n := 0
	for line := range bytes.Lines(data) {
		n++
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		// The series ends at the first blank after the closing brace of the
		// labels (label values may hold blanks).
		cut := bytes.IndexByte(line, ' ')
		if brace := bytes.IndexByte(line, '{'); brace >= 0 && brace < cut {
			closing := bytes.LastIndexByte(line, '}')
			if closing < 0 {
				return nil, fmt.Errorf("%w: metrics line %d: unclosed labels", ErrFormat, n)
			}
			cut = closing + 1
		}
		if cut <= 0 || cut >= len(line) {
			return nil, fmt.Errorf("%w: metrics line %d: no value", ErrFormat, n)
		}
		fields := strings.Fields(string(line[cut:]))
		if len(fields) == 0 {
			return nil, fmt.Errorf("%w: metrics line %d: no value", ErrFormat, n)
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return nil, fmt.Errorf("%w: metrics line %d: %v", ErrFormat, n, err)
		}
		m[string(line[:cut])] = v
	}
	return m, nil
}

// Get returns the value of a series and whether the page had it.
func (m Metrics) Get(series string) (float64, bool) {
	v, ok := m[series]
	return v, ok
}

// Value returns the value of a series, 0 when absent.
func (m Metrics) Value(series string) float64 { return m[series] }

// HistogramQuantile estimates quantile q (0..1) of a Prometheus histogram
// from its cumulative _bucket{le="..."} series by linear interpolation
// inside the bucket, as PromQL's histogram_quantile does. Counts may be
// the difference of two scrapes (see Sub). NaN when the histogram is empty
// or absent; the largest finite bound when q falls in the +Inf bucket.
func (m Metrics) HistogramQuantile(name string, q float64) float64 {
	type bucket struct{ upper, count float64 }
	var buckets []bucket
	prefix := name + `_bucket{le="`
	for series, v := range m {
		rest, ok := strings.CutPrefix(series, prefix)
		if !ok {
			continue
		}
		le := strings.TrimSuffix(rest, `"}`)
		upper := math.Inf(1)
		if le != "+Inf" {
			var err error
			if upper, err = strconv.ParseFloat(le, 64); err != nil {
				continue
			}
		}
		buckets = append(buckets, bucket{upper, v})
	}
	if len(buckets) == 0 {
		return math.NaN()
	}
	sort.Slice(buckets, func(i, j int) bool { return buckets[i].upper < buckets[j].upper })
	total := buckets[len(buckets)-1].count
	if total <= 0 {
		return math.NaN()
	}
	rank := q * total
	lower, below := 0.0, 0.0
	for _, b := range buckets {
		if b.count >= rank {
			if math.IsInf(b.upper, 1) {
				return lower
			}
			in := b.count - below
			if in <= 0 {
				return b.upper
			}
			return lower + (b.upper-lower)*(rank-below)/in
		}
		lower, below = b.upper, b.count
	}
	return lower
}

// Sub returns m minus before, series by series (counters over an
// interval). Series missing from before count from zero.
func (m Metrics) Sub(before Metrics) Metrics {
	out := make(Metrics, len(m))
	for k, v := range m {
		out[k] = v - before[k]
	}
	return out
}

// Scraper fetches a metrics page over HTTP. Safe for concurrent use.
type Scraper struct {
	// URL is the page, e.g. http://127.0.0.1:7224/metrics. Required.
	URL string
	// Timeout bounds one scrape. Zero means 2 s.
	Timeout time.Duration
	// Client is the HTTP client; nil means a private client without
	// keep-alive pooling limits.
	Client *http.Client
	// Header is sent with every request (the admin listener's
	// "Authorization: Bearer <admin token>"); nil sends none.
	Header http.Header
}

// Scrape fetches and parses the page.
func (s *Scraper) Scrape(ctx context.Context) (Metrics, error) {
	body, err := s.fetch(ctx, s.URL)
	if err != nil {
		return nil, err
	}
	return ParseMetrics(body)
}

func (s *Scraper) fetch(ctx context.Context, url string) ([]byte, error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	for k, v := range s.Header {
		req.Header[k] = v
	}
	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("probe: %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("probe: %s: %s", url, resp.Status)
	}
	return body, nil
}
