package github

import "context"

// GitToken returns the token the client's API requests carry (an App's installation
// token, refreshed as needed), for git's own requests to the repository: a clone over
// https takes it as the password of the user x-access-token.
func (c *Client) GitToken(ctx context.Context) (string, error) {
	return c.token(ctx)
}
