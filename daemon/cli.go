package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms/accounts"
)

func runCheckConfig(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check-config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "config file to check")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *path == "" {
		return errors.New("-config FILE is required")
	}
	cfg, err := config.Load(*path)
	if err != nil {
		return fmt.Errorf("%s:\n%w", *path, err)
	}
	for _, w := range cfg.Warnings() {
		fmt.Fprintf(stdout, "warning: %s\n", w)
	}
	fmt.Fprintf(stdout, "%s: OK\n", *path)
	return nil
}

// runBackup writes the backup to FILE.partial, syncs it and renames it, so
// that FILE is either a whole backup or absent.
func runBackup(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "file to write the backup to")
	cfgPath := fs.String("config", "", "config file (default: the demo data dir)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("-o FILE is required")
	}
	ops, err := openAdmin(*cfgPath)
	if err != nil {
		return err
	}
	defer ops.Close()
	tmp := *out + ".partial"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := ops.Backup(f); err != nil {
		f.Close()
		return fmt.Errorf("backup failed: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, *out); err != nil {
		return err
	}
	abs, _ := filepath.Abs(*out)
	fmt.Fprintf(stdout, "backup written to %s\n", abs)
	return nil
}

func runUser(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: kogge user add|passwd|list|disable|enable …")
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("user "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "config file (default: the demo data dir)")
	role := fs.String("role", string(accounts.RoleSecretary), "role: secretary or admin (add)")
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	wantArgs := 1
	if sub == "list" {
		wantArgs = 0
	}
	if len(positional) != wantArgs {
		return fmt.Errorf("usage: kogge user %s%s [-config FILE]", sub, map[bool]string{true: " NAME"}[wantArgs == 1])
	}
	ops, err := openAdmin(*cfgPath)
	if err != nil {
		return err
	}
	defer ops.Close()
	switch sub {
	case "add", "passwd":
		password, generated, err := readPassword(stdin, stderr)
		if err != nil {
			return err
		}
		if sub == "add" {
			r := accounts.Role(*role)
			if !r.Valid() {
				return fmt.Errorf("role %q: use secretary or admin", *role)
			}
			_, err = ops.AddUser(positional[0], r, password)
		} else {
			err = ops.SetPassword(positional[0], password)
		}
		if err != nil {
			return err
		}
		if generated {
			fmt.Fprintf(stdout, "password for %s (shown once): %s\n", positional[0], password)
		} else {
			fmt.Fprintf(stdout, "password for %s set\n", positional[0])
		}
		return nil
	case "list":
		users, err := ops.Users()
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tROLE\tTOTP\tDISABLED\tLAST LOGIN")
		for _, u := range users {
			last := "-"
			if !u.LastLogin.IsZero() {
				last = u.LastLogin.Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%s\t%s\t%v\t%v\t%s\n", u.Name, u.Role, u.TOTPEnabled, u.Disabled, last)
		}
		return tw.Flush()
	case "disable", "enable":
		if err := ops.SetDisabled(positional[0], sub == "disable"); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s %sd\n", positional[0], sub)
		return nil
	}
	return fmt.Errorf("unknown user command %q (add, passwd, list, disable, enable)", sub)
}

// parseInterspersed lets flags follow positional arguments
// ("user add anna -role admin"), which the flag package alone does not.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// readPassword prompts without echo on a terminal and reads one line
// otherwise; an empty answer means "generate one".
func readPassword(stdin io.Reader, stderr io.Writer) (password string, generated bool, err error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "Password (empty to generate one): ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", false, err
		}
		password = string(b)
	} else if stdin != nil {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", false, err
		}
		password = strings.TrimRight(line, "\r\n")
	}
	if password == "" {
		return accounts.GeneratePassword(), true, nil
	}
	return password, false, nil
}

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
