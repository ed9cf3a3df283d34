package classify

import "bytes"

// MsiInstaller events, as an admin exports them from the Application log:
// event 11722 is Error 1722, and the description repeats "Product: X --
// Error 1722.", which msiEntry reads.

var (
	msiInstaller = []byte("MsiInstaller")
	eventIDs     = [][]byte{[]byte("Event ID"), []byte("EventID")}
)

func (s *scan) eventEntry(t []byte, f *entryFacts) {
	var rest []byte
	if i := bytes.Index(t, msiInstaller); i >= 0 {
		rest = t[i+len(msiInstaller):]
	} else if s.msiSource {
		// "Event ID: 11722", "EventID 11310" as exports and copies write it
		for _, id := range eventIDs {
			if i := bytes.Index(t[:min(len(t), 32)], id); i >= 0 {
				rest = t[i+len(id):]
				break
			}
		}
	}
	if rest == nil {
		return
	}
	// The event number is the first field of five digits after the source.
	for k := 0; k < len(rest); {
		if !isDigit(rest[k]) {
			k++
			continue
		}
		v, n := atoi(rest[k:])
		if n == 5 && (k == 0 || !isLetter(rest[k-1])) && (k+n == len(rest) || !isDigit(rest[k+n])) && v >= 11000 && v <= 11999 {
			s.msiNumber(int(v-10000), false, t, f)
			return
		}
		k += n
	}
}
