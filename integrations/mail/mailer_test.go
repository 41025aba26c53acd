package mail

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"
)

// The TestServer is started outside the bubble: its goroutines wait on the
// network, which would keep synctest's clock from ever advancing. Inside,
// network round trips take no fake time, so elapsed time is exactly the
// backoff.

func TestMailerRetriesTemporaryThenSends(t *testing.T) {
	s := NewTestServer(t, TestServerOptions{Username: "kogge", Password: "geheim"})
	s.FailNext(2, 451)
	synctest.Test(t, func(t *testing.T) {
		m := NewMailer(s.Config(), nil)
		start := time.Now()
		if err := m.Enqueue(invitation()); err != nil {
			t.Fatal(err)
		}
		if err := m.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got, want := time.Since(start), firstBackoff+2*firstBackoff; got != want {
			t.Errorf("delivered after %v, want %v (two backoffs)", got, want)
		}
		if m.Sent() != 1 || m.Failed() != 0 {
			t.Errorf("sent %d failed %d, want 1 and 0", m.Sent(), m.Failed())
		}
	})
	if n := len(s.Messages()); n != 1 {
		t.Fatalf("%d messages received, want 1", n)
	}
}

func TestMailerGivesUpAfterRetries(t *testing.T) {
	s := NewTestServer(t, TestServerOptions{})
	s.FailNext(100, 451)
	synctest.Test(t, func(t *testing.T) {
		m := NewMailer(s.Config(), nil)
		start := time.Now()
		if err := m.Enqueue(invitation()); err != nil {
			t.Fatal(err)
		}
		if err := m.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		// 15 s + 30 s + 1 min + 2 min between five attempts.
		if got, want := time.Since(start), 225*time.Second; got != want {
			t.Errorf("gave up after %v, want %v", got, want)
		}
		if m.Sent() != 0 || m.Failed() != 1 {
			t.Errorf("sent %d failed %d, want 0 and 1", m.Sent(), m.Failed())
		}
	})
}

func TestMailerDropsPermanent(t *testing.T) {
	s := NewTestServer(t, TestServerOptions{})
	s.FailNext(1, 550)
	synctest.Test(t, func(t *testing.T) {
		m := NewMailer(s.Config(), nil)
		start := time.Now()
		for range 2 {
			if err := m.Enqueue(invitation()); err != nil {
				t.Fatal(err)
			}
		}
		if err := m.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("a 550 was retried (%v passed)", d)
		}
		if m.Sent() != 1 || m.Failed() != 1 {
			t.Errorf("sent %d failed %d, want 1 and 1", m.Sent(), m.Failed())
		}
	})
	if n := len(s.Messages()); n != 1 {
		t.Fatalf("%d messages received, want 1", n)
	}
}

func TestMailerQueueFull(t *testing.T) {
	// started is buffered: the sender may get there before the test waits,
	// and a dropped signal would leave the test waiting for ever.
	started, release := make(chan struct{}, 1), make(chan struct{})
	block := func(ctx context.Context, _ Config, _ Message) error {
		select {
		case started <- struct{}{}:
		default:
		}
		<-release
		return nil
	}
	cfg := Config{Host: "mail.stadt.example", From: "raumbuchung@stadt.example"}
	m := newMailer(cfg, nil, block)
	if err := m.Enqueue(invitation()); err != nil {
		t.Fatal(err)
	}
	<-started // the sender holds the first message; the queue is empty
	for i := range QueueSize {
		if err := m.Enqueue(invitation()); err != nil {
			t.Fatalf("message %d: %v", i+2, err)
		}
	}
	if err := m.Enqueue(invitation()); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("err = %v, want ErrQueueFull", err)
	}
	close(release)
	if err := m.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if m.Sent() != QueueSize+1 {
		t.Errorf("sent %d, want %d", m.Sent(), QueueSize+1)
	}
	if err := m.Enqueue(invitation()); !errors.Is(err, ErrClosed) {
		t.Errorf("Enqueue after Close: %v, want ErrClosed", err)
	}
}

func TestMailerCloseDrains(t *testing.T) {
	s := NewTestServer(t, TestServerOptions{Username: "kogge", Password: "geheim"})
	m := NewMailer(s.Config(), nil)
	for i := range 10 {
		msg := invitation()
		msg.Subject = fmt.Sprintf("Einladung %d", i)
		if err := m.Enqueue(msg); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Messages()); n != 10 || m.Sent() != 10 {
		t.Fatalf("received %d, sent %d, want 10", n, m.Sent())
	}
	if err := m.Close(t.Context()); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestMailerCloseGivesUp(t *testing.T) {
	s := NewTestServer(t, TestServerOptions{})
	s.FailNext(100, 451)
	synctest.Test(t, func(t *testing.T) {
		m := NewMailer(s.Config(), nil)
		for range 3 {
			if err := m.Enqueue(invitation()); err != nil {
				t.Fatal(err)
			}
		}
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := m.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Close: %v, want DeadlineExceeded", err)
		}
		if d := time.Since(start); d != 20*time.Second {
			t.Errorf("Close returned after %v, want 20s", d)
		}
		// The sender has exited (synctest.Test would fail otherwise) and
		// accounted for every message.
		if m.Sent() != 0 || m.Failed() != 3 {
			t.Errorf("sent %d failed %d, want 0 and 3", m.Sent(), m.Failed())
		}
	})
}

func TestMailerEnqueueValidates(t *testing.T) {
	m := newMailer(Config{Host: "mail.stadt.example", From: "raumbuchung@stadt.example"}, nil,
		func(context.Context, Config, Message) error { return nil })
	defer m.Close(t.Context())
	msg := invitation()
	msg.Subject = "x\r\nBcc: alle@example.org"
	if err := m.Enqueue(msg); !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	bad := newMailer(Config{From: "raumbuchung@stadt.example"}, nil, nil)
	defer bad.Close(t.Context())
	if err := bad.Enqueue(invitation()); !errors.Is(err, ErrInvalid) {
		t.Fatalf("no host: err = %v, want ErrInvalid", err)
	}
}
