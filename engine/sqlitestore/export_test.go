package sqlitestore

// PendingWrites returns how many writes wait for a group commit, so that
// tests can line writes up behind one another.
func (s *Store) PendingWrites() int {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	return len(s.pending)
}
