package meetings

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/signaling"
)

// storeMemory keeps the meetings' memos (signaling.Memory) in the store,
// one JSON record per meeting (rooms/store/meetmemo.go): on a cluster the
// store is replicated, so a meeting that moves to another node finds its
// participants there. The memo holds resume secrets only as SHA-256
// hashes. A failed write is logged: the meeting goes on, only a resume
// after a restart would find an older memo.
//
// A memo is also where a meeting's end is kept (MeetingMemo.Ended), so
// that no node opens a meeting anew that another node ended.
type storeMemory struct {
	st  *store.Store
	log *slog.Logger
}

// catchUpWait bounds bringing this node's copy up to the cluster's
// latest commit before a memo is read.
const catchUpWait = 2 * time.Second

// Load reads the memo as the cluster has it now: a meeting opens on a
// node right after another node ended it or wrote its last memo (the
// node that ran it gives up its claim only after that write), and this
// node's copy may not have applied that commit yet. Without the cluster
// the copy is read as it is (logged): the meeting still opens.
func (m storeMemory) Load(meetingID string) (signaling.MeetingMemo, bool) {
	var memo signaling.MeetingMemo
	ctx, cancel := context.WithTimeout(context.Background(), catchUpWait)
	err := m.st.CatchUp(ctx)
	cancel()
	if err != nil {
		m.log.Warn("a meeting opens on this node's copy of the store, which may lag the cluster", "booking", meetingID, "err", err)
	}
	v, err := m.st.MeetingMemo(meetingID)
	if err != nil {
		m.log.Error("reading a meeting memo", "booking", meetingID, "err", err)
		return memo, false
	}
	if v == nil {
		return memo, false
	}
	if err := json.Unmarshal(v, &memo); err != nil {
		m.log.Error("a meeting memo does not decode; the meeting starts without it", "booking", meetingID, "err", err)
		return memo, false
	}
	return memo, true
}

func (m storeMemory) Save(meetingID string, memo signaling.MeetingMemo) {
	v, err := json.Marshal(memo)
	if err == nil {
		err = m.st.PutMeetingMemo(meetingID, v)
	}
	if err != nil {
		m.log.Error("writing a meeting memo", "booking", meetingID, "err", err)
	}
}

func (m storeMemory) Forget(meetingID string) {
	if err := m.st.DeleteMeetingMemo(meetingID); err != nil {
		m.log.Error("deleting a meeting memo", "booking", meetingID, "err", err)
	}
}
