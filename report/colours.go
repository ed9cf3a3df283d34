package report

import (
	"fmt"
	"hash/fnv"
	"math"
	"strconv"

	"smsfail"
)

// otherColour is the colour of the causes folded into "other" in the chart
// and the Summary's matrix.
const otherColour = "D9D9D9"

// notReadColours are the colours of the logs that could not be read:
// golds and browns for hosts and shares out of reach, red for an access
// denied, as the permission causes are.
var notReadColours = map[smsfail.Outcome]string{
	smsfail.OutcomeUnreachable:  "BF9000",
	smsfail.OutcomeAccessDenied: "8B0000",
	smsfail.OutcomeShareMissing: "7F6000",
	smsfail.OutcomeLogMissing:   "FFD966",
	smsfail.OutcomeReadError:    "E0A800",
	smsfail.OutcomeBadHost:      "A67C52",
	smsfail.OutcomeNotTried:     "E2D5B0",
}

// Colour returns the colour of a cause (a Summary column: a cause id or
// "not read: <outcome>") as "RRGGBB": the colour the rules give it, a
// fixed one for the logs not read, else one derived from its id. It never
// depends on the cause's rank, so a cause keeps its colour from one night
// to the next, in the chart, the rows, the matrix and the mail.
func Colour(bucket string, causes map[string]CauseInfo) string {
	if smsfail.NotRead(bucket) {
		if c, ok := notReadColours[smsfail.Outcome(bucket[len(smsfail.NotReadPrefix):])]; ok {
			return c
		}
	} else if c := causes[bucket].Colour; validColour(c) {
		return c
	}
	return hashColour(bucket)
}

func validColour(c string) bool {
	if len(c) != 6 {
		return false
	}
	_, err := strconv.ParseUint(c, 16, 32)
	return err == nil
}

// hashColour derives a colour from an id: a hue from its hash, at a
// saturation and lightness that keep the chart's bars apart from the
// greys of the causes not known.
func hashColour(id string) string {
	h := fnv.New32a()
	h.Write([]byte(id))
	sum := h.Sum32()
	hue := float64(sum%360) / 360
	light := 0.38 + float64(sum/360%3)*0.1 // 0.38, 0.48 or 0.58
	return hslColour(hue, 0.6, light)
}

// hslColour converts hue, saturation and lightness (0 to 1) to RRGGBB.
func hslColour(h, s, l float64) string {
	q := l * (1 + s)
	if l >= 0.5 {
		q = l + s - l*s
	}
	p := 2*l - q
	channel := func(t float64) int {
		t -= math.Floor(t)
		var v float64
		switch {
		case t < 1.0/6:
			v = p + (q-p)*6*t
		case t < 1.0/2:
			v = q
		case t < 2.0/3:
			v = p + (q-p)*(2.0/3-t)*6
		default:
			v = p
		}
		return int(math.Round(v * 255))
	}
	return fmt.Sprintf("%02X%02X%02X", channel(h+1.0/3), channel(h), channel(h-1.0/3))
}

// rgb splits RRGGBB into its channels.
func rgb(c string) (r, g, b float64) {
	v, _ := strconv.ParseUint(c, 16, 32)
	return float64(v >> 16 & 0xff), float64(v >> 8 & 0xff), float64(v & 0xff)
}

// tint mixes a colour with white, for the fill of a whole row: black text
// stays readable on it, and it keeps the hue of the cause.
func tint(c string) string {
	if c == "" {
		return ""
	}
	r, g, b := rgb(c)
	mix := func(v float64) int { return int(math.Round(v + (255-v)*0.78)) }
	return fmt.Sprintf("%02X%02X%02X", mix(r), mix(g), mix(b))
}

// textOn returns the font colour readable on a fill of colour c: white on
// dark colours, black on light ones.
func textOn(c string) string {
	r, g, b := rgb(c)
	if 0.299*r+0.587*g+0.114*b < 150 {
		return "FFFFFF"
	}
	return "000000"
}
