package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// errDamaged makes `kogge check-db` exit non-zero when it found damage.
var errDamaged = errors.New("damaged records found; restore them from a backup or remove the accounts and tokens concerned (README, \"Backup and restore\")")

// runCheckRecords is `kogge check-db`: with the daemon stopped it opens the
// file as the other admin commands do, which runs bbolt's structural check
// first (a structurally damaged file is refused with its report); then it
// decodes every record. With the daemon running it asks over the control
// socket (the structure was checked when the daemon started).
func runCheckRecords(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check-db", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "config file (default: the demo data dir)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ops, err := openAdmin(*cfgPath)
	if err != nil {
		return err
	}
	defer ops.Close()
	damaged, err := ops.DamagedRecords()
	if err != nil {
		return err
	}
	for _, d := range damaged {
		fmt.Fprintf(stdout, "damaged: bucket %s, key %s: %s\n", d.Bucket, d.Key, d.Problem)
	}
	if len(damaged) > 0 {
		fmt.Fprintf(stdout, "%d damaged records; everything else is readable.\n", len(damaged))
		return errDamaged
	}
	fmt.Fprintln(stdout, "no damaged records")
	return nil
}
