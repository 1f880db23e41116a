package schedule

import "testing"

// Parsing the real schedules; BENCHMARKS.md ("Schedule import") has the
// numbers and the command.
func benchmarkParse(b *testing.B, name string, sessions int) {
	data := readFile(b, name)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		s, err := Parse(data)
		if err != nil || len(s.Sessions) != sessions {
			b.Fatalf("%d sessions, %v", len(s.Sessions), err)
		}
	}
}

func BenchmarkParseFOSDEM2025XML(b *testing.B) { benchmarkParse(b, fosdemXML, 1105) }

func BenchmarkParseKubeConSchedICS(b *testing.B) { benchmarkParse(b, schedICS, 596) }

func BenchmarkParseMCH2022PretalxJSON(b *testing.B) { benchmarkParse(b, mchPretalx, 183) }
