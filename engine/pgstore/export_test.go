package pgstore

import "github.com/nlcron/nlcron/engine"

// Queries returns the statements EXPLAIN tests inspect, by name.
func Queries(s *Store) map[string]string {
	return map[string]string{
		"claimDue":         s.q.claimDue,
		"nextDue":          s.q.nextDue,
		"acquireRuns":      s.q.acquireRuns,
		"expireLeases":     s.q.expireLeases,
		"listOccurrences":  s.q.listOccurrences,
		"listSpansBefore":  s.q.listSpansBefore,
		"pruneRuns":        s.q.pruneRuns,
		"pruneOccurrences": s.q.pruneOccurrences,
	}
}

// ListRunsQuery is the query and arguments ListRuns sends for f.
func ListRunsQuery(s *Store, accountID string, f engine.RunFilter, limit int) (string, []any) {
	sql, args, err := s.listRunsQuery(accountID, f, limit)
	if err != nil {
		panic(err)
	}
	return sql, args
}
