package store

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/kogge-project/kogge/rooms/store/kv"
)

// Meeting memos: what an open meeting remembers so that its participants
// can resume after the node restarts, or on another node when it dies
// (signaling/memory.go; written through signaling/meetings). Opaque JSON
// per meeting (the booking id), holding resume secrets only as SHA-256
// hashes. Like the council bucket it is created by the first write, and
// it goes with the booking when the booking is purged.

// bucketMeetMemos holds booking id -> the meeting's memo (JSON).
var bucketMeetMemos = []byte("meeting_memos")

// maxMeetMemo bounds one memo (a full meeting and lobby fit many times).
const maxMeetMemo = 1 << 20

// MeetingMemo returns a meeting's memo (nil if it has none).
func (s *Store) MeetingMemo(meetingID string) ([]byte, error) {
	var out []byte
	err := s.view("meeting_memo.get", func(tx *kv.Tx) error {
		if b := tx.Bucket(bucketMeetMemos); b != nil {
			out = bytes.Clone(b.Get([]byte(meetingID)))
		}
		return nil
	})
	return out, err
}

// PutMeetingMemo replaces a meeting's memo.
func (s *Store) PutMeetingMemo(meetingID string, memo []byte) error {
	switch {
	case meetingID == "":
		return errors.New("meeting memo: empty meeting id")
	case len(memo) == 0:
		return errors.New("meeting memo: empty memo")
	case len(memo) > maxMeetMemo:
		return fmt.Errorf("meeting memo: %d bytes, at most %d", len(memo), maxMeetMemo)
	}
	return s.update("meeting_memo.put", func(tx *kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketMeetMemos)
		if err != nil {
			return fmt.Errorf("create bucket %s: %w", bucketMeetMemos, err)
		}
		return b.Put([]byte(meetingID), bytes.Clone(memo))
	})
}

// DeleteMeetingMemo deletes a meeting's memo (none: nothing happens).
func (s *Store) DeleteMeetingMemo(meetingID string) error {
	return s.update("meeting_memo.delete", func(tx *kv.Tx) error {
		return deleteMeetMemo(tx, meetingID)
	})
}

func deleteMeetMemo(tx *kv.Tx, meetingID string) error {
	if b := tx.Bucket(bucketMeetMemos); b != nil {
		return b.Delete([]byte(meetingID))
	}
	return nil
}
