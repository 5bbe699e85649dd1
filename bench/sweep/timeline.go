package sweep

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/ucpresence/presence/bench/probe"
)

// interval is one tagged histogram of the simulator's interval log.
type interval struct {
	tag        string
	start, end time.Time
	hist       *hdrhistogram.Histogram
}

// readIntervals parses an interval log (format 1.3, as sim/run writes
// it): the BaseTime header and "Tag=x,start,length,max,payload" lines.
func readIntervals(r io.Reader) ([]interval, error) {
	var base float64
	var out []interval
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "#[BaseTime: "); ok {
			field, _, _ := strings.Cut(rest, " ")
			v, err := strconv.ParseFloat(field, 64)
			if err != nil {
				return nil, fmt.Errorf("sweep: interval log base time: %w", err)
			}
			base = v
			continue
		}
		if !strings.HasPrefix(line, "Tag=") {
			continue
		}
		fields := strings.SplitN(line[len("Tag="):], ",", 5)
		if len(fields) != 5 {
			return nil, fmt.Errorf("sweep: interval log line %q", line)
		}
		start, err1 := strconv.ParseFloat(fields[1], 64)
		length, err2 := strconv.ParseFloat(fields[2], 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("sweep: interval log line %q", line)
		}
		h, err := hdrhistogram.Decode([]byte(fields[4]))
		if err != nil {
			return nil, fmt.Errorf("sweep: interval log histogram: %w", err)
		}
		from := epoch(base + start)
		out = append(out, interval{tag: fields[0], start: from, end: from.Add(time.Duration(length * float64(time.Second))), hist: h})
	}
	return out, sc.Err()
}

func epoch(seconds float64) time.Time {
	return time.Unix(0, int64(math.Round(seconds*1e3))*int64(time.Millisecond))
}

// nsToMS converts a histogram value (ns) to milliseconds.
func nsToMS(v int64) float64 { return float64(v) / 1e6 }

// timeline builds the per-second points: latency and throughput from the
// interval log (delivery samples per second, ingest samples per second),
// CPU and memory from the samples, collections from gcEnds (the wall
// times at which the engine's process finished a collection); setup
// seconds before start carry only the samples.
func timeline(intervals []interval, samples []probe.Sample, start time.Time, gcEnds []time.Time) []Point {
	var points []Point
	// Setup: the samples before the window.
	for i := 1; i < len(samples) && samples[i].At.Before(start); i++ {
		p := Point{T: samples[i].At.Sub(start).Seconds()}
		fillResources(&p, samples[i-1], samples[i])
		points = append(points, p)
	}
	type key = time.Time
	byStart := map[key]*Point{}
	var order []key
	for _, iv := range intervals {
		p, ok := byStart[iv.start]
		if !ok {
			p = &Point{T: iv.end.Sub(start).Seconds()}
			byStart[iv.start] = p
			order = append(order, iv.start)
			if a, b, ok := around(samples, iv.start, iv.end); ok {
				fillResources(p, a, b)
			}
			for _, t := range gcEnds {
				if !t.Before(iv.start) && t.Before(iv.end) {
					p.GCCycles++
				}
			}
		}
		seconds := iv.end.Sub(iv.start).Seconds()
		if seconds <= 0 {
			continue
		}
		switch iv.tag {
		case "delivery":
			p.DeliveryP50 = nsToMS(iv.hist.ValueAtQuantile(50))
			p.DeliveryP99 = nsToMS(iv.hist.ValueAtQuantile(99))
			p.DeliveryMax = nsToMS(iv.hist.Max())
			p.Deliveries = float64(iv.hist.TotalCount()) / seconds
		case "ingest":
			p.Events = float64(iv.hist.TotalCount()) / seconds
		}
	}
	for _, k := range order {
		points = append(points, *byStart[k])
	}
	return points
}

// around returns the last sample at or before from and the first at or
// after to (or the nearest ones there are).
func around(samples []probe.Sample, from, to time.Time) (a, b probe.Sample, ok bool) {
	if len(samples) < 2 {
		return a, b, false
	}
	ia, ib := 0, len(samples)-1
	for i, s := range samples {
		if !s.At.After(from) {
			ia = i
		}
	}
	for i := len(samples) - 1; i >= 0; i-- {
		if !samples[i].At.Before(to) {
			ib = i
		}
	}
	if ib <= ia {
		ib = min(ia+1, len(samples)-1)
		ia = ib - 1
	}
	return samples[ia], samples[ib], true
}

// fillResources sets the CPU and memory of a point from two samples.
func fillResources(p *Point, a, b probe.Sample) {
	dt := b.At.Sub(a.At).Seconds()
	if dt <= 0 {
		return
	}
	p.SimulatorCores = (b.Simulator.CPU() - a.Simulator.CPU()).Seconds() / dt
	p.RSSMB = float64(b.Simulator.RSS) / (1 << 20)
	if a.Server != nil && b.Server != nil {
		p.ServerCores = (b.Server.CPU() - a.Server.CPU()).Seconds() / dt
		p.RSSMB = float64(b.Server.RSS) / (1 << 20)
	}
	if busy := (b.Machine.Busy - a.Machine.Busy).Seconds() / dt; busy > 0 {
		p.OtherCores = max(0, busy-p.SimulatorCores-p.ServerCores)
	}
}

// runtimeGCEnds estimates, from 1 Hz runtime samples, when collections
// ended: a sample whose cycle count grew by n adds n times at its own
// time (a resolution of one sample interval).
func runtimeGCEnds(samples []probe.Sample) []time.Time {
	var out []time.Time
	for i := 1; i < len(samples); i++ {
		for n := samples[i].Runtime.GCCycles - samples[i-1].Runtime.GCCycles; n > 0; n-- {
			out = append(out, samples[i].At)
		}
	}
	return out
}

// merged returns the sum of the intervals with tag.
func merged(intervals []interval, tag string) *hdrhistogram.Histogram {
	var h *hdrhistogram.Histogram
	for _, iv := range intervals {
		if iv.tag != tag {
			continue
		}
		if h == nil {
			h = hdrhistogram.New(iv.hist.LowestTrackableValue(), iv.hist.HighestTrackableValue(), int(iv.hist.SignificantFigures()))
		}
		h.Merge(iv.hist)
	}
	return h
}

// spectrum returns the percentile distribution of h at the percentiles a
// latency plot needs: 0..90 in steps, then 9s up to 99.9999 and the max.
func spectrum(h *hdrhistogram.Histogram) []SpectrumPoint {
	if h == nil || h.TotalCount() == 0 {
		return nil
	}
	qs := []float64{0, 10, 25, 50, 75, 90, 95, 97.5, 99, 99.5, 99.9, 99.95, 99.99, 99.999, 99.9999, 100}
	out := make([]SpectrumPoint, 0, len(qs))
	for _, q := range qs {
		if q < 100 && 1/(1-q/100) > float64(h.TotalCount()) {
			continue // finer than the sample count resolves
		}
		v := h.ValueAtQuantile(q)
		if q == 100 {
			v = h.Max()
		}
		out = append(out, SpectrumPoint{Percentile: q, ValueMS: nsToMS(v)})
	}
	return out
}
