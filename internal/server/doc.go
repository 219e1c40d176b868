// Package server is the demo HTTP server of nlcron: the "Scheduled Runs" and
// "Agent Runs" API described in docs/api.md, served over an [engine.Engine],
// plus the playground page, /healthz, /metrics and /openapi.json.
//
// # Pieces
//
//   - [New] builds the [http.Handler]: authentication with hashed API keys
//     ([Keys]) and a limit on unknown keys per client address
//     ([Config.AuthFailureBurst]), a per-key rate limit, a request body
//     limit, Idempotency-Key replay, strict JSON decoding that answers 422
//     in FastAPI's shape, and one table ([statusFor]) that maps engine
//     errors to HTTP statuses.
//   - [Notifier] POSTs signed callbacks when runs end, refusing loopback,
//     private and link-local addresses at dial time.
//   - [EchoRunner] and [WebhookRunner] are the two agent runners.
//   - [Metrics] exports engine and HTTP metrics to Prometheus.
//
// # Idempotency-Key
//
// A POST with an Idempotency-Key header is reserved under a hash of the
// account, route and key before it runs, and its 2xx answer is kept for
// 24 hours and replayed (Idempotent-Replayed: true) to a retry with the
// same body; another body answers 422, and a retry while the first request
// runs 409. The records live in an [IdempotencyStore]: [Config.Idempotency],
// which the SQL stores implement in the engine's database, so that
// replicas sharing it, and a restarted server, replay each other's
// answers; else in process memory. A reservation is a lease of one minute
// (from [Config.Now]): a server that dies mid-request frees the key then.
//
// Package app (internal/server/app) wires a store, the engine and an
// [http.Server] around this handler for cmd/demo, passing the SQLite or
// PostgreSQL store as the IdempotencyStore.
package server
