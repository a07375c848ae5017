// Package replay records the model gateway's answers and plays them back, so that a review
// or an evaluation can be run again without a gateway, for free and with the same answers.
//
// Both sides are http.RoundTrippers for llm.Options.HTTPClient; they sit below the model
// client, so that every request it sends (retries and fallbacks included) is seen:
//
//   - a [Recorder] forwards each request to the gateway and stores the pair in a directory,
//     one readable JSON file per request (see [Entry]);
//   - a [Player] answers from that directory and sends nothing. A request it has no answer
//     for is a [Miss]: it is answered with a 400 error that the model client neither
//     retries nor takes for a reason to try a fallback model, and it is kept (see
//     [Player.Misses]) so that the command can fail loudly, naming the request.
//
// A request is keyed by [Key]: its method, its path below the gateway's base URL and its
// JSON body in canonical form. Headers are left out, so neither the API key nor per-run
// metadata (the cf-aig-metadata tags naming the commit) decides a match, and none of them
// is stored. The gateway's address is left out too: a recording made through one gateway
// replays behind any other, or behind none.
package replay
