// Package server is the demo HTTP server of nlcron: the "Scheduled Runs" and
// "Agent Runs" API described in docs/api.md, served over an [engine.Engine],
// plus the playground page, /healthz, /metrics and /openapi.json.
//
// # Pieces
//
//   - [New] builds the [http.Handler]: authentication with hashed API keys
//     ([Keys]), a per-key rate limit, a request body limit, Idempotency-Key
//     replay, strict JSON decoding that answers 422 in FastAPI's shape, and
//     one table ([statusFor]) that maps engine errors to HTTP statuses.
//   - [Notifier] POSTs signed callbacks when runs end, refusing loopback,
//     private and link-local addresses at dial time.
//   - [EchoRunner] and [WebhookRunner] are the two agent runners.
//   - [Metrics] exports engine and HTTP metrics to Prometheus.
//
// Package app (internal/server/app) wires a store, the engine and an
// [http.Server] around this handler for cmd/demo.
package server
