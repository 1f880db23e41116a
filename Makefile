# Build tags: FTS5 for full-text search; goolm so mautrix needs no system libolm.
TAGS := sqlite_fts5 goolm
GO ?= go
export CGO_ENABLED := 1

.PHONY: build run test fuzz bench soak vet clean

build:
	$(GO) build -tags '$(TAGS)' -o bin/bot ./cmd/bot

## run: start the bot (the console when no chat credentials are configured)
run: build
	./bin/bot

## test: vet, the whole suite, and short fuzz runs of the command parser, the title parser, the schedule parsers, the wrap-up post and Slack's JSON strings
# Fuzz budgets are counts, not durations: Go 1.26's fuzz coordinator can report a
# spurious "context deadline exceeded" when a duration runs out (golang/go#75804).
test: vet
	$(GO) test -tags '$(TAGS)' -count=1 ./...
	$(GO) test -tags '$(TAGS)' -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 150000x -fuzzminimizetime 200x ./commands
	$(GO) test -tags '$(TAGS)' -run '^$$' -fuzz '^FuzzSplitTitle$$' -fuzztime 200000x -fuzzminimizetime 200x ./schedule
	$(GO) test -tags '$(TAGS)' -run '^$$' -fuzz '^FuzzParseICal$$' -fuzztime 20000x -fuzzminimizetime 200x ./schedule
	$(GO) test -tags '$(TAGS)' -run '^$$' -fuzz '^FuzzParseFrab$$' -fuzztime 20000x -fuzzminimizetime 200x ./schedule
	$(GO) test -tags '$(TAGS)' -run '^$$' -fuzz '^FuzzFrabDecoder$$' -fuzztime 20000x -fuzzminimizetime 200x ./schedule
	$(GO) test -tags '$(TAGS)' -run '^$$' -fuzz '^FuzzParsePretalx$$' -fuzztime 20000x -fuzzminimizetime 200x ./schedule
	$(GO) test -tags '$(TAGS)' -run '^$$' -fuzz '^FuzzPersonalPost$$' -fuzztime 20000x -fuzzminimizetime 200x ./wrapup
	$(GO) test -tags '$(TAGS)' -run '^$$' -fuzz '^FuzzAppendString$$' -fuzztime 50000x -fuzzminimizetime 200x ./adapters/slack

vet:
	$(GO) vet -tags '$(TAGS)' ./...

## fuzz: a longer fuzz run of the command parser
fuzz:
	$(GO) test -tags '$(TAGS)' -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 5000000x ./commands

## bench: the benchmarks of BENCHMARKS.md (builds a large database first; minutes)
bench:
	$(GO) test -tags '$(TAGS)' -run '^$$' -bench . -benchmem -benchtime 2s -timeout 60m ./bench/

## soak: the soak test for longer (SOAK=10m by default): 200 Slack users, goroutines and memory reported
SOAK ?= 10m
soak:
	TALKBOT_SOAK=$(SOAK) $(GO) test -tags '$(TAGS)' -count=1 -run '^TestSoak$$' -v -timeout 0 ./cmd/bot

clean:
	rm -rf bin
