package main

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/kogge-project/kogge/bench/internal/benchstat"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// runResult is one measured run of either store.
type runResult struct {
	rate        float64 // attempts answered per second (created or conflict)
	won         int     // attempts that stored a booking
	attempts    int
	fsyncsPerOp float64 // -1 if unknown
}

// koggePreload builds a store file holding n bookings once per size; every
// run works on a private copy, as bench_test.go does. Without access to
// the store's unexported bulk path it goes through Create from many
// goroutines, so db.Batch packs hundreds of creates into each commit. The
// file therefore also holds an audit entry per booking (bench_test.go's
// preload has none), which only makes it bigger.
func koggePreload(dir string, n int) (string, error) {
	path := filepath.Join(dir, fmt.Sprintf("preload-%d.db", n))
	s, err := store.Open(path, store.Options{})
	if err != nil {
		return "", err
	}
	if withProviders {
		if err := preloadHeld(s); err == nil {
			err = installBroker(s)
		}
		if err != nil {
			s.Close()
			return "", err
		}
	}
	firstErr := fillStore(s, n)
	if err := s.Close(); err != nil && firstErr == nil {
		firstErr = err
	}
	return path, firstErr
}

// fillStore creates n bookings in s from 256 goroutines (a fast fill).
func fillStore(s *store.Store, n int) error {
	_, err := benchstat.Spread(256, n, func(_, i int) error {
		if _, err := s.Create(slotBooking(benchStart, i), "preload"); err != nil {
			return fmt.Errorf("preload booking %d: %w", i, err)
		}
		return nil
	})
	return err
}

// koggeOpenCopy copies the preloaded file and syncs the copy before opening
// it: otherwise the first commit's fdatasync would also write back the
// whole freshly copied file and be charged to the benchmark.
func koggeOpenCopy(src, dir string) (*store.Store, error) {
	s, err := openCopy(src, dir)
	if err == nil && withProviders {
		if err = installBroker(s); err != nil {
			s.Close()
		}
	}
	return s, err
}

func openCopy(src, dir string) (*store.Store, error) {
	dst := filepath.Join(dir, "kogge.db")
	in, err := os.Open(src)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return store.Open(dst, store.Options{})
}

// txid is bbolt's id of the last committed write transaction; it grows by
// one per commit, so its difference counts commits without the store's
// unexported benchmark hook. bbolt syncs twice per commit (data pages, then
// meta page), hence fsyncs = 2 × commits as in bench_test.go (a slight
// undercount while the file grows).
func txid(s *store.Store) (int, error) {
	tx, err := s.DB().Bolt().Begin(false)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	return tx.ID(), nil
}

// koggeCreates measures attempts creates (conflict check + insert in one
// bbolt transaction) from writers goroutines on a fresh copy of src.
func koggeCreates(src, dir string, size, attempts, writers int, mix string) (runResult, error) {
	s, err := koggeOpenCopy(src, dir)
	if err != nil {
		return runResult{}, err
	}
	defer s.Close()
	base := benchStart.Add(benchSpan(size))
	before, err := txid(s)
	if err != nil {
		return runResult{}, err
	}

	won, elapsed, err := createFrom([]*store.Store{s}, writers, attempts, base, mix)
	if err != nil {
		return runResult{}, err
	}
	after, err := txid(s)
	if err != nil {
		return runResult{}, err
	}
	return runResult{
		rate:        float64(attempts) / elapsed.Seconds(),
		won:         won,
		attempts:    attempts,
		fsyncsPerOp: 2 * float64(after-before) / float64(attempts),
	}, nil
}

// createFrom runs attempts creates of the mix from writers goroutines,
// writer w through stores[w mod len(stores)]; it returns how many won
// (the rest were refused as conflicts) and how long they all took.
func createFrom(stores []*store.Store, writers, attempts int, base time.Time, mix string) (won int, elapsed time.Duration, err error) {
	var wonN atomic.Int64
	elapsed, err = benchstat.Spread(writers, attempts, func(w, a int) error {
		_, err := stores[w%len(stores)].Create(slotBooking(base, slotOf(mix, a)), "bench")
		var conflict *rooms.ConflictError
		switch {
		case err == nil:
			wonN.Add(1)
		case errors.As(err, &conflict):
			// answered: the room is taken
		default:
			return err
		}
		return nil
	})
	return int(wonN.Load()), elapsed, err
}

// koggeOverlap times queries one-day Overlapping calls for a random room
// and day within the preloaded range, one at a time, in-process.
func koggeOverlap(src, dir string, size, queries int) ([]time.Duration, error) {
	s, err := koggeOpenCopy(src, dir)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	days := int(benchSpan(size) / (24 * time.Hour))
	durs := make([]time.Duration, 0, queries)
	for range queries {
		room := benchRooms[rng.IntN(len(benchRooms))]
		from := benchStart.Add(time.Duration(rng.IntN(days)) * 24 * time.Hour)
		t := time.Now()
		got, err := s.Overlapping(room, from, from.Add(24*time.Hour))
		durs = append(durs, time.Since(t))
		if err != nil || len(got) == 0 {
			return nil, fmt.Errorf("overlapping %s %s: %d bookings, %v", room, from, len(got), err)
		}
	}
	return durs, nil
}
