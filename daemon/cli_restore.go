package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/kogge-project/kogge/rooms/accounts"
	"github.com/kogge-project/kogge/rooms/store"
)

// runRestore is `kogge restore -from FILE`: with the daemon stopped it
// checks the backup, copies it into place (the current file is kept beside
// it), and ends every session in the copy. A backup brings back what was
// revoked after it was taken: sessions end here, so logged-out browsers
// stay out; API tokens are listed (or, with -revoke-tokens, all revoked),
// since which of them were revoked since is not in the backup.
func runRestore(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "the backup file to restore")
	cfgPath := fs.String("config", "", "config file (default: the demo data dir)")
	revokeTokens := fs.Bool("revoke-tokens", false, "revoke every API token in the backup (integrations need new ones)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" {
		return errors.New("-from FILE is required")
	}
	cfg, _, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if cfg.Store.Clustered() {
		// The nodes' files are copies of the cluster's store: putting a
		// backup in one would be overwritten from the cluster.
		return errors.New("on a cluster a backup goes back into etcd: stop every node, then kogge store copy --from bbolt:BACKUP --to etcd into an empty prefix (docs/cluster.md, section Moving a store)")
	}
	dir := cfg.Store.DataDir
	dbPath := filepath.Join(dir, "kogge.db")
	if resp, err := controlClient(dir).Get("http://kogge/healthz"); err == nil {
		resp.Body.Close()
		return errors.New("the daemon is running: stop it first (systemctl stop kogge), then restore")
	}
	if _, err := os.Stat(dbPath); err == nil {
		if err := probeLock(dbPath); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	// Check the backup before anything is copied: a damaged backup must
	// not replace a file that may still be good.
	if err := checkIntegrity(*from, time.Second); err != nil {
		return fmt.Errorf("the backup cannot be restored: %w", err)
	}
	tmp := dbPath + ".restoring"
	defer os.Remove(tmp)
	if err := copyFile(*from, tmp); err != nil {
		return err
	}
	ended, tokens, err := settleRestored(tmp, *revokeTokens)
	if err != nil {
		return err
	}
	var kept string
	if _, err := os.Stat(dbPath); err == nil {
		kept = fmt.Sprintf("%s.before-restore-%s", dbPath, time.Now().UTC().Format("20060102T150405Z"))
		if err := os.Rename(dbPath, kept); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, dbPath); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // make both renames durable
		d.Close()
	}

	fmt.Fprintf(stdout, "restored %s from %s\n", dbPath, *from)
	if kept != "" {
		fmt.Fprintf(stdout, "the previous file is kept as %s\n", kept)
	}
	fmt.Fprintf(stdout, "%d sessions ended: everybody logs in again\n", ended)
	switch {
	case len(tokens) == 0:
		fmt.Fprintln(stdout, "the backup holds no API tokens")
	case *revokeTokens:
		fmt.Fprintf(stdout, "%d API tokens revoked: integrations need new ones\n", len(tokens))
	default:
		fmt.Fprintf(stdout, "%d API tokens are back as they were in the backup; revoke any that were revoked after it was taken\n"+
			"(DELETE /api/v1/tokens/ID, or restore again with -revoke-tokens):\n", len(tokens))
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tOWNER\tLABEL\tCREATED")
		for _, t := range tokens {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.ID, t.Owner, t.Label, t.Created.Format("2006-01-02 15:04"))
		}
		tw.Flush()
	}
	fmt.Fprintln(stdout, "panels paired and calendar feeds made after the backup are gone; panels and feeds revoked after it are back (README, \"Backup and restore\")")
	return nil
}

// settleRestored opens the copy (migrating it if it is older), ends every
// session, and lists the API tokens, revoking them all if asked.
func settleRestored(path string, revokeTokens bool) (ended int, tokens []accounts.Token, err error) {
	st, err := store.Open(path, store.Options{OpenTimeout: time.Second})
	if err != nil {
		return 0, nil, err
	}
	defer func() {
		if cerr := st.Close(); err == nil {
			err = cerr
		}
	}()
	acc, err := accounts.Open(st.DB(), accounts.Options{Audit: func(actor, action, detail string) {
		_ = st.AppendAudit(store.AuditEntry{Actor: actor, Action: action, Detail: detail})
	}})
	if err != nil {
		return 0, nil, err
	}
	_ = st.AppendAudit(store.AuditEntry{Actor: "kogge restore", Action: "restore", Detail: "restored from a backup"})
	if ended, err = acc.EndAllSessions(); err != nil {
		return 0, nil, err
	}
	if tokens, err = acc.Tokens(""); err != nil {
		return 0, nil, err
	}
	if revokeTokens {
		for _, t := range tokens {
			if err := acc.RevokeToken(t.ID); err != nil {
				return 0, nil, err
			}
		}
	}
	return ended, tokens, nil
}

// copyFile copies src to dst (mode 0600) and syncs it.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
