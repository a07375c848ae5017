package webhook

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the intake's Prometheus metrics.
type metrics struct {
	deliveries *prometheus.CounterVec
	ack        *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "reviewer_webhook_deliveries_total",
			Help: "Webhook deliveries received, by forge, event and outcome " +
				"(queued, duplicate, deduped, ignored, limited, unauthorized, too_large, timeout, busy, bad_request, error).",
		}, []string{"forge", "event", "outcome"}),
		ack: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "reviewer_webhook_ack_seconds",
			Help: "Time from receiving a webhook delivery to answering it, queueing included.",
			// Forges give up after 10 seconds.
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"forge"}),
	}
	for _, c := range []prometheus.Collector{m.deliveries, m.ack} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("webhook: register metrics: %w", err)
		}
	}
	return m, nil
}

func (m *metrics) observe(forge, event, outcome string, took time.Duration) {
	m.deliveries.WithLabelValues(forge, event, outcome).Inc()
	m.ack.WithLabelValues(forge).Observe(took.Seconds())
}
