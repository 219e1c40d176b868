package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/nlcron/nlcron/engine"
)

// SQLSTATE codes the store maps to engine errors.
const (
	codeUniqueViolation     = "23505"
	codeCheckViolation      = "23514"
	codeNotNullViolation    = "23502"
	codeCharNotInRepertoire = "22021" // invalid UTF-8
	codeUntranslatableChar  = "22P05" // NUL in jsonb text
	codeInvalidText         = "22P02"
)

// wrapErr turns err from operation op into the store's error: prefixed
// "pgstore: op: ", matching [engine.ErrConflict] for unique violations,
// [engine.ErrNotFound] for missing rows, [engine.ErrInvalid] for values
// PostgreSQL refuses, and ctx.Err() when ctx ended (pgx does not always
// wrap it, for example when a cancelled query's connection is closed).
func wrapErr(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	var sentinel error
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr):
		switch pgErr.Code {
		case codeUniqueViolation:
			sentinel = engine.ErrConflict
		case codeCheckViolation, codeNotNullViolation, codeCharNotInRepertoire, codeUntranslatableChar, codeInvalidText:
			sentinel = engine.ErrInvalid
		}
	case errors.Is(err, pgx.ErrNoRows):
		sentinel = engine.ErrNotFound
	}
	if sentinel != nil && !errors.Is(err, sentinel) {
		return fmt.Errorf("pgstore: %s: %w: %w", op, sentinel, err)
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("pgstore: %s: %w (%w)", op, cerr, err)
	}
	return fmt.Errorf("pgstore: %s: %w", op, err)
}

// ctxErr returns the error for a call whose ctx is already done, so that
// no connection is taken for it.
func ctxErr(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pgstore: %s: %w", op, err)
	}
	return nil
}
