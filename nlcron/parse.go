package nlcron

// parse is replaced by the participle grammar; until then it refuses everything.
func parse(phrase string, o options) (Result, error) {
	_ = o
	return Result{}, &ParseError{Input: phrase, Line: 1, Column: 1, Msg: "not implemented yet", err: ErrUnsupported}
}
