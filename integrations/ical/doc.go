// Package ical writes Kogge's bookings as RFC 5545 iCalendar — subscribed
// feeds (WriteFeed) and invitations (WriteInvitation, RFC 5546 iTIP) — and
// reads an uploaded .ics for a preview (ParseImport).
//
// It uses the standard library only: the daemon wires it to HTTP, tokens
// and e-mail. Output is checked against Mozilla's ical.js in the tests.
//
// How Kogge's statuses appear in a calendar:
//
//	tentative              STATUS:TENTATIVE
//	confirmed, checked_in  STATUS:CONFIRMED
//	ended                  STATUS:CONFIRMED; DTEND is when it actually ended
//	cancelled              STATUS:CANCELLED (an occurrence of a series: EXDATE)
//	released               STATUS:CANCELLED with a note: nobody checked in and
//	                       the room was freed, so the meeting did not take place
//	                       (an occurrence of a series: EXDATE)
package ical
