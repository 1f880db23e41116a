package llm

// SetAfterJoin lets a test know when a caller has joined the shared call.
func SetAfterJoin(c *Client, f func()) { c.afterJoin = f }
