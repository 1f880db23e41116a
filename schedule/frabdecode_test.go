package schedule

import (
	"bytes"
	"encoding/xml"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// decodeBoth reads data with frabDecoder and with xml.Decoder.Decode, the
// reflection the decoder replaces.
func decodeBoth(data []byte) (got, want frabXML, gotErr, wantErr error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Entity = xml.HTMLEntity
	r := frabDecoder{d: d}
	gotErr = r.decode(&got)
	d = xml.NewDecoder(bytes.NewReader(data))
	d.Entity = xml.HTMLEntity
	wantErr = d.Decode(&want)
	return got, want, gotErr, wantErr
}

func checkSameDecode(t *testing.T, data []byte) {
	t.Helper()
	got, want, gotErr, wantErr := decodeBoth(data)
	if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
		t.Fatalf("error %v, Decode's %v", gotErr, wantErr)
	}
	if gotErr == nil {
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("differs from Decode (-Decode +frabDecoder):\n%s", diff)
		}
	}
}

// The token reader reads the real files as Decode does, field for field.
func TestFrabDecoderReadsAsDecode(t *testing.T) {
	for _, name := range []string{fosdemXML, "testdata/fosdem_2025_old_format.xml"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			got, _, _, _ := decodeBoth(data)
			if len(got.Days) == 0 {
				t.Fatal("no days read")
			}
			checkSameDecode(t, data)
			// Cut anywhere, both fail alike.
			for _, n := range []int{len(data) / 3, len(data) / 2, len(data) - 20} {
				checkSameDecode(t, data[:n])
			}
		})
	}
	for name, doc := range map[string]string{
		"seed": seedFrab,
		"unknown and nested": `<schedule><x/><conference><title>A<b>bold</b>B<![CDATA[ <c> ]]></title><title>Second</title></conference>` +
			`<day date="1" date="2"><room name="R"><event id="1"><persons><person>P<i>x</i></person><other>o</other></persons><persons><person>Q</person></persons>` +
			`<links><link href="h">T<URL>u</URL>U</link></links><recording><optout>true</optout></recording><recording/></event></room><junk>j</junk></day></schedule>`,
		"prefixed":    `<f:schedule xmlns:f="urn:x"><f:conference><f:title>T</f:title></f:conference></f:schedule>`,
		"mismatched":  `<schedule><conference><title>T</conference></schedule>`,
		"entity":      `<schedule><conference><title>&nbsp;&bogus;</title></conference></schedule>`,
		"other space": `<a:schedule xmlns:a="x"><a:conference><b:title>T</a:title></a:conference></a:schedule>`,
		"no space":    `<a:schedule xmlns:a="x"><a:conference><title>T</a:title></a:conference></a:schedule>`,
		"truncated":   "<schedule>\n<conference><title>T</title>\n<skipped><deep>",
		"empty":       ``,
		"text only":   `hello`,
	} {
		t.Run(name, func(t *testing.T) { checkSameDecode(t, []byte(doc)) })
	}
}

// FuzzFrabDecoder holds the token reader to Decode on any input.
func FuzzFrabDecoder(f *testing.F) {
	f.Add([]byte(seedFrab))
	f.Add([]byte(`<schedule><day date="d"><room name="r"><event guid="g"><links><link href="h">t<URL>u</URL></link></links></event></room></day></schedule>`))
	f.Fuzz(func(t *testing.T, data []byte) { checkSameDecode(t, data) })
}
