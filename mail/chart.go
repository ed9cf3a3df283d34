package mail

import (
	"bytes"
	"fmt"
	"image/color"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Size of the trend chart in the mail, in pixels: wide enough to read a
// month of nights, narrow enough for a mail client's reading pane.
const (
	chartWidth  = 760
	chartHeight = 340
	chartDPI    = 96
)

// TrendChart draws the trend as a PNG: the failures of each night that
// ran stacked by cause, in the causes' colours, with the new and fixed
// failures as points over them. A night that failed or did not run has
// no bar, and its label says so.
func TrendChart(t *Trend) ([]byte, error) {
	if t == nil || len(t.Nights) == 0 {
		return nil, fmt.Errorf("cannot draw the trend: no nights")
	}
	p := plot.New()
	p.Title.Text = "Failures per night, by cause"
	p.Y.Label.Text = "failures"
	p.Y.Min = 0
	p.Add(plotter.NewGrid())
	legend := plot.NewLegend()
	legend.Top, legend.Left = true, true
	legend.TextStyle.Font.Size = vg.Points(9)
	legend.ThumbnailWidth = vg.Points(12)
	width := vg.Points(max(4, min(24, 400/float64(len(t.Nights)))))
	var below *plotter.BarChart
	for _, cause := range t.Causes {
		values := make(plotter.Values, len(t.Nights))
		for j, n := range t.Nights {
			if n.Ran() {
				values[j] = float64(causeCount(t, n, cause))
			}
		}
		bars, err := plotter.NewBarChart(values, width)
		if err != nil {
			return nil, fmt.Errorf("cannot draw the trend: %w", err)
		}
		bars.Color, bars.LineStyle.Width = rgb(t.Colors[cause]), 0
		if below != nil {
			bars.StackOn(below)
		}
		below = bars
		p.Add(bars)
		legend.Add(cause, bars)
	}
	for _, pts := range []struct {
		name  string
		color color.Color
		shape draw.GlyphDrawer
		get   func(TrendNight) int
	}{
		{"new", color.RGBA{R: 0xC5, G: 0x5A, B: 0x11, A: 0xFF}, draw.TriangleGlyph{}, func(n TrendNight) int { return n.New }},
		{"fixed", color.RGBA{R: 0x37, G: 0x86, B: 0x2F, A: 0xFF}, draw.CircleGlyph{}, func(n TrendNight) int { return n.Fixed }},
	} {
		if err := addPoints(p, &legend, t, pts.name, pts.color, pts.shape, pts.get); err != nil {
			return nil, err
		}
	}
	p.NominalX(labels(t.Nights)...)
	p.X.Min, p.X.Max = -0.7, float64(len(t.Nights))-0.3
	return render(p, legend)
}

// render draws the plot with the legend in a column of its own on the
// right, where it hides no bar.
func render(p *plot.Plot, legend plot.Legend) ([]byte, error) {
	w, h := vg.Length(chartWidth)*vg.Inch/chartDPI, vg.Length(chartHeight)*vg.Inch/chartDPI
	img := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(chartDPI))}
	c := draw.New(img)
	legendWidth := w / 4
	p.Draw(draw.Crop(c, 0, -legendWidth, 0, 0))
	legend.Draw(draw.Crop(c, w-legendWidth+vg.Points(6), 0, 0, -vg.Points(28)))
	var buf bytes.Buffer
	if _, err := img.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("cannot draw the trend: %w", err)
	}
	return buf.Bytes(), nil
}

// addPoints marks one count of every night that ran.
func addPoints(p *plot.Plot, legend *plot.Legend, t *Trend, name string, c color.Color, shape draw.GlyphDrawer, get func(TrendNight) int) error {
	var xys plotter.XYs
	for i, n := range t.Nights {
		if n.Ran() {
			xys = append(xys, plotter.XY{X: float64(i), Y: float64(get(n))})
		}
	}
	if len(xys) == 0 {
		return nil
	}
	s, err := plotter.NewScatter(xys)
	if err != nil {
		return fmt.Errorf("cannot draw the trend: %w", err)
	}
	s.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(3), Shape: shape}
	p.Add(s)
	legend.Add(name, s)
	return nil
}

// labels names each night by its day; a night that did not report says
// why, and with many nights only every few is named.
func labels(nights []TrendNight) []string {
	every := max(1, (len(nights)+14)/15)
	out := make([]string, len(nights))
	for i, n := range nights {
		switch {
		case n.State == "failed":
			out[i] = "failed"
		case !n.Ran():
			out[i] = "no run"
		case i%every == 0 || i == len(nights)-1:
			out[i] = n.Date.Format("01-02")
		}
	}
	return out
}

// rgb reads "4472C4"; anything else is a neutral grey.
func rgb(hex string) color.Color {
	v, err := strconv.ParseUint(hex, 16, 32)
	if err != nil || len(hex) != 6 {
		return color.RGBA{R: 0xA0, G: 0xA0, B: 0xA0, A: 0xFF}
	}
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xFF}
}

// trendImageName is the chart's file name and Content-ID in the mail.
const trendImageName = "trend.png"

// trendImage draws the summary's trend for the mail and names it in the
// summary, so the HTML shows it. A chart that cannot be drawn leaves the
// mail without it, and is logged: the numbers are in the text all the same.
func trendImage(cfg Config, s *Summary) []byte {
	if s.Trend == nil || len(s.Trend.Nights) == 0 {
		return nil
	}
	png, err := TrendChart(s.Trend)
	if err != nil {
		cfg.Logger.Warn("the mail goes without its trend chart", "err", err)
		return nil
	}
	t := *s.Trend
	t.Image = trendImageName
	s.Trend = &t
	return png
}
