package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kogge-project/kogge/bench/internal/benchstat"
)

// pg drives PostgreSQL only through psql and pgbench, so that the module
// needs no Postgres driver.
type pg struct {
	host, port string
	runAs      string // run psql/pgbench as this OS user (runuser), "" for as is
	dir        string // scripts and pgbench logs; readable/writable by runAs
	db         string
}

const pgDB = "koggebench"

func (p *pg) cmd(name string, args ...string) *exec.Cmd {
	args = append([]string{"-h", p.host, "-p", p.port}, args...)
	var c *exec.Cmd
	if p.runAs != "" {
		c = exec.Command("runuser", append([]string{"-u", p.runAs, "--", name}, args...)...)
	} else {
		c = exec.Command(name, args...)
	}
	c.Dir = p.dir // pgbench -l writes its logs into the working directory
	return c
}

// psql runs sql (one or more statements, each its own transaction, so
// VACUUM works) in database db and returns the unaligned output.
func (p *pg) psql(db, sql string) (string, error) {
	c := p.cmd("psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", db, "-f", "-")
	c.Stdin = strings.NewReader(sql)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		return "", fmt.Errorf("psql: %v: %s", err, strings.TrimSpace(errb.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

// check says what to do when the cluster is not there; everything else
// assumes it is.
func (p *pg) check() error {
	if _, err := p.psql("postgres", "SELECT 1;"); err != nil {
		return fmt.Errorf(`PostgreSQL is not reachable on %s port %s (%v).
Install and start it, e.g. on Debian 12:
    apt-get install -y postgresql postgresql-contrib
    taskset -c 0 pg_ctlcluster 15 main start
or run with -pg=false to measure Kogge alone`, p.host, p.port, err)
	}
	return nil
}

// info returns settings and the server's CPU affinity for the notes.
func (p *pg) info() string {
	out, err := p.psql("postgres", `SELECT version();
SHOW synchronous_commit; SHOW fsync; SHOW wal_sync_method; SHOW shared_buffers;
SELECT pg_backend_pid();`)
	if err != nil {
		return "?"
	}
	f := strings.Split(out, "\n")
	if len(f) < 6 {
		return out
	}
	return fmt.Sprintf("%s\n  synchronous_commit=%s fsync=%s wal_sync_method=%s shared_buffers=%s, server CPUs %s",
		strings.SplitN(f[0], " on ", 2)[0], f[1], f[2], f[3], f[4], benchstat.CPUsAllowed(f[5]))
}

// bookingsSQL is the classic conflict-free booking table: the exclusion
// constraint is PostgreSQL's conflict check, its GiST index the store's
// by-room index. slot_seq hands out attempt numbers to pgbench clients.
const bookingsSQL = `
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE SEQUENCE slot_seq MINVALUE 0 START 0;
CREATE TABLE bookings (
    id      bigserial PRIMARY KEY,
    room    text NOT NULL,
    during  tstzrange NOT NULL,
    title   text NOT NULL,
    notes   text NOT NULL DEFAULT '',
    created timestamptz NOT NULL DEFAULT now(),
    EXCLUDE USING gist (room WITH =, during WITH &&)
);
`

func (p *pg) setup() error {
	if _, err := p.psql("postgres", "DROP DATABASE IF EXISTS "+pgDB+" WITH (FORCE);\nCREATE DATABASE "+pgDB+";"); err != nil {
		return err
	}
	_, err := p.psql(pgDB, bookingsSQL)
	return err
}

func (p *pg) dropDB() error {
	_, err := p.psql("postgres", "DROP DATABASE IF EXISTS "+pgDB+" WITH (FORCE);")
	return err
}

// slotRowSQL selects the row for slot expression s (a bigint) counted from
// base, the same booking as slotBooking: during covers setup + meeting.
func slotRowSQL(s string, base time.Time) string {
	b := fmt.Sprintf("timestamptz '%s'", base.Format(time.RFC3339))
	return fmt.Sprintf(`SELECT (ARRAY['%s'])[%[2]s %% 3 + 1],
       tstzrange(%[3]s + (%[2]s / 3) * interval '%[4]d minutes' - interval '%[5]d minutes',
                 %[3]s + (%[2]s / 3) * interval '%[4]d minutes' + interval '%[6]d minutes'),
       'Ausschuss für Stadtentwicklung, Sitzung ' || %[2]s,
       'Beamer, Mikrofone, Hybrid'`,
		strings.Join(benchRooms, "','"), s, b,
		int(benchSpacing.Minutes()), int(benchSetup.Minutes()), int(benchLength.Minutes()))
}

// preload fills the table with slots 0..n-1 in one statement.
func (p *pg) preload(n int) error {
	sql := fmt.Sprintf(`TRUNCATE bookings RESTART IDENTITY;
INSERT INTO bookings (room, during, title, notes)
%s
FROM generate_series(0, %d) AS s;
VACUUM ANALYZE bookings;
CHECKPOINT;
`, slotRowSQL("s", benchStart), n-1)
	_, err := p.psql(pgDB, sql)
	return err
}

// reset brings the table back to its preloaded state before each run, as
// Kogge gets a fresh copy of its file: drop the measured rows, vacuum,
// restart the attempt counter, and checkpoint so that no checkpoint from
// the previous run's writes lands in this one.
func (p *pg) reset(base time.Time) error {
	sql := fmt.Sprintf(`DELETE FROM bookings WHERE lower(during) >= timestamptz '%s' - interval '%d minutes';
VACUUM bookings;
ALTER SEQUENCE slot_seq RESTART;
CHECKPOINT;
`, base.Format(time.RFC3339), int(benchSetup.Minutes()))
	_, err := p.psql(pgDB, sql)
	return err
}

// insertScript is one pgbench transaction: take the next attempt number,
// map it to a slot like slotOf, insert unless the room is taken. With
// autocommit that is one statement, one commit, one round trip.
func insertScript(base time.Time, mix string) string {
	div := 1
	if mix == mixCollide {
		div = 2
	}
	return fmt.Sprintf(`INSERT INTO bookings (room, during, title, notes)
%s
FROM (SELECT nextval('slot_seq') / %d AS s) AS n
ON CONFLICT DO NOTHING;
`, slotRowSQL("s", base), div)
}

// overlapScript is the one-day availability query for a random room and
// day within the preloaded range.
func overlapScript(size int) string {
	days := int(benchSpan(size) / (24 * time.Hour))
	start := fmt.Sprintf("timestamptz '%s'", benchStart.Format(time.RFC3339))
	return fmt.Sprintf(`\set r random(1, %d)
\set d random(0, %d)
SELECT id, room, during, title, notes, created FROM bookings
WHERE room = (ARRAY['%s'])[:r]
  AND during && tstzrange(%[4]s + :d * interval '1 day', %[4]s + (:d + 1) * interval '1 day');
`, len(benchRooms), days-1, strings.Join(benchRooms, "','"), start)
}

var (
	tpsRE    = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)
	doneRE   = regexp.MustCompile(`number of transactions actually processed: (\d+)`)
	failedRE = regexp.MustCompile(`number of failed transactions: (\d+)`)
)

// pgbench runs script with clients connections, perClient transactions
// each, prepared statements, and returns tps and the number processed.
func (p *pg) pgbench(name, script string, clients, jobs, perClient int, extra ...string) (tps float64, done int, err error) {
	path := filepath.Join(p.dir, name+".sql")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		return 0, 0, err
	}
	args := append([]string{"-n", "-M", "prepared", "-f", path,
		"-c", strconv.Itoa(clients), "-j", strconv.Itoa(jobs), "-t", strconv.Itoa(perClient)}, extra...)
	args = append(args, pgDB)
	c := p.cmd("pgbench", args...)
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	if err := c.Run(); err != nil {
		return 0, 0, fmt.Errorf("pgbench: %v\n%s", err, out.String())
	}
	m := tpsRE.FindStringSubmatch(out.String())
	d := doneRE.FindStringSubmatch(out.String())
	if m == nil || d == nil {
		return 0, 0, fmt.Errorf("pgbench: no tps in output:\n%s", out.String())
	}
	if f := failedRE.FindStringSubmatch(out.String()); f != nil && f[1] != "0" {
		return 0, 0, fmt.Errorf("pgbench: %s failed transactions:\n%s", f[1], out.String())
	}
	tps, _ = strconv.ParseFloat(m[1], 64)
	done, _ = strconv.Atoi(d[1])
	return tps, done, nil
}

// walSyncs reads pg_stat_wal.wal_sync, the WAL fsyncs so far. Backends
// report their counts when they exit and the WAL writer every so often, so
// the caller waits a moment after pgbench has ended.
func (p *pg) walSyncs() (int64, error) {
	out, err := p.psql(pgDB, "SELECT wal_sync FROM pg_stat_wal;")
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(out, 10, 64)
}

// pgCreates measures one insert run; the table must be preloaded with size rows.
func (p *pg) creates(size, attempts, clients, jobs int, mix string) (runResult, error) {
	base := benchStart.Add(benchSpan(size))
	if err := p.reset(base); err != nil {
		return runResult{}, err
	}
	perClient := max(attempts/clients, 1)
	syncs0, err := p.walSyncs()
	if err != nil {
		return runResult{}, err
	}
	tps, done, err := p.pgbench("insert-"+mix, insertScript(base, mix), clients, jobs, perClient)
	if err != nil {
		return runResult{}, err
	}
	time.Sleep(700 * time.Millisecond) // let the WAL writer report its syncs
	syncs1, err := p.walSyncs()
	if err != nil {
		return runResult{}, err
	}
	out, err := p.psql(pgDB, fmt.Sprintf("SELECT count(*) FROM bookings WHERE lower(during) >= timestamptz '%s' - interval '%d minutes';",
		base.Format(time.RFC3339), int(benchSetup.Minutes())))
	if err != nil {
		return runResult{}, err
	}
	won, _ := strconv.Atoi(out)
	return runResult{rate: tps, won: won, attempts: done, fsyncsPerOp: float64(syncs1-syncs0) / float64(done)}, nil
}

// overlap runs queries one-day queries from one client with a
// per-transaction log and returns their latencies (client-measured, so a
// Unix-socket round trip included).
func (p *pg) overlap(size, queries int) ([]time.Duration, error) {
	old, _ := filepath.Glob(filepath.Join(p.dir, "pgbench_log.*"))
	for _, f := range old {
		os.Remove(f)
	}
	if _, _, err := p.pgbench("overlap", overlapScript(size), 1, 1, queries, "-l"); err != nil {
		return nil, err
	}
	logs, _ := filepath.Glob(filepath.Join(p.dir, "pgbench_log.*"))
	var durs []time.Duration
	for _, f := range logs {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			// client_id transaction_no time_us script_no epoch epoch_us
			fields := strings.Fields(sc.Text())
			if len(fields) < 3 {
				continue
			}
			us, err := strconv.ParseInt(fields[2], 10, 64)
			if err != nil {
				continue
			}
			durs = append(durs, time.Duration(us)*time.Microsecond)
		}
		fh.Close()
		os.Remove(f)
	}
	if len(durs) == 0 {
		return nil, fmt.Errorf("pgbench -l wrote no latencies in %s", p.dir)
	}
	return durs, nil
}
