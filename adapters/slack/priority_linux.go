package slack

import (
	"runtime"
	"syscall"
)

// backgroundPriority puts the calling goroutine on its own OS thread at a
// lower scheduling priority (nice 10) for the rest of its life. The workers
// call it: their SQLite work runs in C on that thread, and the kernel then
// gives the threads that acknowledge Slack the CPU first, so a busy pool
// cannot push an acknowledgement past Slack's three seconds, or far past a
// few milliseconds. When the goroutine ends, Go ends the locked thread too.
func backgroundPriority() {
	runtime.LockOSThread()
	// On Linux, PRIO_PROCESS with a thread id sets that thread's nice value.
	// Raising one's own nice value needs no privilege; if it fails anyway,
	// the worker simply runs at normal priority.
	_ = syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), 10)
}
