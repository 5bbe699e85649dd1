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

// logStep returns the 1-2-5 value (…, 0.5, 1, 2, 5, 10, …) next to v:
// the largest not above it, or with up the smallest not below it.
func logStep(v float64, up bool) float64 {
	decade := math.Pow(10, math.Floor(math.Log10(v)))
	steps := []float64{1, 2, 5, 10}
	if up {
		for _, m := range steps {
			if m*decade >= v*(1-1e-12) {
				return m * decade
			}
		}
		return 10 * decade
	}
	for i := len(steps) - 1; i >= 0; i-- {
		if steps[i]*decade <= v*(1+1e-12) {
			return steps[i] * decade
		}
	}
	return decade
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
		if lo == hi {
			// One value (a sweep of one step): half a decade either side,
			// so that the point sits in the middle, not on the frame.
			return lo / math.Sqrt(10), hi * math.Sqrt(10), true
		}
		// Out to the next 1-2-5 value when the axis then spans at most
		// three decades, where ticks() labels 1-2-5 values (100..225 spans
		// 100..500, not a decade that would leave half the chart empty);
		// wider axes end at decades, their only labelled ticks.
		lo125, hi125 := logStep(lo, false), logStep(hi, true)
		if math.Ceil(math.Log10(hi125))-math.Floor(math.Log10(lo125)) <= 3 {
			return lo125, hi125, true
		}
		return math.Pow(10, math.Floor(math.Log10(lo))), math.Pow(10, math.Ceil(math.Log10(hi))), true
	}
	if lo > 0 && lo < hi/3 {
		lo = 0 // anchor at zero unless the data sit far from it
	}
	if lo == hi {
		// One value: from zero to twice the value (the value in the middle),
		// or ±1 around zero.
		switch {
		case lo > 0:
			lo, hi = 0, 2*hi
		case lo < 0:
			lo, hi = 2*lo, 0
		default:
			lo, hi = -1, 1
		}
	}
	step := niceStep((hi - lo) / 5)
	return math.Floor(lo/step) * step, math.Ceil(hi/step) * step, true
}

// Layout of a chart, in user units (the SVG scales to its container, so
// text keeps its size relative to the chart).
const (
	chartLeft, chartRight = 64, 16 // plot area margins
	titleLine             = 16     // height of one title line
	legendRow             = 16     // height of one legend row
	legendGap             = 14     // space between two legend entries
	legendLine            = 22     // the entry's line sample and the gap after it
	plotBottom            = 46     // x tick labels and the x axis label
	ruleLabelRow          = 12     // vertical offset between stacked rule labels
	ruleLabelSlots        = 4      // rows of labels a vertical rule may use
)

// textWidth estimates the width of s at a font size of px, on the wide
// side: the report has no script to measure text, and a label estimated
// too narrow would overlap its neighbour. The per-character widths are
// those of DejaVu Sans (the widest common sans-serif; Chromium's default on
// Debian), so other fonts come out narrower than estimated, never wider.
func textWidth(s string, px float64) float64 {
	em := 0.0
	for _, r := range s {
		switch {
		case strings.ContainsRune("iljI.,:;'|!()[]{} ", r):
			em += 0.34
		case strings.ContainsRune("mwMW@%", r):
			em += 0.98
		case r >= 'A' && r <= 'Z':
			em += 0.74
		case r >= '0' && r <= '9':
			em += 0.64
		case r == '<' || r == '>' || r == '=' || r == '+' || r == '×':
			em += 0.84
		default:
			em += 0.62
		}
	}
	return em * px
}

// wrapText splits s at spaces into lines no wider than width (a word
// longer than width gets a line of its own).
func wrapText(s string, px, width float64) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		if line != "" && textWidth(line+" "+word, px) > width {
			lines = append(lines, line)
			line = word
		} else if line == "" {
			line = word
		} else {
			line += " " + word
		}
	}
	if line != "" || len(lines) == 0 {
		lines = append(lines, line)
	}
	return lines
}

// box is the rectangle a label takes, for placing labels without overlap.
type box struct{ left, top, right, bottom float64 }

func (a box) overlaps(b box) bool {
	return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom
}

// labels places rule labels so that none covers another.
type labels struct{ placed []box }

// place reports whether b is free and takes it if so.
func (l *labels) place(b box) bool {
	for _, p := range l.placed {
		if p.overlaps(b) {
			return false
		}
	}
	l.placed = append(l.placed, b)
	return true
}

// legendItem is a series' place in the legend.
type legendItem struct {
	x   float64
	row int
}

// layoutLegend flows the series names left to right from x = from,
// wrapping before to; it returns each entry's place and the rows used.
func layoutLegend(series []Series, from, to float64) ([]legendItem, int) {
	items := make([]legendItem, len(series))
	x, row := from, 0
	for i, s := range series {
		width := legendLine + textWidth(s.Name, 11)
		if x > from && x+width > to {
			x, row = from, row+1
		}
		items[i] = legendItem{x: x, row: row}
		x += width + legendGap
	}
	if len(series) == 0 {
		return items, 0
	}
	return items, row + 1
}

// SVG renders the chart. An empty chart renders a frame with "no data".
// Long titles wrap, the legend flows over as many rows as its names need
// (the chart grows taller rather than the plot smaller), rule labels that
// would cover another move down or, when there is no room, keep only their
// line (the label stays as its tooltip), and tick labels at the edges are
// anchored inside the chart.
func (c Chart) SVG() string {
	w, h := c.Width, c.Height
	if w == 0 {
		w = 720
	}
	if h == 0 {
		h = 300
	}
	const left, right = chartLeft, chartRight
	titleLines := wrapText(c.Title, 13, float64(w-left-right))
	top := 28 + titleLine*(len(titleLines)-1)
	legend, legendRows := layoutLegend(c.Series, left, float64(w-right))
	// The plot keeps the height it has with a one-line title and one legend
	// row; more title lines and legend rows make the chart taller.
	h += titleLine*(len(titleLines)-1) + legendRow*max(legendRows-1, 0)
	bottomPx := float64(h - plotBottom - legendRow*legendRows)
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
	b.WriteString(`<text class="title">`)
	for i, line := range titleLines {
		fmt.Fprintf(&b, `<tspan x="%d" y="%d">%s</tspan>`, left, 18+titleLine*i, esc(line))
	}
	b.WriteString(`</text>`)
	xlo, xhi, okx := bounds(xs, c.XLog)
	ylo, yhi, oky := bounds(ys, c.YLog)
	if !okx || !oky {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%.0f" class="frame"/><text x="%d" y="%d" class="empty">no data</text></svg>`,
			left, top, w-left-right, bottomPx-float64(top), w/2-20, (top+int(bottomPx))/2)
		return b.String()
	}
	x := axis{log: c.XLog, min: xlo, max: xhi, from: left, to: float64(w - right)}
	y := axis{log: c.YLog, min: ylo, max: yhi, from: bottomPx, to: float64(top)}
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%.0f" class="frame"/>`, left, top, w-left-right, bottomPx-float64(top))
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
		// Centred under its line, unless that would cross the chart's edge.
		anchor, lx, half := "middle", px, textWidth(label, 11)/2
		switch {
		case px+half > float64(w)-2:
			anchor, lx = "end", float64(w)-2
		case px-half < 2:
			anchor, lx = "start", 2
		}
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%.1f" class="grid"/><text x="%.1f" y="%.1f" class="tick" text-anchor="%s">%s</text>`,
			px, px, top, bottomPx, lx, bottomPx+14, anchor, esc(label))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%.1f" class="label" text-anchor="middle">%s</text>`, (left+w-right)/2, bottomPx+30, esc(c.XLabel))
	fmt.Fprintf(&b, `<text x="14" y="%.1f" class="label" text-anchor="middle" transform="rotate(-90 14 %.1f)">%s</text>`,
		(float64(top)+bottomPx)/2, (float64(top)+bottomPx)/2, esc(c.YLabel))
	var placed labels
	for _, r := range c.HLines {
		if c.YLog && r.Value <= 0 {
			continue
		}
		py := y.value(r.Value)
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" class="rule"><title>%s</title></line>`, left, w-right, py, py, esc(r.Label))
		width := textWidth(r.Label, 10.5)
		lx := float64(w - right - 4)
		for _, ly := range []float64{py - 3, py + 11} { // above the line, else below
			if ly-10 >= float64(top) && ly <= bottomPx && placed.place(box{lx - width, ly - 10, lx, ly + 2}) {
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="rulelabel" text-anchor="end">%s</text>`, lx, ly, esc(r.Label))
				break
			}
		}
	}
	for _, r := range c.VLines {
		if c.XLog && r.Value <= 0 {
			continue
		}
		px := x.value(r.Value)
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%.1f" class="rule"><title>%s</title></line>`, px, px, top, bottomPx, esc(r.Label))
		width := textWidth(r.Label, 10.5)
		// Right of the line, or left of it near the right edge; stacked
		// downwards past labels already placed.
		anchor, lx, from := "start", px+3, px+3
		if px+3+width > float64(w-right) {
			anchor, lx, from = "end", px-3, px-3-width
		}
		for slot := range ruleLabelSlots {
			ly := float64(top + 12 + ruleLabelRow*slot)
			if ly <= bottomPx && placed.place(box{from, ly - 10, from + width, ly + 2}) {
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="rulelabel" text-anchor="%s">%s</text>`, lx, ly, anchor, esc(r.Label))
				break
			}
		}
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
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"><title>%s</title></circle>`, x.value(p.X), y.value(p.Y), color, esc(s.Name))
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
		if n > 1 {
			fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="1.6"%s><title>%s</title></path>`, strings.TrimSpace(path.String()), color, dash, esc(s.Name))
		}
		lx := legend[i].x
		ly := bottomPx + 44 + float64(legendRow*legend[i].row)
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="2"%s class="legendline"/><text x="%.1f" y="%.1f" class="legend">%s</text>`,
			lx, lx+18, ly-4, ly-4, color, dash, lx+legendLine, ly, esc(s.Name))
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
