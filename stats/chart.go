package stats

import (
	"fmt"
	"html"
	"io"
	"strings"
)

// Chart geometry, in SVG user units.
const (
	chartBarWidth  = 24
	chartGap       = 6
	chartPlot      = 200 // height of the tallest bar
	chartLeft      = 10
	chartTop       = 30
	chartBottom    = 40
	chartWidth     = chartLeft*2 + 24*(chartBarWidth+chartGap)
	chartHeight    = chartTop + chartPlot + chartBottom
	chartBaselineY = chartTop + chartPlot
)

// BarHeight is the height of the bar for n tickets when the busiest hour
// had max: proportional, the busiest hour's bar chartPlot units tall, and 0
// for every bar when nothing was issued.
func BarHeight(n, max int) float64 {
	if max <= 0 {
		return 0
	}
	return float64(n) * chartPlot / float64(max)
}

// WriteHoursSVG draws hours (tickets issued per office-local hour) as a
// self-contained SVG bar chart: a <title> and <desc> for screen readers, one
// <rect class="bar"> per hour with data-hour and data-count, the count above
// every non-empty bar and the hour under each. It refers to no outside host.
func WriteHoursSVG(w io.Writer, title string, hours [24]int) error {
	max, total := 0, 0
	for _, n := range hours {
		total += n
		if n > max {
			max = n
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-labelledby="chart-title chart-desc">`+"\n",
		chartWidth, chartHeight, chartWidth, chartHeight)
	fmt.Fprintf(&b, "<title id=\"chart-title\">%s</title>\n", html.EscapeString(title))
	var parts []string
	for h, n := range hours {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%02d:00 – %d", h, n))
		}
	}
	desc := fmt.Sprintf("Tickets issued by hour of day, %d in all.", total)
	if len(parts) > 0 {
		desc += " " + strings.Join(parts, "; ") + "."
	}
	fmt.Fprintf(&b, "<desc id=\"chart-desc\">%s</desc>\n", html.EscapeString(desc))
	b.WriteString(`<style>.bar{fill:#1f5fa8}.label{font:11px sans-serif;fill:#222;text-anchor:middle}</style>` + "\n")
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#555"/>`+"\n", chartLeft, chartBaselineY, chartWidth-chartLeft, chartBaselineY)
	for h, n := range hours {
		x := chartLeft + h*(chartBarWidth+chartGap) + chartGap/2
		height := BarHeight(n, max)
		y := float64(chartBaselineY) - height
		cx := float64(x) + chartBarWidth/2.0
		fmt.Fprintf(&b, `<rect class="bar" data-hour="%d" data-count="%d" x="%d" y="%.2f" width="%d" height="%.2f"><title>%02d:00–%02d:59: %d</title></rect>`+"\n",
			h, n, x, y, chartBarWidth, height, h, h, n)
		if n > 0 {
			fmt.Fprintf(&b, `<text class="label count" x="%.1f" y="%.2f">%d</text>`+"\n", cx, y-4, n)
		}
		fmt.Fprintf(&b, `<text class="label hour" x="%.1f" y="%d">%02d</text>`+"\n", cx, chartBaselineY+16, h)
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}
