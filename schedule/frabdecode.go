package schedule

import (
	"encoding/xml"
	"errors"
	"io"
)

// frabDecoder fills a frabXML from the decoder's tokens, as
// xml.Decoder.Decode(&frabXML{}) would, without reflection: it took about
// a sixth of the parse (BENCHMARKS.md, "Schedule import"). It reads with
// RawToken, which skips the name space bookkeeping nothing here needs, and
// checks what Token would: an end tag that does not match its start tag and
// a file that ends inside an element are errors, with Token's messages. Like
// Decode it matches elements and attributes by local name, keeps the last
// of a repeated single field, collects only an element's own text (CDATA
// too) and skips the children it does not know.
//
// each, when set, gets every event as soon as its element ends, in file
// order, with the cleaned name of its room, so the work on its texts can
// start while the rest of the file is read.
type frabDecoder struct {
	d    *xml.Decoder
	open []xml.Name // the elements started and not yet ended
	text []byte     // the text of the element being read
	each func(e *frabEvent, room string)
}

// token is Token without name space translation, which matching by local
// name does not need.
func (r *frabDecoder) token() (xml.Token, error) {
	tok, err := r.d.RawToken()
	if err != nil {
		if errors.Is(err, io.EOF) && len(r.open) > 0 {
			return nil, r.syntaxError("unexpected EOF")
		}
		return nil, err
	}
	switch t := tok.(type) {
	case xml.StartElement:
		r.open = append(r.open, t.Name)
	case xml.EndElement:
		if len(r.open) == 0 {
			return nil, r.syntaxError("unexpected end element </" + t.Name.Local + ">")
		}
		s := r.open[len(r.open)-1]
		r.open = r.open[:len(r.open)-1]
		switch {
		case s.Local != t.Name.Local:
			return nil, r.syntaxError("element <" + s.Local + "> closed by </" + t.Name.Local + ">")
		case s.Space != t.Name.Space:
			ns := t.Name.Space
			if ns == "" {
				ns = `""`
			}
			return nil, r.syntaxError("element <" + s.Local + "> in space " + s.Space + " closed by </" + t.Name.Local + "> in space " + ns)
		}
	}
	return tok, nil
}

func (r *frabDecoder) syntaxError(msg string) error {
	line, _ := r.d.InputPos()
	return &xml.SyntaxError{Msg: msg, Line: line}
}

// skip reads to the end of the element just started.
func (r *frabDecoder) skip() error {
	for depth := 1; depth > 0; {
		tok, err := r.token()
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

func (r *frabDecoder) decode(f *frabXML) error {
	for { // the root, whatever its name; what comes before it is skipped
		tok, err := r.token()
		if err != nil {
			return err
		}
		if _, ok := tok.(xml.StartElement); ok {
			break
		}
	}
	return r.children(func(se xml.StartElement) error {
		switch se.Name.Local {
		case "conference":
			return r.conference(f)
		case "day":
			f.Days = append(f.Days, frabDay{})
			return r.day(&f.Days[len(f.Days)-1], se)
		}
		return r.skip()
	})
}

// children calls fn for each child element of the element just started,
// up to its end; fn reads the child to its end (or skips it).
func (r *frabDecoder) children(fn func(xml.StartElement) error) error {
	for {
		tok, err := r.token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := fn(t); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// str reads the element just started as a string field: its own text, its
// child elements skipped.
func (r *frabDecoder) str(dst *string) error {
	r.text = r.text[:0]
	for {
		tok, err := r.token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.CharData:
			r.text = append(r.text, t...)
		case xml.StartElement:
			if err := r.skip(); err != nil {
				return err
			}
		case xml.EndElement:
			*dst = string(r.text)
			return nil
		}
	}
}

// attr sets dst to the attribute's value when the element has it (the last
// one when it has it twice).
func attr(se xml.StartElement, name string, dst *string) {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			*dst = a.Value
		}
	}
}

func (r *frabDecoder) conference(f *frabXML) error {
	c := &f.Conference
	return r.children(func(se xml.StartElement) error {
		var dst *string
		switch se.Name.Local {
		case "title":
			dst = &c.Title
		case "acronym":
			dst = &c.Acronym
		case "city":
			dst = &c.City
		case "start":
			dst = &c.Start
		case "end":
			dst = &c.End
		case "day_change":
			dst = &c.DayChange
		case "time_zone_name":
			dst = &c.TimeZoneName
		default:
			return r.skip()
		}
		return r.str(dst)
	})
}

func (r *frabDecoder) day(day *frabDay, start xml.StartElement) error {
	attr(start, "date", &day.Date)
	return r.children(func(se xml.StartElement) error {
		if se.Name.Local != "room" {
			return r.skip()
		}
		day.Rooms = append(day.Rooms, frabRoom{})
		room := &day.Rooms[len(day.Rooms)-1]
		attr(se, "name", &room.Name)
		return r.children(func(se xml.StartElement) error {
			if se.Name.Local != "event" {
				return r.skip()
			}
			room.Events = append(room.Events, frabEvent{})
			e := &room.Events[len(room.Events)-1]
			if err := r.event(e, se); err != nil {
				return err
			}
			if r.each != nil {
				r.each(e, room.Name)
			}
			return nil
		})
	})
}

func (r *frabDecoder) event(e *frabEvent, start xml.StartElement) error {
	attr(start, "id", &e.ID)
	attr(start, "guid", &e.GUID)
	return r.children(func(se xml.StartElement) error {
		var dst *string
		switch se.Name.Local {
		case "date":
			dst = &e.Date
		case "start":
			dst = &e.Start
		case "duration":
			dst = &e.Duration
		case "room":
			dst = &e.Room
		case "url":
			dst = &e.URL
		case "title":
			dst = &e.Title
		case "subtitle":
			dst = &e.Subtitle
		case "track":
			dst = &e.Track
		case "type":
			dst = &e.Type
		case "abstract":
			dst = &e.Abstract
		case "description":
			dst = &e.Description
		case "persons":
			return r.children(func(se xml.StartElement) error {
				if se.Name.Local != "person" {
					return r.skip()
				}
				e.Persons = append(e.Persons, frabPerson{})
				return r.str(&e.Persons[len(e.Persons)-1].Name)
			})
		case "links":
			return r.children(func(se xml.StartElement) error {
				if se.Name.Local != "link" {
					return r.skip()
				}
				e.Links = append(e.Links, link{})
				l := &e.Links[len(e.Links)-1]
				attr(se, "href", &l.Href)
				return r.link(l)
			})
		case "recording":
			return r.children(func(se xml.StartElement) error {
				if se.Name.Local != "optout" {
					return r.skip()
				}
				return r.str(&e.Recording.Optout)
			})
		default:
			return r.skip()
		}
		return r.str(dst)
	})
}

// link reads a <link>: its text is its title. (Decode would also have read
// a <URL> child into URL, the field's name, having no xml tag for it.)
func (r *frabDecoder) link(l *link) error {
	r.text = r.text[:0]
	for {
		tok, err := r.token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.CharData:
			r.text = append(r.text, t...)
		case xml.StartElement:
			if t.Name.Local == "URL" {
				title := r.text
				r.text = nil
				if err := r.str(&l.URL); err != nil {
					return err
				}
				r.text = title
				continue
			}
			if err := r.skip(); err != nil {
				return err
			}
		case xml.EndElement:
			l.Title = string(r.text)
			return nil
		}
	}
}
