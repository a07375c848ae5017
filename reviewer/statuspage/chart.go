package statuspage

import (
	"time"

	"github.com/reviewerbot/reviewer/reviewer/queue"
)

// chart is a bar chart of the cost of each day, drawn as inline SVG on the server: no
// script, nothing fetched.
type chart struct {
	Width, Height int
	// Base is the y of the bars' foot; labels go below it.
	Base  int
	Bars  []bar
	Max   string
	Total string
}

type bar struct {
	X, Y, W, H float64
	// Title is the bar's tooltip; Label, when set, is the day written under it.
	Title  string
	Label  string
	LabelX float64
}

const (
	chartWidth  = 720
	chartHeight = 200
	chartBase   = 170
	chartTop    = 10
)

// newChart draws days bars from first, one per UTC day, each as high as its share of
// the most expensive day; days without reviews get no bar but keep their place.
func newChart(first time.Time, days int, totals map[int64]float64) *chart {
	c := &chart{Width: chartWidth, Height: chartHeight, Base: chartBase}
	var maxCost, total float64
	for _, v := range totals {
		maxCost = max(maxCost, v)
		total += v
	}
	c.Max, c.Total = money(maxCost), money(total)
	slot := float64(chartWidth) / float64(days)
	every := max(1, days/7) // about seven labels, whatever the range
	for i := range days {
		start := first.AddDate(0, 0, i)
		cost := totals[queue.Day(start)]
		b := bar{X: float64(i)*slot + slot*0.15, W: slot * 0.7, Title: start.Format(time.DateOnly) + ": " + money(cost)}
		if maxCost > 0 {
			b.H = cost / maxCost * (chartBase - chartTop)
		}
		b.Y = chartBase - b.H
		if i%every == 0 || i == days-1 {
			b.Label, b.LabelX = start.Format("01-02"), float64(i)*slot+slot/2
		}
		c.Bars = append(c.Bars, b)
	}
	return c
}
