package mail

import (
	"bytes"
	"context"
	"encoding/base64"
	"image/png"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"smsfail/mail/smtptest"
)

func testTrend() *Trend {
	day := func(d int) time.Time { return time.Date(2025, 3, 1+d, 0, 0, 0, 0, time.UTC) }
	rate, before := 0.75, 0.5
	t := &Trend{
		Causes:     []string{"catalog-install-failed", "not read: unreachable", "other"},
		Colors:     map[string]string{"catalog-install-failed": "4472C4", "not read: unreachable": "C00000", "other": "D0CECE"},
		Titles:     map[string]string{"catalog-install-failed": "Catalog database broken"},
		SinceLast:  []CauseMove{{"catalog-install-failed", 30, 12}},
		OverWindow: []CauseMove{{"catalog-install-failed", 40, 12}, {"disk-full", 0, 3}},
		Longest:    []LongFailure{{"PC0042", "KID2000A", "catalog-install-failed", 9}},
		Worst:      []Deployment{{AdvertisementID: "KID2000A", Name: "Office 2003 SP3", Targeted: 400, Succeeded: 50, Failed: 150, NotReport: 200, Rate: rate, PreviousRate: &before}},
	}
	for d := 0; d < 10; d++ {
		n := TrendNight{Date: day(d), State: "ran", Failures: 60 - 4*d, New: 10 - d, Recurring: 50 - 3*d, Fixed: d, NotRead: 5,
			Causes: map[string]int{"catalog-install-failed": 40 - 3*d, "not read: unreachable": 5, "disk-full": 15 - d}}
		switch d {
		case 6:
			n = TrendNight{Date: day(d), State: "did not run"}
		case 7:
			n = TrendNight{Date: day(d), State: "failed"}
		}
		t.Nights = append(t.Nights, n)
	}
	return t
}

// The chart is a PNG of the size the HTML gives it, and draws the
// causes in their colours.
func TestTrendChartImage(t *testing.T) {
	b, err := TrendChart(testTrend())
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the chart is not a PNG: %v", err)
	}
	if s := img.Bounds().Size(); s.X != chartWidth || s.Y != chartHeight {
		t.Fatalf("chart of %v, want %dx%d", s, chartWidth, chartHeight)
	}
	colors := map[[3]uint32]int{}
	for y := 0; y < chartHeight; y++ {
		for x := 0; x < chartWidth; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			colors[[3]uint32{r >> 8, g >> 8, b >> 8}]++
		}
	}
	if len(colors) < 5 {
		t.Fatalf("the chart is blank: %d colours", len(colors))
	}
	if colors[[3]uint32{0x44, 0x72, 0xC4}] < 200 || colors[[3]uint32{0xC0, 0x00, 0x00}] < 100 {
		t.Fatalf("the causes' colours cover %d and %d pixels", colors[[3]uint32{0x44, 0x72, 0xC4}], colors[[3]uint32{0xC0, 0x00, 0x00}])
	}
}

// mimePart is a part of a message as a MIME parser reads it.
type mimePart struct {
	Type   string
	Header textproto.MIMEHeader
	Body   []byte
	Parts  []mimePart
}

func (p mimePart) shape() string {
	if len(p.Parts) == 0 {
		if id := p.Header.Get("Content-Id"); id != "" {
			return p.Type + id
		}
		return p.Type
	}
	var subs []string
	for _, s := range p.Parts {
		subs = append(subs, s.shape())
	}
	return p.Type + "[" + strings.Join(subs, " ") + "]"
}

func (p mimePart) find(ct string) *mimePart {
	if p.Type == ct {
		return &p
	}
	for _, s := range p.Parts {
		if f := s.find(ct); f != nil {
			return f
		}
	}
	return nil
}

func readPart(t *testing.T, h textproto.MIMEHeader, body io.Reader) mimePart {
	t.Helper()
	ct, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		t.Fatalf("content type %q: %v", h.Get("Content-Type"), err)
	}
	p := mimePart{Type: ct, Header: h}
	if strings.HasPrefix(ct, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			sub, err := mr.NextPart()
			if err == io.EOF {
				return p
			}
			if err != nil {
				t.Fatal(err)
			}
			p.Parts = append(p.Parts, readPart(t, sub.Header, sub))
		}
	}
	raw, _ := io.ReadAll(body)
	if strings.EqualFold(h.Get("Content-Transfer-Encoding"), "base64") {
		if raw, err = io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(raw))); err != nil {
			t.Fatal(err)
		}
	}
	p.Body = raw
	return p
}

// The mail carries the chart as a related part the HTML shows by its
// Content-ID, the text the same nights in words, and the workbook as an
// attachment beside them.
func TestTrendMail(t *testing.T) {
	ts := smtptest.Start(t, smtptest.Options{})
	path, _ := workbook(t, 10_000)
	s := testSummary()
	s.Trend = testTrend()
	if err := Send(context.Background(), config(ts), s, path); err != nil {
		t.Fatal(err)
	}
	if s.Trend.Image != "" {
		t.Fatal("Send changed the caller's summary")
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(ts.Only(t).Data))
	if err != nil {
		t.Fatal(err)
	}
	root := readPart(t, textproto.MIMEHeader(msg.Header), msg.Body)
	want := "multipart/mixed[multipart/related[multipart/alternative[text/plain text/html] image/png<trend.png>] " + XLSXType + "]"
	if got := root.shape(); got != want {
		t.Fatalf("MIME structure\n%s\nwant\n%s", got, want)
	}
	img := root.find("image/png")
	if cfg, err := png.DecodeConfig(bytes.NewReader(img.Body)); err != nil || cfg.Width != chartWidth {
		t.Fatalf("the embedded chart: %+v %v", cfg, err)
	}
	if d := img.Header.Get("Content-Disposition"); !strings.HasPrefix(d, "inline") {
		t.Fatalf("the chart's disposition is %q, want inline", d)
	}
	html := string(root.find("text/html").Body)
	if !strings.Contains(html, `<img src="cid:trend.png"`) {
		t.Fatalf("the HTML does not show the chart:\n%s", html)
	}
	text := string(root.find("text/plain").Body)
	for _, w := range []string{
		"The last 10 nights (the chart in the HTML part shows them):",
		"Last night: 24 failures (-4), 1 new (-1), 23 recurring (-3), 9 fixed (+1), 5 logs not read (=).",
		"2025-03-10 Mon        24      1      9",
		"2025-03-08 Sat  failed",
		"2025-03-07 Fri  did not run",
		"13      16     -3  Catalog database broken (catalog-install-failed)",
		"6       7     -1  other",
		"9 nights  PC0042  KID2000A  catalog-install-failed",
		"75.0%  Office 2003 SP3 (KID2000A): 150 failed, 50 succeeded, 200 not yet reported of 400 (+25.0 points since the night before)",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("the text lacks %q:\n%s", w, text)
		}
	}
}

// Without a trend the mail keeps its shape: no related part.
func TestMailWithoutTrend(t *testing.T) {
	ts := smtptest.Start(t, smtptest.Options{})
	path, _ := workbook(t, 1000)
	if err := Send(context.Background(), config(ts), testSummary(), path); err != nil {
		t.Fatal(err)
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(ts.Only(t).Data))
	if err != nil {
		t.Fatal(err)
	}
	root := readPart(t, textproto.MIMEHeader(msg.Header), msg.Body)
	if got := root.shape(); got != "multipart/mixed[multipart/alternative[text/plain text/html] "+XLSXType+"]" {
		t.Fatalf("MIME structure %s", got)
	}
}
