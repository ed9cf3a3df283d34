package smtptest

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"testing"
)

// Part is one leaf of a received MIME message, decoded.
type Part struct {
	ContentType string
	Params      map[string]string
	Disposition string
	Filename    string
	Body        []byte
}

// Parse reads a received message into its header and leaf parts, with the
// standard library only, so that a mistake in the sender's MIME shows.
func Parse(t testing.TB, data []byte) (*netmail.Message, []Part) {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("received message does not parse: %v", err)
	}
	var parts []Part
	var walk func(header map[string][]string, body io.Reader)
	walk = func(header map[string][]string, body io.Reader) {
		h := netmail.Header(header)
		ct, params, err := mime.ParseMediaType(h.Get("Content-Type"))
		if err != nil {
			t.Fatalf("bad content type %q: %v", h.Get("Content-Type"), err)
		}
		if strings.HasPrefix(ct, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				walk(p.Header, p)
			}
		}
		raw, _ := io.ReadAll(body)
		switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
		case "base64":
			raw, err = io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(raw)))
		case "quoted-printable":
			raw, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
		}
		if err != nil {
			t.Fatalf("cannot decode a %s part: %v", ct, err)
		}
		disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
		parts = append(parts, Part{ContentType: ct, Params: params, Disposition: disp, Filename: dparams["filename"], Body: raw})
	}
	walk(msg.Header, msg.Body)
	return msg, parts
}

// Find returns the first part of content type ct, nil if none.
func Find(parts []Part, ct string) *Part {
	for i := range parts {
		if parts[i].ContentType == ct {
			return &parts[i]
		}
	}
	return nil
}
