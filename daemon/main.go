// Command kogge is the Kogge daemon and its administration commands.
//
//	kogge [serve] [-config FILE]      run the daemon (demo mode without -config)
//	kogge check-config -config FILE   validate a config file
//	kogge backup -o FILE [-config F]  hot copy of the database
//	kogge check-db [-config F]        list damaged records
//	kogge restore -from FILE          put a backup in place, end all sessions
//	kogge user add|passwd|list|disable|enable …
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/kogge-project/kogge/internal/gctarget"
)

func main() {
	gctarget.Apply() // before anything allocates much
	os.Exit(runCommand(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func runCommand(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = runServe(args, stdout, stderr)
	case "check-config":
		err = runCheckConfig(args, stdout, stderr)
	case "backup":
		err = runBackup(args, stdout, stderr)
	case "user":
		err = runUser(args, stdin, stdout, stderr)
	case "gotomeeting":
		err = runGoTo(args, stdin, stdout, stderr)
	case "restore":
		err = runRestore(args, stdout, stderr)
	case "store":
		err = runStore(args, stdout, stderr)
	case "check-db":
		err = runCheckRecords(args, stdout, stderr)
	case "internal-check-db":
		return runCheckDB(args)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, commandHelp)
		return 0
	default:
		fmt.Fprintf(stderr, "kogge: unknown command %q\n\n%s", cmd, commandHelp)
		return 2
	}
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "kogge %s: %v\n", cmd, err)
		}
		return 1
	}
	return 0
}

const commandHelp = `Usage:
  kogge [serve] [-config FILE] [-log-format auto|text|json]
        Run the daemon. Without -config: demo mode in ./kogge-data on 127.0.0.1:8080.
  kogge check-config -config FILE
        Check a config file and list every problem.
  kogge gotomeeting authorize --organizer NAME [-config FILE]
        Authorise a GoToMeeting organizer account once: prints the URL to open,
        then reads the code (or the whole redirect URL) from stdin.
  kogge backup -o FILE [-config FILE]
        Write a consistent copy of the database (while the daemon runs, or not).
  kogge restore -from BACKUP [-revoke-tokens] [-config FILE]
        With the daemon stopped: check the backup, put it in place (the old file
        is kept beside it), end every session, list (or revoke) the API tokens.
  kogge store copy --from bbolt:PATH --to etcd -config FILE
  kogge store copy --from etcd --to bbolt:PATH -config FILE
        Move an installation between a database file and the etcd cluster of
        the config's [store.etcd], into an empty target only, and verify it
        (keys and SHA-256 per bucket). The daemon must not run on the file.
  kogge check-db [-config FILE]
        Check the database: its structure (when the daemon is stopped) and
        every record; lists each damaged record by bucket and key.
  kogge user add NAME [-role secretary|admin] [-config FILE]
  kogge user passwd NAME [-config FILE]
  kogge user list [-config FILE]
  kogge user disable|enable NAME [-config FILE]
        Manage accounts. Passwords are read from standard input (a prompt on a
        terminal); an empty one is generated and printed once.
`
