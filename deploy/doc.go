// Package deploy holds no code: its tests check what deploy/ ships to run reviewer serve
// (the Helm chart, compose.yaml, and the alert rules) with the tools that consume them,
// helm and promtool. The Grafana dashboard's and the alerts' metrics are checked against a
// running service in cmd/reviewer (TestDashboardsUseExportedMetrics).
package deploy
