// Package mail sends Kogge's invitations (iTIP REQUEST and CANCEL, as
// written by integrations/ical) by e-mail over SMTP with STARTTLS.
//
// Send delivers one message synchronously; a Mailer queues messages for a
// single background sender that retries temporary failures, so that the
// request which changed a booking never waits for a mail server.
//
// Nothing is sent in the clear unless Config.AllowPlain says the relay is
// local, and credentials are never sent without TLS. The package uses the
// standard library only; TestServer is a small ESMTP server for tests,
// exported so that the daemon's tests can use it too.
package mail
