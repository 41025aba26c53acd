package benchstat

import (
	"sync"
	"sync/atomic"
	"time"
)

// Spread runs fn(i) for i in [0, n) on workers goroutines, each taking the
// next i as it finishes the last, worker w being told its number (to pick
// its store or client). It stops handing out work at the first error and
// returns that error and how long the whole took.
func Spread(workers, n int, fn func(worker, i int) error) (time.Duration, error) {
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for w := range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if err := fn(w, i); err != nil {
					once.Do(func() { firstErr = err })
					next.Store(int64(n)) // nobody takes more
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start), firstErr
}
