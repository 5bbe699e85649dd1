package run

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ucpresence/presence/sim/driver"
)

// Version is the simulator's version, written into the interval log.
const Version = driver.Version

// valueScale converts recorded values (ns) into the unit of the log and
// distribution files: milliseconds, the convention of the HdrHistogram
// tools (HistogramLogProcessor's default -outputValueUnitRatio is 1e6).
const valueScale = 1e6

// hlogWriter writes an interval histogram log in format 1.3, as Java's
// HistogramLogWriter does (three decimals; a Tag per metric), so that
// HistogramLogProcessor, HistogramLogAnalyzer and hdrhistogram-go's
// HistogramLogReader read it.
type hlogWriter struct {
	w    *bufio.Writer
	base time.Time
	err  error
}

// newHLogWriter writes the header: producer comment, format version,
// start and base time (the run's start), legend.
func newHLogWriter(w io.Writer, comment string, base time.Time) *hlogWriter {
	h := &hlogWriter{w: bufio.NewWriter(w), base: base}
	secs := float64(base.UnixMilli()) / 1000
	h.printf("#[Logged with presencesim v%s%s]\n", Version, comment)
	h.printf("#[Histogram log format version 1.3]\n")
	h.printf("#[StartTime: %.3f (seconds since epoch), %s]\n", secs, base.UTC().Format("Mon Jan 02 15:04:05 MST 2006"))
	h.printf("#[BaseTime: %.3f (seconds since epoch)]\n", secs)
	h.printf("\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n")
	return h
}

func (h *hlogWriter) printf(format string, args ...any) {
	if h.err == nil {
		_, h.err = fmt.Fprintf(h.w, format, args...)
	}
}

// interval writes one interval histogram of one metric.
func (h *hlogWriter) interval(tag string, hist *hdrhistogram.Histogram, from, to time.Time) {
	if h.err != nil {
		return
	}
	payload, err := hist.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		h.err = err
		return
	}
	start := from.Sub(h.base).Seconds()
	h.printf("Tag=%s,%.3f,%.3f,%.3f,%s\n", tag, start, to.Sub(from).Seconds(), float64(hist.Max())/valueScale, payload)
}

// flush writes buffered lines and returns the first error.
func (h *hlogWriter) flush() error {
	if h.err == nil {
		h.err = h.w.Flush()
	}
	return h.err
}

// writeDistribution writes a percentile distribution in the format of
// Java's outputPercentileDistribution (the HdrHistogram plotter's input):
// values in ms, five ticks per half distance, the footer with mean,
// standard deviation, max, count, buckets and sub-buckets.
func writeDistribution(w io.Writer, hist *hdrhistogram.Histogram) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount", "1/(1-Percentile)")
	total := hist.TotalCount()
	if total > 0 {
		for _, b := range hist.CumulativeDistributionWithTicks(5) {
			q := b.Quantile / 100
			value := float64(b.ValueAt) / valueScale
			if q >= 1 || b.Count >= total && q > 0.999999999 {
				fmt.Fprintf(bw, "%12.3f %1.12f %10d\n", value, 1.0, b.Count)
				continue
			}
			fmt.Fprintf(bw, "%12.3f %1.12f %10d %14.2f\n", value, q, b.Count, 1/(1-q))
		}
	}
	mean, stddev := hist.Mean()/valueScale, hist.StdDev()/valueScale
	if math.IsNaN(mean) {
		mean, stddev = 0, 0
	}
	fmt.Fprintf(bw, "#[Mean    = %12.3f, StdDeviation   = %12.3f]\n", mean, stddev)
	fmt.Fprintf(bw, "#[Max     = %12.3f, Total count    = %12d]\n", float64(hist.Max())/valueScale, total)
	buckets, subBuckets := histGeometry(hist)
	fmt.Fprintf(bw, "#[Buckets = %12d, SubBuckets     = %12d]\n", buckets, subBuckets)
	return bw.Flush()
}

// histGeometry returns the bucket and sub-bucket counts of a histogram
// (for the distribution footer), computed like HdrHistogram does.
func histGeometry(hist *hdrhistogram.Histogram) (buckets, subBuckets int) {
	digits := hist.SignificantFigures()
	largest := 2 * int64(math.Pow10(int(digits)))
	subBuckets = 1 << int(math.Ceil(math.Log2(float64(largest))))
	unit := int(math.Floor(math.Log2(float64(hist.LowestTrackableValue()))))
	smallestUntrackable := int64(subBuckets) << unit
	buckets = 1
	for smallestUntrackable <= hist.HighestTrackableValue() {
		if smallestUntrackable > math.MaxInt64/2 {
			buckets++
			break
		}
		smallestUntrackable <<= 1
		buckets++
	}
	return buckets, subBuckets
}
