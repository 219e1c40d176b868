// Command demo serves the Scheduled Runs and Agent Runs HTTP API, the
// playground page and metrics over an nlcron engine. Run with -h for flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/nlcron/nlcron/internal/server/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// run parses args and serves until ctx is done.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	opts, err := app.ParseFlags(args, stdout)
	if err != nil {
		return err
	}
	return app.Main(ctx, opts, stdout)
}
