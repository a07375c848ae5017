// Package queue is the service's durable review queue: River on an embedded SQLite file
// (the default) or on PostgreSQL (several replicas), with one job per change and head,
// newer heads superseding older ones, and a response cache shared by the replicas.
package queue
