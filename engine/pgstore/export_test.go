package pgstore

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
