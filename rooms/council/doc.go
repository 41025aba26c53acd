// Package council runs a council session (a booking of kind council) the
// way a chair and the secretary run it: the body's members and their
// personal links, the agenda (seeded from the council information
// system's import, integrations/oparl), which item is open and whether it
// is public, who is present (in the room or remotely) against the quorum,
// open votes with their ballots, and the minutes.
//
// Session holds the rules and knows nothing of storage or the network;
// Service keeps one Session per booking in the booking store
// (rooms/store/council.go), each change in one transaction with its audit
// lines, and tells the daemon about every change (the meeting and the
// events stream show the View). A change is acknowledged only after that
// commit: a vote that was answered survives kill -9.
package council
