package llm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Check asks the server whether it can be reached, takes the key and offers
// the model: it lists the models (GET /models) and, for a server without
// that list, sends a one-token request instead. Its errors say in plain
// words what to fix and never hold the key.
func (c *Client) Check(ctx context.Context) error {
	where := "OPENAI_BASE_URL " + c.cfg.BaseURL
	if c.cfg.BaseURL == "" {
		where = "OpenAI's API"
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	list, err := c.api.ListModels(ctx)
	if err == nil {
		var ids []string
		for _, m := range list.Models {
			ids = append(ids, m.ID)
		}
		if len(ids) > 0 && !slices.Contains(ids, c.cfg.Model) {
			shown := ids[:min(len(ids), 10)]
			return fmt.Errorf("%s does not offer OPENAI_MODEL %q; it offers %s: set OPENAI_MODEL to one of them (or pull the model)",
				where, c.cfg.Model, strings.Join(shown, ", "))
		}
		return nil
	}
	var e *Error
	if !errors.As(c.classify(err), &e) {
		return err
	}
	if e.Status != 404 && e.Status != 405 {
		return c.explain(e, where)
	}
	// No model list here: one tiny completion says as much.
	_, _, cerr := c.completeOnce(ctx, Request{Messages: []Message{{Role: RoleUser, Content: "Say OK."}}, MaxTokens: 1})
	if cerr != nil && errors.As(cerr, &e) {
		return c.explain(e, where)
	}
	return cerr
}

func (c *Client) explain(e *Error, where string) error {
	switch {
	case e.Status == 401 || e.Status == 403:
		return fmt.Errorf("%s refused OPENAI_API_KEY (%d): set the key the server expects (%s)", where, e.Status, e.Error())
	case e.Kind == KindQuota:
		return fmt.Errorf("%s says the account is out of quota: add credit or raise the limit (%s)", where, e.Error())
	case e.Kind == KindUnavailable || e.Kind == KindTimeout:
		return fmt.Errorf("cannot reach %s (%s): check the URL (it usually ends in /v1), the network and that the server runs", where, e.Error())
	case e.Status == 404:
		return fmt.Errorf("%s has no chat completions endpoint or no model %q (%s): check the URL ends in /v1 and OPENAI_MODEL", where, c.cfg.Model, e.Error())
	}
	return fmt.Errorf("%s did not answer as expected: %s", where, e.Error())
}
