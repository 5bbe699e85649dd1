package report

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// Chart is a line chart rendered as inline SVG: no script, no fonts, no
// network. Zero Width and Height mean 720×300 (user units; the SVG
// scales to its container).
type Chart struct {
	Title  string
	XLabel string
	YLabel string
	// XLog and YLog use decades instead of a linear axis (values ≤ 0 are
	// dropped on a log axis).
	XLog, YLog bool
	// XTicks labels the log x axis with these names instead of numbers
	// (the percentile spectrum: 1/(1-p) → "99%"); keys are x values.
	XTicks map[float64]string
	Series []Series
	// HLines are horizontal reference lines (SLO bounds), VLines vertical
	// ones (knees).
	HLines []Rule
	VLines []Rule
	Width  int
	Height int
}

// Series is one line of a chart.
type Series struct {
	Name   string
	Points []XY
	// Dashed draws the line dashed; Dots draws a marker at every point.
	Dashed bool
	Dots   bool
}

// XY is one point.
type XY struct{ X, Y float64 }

// Rule is a labelled reference line at Value.
type Rule struct {
	Value float64
	Label string
}

// palette is a colour-blind-safe set (Okabe-Ito).
var palette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"}

// axis maps data values to pixels.
type axis struct {
	log      bool
	min, max float64
	from, to float64 // pixels
}

func (a axis) value(v float64) float64 {
	if a.log {
		v = math.Log10(v)
	}
	lo, hi := a.min, a.max
	if a.log {
		lo, hi = math.Log10(lo), math.Log10(hi)
	}
	if hi == lo {
		return (a.from + a.to) / 2
	}
	return a.from + (v-lo)/(hi-lo)*(a.to-a.from)
}

// ticks returns tick values: decades on a log axis, 1-2-5 steps on a
// linear one.
func (a axis) ticks() []float64 {
	var out []float64
	if a.log {
		lo, hi := math.Floor(math.Log10(a.min)), math.Ceil(math.Log10(a.max))
		steps := []float64{1}
		if hi-lo <= 3 { // few decades: 1-2-5 ticks
			steps = []float64{1, 2, 5}
		}
		for e := lo; e <= hi; e++ {
			for _, m := range steps {
				if v := m * math.Pow(10, e); v >= a.min*0.999 && v <= a.max*1.001 {
					out = append(out, v)
				}
			}
		}
		return out
	}
	step := niceStep((a.max - a.min) / 5)
	for v := math.Ceil(a.min/step) * step; v <= a.max+step*1e-9; v += step {
		out = append(out, v)
	}
	return out
}

func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

// bounds returns the data range of the points (and rules) on one axis.
func bounds(values []float64, log bool) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) || (log && v <= 0) {
			continue
		}
		lo, hi = min(lo, v), max(hi, v)
	}
	if lo > hi {
		return 0, 0, false
	}
	if log {
		lo = math.Pow(10, math.Floor(math.Log10(lo)))
		hi = math.Pow(10, math.Ceil(math.Log10(hi)))
		if lo == hi {
			hi *= 10
		}
		return lo, hi, true
	}
	if lo > 0 && lo < hi/3 {
		lo = 0 // anchor at zero unless the data sit far from it
	}
	if lo == hi {
		lo, hi = lo-1, hi+1
		if lo < 0 && hi-2 >= 0 {
			lo = 0
		}
	}
	step := niceStep((hi - lo) / 5)
	return math.Floor(lo/step) * step, math.Ceil(hi/step) * step, true
}

// SVG renders the chart. An empty chart renders a frame with "no data".
func (c Chart) SVG() string {
	w, h := c.Width, c.Height
	if w == 0 {
		w = 720
	}
	if h == 0 {
		h = 300
	}
	const left, right, top, bottom = 64, 16, 28, 46
	legendRows := (len(c.Series) + 3) / 4
	bottomPx := float64(h - bottom - 16*legendRows)
	var xs, ys []float64
	for _, s := range c.Series {
		for _, p := range s.Points {
			xs, ys = append(xs, p.X), append(ys, p.Y)
		}
	}
	for _, r := range c.HLines {
		ys = append(ys, r.Value)
	}
	for _, r := range c.VLines {
		xs = append(xs, r.Value)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg viewBox="0 0 %d %d" class="chart" role="img" aria-label="%s">`, w, h, esc(c.Title))
	fmt.Fprintf(&b, `<text x="%d" y="18" class="title">%s</text>`, left, esc(c.Title))
	xlo, xhi, okx := bounds(xs, c.XLog)
	ylo, yhi, oky := bounds(ys, c.YLog)
	if !okx || !oky {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%.0f" class="frame"/><text x="%d" y="%d" class="empty">no data</text></svg>`,
			left, top, w-left-right, bottomPx-top, w/2-20, h/2)
		return b.String()
	}
	x := axis{log: c.XLog, min: xlo, max: xhi, from: left, to: float64(w - right)}
	y := axis{log: c.YLog, min: ylo, max: yhi, from: bottomPx, to: top}
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%.0f" class="frame"/>`, left, top, w-left-right, bottomPx-top)
	for _, t := range y.ticks() {
		py := y.value(t)
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" class="grid"/><text x="%d" y="%.1f" class="tick" text-anchor="end">%s</text>`,
			left, w-right, py, py, left-4, py+4, number(t))
	}
	xticks := x.ticks()
	if c.XTicks != nil {
		xticks = xticks[:0]
		for v := range c.XTicks {
			xticks = append(xticks, v)
		}
	}
	for _, t := range xticks {
		if t < xlo || t > xhi {
			continue
		}
		px := x.value(t)
		label := number(t)
		if name, ok := c.XTicks[t]; ok {
			label = name
		}
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%.1f" class="grid"/><text x="%.1f" y="%.1f" class="tick" text-anchor="middle">%s</text>`,
			px, px, top, bottomPx, px, bottomPx+14, esc(label))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%.1f" class="label" text-anchor="middle">%s</text>`, (left+w-right)/2, bottomPx+30, esc(c.XLabel))
	fmt.Fprintf(&b, `<text x="14" y="%.1f" class="label" text-anchor="middle" transform="rotate(-90 14 %.1f)">%s</text>`,
		(top+bottomPx)/2, (top+bottomPx)/2, esc(c.YLabel))
	for _, r := range c.HLines {
		if c.YLog && r.Value <= 0 {
			continue
		}
		py := y.value(r.Value)
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" class="rule"/><text x="%d" y="%.1f" class="rulelabel" text-anchor="end">%s</text>`,
			left, w-right, py, py, w-right-4, py-3, esc(r.Label))
	}
	for _, r := range c.VLines {
		if c.XLog && r.Value <= 0 {
			continue
		}
		px := x.value(r.Value)
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%.1f" class="rule"/><text x="%.1f" y="%d" class="rulelabel">%s</text>`,
			px, px, top, bottomPx, px+3, top+12, esc(r.Label))
	}
	for i, s := range c.Series {
		color := palette[i%len(palette)]
		var path strings.Builder
		n := 0
		var lastX, lastY float64
		for _, p := range s.Points {
			if (c.XLog && p.X <= 0) || (c.YLog && p.Y <= 0) || math.IsNaN(p.X) || math.IsNaN(p.Y) {
				continue
			}
			cmd := "L"
			if n == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&path, "%s%.1f %.1f ", cmd, x.value(p.X), y.value(p.Y))
			lastX, lastY = x.value(p.X), y.value(p.Y)
			if s.Dots {
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>`, x.value(p.X), y.value(p.Y), color)
			}
			n++
		}
		dash := ""
		if s.Dashed {
			dash = ` stroke-dasharray="5 3"`
		}
		if n == 1 && !s.Dots {
			// A path of one point draws nothing: a one-sample step (or a
			// sweep of one step) would show empty axes.
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s</title></circle>`, lastX, lastY, color, esc(s.Name))
		}
		if n > 0 {
			fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="1.6"%s><title>%s</title></path>`, strings.TrimSpace(path.String()), color, dash, esc(s.Name))
		}
		lx := left + (i%4)*((w-left-right)/4)
		ly := bottomPx + 44 + float64(16*(i/4))
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="2"%s/><text x="%d" y="%.1f" class="legend">%s</text>`,
			lx, lx+18, ly-4, ly-4, color, dash, lx+22, ly, esc(s.Name))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// number formats a tick value compactly: 1500 → "1.5k", 0.25 → "0.25".
func number(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'g', 3, 64) + "M"
	case a >= 1e4:
		return strconv.FormatFloat(v/1e3, 'g', 3, 64) + "k"
	default:
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
}

func esc(s string) string { return html.EscapeString(s) }
