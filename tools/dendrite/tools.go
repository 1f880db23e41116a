//go:build tools

// Package dendrite pins the Matrix homeserver that adapters/matrix tests run
// against. It is its own module so Dendrite's dependencies stay out of
// talkbot's go.mod; the test harness builds the commands from here.
package dendrite

import (
	_ "github.com/element-hq/dendrite/cmd/create-account"
	_ "github.com/element-hq/dendrite/cmd/dendrite"
	_ "github.com/element-hq/dendrite/cmd/generate-config"
	_ "github.com/element-hq/dendrite/cmd/generate-keys"
)
