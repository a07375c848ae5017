// Command loadgen measures how fast `reviewer serve` acknowledges webhook deliveries: it
// sends signed GitHub pull_request deliveries to the service's endpoint and reports how
// many were accepted, how many per second, and how long each acknowledgement took.
//
// Usage:
//
//	loadgen [-url URL] [-secret S] [-payload FILE] [-c N] [-n N] [-d DURATION] [-rate R] [-json]
//	        [-slow N [-slow-size B] [-slow-prefix B] [-slow-rate B/s] [-slow-redial D]]
//
// Every delivery is the recorded pull_request payload of -payload with a repository of its
// own (acme/load-RUN-N, RUN random per run) and a random 40-hex head SHA, so that the
// service stores each as a new job: none is deduplicated, not even against an earlier run
// on the same queue. Each has its own X-GitHub-Delivery id and an X-Hub-Signature-256
// (HMAC-SHA256 of the exact body with the webhook secret). All bodies are built and signed
// before the clock starts, so the generator spends its CPU on sending only: on a small
// machine it still shares the cores with the service, which the numbers include.
//
// The load is closed-loop by default: -c keep-alive connections each send the next
// delivery as soon as the previous one is answered, until -n are sent or -d has passed.
// With -rate it is open-loop: deliveries start at that many per second whatever the
// answers take, at most -c at a time; a delivery that finds all -c busy waits for one,
// and the report's lag says how late deliveries started (a large lag means -c is too
// small for the rate, or the service slower than it).
//
// A delivery's latency runs from just before its request is written to after its response
// is read. Only 202 counts as accepted, and the latencies are those of the accepted
// deliveries; every other status, and every transport error, is counted by kind. Of the
// accepted, "queued" counts the answers that stored a new job (not a duplicate, a merge
// into a live job, or an ignored event). The percentiles are nearest-rank over all the
// accepted deliveries.
//
// The secret is -secret or, when that is empty, $REVIEWER_GITHUB_WEBHOOK_SECRET (what
// `reviewer serve` reads), which keeps it out of process listings.
//
// -n is how many deliveries are prepared and the most that are sent. With -d the run
// stops after that long even if some are left; with -d and -rate but no -n, rate×d are
// prepared. Each body takes the payload's size in memory (28 KB for the default).
//
// With -slow N it also attacks, as someone without the secret could: for -d it keeps N
// connections open, each an unsigned delivery (a well-formed X-Hub-Signature-256 that is
// not the body's) declaring -slow-size bytes, of which it sends -slow-prefix at once and
// then -slow-rate a second; a connection the service answers or closes is opened again
// after -slow-redial. The signed deliveries start once all N have sent their headers,
// and the report adds how the slow ones ended, by status. scripts/bench-intake uses it
// to measure the service's memory under such a flood.
//
// The exit status is 0 when every delivery sent was accepted, 1 when some were not (after
// the report), and 2 for bad flags or an unusable payload.
package main
